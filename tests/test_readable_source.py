"""Every public class and function can be read with ``inspect.getsource`` (``??`` in Jupyter).

A class's source is found through the module its ``__module__`` names, so a class written in one
file must not claim another file as its home. Exceptions are left out: ``LoadError`` and
``TargetTypeError`` name their public module on purpose, so that tracebacks show the path a user
imports them from.
"""
import importlib
import inspect

import pytest

PUBLIC_MODULES = [
    "microtensor", "microtensor.nn", "microtensor.nn.functional", "microtensor.nn.init", "microtensor.optim",
    "microtensor.optim.lr_scheduler", "microtensor.viz", "microtensor.utils.data", "microtensor.autograd",
    "microtensor.serialization", "microtensor.linalg", "microtensor.distributions", "microtensor.testing",
    "microtensor.special", "microtensor.utils.checkpoint",
]


def _public_objects(module_name):
    module = importlib.import_module(module_name)
    for name in dir(module):
        value = getattr(module, name)
        if name.startswith("_") or not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        if not getattr(value, "__module__", "").startswith("microtensor"):
            continue  # numpy's and Python's own objects re-exported for convenience
        if inspect.isclass(value) and issubclass(value, BaseException):
            continue
        yield name, value


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_public_objects_have_readable_source(module_name):
    unreadable = []
    for name, value in _public_objects(module_name):
        try:
            inspect.getsource(value)
        except (OSError, TypeError) as error:
            unreadable.append(f"{name} ({value.__module__}): {error}")
    assert not unreadable, unreadable


def test_the_check_covers_the_main_namespaces():
    counts = {name: sum(1 for _ in _public_objects(name)) for name in PUBLIC_MODULES}
    assert counts["microtensor"] > 100 and counts["microtensor.nn"] > 50 and counts["microtensor.nn.functional"] > 40
    assert counts["microtensor.optim.lr_scheduler"] >= 10
