"""Shared test settings.

Hypothesis runs a modest, fixed set of examples by default so the whole suite stays
within a few minutes on two cores and gives the same verdict every run; ``MT_SLOW=1``
selects the thorough profile (random examples)
(and makes tests marked ``slow`` run their full form).
"""
import gc
import json
import os
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

# The default profile is derandomized: every run tries the same examples, so a test
# that passes once passes in CI too. The thorough profile explores new examples each run.
settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
SLOW = os.environ.get("MT_SLOW") == "1"
settings.load_profile("thorough" if SLOW else "ci")


def pytest_collection_finish(session):
    """What collection built (the test modules, their parameters, hypothesis' strategies: some 100,000 objects)
    lives until the run ends; frozen, it is not rescanned by every full garbage collection the tests trigger."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Each test starts with grad mode on and the default dtype float32."""
    import microtensor as mt

    yield
    mt.set_grad_enabled(True)
    mt.set_default_dtype(mt.float32)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# One fresh interpreter tells the tests that promise an optional package is imported only when it is needed
# (onnx, matplotlib, safetensors) what each step pulled in: a snapshot of sys.modules after each step.
_IMPORT_STEPS = r"""
import json, sys
modules = {}
import microtensor as mt
modules["import microtensor"] = sorted(sys.modules)
mt.viz
modules["mt.viz"] = sorted(sys.modules)
mt.save({"x": mt.ones(1)}, sys.argv[1]); mt.load(sys.argv[1])
modules["mt.save and mt.load of an .npz"] = sorted(sys.modules)
print(json.dumps(modules))
"""


@pytest.fixture(scope="session")
def modules_after(tmp_path_factory):
    """``{step: names in sys.modules after it}`` for the steps of ``_IMPORT_STEPS``, in a fresh Python."""
    path = tmp_path_factory.mktemp("fresh_interpreter") / "a.npz"
    done = subprocess.run([sys.executable, "-c", _IMPORT_STEPS, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return {step: set(names) for step, names in json.loads(done.stdout.strip().splitlines()[-1]).items()}
