"""The typed tour of the public API (tests/typing/public_api.py, which mypy checks in .ci/run)
also runs: the hints describe calls that work."""
import pathlib
import runpy

import microtensor as mt

TYPING = pathlib.Path(__file__).with_name("typing")


def test_the_file_mypy_checks_runs():
    mt.manual_seed(0)
    namespace = runpy.run_path(str(TYPING / "public_api.py"))
    assert isinstance(namespace["batch_loss"], mt.Tensor)
    assert namespace["largest"].shape == (2,) and namespace["overall"].shape == ()
    assert len(namespace["positions"]) == 2 and namespace["pooled"].shape == (1, 4, 4, 4)


def test_every_mistake_mypy_must_reject_is_marked():
    lines = (TYPING / "mistakes.py").read_text().splitlines()
    marked = [line for line in lines if "# error:" in line]
    assert len(marked) >= 15 and all(not line.startswith("#") for line in marked)
