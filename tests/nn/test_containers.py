"""Containers (Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict) and Unflatten,
against PyTorch's documented behaviour: names (so state_dict keys carry over), order,
indexing, renumbering, reprs and errors, written out by hand here."""
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor import nn
from tests.strategies import check_gradients


def names(module):
    return list(module._modules)


def kinds(container):
    return [type(module).__name__ for module in container]


# ------------------------------------------------------------------ Sequential
def test_sequential_negative_indices_get_set_and_delete():
    seq = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
    assert isinstance(seq[-1], nn.Sigmoid) and isinstance(seq[-3], nn.ReLU)
    seq[-2] = nn.Identity()
    assert kinds(seq) == ["ReLU", "Identity", "Sigmoid"] and names(seq) == ["0", "1", "2"]
    del seq[-1]
    assert kinds(seq) == ["ReLU", "Identity"]
    with pytest.raises(IndexError, match="out of range"):
        seq[-3]
    with pytest.raises(TypeError, match="integers or slices"):
        seq["0"]


def test_sequential_slices_keep_names_and_share_modules():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    seq = nn.Sequential(a, b, c)
    assert names(seq[1:]) == ["1", "2"] and names(seq[::-1]) == ["2", "1", "0"]
    assert seq[::2][0] is a and seq[::2][1] is c
    assert isinstance(seq[:0], nn.Sequential) and len(seq[:0]) == 0


def test_sequential_delete_renumbers_every_name_as_pytorch():
    seq = nn.Sequential(OrderedDict([("a", nn.ReLU()), ("b", nn.Tanh()), ("c", nn.Sigmoid())]))
    del seq[1]
    assert names(seq) == ["0", "1"] and kinds(seq) == ["ReLU", "Sigmoid"]
    seq = nn.Sequential(*[nn.Identity() for _ in range(5)])
    del seq[1:4]
    assert names(seq) == ["0", "1"]


def test_sequential_insert_append_extend_pop():
    seq = nn.Sequential(nn.ReLU(), nn.Tanh())
    assert seq.insert(0, nn.Sigmoid()) is seq
    assert kinds(seq) == ["Sigmoid", "ReLU", "Tanh"]
    seq.insert(-1, nn.Identity())  # before the last one
    assert kinds(seq) == ["Sigmoid", "ReLU", "Identity", "Tanh"]
    seq.insert(len(seq), nn.GELU())
    assert names(seq) == ["0", "1", "2", "3", "4"]
    with pytest.raises(IndexError, match="Index out of range: 9"):
        seq.insert(9, nn.ReLU())
    with pytest.raises(AssertionError, match="module should be of type"):
        seq.insert(0, "relu")
    popped = seq.pop(1)
    assert isinstance(popped, nn.ReLU) and len(seq) == 4 and names(seq) == ["0", "1", "2", "3"]
    assert seq.extend([nn.ReLU(), nn.ReLU()]) is seq and len(seq) == 6
    assert seq.append(nn.Tanh()) is seq and names(seq)[-1] == "6"


def test_sequential_add_iadd_mul():
    a, b = nn.ReLU(), nn.Tanh()
    left, right = nn.Sequential(a), nn.Sequential(b)
    both = left + right
    assert list(both) == [a, b] and names(both) == ["0", "1"] and len(left) == 1
    left += right
    assert list(left) == [a, b]
    with pytest.raises(ValueError, match="only objects of Sequential class"):
        left + [b]
    with pytest.raises(ValueError, match="only objects of Sequential class"):
        left += [b]
    twice = right * 2
    assert list(twice) == [b, b] and list(2 * right) == [b, b]
    right *= 3
    assert list(right) == [b, b, b] and names(right) == ["0", "1", "2"]
    with pytest.raises(ValueError, match="Non-positive multiplication factor 0"):
        right * 0
    with pytest.raises(TypeError, match="unsupported operand"):
        right * 1.5


def test_sequential_ordered_dict_names_reach_state_dict_and_attributes():
    seq = nn.Sequential(OrderedDict([("fc1", nn.Linear(2, 3)), ("act", nn.ReLU()), ("fc2", nn.Linear(3, 1))]))
    assert list(seq.state_dict()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert seq.fc2 is seq[2] and seq[-1] is seq.fc2
    x = mt.randn(4, 2)
    np.testing.assert_array_equal(seq(x).detach().numpy(), seq.fc2(seq.act(seq.fc1(x))).detach().numpy())


def test_sequential_rejects_non_modules_with_pytorchs_message():
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        nn.Sequential(nn.ReLU(), 3)
    seq = nn.Sequential(nn.ReLU())
    with pytest.raises(TypeError, match="child module '0'"):
        seq[0] = 3


def test_sequential_dir_hides_positional_names():
    seq = nn.Sequential(nn.ReLU())
    assert "0" not in dir(seq) and "append" in dir(seq)


# ------------------------------------------------------------------ ModuleList
def test_module_list_indexing_and_slices_renumber():
    layers = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()])
    assert isinstance(layers[-1], nn.Sigmoid)
    part = layers[1:]
    assert isinstance(part, nn.ModuleList) and names(part) == ["0", "1"]  # a new list, numbered afresh
    layers[-1] = nn.Identity()
    assert kinds(layers) == ["ReLU", "Tanh", "Identity"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        layers[3]


def test_module_list_delete_insert_pop_renumber():
    layers = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.Identity()])
    del layers[1]
    assert kinds(layers) == ["ReLU", "Sigmoid", "Identity"] and names(layers) == ["0", "1", "2"]
    del layers[::2]
    assert kinds(layers) == ["Sigmoid"]
    layers.insert(0, nn.ReLU())
    layers.insert(-1, nn.Tanh())  # as list.insert: before the last entry
    assert kinds(layers) == ["ReLU", "Tanh", "Sigmoid"] and names(layers) == ["0", "1", "2"]
    assert isinstance(layers.pop(-1), nn.Sigmoid) and len(layers) == 2


def test_module_list_extend_add_and_iadd():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    layers = nn.ModuleList([a])
    assert layers.extend([b]) is layers
    layers += [c]
    assert list(layers) == [a, b, c]
    combined = nn.ModuleList([a]) + nn.ModuleList([b, c])
    assert isinstance(combined, nn.ModuleList) and list(combined) == [a, b, c]
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable, but got ReLU"):
        layers.extend(nn.ReLU())
    with pytest.raises(TypeError, match="not a Module subclass"):
        layers.append(3)


def test_module_list_parameters_and_state_dict_keys():
    model = nn.Module()
    model.layers = nn.ModuleList([nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)])
    assert list(model.state_dict()) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]


def test_module_list_cannot_be_called():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.ModuleList([nn.ReLU()])(mt.ones(1))


# ------------------------------------------------------------------ ModuleDict
def test_module_dict_keeps_insertion_order_and_registers_under_the_keys():
    blocks = nn.ModuleDict({"z": nn.Linear(1, 2), "a": nn.ReLU(), "m": nn.Linear(2, 1)})
    assert list(blocks) == ["z", "a", "m"] and list(blocks.keys()) == ["z", "a", "m"]
    assert list(blocks.state_dict()) == ["z.weight", "z.bias", "m.weight", "m.bias"]
    assert [key for key, _ in blocks.items()] == ["z", "a", "m"]
    assert list(blocks.values()) == [blocks["z"], blocks["a"], blocks["m"]]
    assert blocks.m is blocks["m"]
    assert repr(blocks) == (
        "ModuleDict(\n"
        "  (z): Linear(in_features=1, out_features=2, bias=True)\n"
        "  (a): ReLU()\n"
        "  (m): Linear(in_features=2, out_features=1, bias=True)\n"
        ")"
    )


def test_module_dict_set_delete_contains_len_pop_clear():
    blocks = nn.ModuleDict()
    assert len(blocks) == 0 and repr(blocks) == "ModuleDict()"
    blocks["act"] = nn.ReLU()
    blocks["fc"] = nn.Linear(1, 1)
    assert "act" in blocks and "missing" not in blocks and len(blocks) == 2
    blocks["act"] = nn.Tanh()  # replacing keeps the position
    assert list(blocks) == ["act", "fc"] and isinstance(blocks["act"], nn.Tanh)
    fc = blocks.pop("fc")
    assert isinstance(fc, nn.Linear) and list(blocks) == ["act"]
    del blocks["act"]
    assert len(blocks) == 0
    blocks.update({"x": nn.ReLU()})
    blocks.clear()
    assert len(blocks) == 0 and list(blocks.parameters()) == []
    with pytest.raises(KeyError):
        blocks["missing"]


def test_module_dict_update_from_pairs_mapping_and_module_dict():
    blocks = nn.ModuleDict([("b", nn.ReLU()), ("a", nn.Tanh())])
    assert list(blocks) == ["b", "a"]
    blocks.update(OrderedDict([("c", nn.Sigmoid())]))
    blocks.update(nn.ModuleDict({"d": nn.Identity()}))
    blocks.update({"e": nn.ReLU(), "b": nn.Identity()})  # a plain dict keeps its order for modules
    assert list(blocks) == ["b", "a", "c", "d", "e"] and isinstance(blocks["b"], nn.Identity)


def test_module_dict_errors_are_pytorchs():
    blocks = nn.ModuleDict()
    with pytest.raises(TypeError, match="ModuleDict.update should be called with an iterable of key/value pairs"):
        blocks.update(3)
    with pytest.raises(ValueError, match="ModuleDict update sequence element #0 has length 1; 2 is required"):
        blocks.update([("a",)])
    with pytest.raises(TypeError, match="should be Iterable"):
        blocks.update([3])
    with pytest.raises(KeyError, match="attribute 'keys' already exists"):
        blocks["keys"] = nn.ReLU()
    with pytest.raises(TypeError, match="module name should be a string"):
        blocks[1] = nn.ReLU()
    with pytest.raises(TypeError, match="not a Module subclass"):
        blocks["x"] = 3


def test_module_dict_in_a_model_is_found_by_the_optimizer():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 1)})

        def forward(self, x, head):
            return self.heads[head](x)

    net = Net()
    assert len(list(net.parameters())) == 4
    net(mt.ones(1, 2), "b").sum().backward()
    assert net.heads["a"].weight.grad is None and net.heads["b"].weight.grad is not None


# --------------------------------------------------------------- ParameterList
def test_parameter_list_registers_under_positions_and_wraps_tensors():
    data = mt.zeros(2)
    params = nn.ParameterList([nn.Parameter(mt.ones(2, 3)), data])
    assert len(params) == 2 and list(params.state_dict()) == ["0", "1"]
    assert isinstance(params[1], nn.Parameter) and params[1].requires_grad
    params[1].data[0] = 5.0
    assert data[0].item() == 5.0  # the Parameter shares the tensor's memory
    assert [name for name, _ in params.named_parameters()] == ["0", "1"]
    model = nn.Module()
    model.params = params
    assert list(model.state_dict()) == ["params.0", "params.1"]


def test_parameter_list_indexing_append_extend_iadd_slices():
    params = nn.ParameterList()
    assert params.append(mt.ones(1)) is params
    params.extend([mt.ones(2), mt.ones(3)])
    params += [mt.ones(4)]
    assert [p.shape for p in params] == [(1,), (2,), (3,), (4,)]
    assert params[-1].shape == (4,)
    part = params[1:3]
    assert isinstance(part, nn.ParameterList) and [p.shape for p in part] == [(2,), (3,)]
    assert part[0] is params[1]
    params[0] = mt.zeros(5)
    assert params[0].shape == (5,) and isinstance(params[0], nn.Parameter)
    with pytest.raises(IndexError, match="out of range"):
        params[4]
    with pytest.raises(TypeError, match="ParameterList.extend should be called with an iterable, but got Tensor"):
        params.extend(mt.ones(2))


def test_parameter_list_keeps_other_objects_out_of_the_state_dict():
    params = nn.ParameterList([mt.ones(1), "note"])
    assert params[1] == "note" and list(params.state_dict()) == ["0"]


def test_parameter_list_repr_and_call():
    params = nn.ParameterList([nn.Parameter(mt.ones(2, 3)), mt.zeros(2, dtype=mt.float64), "x"])
    assert repr(params) == (
        "ParameterList(\n"
        "    (0): Parameter containing: [microtensor.float32 of size 2x3]\n"
        "    (1): Parameter containing: [microtensor.float64 of size 2]\n"
        "    (2): Object of type: str\n"
        ")"
    )
    assert repr(nn.ParameterList()) == "ParameterList()"
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        params(mt.ones(1))


def test_parameter_list_trains_with_an_optimizer():
    params = nn.ParameterList([mt.tensor([1.0]), mt.tensor([2.0])])
    optimizer = mt.optim.SGD(params.parameters(), lr=0.5)
    (params[0] * params[1]).sum().backward()
    optimizer.step()
    assert params[0].tolist() == [0.0] and params[1].tolist() == [1.5]


# --------------------------------------------------------------- ParameterDict
def test_parameter_dict_registers_under_keys_and_sorts_a_plain_dict():
    params = nn.ParameterDict({"right": mt.ones(2), "left": nn.Parameter(mt.zeros(3))})
    assert list(params) == ["left", "right"]  # PyTorch sorts a plain dict's keys
    assert list(params.state_dict()) == ["left", "right"]
    assert isinstance(params["right"], nn.Parameter)
    ordered = nn.ParameterDict(OrderedDict([("b", mt.ones(1)), ("a", mt.ones(1))]))
    assert list(ordered) == ["b", "a"]
    pairs = nn.ParameterDict([("y", mt.ones(1)), ("x", mt.ones(1))])
    assert list(pairs) == ["y", "x"]


def test_parameter_dict_dict_api():
    params = nn.ParameterDict()
    params["w"] = mt.ones(2)
    params["note"] = 3
    assert "w" in params and len(params) == 2 and list(params.state_dict()) == ["w"]
    assert params.get("w") is params["w"] and params.get("absent", 7) == 7
    assert params.setdefault("b", mt.zeros(1)) is params["b"]
    assert params.setdefault("b", mt.ones(5)).shape == (1,)
    assert list(params.keys()) == ["w", "note", "b"]
    assert [key for key, _ in params.items()] == ["w", "note", "b"] and len(list(params.values())) == 3
    assert list(reversed(params)) == ["b", "note", "w"]
    key, value = params.popitem()
    assert key == "b" and value.shape == (1,) and "b" not in params
    assert params.pop("note") == 3
    copied = params.copy()
    assert copied["w"] is params["w"]
    fresh = params.fromkeys(["p", "q"], mt.ones(1))
    assert list(fresh) == ["p", "q"]
    del params["w"]
    assert len(params) == 0 and list(params.parameters()) == []
    params.update({"a": mt.ones(1)})
    params.clear()
    assert len(params) == 0


def test_parameter_dict_or_operators():
    left = nn.ParameterDict({"a": mt.ones(1)})
    right = nn.ParameterDict({"b": mt.ones(1)})
    assert list(left | right) == ["a", "b"] and list(left) == ["a"]
    left |= right
    assert list(left) == ["a", "b"]


def test_parameter_dict_errors_and_repr():
    params = nn.ParameterDict({"b": mt.ones(2), "a": nn.Parameter(mt.zeros(3, dtype=mt.float64))})
    assert repr(params) == (
        "ParameterDict(\n"
        "    (a): Parameter containing: [microtensor.float64 of size 3]\n"
        "    (b): Parameter containing: [microtensor.float32 of size 2]\n"
        ")"
    )
    with pytest.raises(AttributeError, match="'ParameterDict' object has no attribute 'c'"):
        params["c"]
    with pytest.raises(AttributeError):
        params["training"]  # a Module attribute is not a key
    with pytest.raises(TypeError, match="not a string"):
        params[0] = mt.ones(1)
    with pytest.raises(TypeError, match="ParametersDict.update should be called with an iterable"):
        params.update(5)
    with pytest.raises(ValueError, match="ParameterDict update sequence element #0 has length 3"):
        params.update([("a", 1, 2)])
    with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
        params(mt.ones(1))


def test_containers_nest_and_load_state_dicts():
    def build():
        root = nn.Module()
        root.blocks = nn.ModuleDict({"enc": nn.Sequential(nn.Linear(2, 2), nn.ReLU())})
        root.extra = nn.ParameterList([mt.randn(2)])
        root.table = nn.ParameterDict({"scale": mt.randn(1)})
        return root

    mt.manual_seed(0)
    source = build()
    mt.manual_seed(1)
    target = build()
    keys = ["blocks.enc.0.weight", "blocks.enc.0.bias", "extra.0", "table.scale"]
    assert list(source.state_dict()) == keys
    target.load_state_dict(source.state_dict())
    for key in keys:
        np.testing.assert_array_equal(target.state_dict()[key].numpy(), source.state_dict()[key].numpy())


# ------------------------------------------------------------------- Unflatten
@settings(max_examples=15)
@given(data=st.data())
def test_unflatten_matches_numpy_reshape_and_gradchecks(data):
    lead = data.draw(st.lists(st.integers(1, 3), min_size=0, max_size=2), label="lead")
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3), label="sizes")
    trail = data.draw(st.lists(st.integers(1, 3), min_size=0, max_size=1), label="trail")
    dim = len(lead)
    shape = tuple(lead) + (int(np.prod(sizes)),) + tuple(trail)
    array = np.random.default_rng(0).normal(size=shape)
    spec = list(sizes)
    if data.draw(st.booleans(), label="infer"):
        spec[data.draw(st.integers(0, len(spec) - 1), label="which")] = -1
    if data.draw(st.booleans(), label="negative dim"):
        dim -= len(shape)
    layer = nn.Unflatten(dim, tuple(spec))
    out = layer(mt.tensor(array))
    expected = array.reshape(tuple(lead) + tuple(sizes) + tuple(trail))
    assert out.shape == expected.shape and out.dtype == mt.float64
    np.testing.assert_array_equal(out.numpy(), expected)
    check_gradients(lambda x: layer(x) * mt.tensor(np.arange(expected.size).reshape(expected.shape) + 1.0), array)


def test_unflatten_of_flatten_is_the_identity_and_is_a_view():
    x = mt.randn(2, 3, 4)
    flat = nn.Flatten()(x)
    back = nn.Unflatten(1, (3, 4))(flat)
    np.testing.assert_array_equal(back.numpy(), x.numpy())
    assert np.shares_memory(back.numpy(), x.numpy())
    assert nn.Unflatten(1, (3, 4))(mt.ones(2, 12)).dtype == mt.float32


def test_unflatten_repr_keeps_the_given_container():
    assert repr(nn.Unflatten(1, (2, 3))) == "Unflatten(dim=1, unflattened_size=(2, 3))"
    assert repr(nn.Unflatten(-1, [2, 3])) == "Unflatten(dim=-1, unflattened_size=[2, 3])"


def test_unflatten_errors():
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints, but found type int"):
        nn.Unflatten(1, 3)
    with pytest.raises(TypeError, match="found element of type float at pos 1"):
        nn.Unflatten(1, (2, 1.5))
    x = mt.ones(2, 6)
    with pytest.raises(RuntimeError, match=r"Provided sizes \[2, 4\] don't multiply up to the size of dim 1 \(6\)"):
        nn.Unflatten(1, (2, 4))(x)
    with pytest.raises(RuntimeError, match=r"Provided sizes \[-1, 4\]"):
        nn.Unflatten(1, (-1, 4))(x)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        nn.Unflatten(1, (-1, -1))(x)
    with pytest.raises(IndexError, match="Dimension out of range"):
        nn.Unflatten(2, (2, 3))(x)
