"""Each op is declared once (``@op``); the namespace, Tensor methods, numpy dispatch and docs follow."""
import pathlib

import numpy as np

import microtensor as mt
from microtensor import _registry
from microtensor.ops.__main__ import HEADER

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs" / "ops.md"


def test_docs_op_table_is_generated_from_the_registry():
    assert DOCS.read_text() == HEADER + _registry.op_table(), (
        "docs/ops.md is out of date: run `python -m microtensor.ops > docs/ops.md`"
    )


def test_every_declared_op_is_an_mt_function():
    for name, function in _registry.OPS.items():
        assert getattr(mt, name) is function, name


def test_declared_methods_and_operators_are_bound_on_tensor():
    for attribute, function in _registry.METHODS.items():
        assert attribute in vars(mt.Tensor), attribute
    assert mt.Tensor.tanh is getattr(mt.tanh, "__wrapped__", mt.tanh) and mt.Tensor.__add__ is mt.add.__wrapped__


def test_numpy_dispatch_runs_the_declared_op():
    x = mt.tensor([0.5, -1.0], requires_grad=True)
    y = np.tanh(x)
    assert isinstance(y, mt.Tensor) and y.grad_fn.name() == "TanhBackward"
    total = np.sum(y, axis=0, keepdims=True)  # numpy's keyword names are translated
    assert total.shape == (1,)


def test_the_tensor_module_imports_no_op_module():
    import ast
    import microtensor._tensor as tensor_module

    tree = ast.parse(pathlib.Path(tensor_module.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name and (name.startswith("ops") or ".ops" in name) for name in imported), imported
