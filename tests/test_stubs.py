"""The committed type stubs describe the package as it runs (``python -m microtensor._stubs``)."""
import inspect

import pytest

import microtensor as mt
from microtensor import _registry, _stubs


def test_committed_stubs_are_generated_from_the_running_package():
    for path, text in _stubs.stubs().items():
        assert path.read_text() == text, f"{path.name} is stale: run `python -m microtensor._stubs`"


def test_every_op_and_tensor_method_has_hints_for_the_stub():
    for name, function in {**_registry.OPS, **_registry.METHODS}.items():
        function = function.fget if isinstance(function, property) else function
        signature = inspect.signature(function)
        unhinted = [p.name for p in signature.parameters.values() if p.annotation is inspect.Parameter.empty]
        assert not unhinted, (name, unhinted)
        assert signature.return_annotation is not inspect.Signature.empty, name


def test_operators_give_the_hints_of_their_op():
    assert mt.Tensor.__radd__.__annotations__ == {"other": "TensorLike", "return": "Tensor"}
    assert inspect.signature(mt.exp).parameters["out"].annotation == "Optional[Tensor]"
    assert mt.exp.__annotations__ == {"input": "Tensor", "return": "Tensor", "out": "Optional[Tensor]"}


def test_a_tensor_member_the_stub_does_not_describe_stops_the_generator(monkeypatch):
    monkeypatch.setattr(mt.Tensor, "brand_new_member", lambda self: self, raising=False)
    with pytest.raises(_stubs.StubError, match="brand_new_member"):
        _stubs.tensor_stub()


def test_an_op_without_hints_stops_the_generator(monkeypatch):
    def unhinted(input):
        return input

    monkeypatch.setitem(_registry.OPS, "unhinted", unhinted)
    with pytest.raises(_stubs.StubError, match="test_stubs.unhinted: no return hint"):
        _stubs.ops_stub()


def test_overloads_are_read_from_the_source():
    stub = _stubs.ops_stub()
    assert "@overload\ndef max(input: Tensor, dim: int, keepdim: bool = False, *, out: Optional[Sequence[Tensor]]" \
        " = None) -> max_result: ..." in stub
    assert "def where(condition: Tensor, *, out: Optional[Sequence[Tensor]] = None) -> Tuple[Tensor, ...]: ..." in stub


def test_a_public_name_the_package_stub_does_not_list_stops_the_generator(monkeypatch):
    monkeypatch.setattr(mt, "brand_new_function", lambda: None, raising=False)
    with pytest.raises(_stubs.StubError, match="brand_new_function"):
        _stubs.package_stub()


def test_the_package_stub_re_exports_every_name_explicitly():
    stub = _stubs.package_stub()
    assert "from .creation import (\n    as_tensor as as_tensor," in stub and "from ._tensor import Tensor as Tensor" in stub
    assert "from .spaced_values import arange as arange, linspace as linspace," in stub
    assert "from .serialization import save as save" in stub and "    nn as nn,\n" in stub
