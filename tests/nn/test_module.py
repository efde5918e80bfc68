"""Module behaviour: registration, names, traversal, state_dict, train/eval, dtype moves, repr."""
from collections import OrderedDict

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 3)
        self.seq = nn.Sequential(nn.ReLU(), nn.Linear(3, 1, bias=False))
        self.register_buffer("running", mt.zeros(3))
        self.register_buffer("scratch", mt.ones(2), persistent=False)

    def forward(self, x):
        return self.seq(self.fc(x) + self.running)


def make_mlp(seed=0):
    mt.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 3))


# ------------------------------------------------------------------ Parameter
def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(mt.tensor([1.0, 2.0]))
    assert isinstance(p, mt.Tensor)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert not nn.Parameter(mt.tensor([1.0]), requires_grad=False).requires_grad


def test_parameter_repr_is_pytorchs():
    p = nn.Parameter(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert repr(p) == "Parameter containing:\ntensor([[1., 2.],\n        [3., 4.]], requires_grad=True)"


def test_parameter_shares_memory_with_the_tensor_it_wraps():
    t = mt.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    t.data[0] = 5.0
    assert p.data[0] == 5.0


def test_integer_parameter_that_requires_grad_is_refused():
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(mt.tensor([1, 2]))


# --------------------------------------------------------------- registration
def test_named_parameters_use_pytorchs_dotted_names():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [name for name, _ in Net().named_parameters()] == ["fc.weight", "fc.bias", "seq.1.weight"]
    assert [p.shape for p in model.parameters()] == [(3, 2), (3,), (1, 3), (1,)]


def test_parameters_are_registered_by_assignment_and_removed_by_del():
    module = nn.Module()
    module.w = nn.Parameter(mt.ones(2))
    module.child = nn.Linear(1, 1)
    module.plain = 3
    assert [name for name, _ in module.named_parameters()] == ["w", "child.weight", "child.bias"]
    assert module.w is module._parameters["w"]
    del module.w
    assert [name for name, _ in module.named_parameters()] == ["child.weight", "child.bias"]
    assert not hasattr(module, "w")
    assert module.plain == 3


def test_named_parameters_non_recursive_and_prefix():
    net = Net()
    assert list(dict(net.named_parameters(recurse=False))) == []
    assert [n for n, _ in net.fc.named_parameters(prefix="fc")] == ["fc.weight", "fc.bias"]


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(model.modules())) == 3  # Sequential, Linear (once), ReLU


def test_assigning_a_plain_tensor_to_a_parameter_slot_is_a_type_error():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="weight"):
        layer.weight = mt.ones(2, 2)
    layer.bias = None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_assigning_before_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(mt.ones(1))

    with pytest.raises(AttributeError, match=r"Module.__init__\(\)"):
        Broken()


def test_unknown_attribute_names_the_module():
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'wieght'"):
        nn.Linear(1, 1).wieght


def test_register_parameter_rejects_bad_names_and_values():
    module = nn.Module()
    with pytest.raises(KeyError):
        module.register_parameter("a.b", nn.Parameter(mt.ones(1)))
    with pytest.raises(TypeError):
        module.register_parameter("a", mt.ones(1))
    with pytest.raises(TypeError):
        module.add_module("m", 3)


def test_forward_missing_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(mt.ones(1))


def test_children_modules_and_named_modules():
    net = Net()
    assert [name for name, _ in net.named_children()] == ["fc", "seq"]
    assert list(net.children()) == [net.fc, net.seq]
    assert [name for name, _ in net.named_modules()] == ["", "fc", "seq", "seq.0", "seq.1"]
    assert [type(m).__name__ for m in net.modules()] == ["Net", "Linear", "Sequential", "ReLU", "Linear"]
    assert net.get_submodule("seq.1") is net.seq[1]
    assert net.get_parameter("seq.1.weight") is net.seq[1].weight


def test_buffers_are_state_but_not_parameters():
    net = Net()
    assert [name for name, _ in net.named_buffers()] == ["running", "scratch"]
    assert len(list(net.buffers())) == 2
    assert "running" in net.state_dict() and "scratch" not in net.state_dict()
    assert all(not isinstance(b, nn.Parameter) for b in net.buffers())


def test_apply_visits_children_first_then_self():
    visited = []
    Net().apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "ReLU", "Linear", "Sequential", "Net"]


def test_apply_can_initialise_weights():
    model = make_mlp()

    def init(module):
        if isinstance(module, nn.Linear):
            nn.init.zeros_(module.weight)

    model.apply(init)
    assert all(np.all(layer.weight.detach().numpy() == 0) for layer in (model[0], model[2]))


# ------------------------------------------------------------ train and grads
def test_train_and_eval_propagate_to_every_submodule():
    net = Net()
    assert net.training and all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not net.seq[0].training
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")


def test_zero_grad_sets_to_none_or_zeros():
    model = make_mlp()
    model(mt.ones(5, 2)).sum().backward()
    assert all(p.grad is not None and np.any(p.grad.numpy() != 0) for p in model.parameters())
    grads = [p.grad for p in model.parameters()]
    model.zero_grad(set_to_none=False)
    assert all(p.grad is g and np.all(g.numpy() == 0) for p, g in zip(model.parameters(), grads))
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_gradients_accumulate_until_zeroed():
    model = make_mlp()
    x = mt.ones(3, 2)
    model(x).sum().backward()
    first = model[0].weight.grad.numpy().copy()
    model(x).sum().backward()
    np.testing.assert_allclose(model[0].weight.grad.data, 2 * first, rtol=1e-6)


def test_requires_grad_freezes_parameters():
    model = make_mlp()
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    assert not model(mt.ones(1, 2)).requires_grad


# ----------------------------------------------------------------- state_dict
def test_state_dict_is_an_ordered_dict_of_detached_tensors():
    model = make_mlp()
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for key, value in state.items():
        assert type(value) is mt.Tensor and not value.requires_grad
        assert value.numpy() is model.get_parameter(key).detach().numpy()


def test_state_dict_round_trip_restores_the_function_in_place():
    source, target = make_mlp(0), make_mlp(1)
    x = mt.randn(4, 2)
    assert not np.allclose(source(x).detach().numpy(), target(x).detach().numpy())
    params_before = list(target.parameters())
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(source(x).data, target(x).data)
    assert all(a is b for a, b in zip(params_before, target.parameters()))
    # a copy, not shared memory
    source[0].weight.data[...] = 7
    assert not np.any(target[0].weight.detach().numpy() == 7)


def test_load_state_dict_keeps_the_models_dtype_and_accepts_arrays():
    model = make_mlp()
    state = {key: value.numpy().astype(np.float64) for key, value in make_mlp(3).state_dict().items()}
    model.load_state_dict(state)
    assert all(p.dtype == mt.float32 for p in model.parameters())
    np.testing.assert_allclose(model[2].bias.data, state["2.bias"], rtol=1e-6)


def test_load_state_dict_strict_reports_missing_and_unexpected_keys_like_pytorch():
    model = make_mlp()
    state = model.state_dict()
    del state["2.bias"]
    state["3.weight"] = mt.ones(1)
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert message.startswith("Error(s) in loading state_dict for Sequential:")
    assert 'Missing key(s) in state_dict: "2.bias".' in message
    assert 'Unexpected key(s) in state_dict: "3.weight".' in message


def test_load_state_dict_non_strict_returns_the_key_lists():
    model = make_mlp()
    state = make_mlp(5).state_dict()
    del state["0.bias"]
    state["extra"] = mt.ones(1)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert missing == ["0.bias"] and unexpected == ["extra"]
    np.testing.assert_array_equal(model[0].weight.data, state["0.weight"].data)


def test_load_state_dict_result_prints_like_pytorch():
    model = make_mlp()
    assert repr(model.load_state_dict(make_mlp(1).state_dict())) == "<All keys matched successfully>"
    state = make_mlp(1).state_dict()
    del state["0.bias"]
    result = model.load_state_dict(state, strict=False)
    assert repr(result) == str(result) == "_IncompatibleKeys(missing_keys=['0.bias'], unexpected_keys=[])"


@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_shape_mismatch_names_key_and_both_shapes(strict):
    model = make_mlp()
    state = model.state_dict()
    state["0.weight"] = mt.zeros(5, 2)
    before = model[0].bias.detach().numpy().copy()
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight: .*\(5, 2\).*\(4, 2\)"):
        model.load_state_dict(state, strict=strict)
    np.testing.assert_array_equal(model[0].bias.data, before)  # nothing half-loaded


def test_load_state_dict_works_while_parameters_require_grad():
    model = make_mlp()
    model.load_state_dict(make_mlp(2).state_dict())
    assert all(p.requires_grad and p.is_leaf for p in model.parameters())


# --------------------------------------------------------------------- dtypes
def test_double_and_float_convert_in_place_keeping_the_parameter_objects():
    model = make_mlp()
    params = list(model.parameters())
    assert model.double() is model
    assert all(p.dtype == mt.float64 for p in model.parameters())
    assert all(a is b for a, b in zip(params, model.parameters()))
    assert model(mt.ones(2, 2, dtype=mt.float64)).dtype == mt.float64
    model.float()
    assert all(p.dtype == mt.float32 for p in model.parameters())
    model.to(mt.float64)
    assert all(p.dtype == mt.float64 for p in params)
    model.to("cpu")
    with pytest.raises(TypeError, match="floating point"):
        model.to(mt.int64)


def test_optimizer_built_before_double_still_updates_the_model():
    model = make_mlp()
    optimizer = mt.optim.SGD(model.parameters(), lr=0.1)
    model.double()
    before = model[0].weight.detach().numpy().copy()
    model(mt.ones(3, 2, dtype=mt.float64)).sum().backward()
    optimizer.step()
    assert model[0].weight.dtype == mt.float64
    assert not np.allclose(model[0].weight.detach().numpy(), before)


# ----------------------------------------------------------------------- repr
def test_nested_repr_matches_pytorch():
    assert repr(Net()) == (
        "Net(\n"
        "  (fc): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (seq): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Linear(in_features=3, out_features=1, bias=False)\n"
        "  )\n"
        ")"
    )


@pytest.mark.parametrize(
    "module, text",
    [
        (nn.Linear(3, 4, bias=False), "Linear(in_features=3, out_features=4, bias=False)"),
        (nn.ReLU(), "ReLU()"),
        (nn.Sigmoid(), "Sigmoid()"),
        (nn.Tanh(), "Tanh()"),
        (nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
        (nn.GELU(), "GELU(approximate='none')"),
        (nn.Softmax(dim=1), "Softmax(dim=1)"),
        (nn.LogSoftmax(dim=-1), "LogSoftmax(dim=-1)"),
        (nn.Identity(), "Identity()"),
        (nn.Flatten(), "Flatten(start_dim=1, end_dim=-1)"),
        (nn.Dropout(0.2), "Dropout(p=0.2, inplace=False)"),
        (nn.MSELoss(), "MSELoss()"),
        (nn.CrossEntropyLoss(), "CrossEntropyLoss()"),
        (nn.Sequential(), "Sequential()"),
    ],
)
def test_layer_reprs_match_pytorch(module, text):
    assert repr(module) == text


def test_module_list_repr_collapses_repeats_like_pytorch():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    assert repr(layers) == (
        "ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n  (3): ReLU()\n)"
    )


# ------------------------------------------------------------ containers
def test_sequential_indexing_slicing_len_iteration_append():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c and list(seq) == [a, b, c]
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [b, c]
    assert list(tail._modules) == ["1", "2"]  # slices keep the original names, as PyTorch
    x = mt.randn(4, 2)
    np.testing.assert_array_equal(seq(x).data, c(b(a(x))).data)
    d = nn.Sigmoid()
    assert seq.append(d) is seq and seq[3] is d and len(seq) == 4
    with pytest.raises(IndexError, match="out of range"):
        seq[4]
    with pytest.raises(TypeError):
        seq.append(lambda t: t)
    with pytest.raises(TypeError):
        nn.Sequential(nn.ReLU(), "relu")


def test_sequential_from_ordered_dict_uses_the_given_names():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [name for name, _ in seq.named_parameters()] == ["fc.weight", "fc.bias"]
    assert seq.fc is seq[0]


def test_sequential_delitem_and_setitem():
    seq = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Tanh())
    del seq[0]
    assert [type(m).__name__ for m in seq] == ["ReLU", "Tanh"]
    assert list(seq._modules) == ["0", "1"]
    seq[1] = nn.Sigmoid()
    assert isinstance(seq[1], nn.Sigmoid)


def test_module_list_registers_its_modules():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 1)])
    layers.append(nn.ReLU())
    assert len(layers) == 3 and isinstance(layers[-1], nn.ReLU)
    assert [n for n, _ in layers.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert isinstance(layers[:2], nn.ModuleList) and len(layers[:2]) == 2


# ----------------------------------------------- Module features, as PyTorch
def test_reassigning_a_parameter_or_submodule_keeps_its_position():
    layer = nn.Linear(2, 3)
    layer.weight = nn.Parameter(mt.zeros(3, 2))
    assert list(layer.state_dict()) == ["weight", "bias"]
    net = Net()
    net.fc = nn.Linear(2, 3)
    assert [name for name, _ in net.named_children()] == ["fc", "seq"]


def test_named_modules_duplicates_prefix_and_memo():
    shared = nn.ReLU()
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert [name for name, _ in model.named_modules()] == ["", "0", "1"]
    assert [name for name, _ in model.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    assert [name for name, _ in model.named_modules(prefix="net")] == ["net", "net.0", "net.1"]
    assert [name for name, _ in model.named_modules(memo={shared})] == ["", "1"]  # modules in memo are skipped
    assert list(model.modules()) == [model, shared, model[1]]
    assert [name for name, _ in model.named_children()] == ["0", "1"]


def test_register_buffer_persistent_false_stays_out_of_state_dict_and_loading():
    net = Net()
    assert list(net.state_dict()) == ["running", "fc.weight", "fc.bias", "seq.1.weight"]
    state = net.state_dict()
    assert "scratch" not in state
    fresh = Net()
    assert fresh.load_state_dict(state) == ([], [])
    net.register_buffer("scratch", mt.zeros(2), persistent=True)  # re-registering can make it persistent
    assert "scratch" in net.state_dict()


def test_buffers_named_buffers_recurse_prefix_and_get_buffer():
    outer = nn.Module()
    outer.inner = Net()
    outer.register_buffer("count", mt.tensor(0))
    assert [name for name, _ in outer.named_buffers()] == ["count", "inner.running", "inner.scratch"]
    assert [name for name, _ in outer.named_buffers(recurse=False)] == ["count"]
    assert [name for name, _ in outer.named_buffers(prefix="m")] == ["m.count", "m.inner.running", "m.inner.scratch"]
    assert len(list(outer.buffers(recurse=False))) == 1 and len(list(outer.buffers())) == 3
    assert outer.get_buffer("inner.running") is outer.inner.running
    with pytest.raises(AttributeError, match="no buffer `fc`"):
        outer.get_buffer("inner.fc")


def test_buffer_assignment_none_and_dtype_moves():
    net = Net()
    net.running = mt.ones(3)  # assigning a Tensor to a buffer name replaces the buffer
    assert net._buffers["running"].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(TypeError, match="buffer 'running'"):
        net.running = [1.0, 2.0]
    net.register_buffer("empty", None)
    assert "empty" not in net.state_dict() and [n for n, _ in net.named_buffers()] == ["running", "scratch"]
    net.double()
    assert net.running.dtype == mt.float64 and net.scratch.dtype == mt.float64


def test_register_buffer_errors_are_pytorchs():
    module = nn.Module()
    module.plain = 1
    with pytest.raises(KeyError, match="attribute 'plain' already exists"):
        module.register_buffer("plain", mt.ones(1))
    with pytest.raises(KeyError, match=r'contain "\."'):
        module.register_buffer("a.b", mt.ones(1))
    with pytest.raises(KeyError, match="empty string"):
        module.register_buffer("", mt.ones(1))
    with pytest.raises(TypeError, match="buffer name should be a string"):
        module.register_buffer(3, mt.ones(1))
    with pytest.raises(TypeError, match="cannot assign 'list' object to buffer 'x'"):
        module.register_buffer("x", [1.0])


def test_register_module_is_add_module():
    module = nn.Module()
    module.register_module("child", nn.ReLU())
    assert isinstance(module.child, nn.ReLU) and [n for n, _ in module.named_children()] == ["child"]


def test_apply_returns_self_and_requires_grad_round_trip():
    model = make_mlp()
    assert model.apply(lambda m: None) is model
    model.requires_grad_(False)
    assert model.requires_grad_() is model and all(p.requires_grad for p in model.parameters())


def test_extra_repr_is_used_on_one_line_or_above_the_children():
    class Gate(nn.Module):
        def __init__(self, children=False):
            super().__init__()
            if children:
                self.fc = nn.Linear(1, 1)

        def extra_repr(self):
            return "width=4,\nmode='soft'" if hasattr(self, "fc") else "width=4"

    assert repr(Gate()) == "Gate(width=4)"
    assert repr(Gate(children=True)) == (
        "Gate(\n  width=4,\n  mode='soft'\n  (fc): Linear(in_features=1, out_features=1, bias=True)\n)"
    )
