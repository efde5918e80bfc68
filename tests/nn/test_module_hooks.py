"""Module forward hooks, forward pre-hooks and full backward hooks, against PyTorch's documented semantics of Module.__call__.

Each test builds a tiny module that logs what it sees, so the expected call order and the
values handed to each hook are written out by hand here.
"""
import copy
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn


class Scale(nn.Module):
    """forward(x, scale=1.0) = x * scale; logs each call; a negative scale raises."""

    def __init__(self, log):
        super().__init__()
        self.log = log

    def forward(self, x, scale=1.0):
        self.log.append(("forward", x.tolist(), scale))
        if scale < 0:
            raise ValueError("negative scale")
        return x * scale


@pytest.fixture
def log():
    return []


def test_a_module_without_hooks_calls_forward(log):
    module = Scale(log)
    assert module(mt.tensor([1.0, 2.0]), scale=3.0).tolist() == [3.0, 6.0]
    assert log == [("forward", [1.0, 2.0], 3.0)]


# ------------------------------------------------------------------ pre-hooks
def test_pre_hook_sees_the_module_and_the_positional_args(log):
    module = Scale(log)
    seen = []
    module.register_forward_pre_hook(lambda mod, args: seen.append((mod, args)))
    x = mt.tensor([1.0])
    module(x, scale=2.0)
    assert len(seen) == 1 and seen[0][0] is module
    assert isinstance(seen[0][1], tuple) and seen[0][1][0] is x  # kwargs are not passed without with_kwargs


def test_pre_hook_return_value_replaces_the_input(log):
    module = Scale(log)
    module.register_forward_pre_hook(lambda mod, args: (args[0] + 1,))
    assert module(mt.tensor([1.0, 2.0])).tolist() == [2.0, 3.0]


def test_pre_hook_returning_a_single_value_is_wrapped_into_a_tuple(log):
    module = Scale(log)
    module.register_forward_pre_hook(lambda mod, args: args[0] * 10)
    assert module(mt.tensor([1.0])).tolist() == [10.0]


def test_pre_hook_with_kwargs_can_replace_args_and_kwargs(log):
    module = Scale(log)
    seen = []

    def hook(mod, args, kwargs):
        seen.append(dict(kwargs))
        return (args[0] * 2,), {**kwargs, "scale": 5.0}

    module.register_forward_pre_hook(hook, with_kwargs=True)
    assert module(mt.tensor([1.0]), scale=3.0).tolist() == [10.0]
    assert seen == [{"scale": 3.0}]
    assert log == [("forward", [2.0], 5.0)]


def test_pre_hook_with_kwargs_returning_something_else_is_pytorchs_error(log):
    module = Scale(log)
    module.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"forward pre-hook must return None or a tuple of \(new_args, new_kwargs\)"):
        module(mt.tensor([1.0]))


def test_pre_hooks_run_in_registration_order_and_prepend_goes_first(log):
    module = Scale(log)
    order = []
    module.register_forward_pre_hook(lambda mod, args: order.append("a"))
    module.register_forward_pre_hook(lambda mod, args: order.append("b"))
    module.register_forward_pre_hook(lambda mod, args: order.append("first"), prepend=True)
    module(mt.tensor([1.0]))
    assert order == ["first", "a", "b"]


def test_each_pre_hook_sees_the_args_the_previous_one_returned(log):
    module = Scale(log)
    module.register_forward_pre_hook(lambda mod, args: (args[0] + 1,))
    module.register_forward_pre_hook(lambda mod, args: (args[0] * 3,))
    assert module(mt.tensor([1.0])).tolist() == [6.0]  # (1 + 1) * 3


# -------------------------------------------------------------- forward hooks
def test_forward_hook_sees_args_and_output_and_may_replace_the_output(log):
    module = Scale(log)
    seen = []

    def hook(mod, args, output):
        seen.append((mod, args[0].tolist(), output.tolist()))
        return output + 100

    module.register_forward_hook(hook)
    assert module(mt.tensor([1.0, 2.0]), scale=2.0).tolist() == [102.0, 104.0]
    assert seen == [(module, [1.0, 2.0], [2.0, 4.0])]


def test_forward_hook_gets_the_args_after_the_pre_hooks(log):
    module = Scale(log)
    module.register_forward_pre_hook(lambda mod, args: (args[0] + 1,))
    seen = []
    module.register_forward_hook(lambda mod, args, output: seen.append(args[0].tolist()))
    module(mt.tensor([1.0]))
    assert seen == [[2.0]]


def test_forward_hook_returning_none_keeps_the_output(log):
    module = Scale(log)
    module.register_forward_hook(lambda mod, args, output: None)
    assert module(mt.tensor([3.0])).tolist() == [3.0]


def test_forward_hooks_chain_and_prepend(log):
    module = Scale(log)
    module.register_forward_hook(lambda mod, args, output: output * 10)
    module.register_forward_hook(lambda mod, args, output: output + 1, prepend=True)
    assert module(mt.tensor([1.0])).tolist() == [20.0]  # (1 + 1) * 10: the prepended hook ran first


def test_forward_hook_with_kwargs(log):
    module = Scale(log)
    seen = []
    module.register_forward_hook(lambda mod, args, kwargs, output: seen.append((dict(kwargs), output.tolist())),
                                 with_kwargs=True)
    module(mt.tensor([1.0]), scale=4.0)
    assert seen == [({"scale": 4.0}, [4.0])]


def test_hook_output_keeps_the_graph():
    layer = nn.Linear(2, 1)
    layer.register_forward_hook(lambda mod, args, output: output * 2)
    x = mt.tensor([[1.0, 3.0]])
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), [[2.0, 6.0]])


def test_forward_hooks_collect_activations_of_every_layer():
    # The classic use: record each sub-module's output by name.
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    activations = {}
    for name, module in model.named_children():
        module.register_forward_hook(lambda mod, args, output, name=name: activations.__setitem__(name, output))
    x = mt.randn(5, 3)
    out = model(x)
    assert list(activations) == ["0", "1", "2"]
    np.testing.assert_array_equal(activations["1"].detach().numpy(), np.maximum(activations["0"].detach().numpy(), 0))
    assert activations["2"] is out


# -------------------------------------------------------------- always_call
def test_always_call_hook_runs_when_forward_raises_and_the_error_propagates(log):
    module = Scale(log)
    calls = []
    module.register_forward_hook(lambda mod, args, output: calls.append(("plain", output)))
    module.register_forward_hook(lambda mod, args, output: calls.append(("always", output)), always_call=True)
    with pytest.raises(ValueError, match="negative scale"):
        module(mt.tensor([1.0]), scale=-1.0)
    assert calls == [("always", None)]  # only the always_call hook, with no output


def test_always_call_hook_runs_once_when_a_later_hook_raises(log):
    module = Scale(log)
    calls = []
    module.register_forward_hook(lambda mod, args, output: calls.append("always"), always_call=True)

    def broken(mod, args, output):
        raise KeyError("broken hook")

    module.register_forward_hook(broken)
    with pytest.raises(KeyError, match="broken hook"):
        module(mt.tensor([1.0]))
    assert calls == ["always"]


def test_an_error_in_an_always_call_hook_after_a_forward_error_becomes_a_warning(log):
    module = Scale(log)

    def broken(mod, args, output):
        raise KeyError("inner")

    module.register_forward_hook(broken, always_call=True)
    with pytest.warns(UserWarning, match="always_call=True.*silenced.*inner"):
        with pytest.raises(ValueError, match="negative scale"):
            module(mt.tensor([1.0]), scale=-1.0)


def test_always_call_hook_runs_when_a_pre_hook_raises(log):
    module = Scale(log)
    calls = []

    def broken(mod, args):
        raise TypeError("bad input")

    module.register_forward_pre_hook(broken)
    module.register_forward_hook(lambda mod, args, output: calls.append(output), always_call=True)
    with pytest.raises(TypeError, match="bad input"):
        module(mt.tensor([1.0]))
    assert calls == [None] and log == []


# ------------------------------------------------------------------ handles
def test_handle_remove_takes_the_hook_away_and_twice_is_harmless(log):
    module = Scale(log)
    handle = module.register_forward_hook(lambda mod, args, output: output * 0)
    assert module(mt.tensor([2.0])).tolist() == [0.0]
    handle.remove()
    handle.remove()
    assert module(mt.tensor([2.0])).tolist() == [2.0]
    assert not module._forward_hooks


def test_handle_remove_clears_the_kwargs_and_always_call_flags(log):
    module = Scale(log)
    handle = module.register_forward_hook(lambda *a: None, with_kwargs=True, always_call=True)
    pre = module.register_forward_pre_hook(lambda *a: None, with_kwargs=True)
    handle.remove()
    pre.remove()
    for registry in ("_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
                     "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs"):
        assert not getattr(module, registry), registry


def test_handle_as_a_context_manager(log):
    module = Scale(log)
    with module.register_forward_pre_hook(lambda mod, args: (args[0] * 0,)):
        assert module(mt.tensor([5.0])).tolist() == [0.0]
    assert module(mt.tensor([5.0])).tolist() == [5.0]


def test_handles_are_distinct_and_remove_only_their_hook(log):
    module = Scale(log)
    first = module.register_forward_hook(lambda mod, args, output: output + 1)
    second = module.register_forward_hook(lambda mod, args, output: output * 2)
    assert first.id != second.id
    first.remove()
    assert module(mt.tensor([1.0])).tolist() == [2.0]


def test_a_hook_may_remove_itself_while_running(log):
    module = Scale(log)
    calls = []
    holder = {}

    def once(mod, args, output):
        calls.append(1)
        holder["handle"].remove()

    holder["handle"] = module.register_forward_hook(once)
    module(mt.tensor([1.0]))
    module(mt.tensor([1.0]))
    assert calls == [1]


def test_hooks_are_per_module_and_deepcopy_keeps_them(log):
    module = Scale(log)
    module.register_forward_hook(lambda mod, args, output: output * 2)
    assert Scale(log)(mt.tensor([1.0])).tolist() == [1.0]
    assert copy.deepcopy(module)(mt.tensor([1.0])).tolist() == [2.0]


def test_module_built_without_init_gets_hook_registries():
    module = nn.ReLU.__new__(nn.ReLU)
    module.__dict__.update({key: value for key, value in nn.ReLU().__dict__.items() if "hook" not in key})
    assert module(mt.tensor([-1.0, 1.0])).tolist() == [0.0, 1.0]
    module.register_forward_hook(lambda mod, args, output: output + 1)
    assert module(mt.tensor([-1.0])).tolist() == [1.0]


def test_calling_a_module_whose_init_skipped_super_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            pass

        def forward(self, x):
            return x

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()(mt.ones(1))


def test_a_hook_must_be_callable(log):
    with pytest.raises(TypeError, match="callable"):
        Scale(log).register_forward_hook("not a function")
    with pytest.raises(TypeError, match="callable"):
        Scale(log).register_forward_pre_hook(None)


def test_keyword_only_options():
    with pytest.raises(TypeError):
        nn.ReLU().register_forward_hook(lambda *a: None, True)  # prepend is keyword-only, as in PyTorch


def test_no_warning_on_the_plain_path(log):
    module = Scale(log)
    module.register_forward_hook(lambda mod, args, output: None, always_call=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        module(mt.tensor([1.0]))


# ------------------------------------------------------- full backward hooks
def test_full_backward_hook_sees_the_input_and_output_gradients_of_a_linear_layer():
    rng = np.random.default_rng(0)
    layer = nn.Linear(3, 2).double()
    x = mt.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    seen = []
    handle = layer.register_full_backward_hook(lambda module, grad_input, grad_output: seen.append(
        (module, grad_input, grad_output)))
    out = layer(x)
    (out * out).sum().backward()
    module, grad_input, grad_output = seen[0]
    assert module is layer and len(seen) == 1 and len(grad_input) == len(grad_output) == 1
    weight = layer.weight.detach().numpy()
    expected_out = 2 * out.detach().numpy()  # d(sum y^2)/dy
    np.testing.assert_allclose(grad_output[0].numpy(), expected_out, rtol=1e-12)
    np.testing.assert_allclose(grad_input[0].numpy(), expected_out @ weight, rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), expected_out @ weight, rtol=1e-12)
    handle.remove()
    layer(x).sum().backward()
    assert len(seen) == 1 and len(layer._forward_pre_hooks) == 0


def test_full_backward_hooks_may_replace_the_gradients():
    layer = nn.Linear(2, 2)
    x = mt.ones(1, 2, requires_grad=True)
    layer.register_full_backward_pre_hook(lambda module, grad_output: (grad_output[0] * 3,))
    layer.register_full_backward_hook(lambda module, grad_input, grad_output: (grad_input[0] * 2,))
    layer(x).sum().backward()
    column_sums = layer.weight.detach().numpy().sum(axis=0)
    np.testing.assert_allclose(x.grad.numpy(), [6 * column_sums], rtol=1e-6)
    np.testing.assert_allclose(layer.bias.grad.numpy(), [3.0, 3.0])  # the parameters see the pre-hook's change


def test_full_backward_hook_without_input_gradients_fires_with_none_and_grad_cam_reads_the_output_gradient():
    conv = nn.Conv2d(1, 2, 3)
    model = nn.Sequential(conv, nn.ReLU(), nn.Flatten(), nn.Linear(8, 1))
    stored = {}
    conv.register_forward_hook(lambda module, args, output: stored.update(activation=output))
    conv.register_full_backward_hook(lambda module, grad_input, grad_output: stored.update(
        grad_input=grad_input, gradient=grad_output[0]))
    model(mt.randn(1, 1, 4, 4)).sum().backward()  # the image needs no gradient
    assert stored["grad_input"] == (None,)
    assert stored["gradient"].shape == stored["activation"].shape == (1, 2, 2, 2)
    with pytest.raises(TypeError, match="callable"):
        conv.register_full_backward_hook(3)
