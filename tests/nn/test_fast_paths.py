"""The nn side's fast paths give exactly what the full paths give.

* ``module.weight``: after the first read of a registered name, a class-level
  ``_RegisteredAttribute`` (nn/module.py) answers it without the failed lookup. It
  caches nothing, so every way of changing a module (direct registry mutation,
  ``del``, reassignment, ``load_state_dict``, dtype moves, copies, pickling, ``mt.save``)
  must be seen by the next read, and Python's lookup order (class data descriptors,
  then the instance dict, then class attributes, then the registries) must hold.
* Losses: the common call (two Tensors of one float dtype and shape; class indices in
  range) skips the argument checks; its values and gradients must equal the checked
  path's bit for bit, and every other call must keep its error.
"""
import copy
import io
import pickle
import random
import warnings

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from microtensor.nn import _loss_reduction
from microtensor.nn._fast_reads import _RegisteredAttribute


class Holder(nn.Module):
    """A bare module for registry experiments (its names are used by no other test class)."""

    scale = 3                      # a plain class attribute: it wins over a registry entry of that name

    @property
    def shown(self):               # a data descriptor: it wins over everything
        return "property"

    def forward(self, x):
        return x


def _param(value=1.0):
    return nn.Parameter(mt.tensor([value]))


def _missing_message(module, name):
    return f"'{type(module).__name__}' object has no attribute '{name}'"


def _warm(cls, name):
    """Make sure the class has its fast read for ``name`` (one module of that class read it once)."""
    module = cls()
    module.register_parameter(name, _param())
    getattr(module, name)
    assert isinstance(vars(cls).get(name), _RegisteredAttribute)


# ------------------------------------------------------------ attribute reads
def test_first_read_installs_the_fast_read_and_later_reads_use_the_registry():
    lin = nn.Linear(2, 3)
    assert lin.weight is lin._parameters["weight"]
    assert isinstance(vars(nn.Linear)["weight"], _RegisteredAttribute)
    replacement = nn.Parameter(mt.zeros(3, 2))
    lin._parameters["weight"] = replacement          # as weight_norm / parametrize do
    assert lin.weight is replacement


def test_class_itself_still_has_no_such_attribute():
    nn.Linear(2, 3).weight
    assert not hasattr(nn.Linear, "weight")
    with pytest.raises(AttributeError, match="type object 'Linear' has no attribute 'weight'"):
        nn.Linear.weight


def test_other_instances_without_the_name_raise_the_usual_error():
    _warm(Holder, "alpha")
    other = Holder()
    assert not hasattr(other, "alpha")
    with pytest.raises(AttributeError) as info:
        other.alpha
    assert str(info.value) == _missing_message(other, "alpha")
    assert info.value.__context__ is None


def test_deleting_a_parameter_in_every_way_is_seen():
    _warm(Holder, "beta")
    for delete in (
        lambda m: delattr(m, "beta"),
        lambda m: m._parameters.pop("beta"),
        lambda m: m._parameters.__delitem__("beta"),
        lambda m: m._parameters.clear(),
        lambda m: m._parameters.popitem(),
    ):
        module = Holder()
        module.beta = _param()
        assert module.beta is module._parameters["beta"]
        delete(module)
        with pytest.raises(AttributeError, match=_missing_message(module, "beta")):
            module.beta


def test_registry_update_setdefault_and_replacement_are_seen():
    _warm(Holder, "gamma")
    module = Holder()
    first, second, third = _param(1.0), _param(2.0), _param(3.0)
    module._parameters.update(gamma=first)
    assert module.gamma is first
    module._parameters.setdefault("gamma", second)
    assert module.gamma is first
    module._parameters |= {"gamma": third}
    assert module.gamma is third
    module.__dict__["_parameters"] = {"gamma": second}   # a registry swapped for a plain dict
    assert module.gamma is second


def test_parameter_buffer_and_module_order_is_pytorchs():
    _warm(Holder, "delta")
    module = Holder()
    param, buffer, child = _param(), mt.tensor([5.0]), nn.ReLU()
    module._modules["delta"] = child
    assert module.delta is child
    module._buffers["delta"] = buffer
    assert module.delta is buffer
    module._parameters["delta"] = param
    assert module.delta is param
    del module._parameters["delta"]
    assert module.delta is buffer
    del module._buffers["delta"]
    assert module.delta is child


def test_reassignment_none_and_refused_values():
    _warm(Holder, "eps")
    module = Holder()
    module.eps = _param(1.0)
    new = _param(2.0)
    module.eps = new
    assert module.eps is new
    module.eps = None
    assert module.eps is None and "eps" in module._parameters
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'eps'"):
        module.eps = mt.tensor([1.0])
    assert module.eps is None
    module.register_parameter("eps", new)
    assert module.eps is new


def test_buffers_persistent_or_not_and_reassigned():
    _warm(Holder, "zeta")
    module = Holder()
    first = mt.tensor([1.0])
    module.register_buffer("zeta", first, persistent=False)
    assert module.zeta is first and "zeta" not in module.state_dict()
    second = mt.tensor([2.0])
    module.zeta = second
    assert module.zeta is second
    module.register_buffer("zeta", None)
    assert module.zeta is None and "zeta" in module._buffers


def test_instance_attribute_wins_as_weight_norm_uses_it():
    lin = nn.Linear(2, 2)
    lin.weight
    original = lin.weight
    del lin._parameters["weight"]
    computed = original * 2                         # weight_norm's pre-hook sets a plain tensor
    lin.weight = computed
    assert lin.weight is computed and "weight" in lin.__dict__
    lin._parameters["weight"] = original             # the instance dict still wins, as in Python's lookup
    assert lin.weight is computed
    del lin.weight                                   # removes the parameter (registries first), as PyTorch
    assert lin.weight is computed
    del lin.weight                                   # now the instance attribute
    with pytest.raises(AttributeError):
        lin.weight


def test_class_attributes_and_properties_win_over_registry_entries():
    module = Holder()
    module._parameters["scale"] = _param()
    module._parameters["shown"] = _param()
    assert module.scale == 3 and module.shown == "property"
    assert vars(Holder)["scale"] == 3                # never replaced by a fast read
    module._parameters["forward"] = _param()
    assert callable(module.forward)


def test_a_property_that_raises_attribute_error_is_kept():
    class Lazy(nn.Module):
        @property
        def value(self):
            raise AttributeError("not computed yet")

    module = Lazy()
    module._parameters["value"] = _param()
    assert module.value is module._parameters["value"]   # __getattr__ after the property's AttributeError
    assert isinstance(vars(Lazy)["value"], property)


def test_dunder_names_never_get_a_fast_read():
    module = Holder()
    module._parameters["__len__"] = _param()
    assert module.__len__ is module._parameters["__len__"]
    assert "__len__" not in vars(Holder)
    with pytest.raises(TypeError):
        len(module)


def test_subclass_getattr_still_runs_for_names_it_lacks():
    class Wrapper(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def __getattr__(self, name):
            try:
                return super().__getattr__(name)
            except AttributeError:
                return getattr(self.inner, name)

    lin = nn.Linear(2, 2)
    wrapper = Wrapper(lin)
    assert wrapper.inner is lin and wrapper.weight is lin.weight
    holder = Wrapper(nn.ReLU())
    holder.register_parameter("weight", _param())
    assert holder.weight is holder._parameters["weight"]
    assert "weight" not in vars(Wrapper) and "inner" not in vars(Wrapper)  # its own __getattr__: no fast read
    assert Wrapper(lin).weight is lin.weight


def test_a_class_with_its_own_getattr_sees_every_lookup_it_saw_before():
    class Counting(nn.Linear):
        seen = []
        special = False

        def __getattr__(self, name):
            value = super().__getattr__(name)
            if Counting.special:
                Counting.seen.append(name)
                if name == "weight":  # a class may answer a registered name its own way
                    return "computed"
            return value

    plain = nn.Linear(2, 2)
    assert isinstance(plain.weight, nn.Parameter)  # nn.Linear now has its fast read for 'weight'
    assert isinstance(vars(nn.Linear)["weight"], _RegisteredAttribute)
    layer = Counting(2, 2)
    Counting.special = True
    assert layer.weight == "computed" and layer.weight == "computed"
    assert layer.bias is layer._parameters["bias"]
    assert Counting.seen == ["weight", "weight", "bias"]
    assert "bias" not in vars(Counting)


def test_dir_lists_only_what_the_instance_has():
    _warm(Holder, "eta")
    module = Holder()
    assert "eta" not in dir(module)
    module.eta = _param()
    module.register_buffer("theta", mt.zeros(1))
    assert {"eta", "theta", "forward", "scale"} <= set(dir(module))
    del module.eta
    assert "eta" not in dir(module)
    module.__dict__["eta"] = 1                       # an instance attribute of the same name is listed
    assert "eta" in dir(module)


def test_submodules_set_replaced_and_cleared():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(2, 2)

    net = Net()
    first = net.body
    second = nn.Linear(2, 2)
    net.body = second
    assert net.body is second and net._modules["body"] is second and first is not second
    net.body = None
    assert net.body is None
    net.add_module("body", first)
    assert net.body is first
    seq = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
    seq[0] = nn.Tanh()
    assert isinstance(seq[0], nn.Tanh) and isinstance(getattr(seq, "0"), nn.Tanh)


def test_load_state_dict_and_dtype_moves_are_seen():
    lin = nn.Linear(2, 2)
    weight = lin.weight
    lin.load_state_dict({"weight": mt.ones(2, 2), "bias": mt.zeros(2)})
    assert lin.weight is weight and np.array_equal(lin.weight.detach().numpy(), np.ones((2, 2)))
    lin.double()
    assert lin.weight.dtype == np.float64 and lin.bias.dtype == np.float64
    lin.to(mt.float32)
    assert lin.weight.dtype == np.float32 and lin.weight is weight


def test_copies_read_their_own_registries():
    mt.manual_seed(0)
    lin = nn.Linear(2, 2)
    lin.weight
    for clone in (copy.deepcopy(lin), pickle.loads(pickle.dumps(lin))):
        assert clone.weight is clone._parameters["weight"] and clone.weight is not lin.weight
        assert np.array_equal(clone.weight.detach().numpy(), lin.weight.detach().numpy())
        clone._parameters["weight"] = _param()
        assert clone.weight is clone._parameters["weight"] and lin.weight is lin._parameters["weight"]
    shallow = copy.copy(lin)                         # shares the registries, as in PyTorch
    assert shallow._parameters is lin._parameters and shallow.weight is lin.weight


def test_mt_save_and_load_of_a_whole_module():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    model[0].weight
    buffer = io.BytesIO()
    mt.save(model, buffer)
    buffer.seek(0)
    loaded = mt.load(buffer)
    assert loaded[0].weight is loaded[0]._parameters["weight"]
    assert np.array_equal(loaded[0].weight.detach().numpy(), model[0].weight.detach().numpy())
    assert "weight" not in loaded[0].__dict__        # nothing of the fast read lives on instances
    x = mt.randn(4, 2)
    assert np.array_equal(loaded(x).detach().numpy(), model(x).detach().numpy())


def test_module_without_init_keeps_its_errors():
    _warm(Holder, "iota")
    module = Holder.__new__(Holder)
    with pytest.raises(AttributeError, match=_missing_message(module, "iota")):
        module.iota
    with pytest.raises(AttributeError, match="call super\\(\\).__init__\\(\\)"):
        module(1)


NAMES = ("n0", "n1", "n2", "n3")


def _expected(module, name):
    """Python's lookup for a name no class defines: the instance dict, then the registries in order."""
    state = module.__dict__
    if name in state:
        return state[name]
    for registry in ("_parameters", "_buffers", "_modules"):
        if name in state[registry]:
            return state[registry][name]
    return AttributeError


def _random_change(module, rng):
    name = rng.choice(NAMES)
    registry = module.__dict__[rng.choice(("_parameters", "_buffers", "_modules"))]
    value = {"_parameters": _param(), "_buffers": mt.tensor([1.0]), "_modules": nn.ReLU()}[
        next(key for key in ("_parameters", "_buffers", "_modules") if module.__dict__[key] is registry)
    ]
    action = rng.randrange(9)
    try:
        if action == 0:
            registry[name] = value
        elif action == 1:
            registry.pop(name, None)
        elif action == 2:
            delattr(module, name)
        elif action == 3:
            setattr(module, name, value)
        elif action == 4:
            module.__dict__[name] = "plain"
        elif action == 5:
            module.__dict__.pop(name, None)
        elif action == 6:
            registry.update({name: value})
        elif action == 7 and registry:
            registry.popitem(last=rng.random() < 0.5)
        elif action == 8:
            setattr(module, name, None)
    except (AttributeError, KeyError, TypeError):
        pass  # refused changes leave the module as it was


def test_random_changes_never_desync_reads():
    rng = random.Random(9)
    for name in NAMES:
        _warm(Holder, name)
    module = Holder()
    for _ in range(400):
        _random_change(module, rng)
        for name in NAMES:
            expected = _expected(module, name)
            if expected is AttributeError:
                assert not hasattr(module, name)
            else:
                assert getattr(module, name) is expected


# ------------------------------------------------------------------- losses
def _pair(dtype, shape=(2, 4), seed=0):
    rng = np.random.default_rng(seed)
    x = mt.tensor(rng.normal(size=shape).astype(dtype), requires_grad=True)
    y = mt.tensor(rng.normal(size=shape).astype(dtype))
    return x, y


def _value_and_grad(loss_fn, x, *args, **kwargs):
    x.grad = None
    loss = loss_fn(x, *args, **kwargs)
    loss.sum().backward()
    return loss.detach().numpy().copy(), x.grad.detach().numpy().copy(), loss.dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss_fn", [F.mse_loss, F.l1_loss])
def test_pointwise_loss_fast_path_equals_checked_path_and_numpy(loss_fn, dtype):
    x, y = _pair(dtype)
    diff = x.detach().numpy().astype(np.float64) - y.detach().numpy()
    pointwise = diff ** 2 if loss_fn is F.mse_loss else np.abs(diff)
    # the deprecated arguments take the checked path with the same reduction
    for reduction, checked in (("mean", dict(reduce=True)), ("sum", dict(size_average=False)), ("none", dict(reduce=False))):
        fast = _value_and_grad(loss_fn, x, y, reduction=reduction)
        slow = _value_and_grad(loss_fn, x, y, **checked)
        assert fast[2] == slow[2] == dtype
        assert fast[0].tobytes() == slow[0].tobytes() and fast[1].tobytes() == slow[1].tobytes()
        oracle = {"mean": pointwise.mean(), "sum": pointwise.sum(), "none": pointwise}[reduction]
        np.testing.assert_allclose(fast[0], oracle, rtol=1e-6 if dtype == np.float32 else 1e-12)


def test_mean_of_all_is_numpys_mean_bit_for_bit():
    rng = np.random.default_rng(1)
    for dtype in (np.float16, np.float32, np.float64):
        for size in (1, 2, 7, 8, 9, 31, 128, 129, 1001):
            values = (rng.normal(size=size) ** 2 * 10.0 ** rng.integers(-3, 4)).astype(dtype)
            for array in (values, values.reshape(1, -1), values[::2] if size > 1 else values):
                result = _loss_reduction._mean_of_all(array)
                expected = array.mean()
                assert type(result) is type(expected) and result.tobytes() == expected.tobytes()


@pytest.mark.parametrize("loss_fn", [F.mse_loss, F.l1_loss])
def test_pointwise_losses_stay_silent_on_inf_and_nan_and_warn_on_empty(loss_fn):
    x = mt.tensor([np.inf, -np.inf, np.nan, 1.0])
    y = mt.tensor([1.0, 1.0, 0.0, 1.0])                             # (inf - inf would warn in the subtraction)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for reduction in ("mean", "sum", "none"):
            loss_fn(x, y, reduction=reduction)
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        empty = loss_fn(mt.zeros(0), mt.zeros(0))
    assert np.isnan(empty.item())


def test_pointwise_loss_calls_off_the_fast_path_keep_their_results_and_errors():
    x, y = _pair(np.float32)
    assert F.mse_loss(x, y.double()).dtype == np.float64            # promoted, as PyTorch
    assert F.mse_loss(x, y.detach().numpy()).dtype == np.float32             # a plain array target
    big_endian = mt.tensor(x.detach().numpy().astype(">f4"))
    assert F.mse_loss(big_endian, y).item() == F.mse_loss(x.detach(), y).item()
    with pytest.raises(ValueError, match=r"Using a target size \(4, 2\) that is different to the input size"):
        F.mse_loss(x, y.reshape(4, 2))
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.l1_loss(x, y, reduction="avg")
    with pytest.raises(TypeError, match="expected a floating point input, got dtype int64"):
        F.mse_loss(mt.tensor([1, 2]), mt.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="argument 'target' must be a Tensor, not str"):
        F.mse_loss(x, "y")


def _classification(dtype=np.float32, shape=(32, 10), seed=0):
    rng = np.random.default_rng(seed)
    logits = mt.tensor(rng.normal(size=shape).astype(dtype), requires_grad=True)
    classes = shape[1] if len(shape) > 1 else shape[0]
    target_shape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    target = mt.tensor(rng.integers(0, classes, size=target_shape))
    return logits, target


def _log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("shape", [(32, 10), (3, 4, 5), (6,)])
def test_cross_entropy_fast_path_equals_checked_path_and_numpy(shape):
    logits, target = _classification(shape=shape)
    axis = 1 if len(shape) > 1 else 0
    picked = -np.take_along_axis(_log_softmax(logits.detach().numpy().astype(np.float64), axis),
                                 np.expand_dims(target.detach().numpy(), axis), axis)
    for reduction, checked in (("mean", dict(reduce=True)), ("sum", dict(size_average=False)), ("none", dict(reduce=False))):
        for loss_fn in (F.cross_entropy, lambda x, t, **kw: F.nll_loss(F.log_softmax(x, axis), t, **kw)):
            fast = _value_and_grad(loss_fn, logits, target, reduction=reduction)
            slow = _value_and_grad(loss_fn, logits, target, **checked)
            assert fast[0].tobytes() == slow[0].tobytes() and fast[1].tobytes() == slow[1].tobytes()
            oracle = {"mean": picked.mean(), "sum": picked.sum(), "none": np.squeeze(picked, axis)}[reduction]
            np.testing.assert_allclose(fast[0], oracle, rtol=2e-5, atol=1e-6)


def test_cross_entropy_smoothing_and_module_take_the_same_path_as_before():
    logits, target = _classification()
    smoothed = F.cross_entropy(logits, target, label_smoothing=0.1)
    checked = F.cross_entropy(logits, target, label_smoothing=0.1, reduce=True)
    assert smoothed.detach().numpy().tobytes() == checked.detach().numpy().tobytes()
    module = nn.CrossEntropyLoss()(logits, target)
    assert module.detach().numpy().tobytes() == F.cross_entropy(logits, target, reduce=True).detach().numpy().tobytes()


def test_cross_entropy_targets_off_the_fast_path():
    logits, target = _classification(shape=(4, 3))
    ignored = mt.tensor([0, -100, 2, 1])
    rows = _log_softmax(logits.detach().numpy().astype(np.float64), 1)
    expected = -(rows[0, 0] + rows[2, 2] + rows[3, 1]) / 3
    np.testing.assert_allclose(F.cross_entropy(logits, ignored).item(), expected, rtol=1e-5)
    int32 = F.cross_entropy(logits, mt.tensor(target.detach().numpy().astype(np.int32)))
    assert int32.item() == F.cross_entropy(logits, target).item()
    with pytest.raises(IndexError, match=r"Target 3 is out of bounds: class indices must be in \[0, 3\)"):
        F.cross_entropy(logits, mt.tensor([0, 3, 1, 1]))
    with pytest.raises(IndexError, match="Target -1 is out of bounds"):
        F.nll_loss(logits, mt.tensor([0, -1, 1, 1]))
    with pytest.raises(RuntimeError, match=r"needs a target of shape \(4,\), got \(3,\)"):
        F.cross_entropy(logits, mt.tensor([0, 1, 1]))
    with pytest.raises(TypeError, match="expected a target of class indices with an integer dtype"):
        F.nll_loss(logits, mt.tensor([0.0, 1.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0, got 1.5"):
        F.cross_entropy(logits, target, label_smoothing=1.5)
    probabilities = mt.tensor(np.full((4, 3), 1 / 3))             # same shape: class probabilities
    np.testing.assert_allclose(F.cross_entropy(logits, probabilities).item(), -rows.mean(), rtol=1e-5)


# --------------------------------------------------------------- activations
def test_activation_functions_and_modules_match_their_ops():
    x = mt.tensor([[-1.0, 0.5], [2.0, -3.0]])
    assert np.array_equal(nn.Tanh()(x).detach().numpy(), mt.tanh(x).detach().numpy())
    assert np.array_equal(nn.Sigmoid()(x).detach().numpy(), mt.sigmoid(x).detach().numpy())
    assert np.array_equal(F.leaky_relu(x, 0.1).detach().numpy(), np.where(x.detach().numpy() > 0, x.detach().numpy(), 0.1 * x.detach().numpy()))
    assert np.array_equal(F.hardtanh(x, -0.5, 0.5).detach().numpy(), np.clip(x.detach().numpy(), -0.5, 0.5))
    y = x.clone()
    assert F.relu(y, inplace=True) is y and np.array_equal(y.detach().numpy(), np.maximum(x.detach().numpy(), 0))
    with pytest.raises(TypeError, match=r"relu\(\): inplace=True needs a Tensor input, not list"):
        F.relu([1.0], inplace=True)
