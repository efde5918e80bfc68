"""Shared test settings.

Hypothesis runs a modest, fixed set of examples by default so the whole suite stays
within a few minutes on two cores and gives the same verdict every run; ``MT_SLOW=1``
selects the thorough profile (random examples)
(and makes tests marked ``slow`` run their full form).
"""
import gc
import os

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
