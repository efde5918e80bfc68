"""mt.save(model, f) / mt.load(f): whole modules without pickle, rebuilt only from allowed classes."""
import io
import json
import os
import zipfile

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn, serialization
from microtensor.serialization import LoadError
from .conftest import SLOW


class MyModel(nn.Module):
    """A user model: plain attributes of every supported kind, a submodule, a parameter and buffers."""

    def __init__(self):
        super().__init__()
        self.scale = 0.5
        self.name = "tiny"
        self.sizes = (3, [4, None], True)
        self.dtype = mt.float64
        self.place = mt.device("cpu")
        self.body = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        self.offset = nn.Parameter(mt.tensor([0.25, -0.5]))
        self.register_buffer("calls", mt.zeros((), dtype=mt.int64))
        self.register_buffer("cache", mt.ones(2), persistent=False)

    def forward(self, x):
        return self.body(x) * self.scale + self.offset + self.cache


@pytest.fixture(autouse=True)
def _empty_allowlist():
    serialization.clear_safe_globals()
    yield
    serialization.clear_safe_globals()


def _round_trip(model, **load_options):
    buffer = io.BytesIO()
    mt.save(model, buffer)
    buffer.seek(0)
    return mt.load(buffer, **load_options)


def _assert_same_module(a, b):
    assert type(a) is type(b)
    assert [(name, type(m), m.training) for name, m in a.named_modules()] == \
        [(name, type(m), m.training) for name, m in b.named_modules()]
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for key in sa:
        assert sa[key].dtype == sb[key].dtype
        np.testing.assert_array_equal(sa[key].numpy(), sb[key].numpy())
    assert [p.requires_grad for p in a.parameters()] == [p.requires_grad for p in b.parameters()]
    assert all(type(p) is nn.Parameter for p in b.parameters())


def _outputs(model, x):
    out = model(*x) if isinstance(x, tuple) else model(x)
    out = out[0] if isinstance(out, tuple) else out
    return out.detach().numpy()


def _models():
    mt.manual_seed(3)
    cnn = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Dropout(0.3), nn.Linear(2, 3))
    cnn(mt.randn(4, 1, 4, 4))  # running statistics away from their initial values
    return [
        ("mlp", nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2)), mt.randn(4, 3)),
        ("cnn", cnn.eval(), mt.randn(2, 1, 4, 4)),
        ("lstm", nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True), mt.randn(2, 5, 3)),
        ("encoder", nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True).eval(),
         mt.randn(2, 3, 8)),
        ("embedding", nn.Sequential(nn.Embedding(10, 4, padding_idx=0), nn.LayerNorm(4)),
         mt.tensor([[0, 3, 9]])),
    ]


@pytest.mark.parametrize("index", range(5), ids=[name for name, _, _ in _models()])
def test_a_microtensor_model_loads_back_identical(index):
    _, model, x = _models()[index]
    loaded = _round_trip(model)
    _assert_same_module(model, loaded)
    np.testing.assert_array_equal(_outputs(loaded, x), _outputs(model, x))


def test_a_user_module_is_refused_until_allowlisted():
    mt.manual_seed(0)
    model = MyModel()
    buffer = io.BytesIO()
    mt.save(model, buffer)
    with pytest.raises(LoadError, match=r"tests\.test_module_save\.MyModel.*safe_globals\(\[MyModel\]\)"):
        mt.load(io.BytesIO(buffer.getvalue()))
    with serialization.safe_globals([MyModel]):
        assert serialization.get_safe_globals() == [MyModel]
        loaded = mt.load(io.BytesIO(buffer.getvalue()))
    assert serialization.get_safe_globals() == []  # the block's allowlist ends with it
    _assert_same_module(model, loaded)
    x = mt.randn(2, 3)
    np.testing.assert_array_equal(_outputs(loaded, x), _outputs(model, x))
    assert (loaded.scale, loaded.name, loaded.sizes) == (0.5, "tiny", (3, [4, None], True))
    assert loaded.dtype == mt.float64 and loaded.place == mt.device("cpu")
    assert loaded._non_persistent_buffers == {"cache"} and "cache" not in loaded.state_dict()


def test_add_safe_globals_lasts_until_cleared_and_pairs_name_other_paths():
    buffer = io.BytesIO()
    mt.save(MyModel(), buffer)
    serialization.add_safe_globals([MyModel])
    assert type(mt.load(io.BytesIO(buffer.getvalue()))) is MyModel
    serialization.clear_safe_globals()
    with pytest.raises(LoadError, match="nor allowlisted"):
        mt.load(io.BytesIO(buffer.getvalue()))
    serialization.add_safe_globals([(MyModel, "tests.test_module_save.MyModel")])
    assert type(mt.load(io.BytesIO(buffer.getvalue()))) is MyModel
    with pytest.raises(TypeError, match="not a class or function"):
        serialization.add_safe_globals(["tests.test_module_save.MyModel"])


def test_weights_only_false_trusts_the_file_for_importable_module_classes():
    loaded = _round_trip(MyModel(), weights_only=False)
    assert type(loaded) is MyModel
    with pytest.raises(TypeError, match="weights_only"):
        _round_trip(MyModel(), weights_only="no")


def test_weights_only_false_finds_a_scripts_own_class_in_main(monkeypatch):
    main = __import__("__main__")
    script_class = type("ScriptModel", (MyModel,), {"__module__": "__main__"})
    monkeypatch.setattr(main, "ScriptModel", script_class, raising=False)
    buffer = io.BytesIO()
    mt.save(script_class(), buffer)
    with pytest.raises(LoadError, match="'__main__.ScriptModel'"):
        mt.load(io.BytesIO(buffer.getvalue()))
    assert type(mt.load(io.BytesIO(buffer.getvalue()), weights_only=False)) is script_class


def test_train_and_eval_flags_are_kept_per_module():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.Sequential(nn.BatchNorm1d(2)))
    model.eval()
    model[2].train()
    loaded = _round_trip(model)
    assert [m.training for m in loaded.modules()] == [False, False, False, True, True]


def test_tied_weights_and_shared_modules_stay_shared():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared, nn.Linear(3, 3))
    model[3].weight = model[0].weight
    loaded = _round_trip(model)
    assert loaded[0] is loaded[2] and loaded[3].weight is loaded[0].weight
    assert len(list(loaded.parameters())) == len(list(model.parameters())) == 3


def test_a_loaded_model_trains_and_takes_hooks_but_saved_hooks_are_dropped():
    model = nn.Sequential(nn.Linear(2, 1))
    model.register_forward_hook(lambda module, args, output: output * 0)
    loaded = _round_trip(model)
    x = mt.tensor([[1.0, 2.0]])
    assert loaded(x).item() != 0  # the hook was not saved
    seen = []
    loaded.register_forward_hook(lambda module, args, output: seen.append(output.shape))
    optimizer = mt.optim.SGD(loaded.parameters(), lr=0.1)
    loaded(x).sum().backward()
    optimizer.step()
    assert seen == [(1, 1)] and loaded[0].weight.grad is not None


def test_frozen_parameters_and_modules_inside_a_checkpoint():
    model = nn.Linear(2, 2)
    model.bias.requires_grad_(False)
    optimizer = mt.optim.Adam(model.parameters())
    buffer = io.BytesIO()
    mt.save({"model": model, "optimizer": optimizer.state_dict(), "epoch": 4}, buffer)
    checkpoint = mt.load(io.BytesIO(buffer.getvalue()))
    assert checkpoint["epoch"] == 4 and not checkpoint["model"].bias.requires_grad
    assert checkpoint["model"].weight.requires_grad


def test_unsavable_modules_are_refused_naming_the_place(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2))
    model[0].activation = lambda x: x
    with pytest.raises(TypeError, match=r"obj\.0\.activation"):
        mt.save(model, tmp_path / "m.mt")

    class Local(nn.Module):
        pass

    with pytest.raises(TypeError, match="defined inside a function"):
        mt.save(Local(), tmp_path / "m.mt")
    assert os.listdir(tmp_path) == []


def test_a_module_saved_to_a_path_is_an_npz_with_one_array_per_tensor(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    mt.save(model, tmp_path / "model.mt")
    assert os.listdir(tmp_path) == ["model.mt"]
    with np.load(tmp_path / "model.mt", allow_pickle=False) as archive:  # still an .npz numpy can open
        arrays = sorted(tuple(archive[name].shape) for name in archive.files if name != serialization.STRUCTURE_MEMBER)
    assert arrays == sorted(tuple(t.shape) for t in model.state_dict().values())
    _assert_same_module(model, mt.load(tmp_path / "model.mt"))


# ------------------------------------------------------------------ tampered files
def _saved_structure(model):
    buffer = io.BytesIO()
    mt.save(model, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return members, json.loads(members[serialization.STRUCTURE_MEMBER])


def _rebuild(members, structure, tmp_path):
    path = tmp_path / "tampered.mt"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, json.dumps(structure) if name == serialization.STRUCTURE_MEMBER else data)
    return path


@pytest.mark.parametrize("path, message", [
    ("os.system", "'os.system', which is neither one of microtensor's own"),
    ("builtins.eval", "'builtins.eval', which is neither one of microtensor's own"),
    ("microtensor.serialization.os.system", "'microtensor.serialization.os.system', which is neither one"),
    ("microtensor._tensor.Tensor", "not an nn.Module class"),
    ("microtensor.nn.functional.relu", "not an nn.Module class"),
    ("microtensor.nn.modules.linear.Nope", "neither one of microtensor's own"),
    ("microtensor.nn.module.Module.__subclasses__", "neither one of microtensor's own"),
    ("collections.OrderedDict", "neither one of microtensor's own"),
])
def test_a_class_path_changed_to_something_else_is_refused(tmp_path, monkeypatch, path, message):
    calls = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args))
    members, structure = _saved_structure(nn.Sequential(nn.Linear(2, 2)))
    structure["root"]["modules"][0][1]["class"] = path
    tampered = _rebuild(members, structure, tmp_path)
    with pytest.raises(LoadError, match=message) as info:
        mt.load(tampered)
    assert "tampered.mt" in str(info.value) and calls == []


@pytest.mark.parametrize("path", ["os.system", "builtins.eval", "collections.OrderedDict"])
def test_weights_only_false_still_rebuilds_only_modules(tmp_path, path):
    members, structure = _saved_structure(nn.Sequential(nn.Linear(2, 2)))
    structure["root"]["class"] = path
    with pytest.raises(LoadError, match="not an nn.Module class|neither one of"):
        mt.load(_rebuild(members, structure, tmp_path), weights_only=False)


def test_a_function_attribute_changed_to_a_dangerous_one_is_refused(tmp_path):
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0)
    members, structure = _saved_structure(layer)
    attributes = dict(structure["root"]["attributes"])
    assert attributes["activation"] == {"type": "global", "path": "microtensor.nn.functional.relu"}
    for path in ("os.system", "microtensor.serialization.save", "builtins.exec"):
        for pair in structure["root"]["attributes"]:
            if pair[0] == "activation":
                pair[1]["path"] = path
        with pytest.raises(LoadError, match=f"function '{path}'"):
            mt.load(_rebuild(members, structure, tmp_path))


@pytest.mark.parametrize("change, message", [
    (lambda node: node["attributes"].append(["in_features", {"type": "set", "items": []}]), "unknown type 'set'"),
    (lambda node: node["attributes"].append(["__class__", {"type": "str", "value": "x"}]), "may not be set"),
    (lambda node: node["attributes"].append(["_parameters", {"type": "none"}]), "may not be set"),
    (lambda node: node["attributes"].append(["training", {"type": "int", "value": 1}]), "training flag"),
    (lambda node: node["parameters"].append(["extra", {"type": "str", "value": "x"}]), "malformed"),
    (lambda node: node["parameters"][0][1].update(type="ref", memo=99), "points to nothing"),
    (lambda node: node["parameters"][1][1].update(memo=node["parameters"][0][1]["memo"]), "repeated memo"),
    (lambda node: node.update(non_persistent=["weight"]), "non-persistent"),
    (lambda node: node.update(attributes="x"), "bad 'attributes'"),
    (lambda node: node["attributes"].append([1, {"type": "none"}]), "not a \\[name, value\\] pair"),
    (lambda node: node.pop("class"), "bad 'class'"),
])
def test_malformed_module_entries_raise_load_error(tmp_path, change, message):
    members, structure = _saved_structure(nn.Linear(2, 2))
    change(structure["root"])
    with pytest.raises(LoadError, match=message):
        mt.load(_rebuild(members, structure, tmp_path))


def test_a_submodule_slot_holding_a_tensor_is_refused(tmp_path):
    members, structure = _saved_structure(nn.Sequential(nn.Linear(2, 2)))
    linear = structure["root"]["modules"][0][1]
    structure["root"]["modules"][0][1] = linear["parameters"][0][1]
    structure["root"]["modules"].append(["1", linear])
    with pytest.raises(LoadError, match="is not a module"):
        mt.load(_rebuild(members, structure, tmp_path))


@pytest.mark.slow
def test_flipped_or_truncated_module_files_load_equal_or_raise_load_error():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)).eval()
    buffer = io.BytesIO()
    mt.save(model, buffer)
    data = buffer.getvalue()
    rng = np.random.default_rng(14)
    positions = range(len(data)) if SLOW else rng.choice(len(data), size=120, replace=False)
    cases = [data[:cut] for cut in (positions if SLOW else rng.choice(len(data), size=40, replace=False))]
    for position in positions:
        damaged = bytearray(data)
        damaged[int(position)] ^= int(rng.integers(1, 256))
        cases.append(bytes(damaged))
    refused = 0
    for case in cases:
        try:
            loaded = mt.load(io.BytesIO(case))
        except LoadError:
            refused += 1
            continue
        _assert_same_module(model, loaded)  # a flip the format cannot see (zip padding) changes nothing
        assert repr(loaded) == repr(model)
    assert refused > len(cases) // 2


# ------------------------------------------------------------ PyTorch's names
@pytest.mark.parametrize("path, name", [
    ("module", "Module"), ("linear", "Linear"), ("conv", "Conv2d"), ("pooling", "MaxPool2d"),
    ("batchnorm", "BatchNorm2d"), ("normalization", "LayerNorm"), ("sparse", "Embedding"), ("rnn", "LSTM"),
    ("activation", "ReLU"), ("activation", "MultiheadAttention"), ("dropout", "Dropout"), ("container", "Sequential"), ("flatten", "Flatten"),
    ("loss", "CrossEntropyLoss"), ("transformer", "TransformerEncoderLayer"),
])
def test_pytorch_module_paths_exist(path, name):
    import importlib

    module = importlib.import_module(f"microtensor.nn.modules.{path}")
    assert getattr(module, name) is getattr(nn, name)


def test_there_is_no_accelerator():
    assert mt.accelerator.is_available() is False
    assert mt.accelerator.current_accelerator() is None and mt.accelerator.device_count() == 0


# Functions saved under the file that defined them before it was split (0.2's layout) still load.
@pytest.mark.parametrize("old_path, function, trusted_only", [
    ("microtensor.ops.activation.relu", mt.relu, False),          # relu is written in ops/rectifiers.py now
    ("microtensor.ops.reduction.amax", mt.amax, False),           # ops/extrema.py
    ("microtensor.ops.linalg.einsum", mt.einsum, False),          # ops/einstein_summation.py
    ("microtensor.ops.gather_scatter.one_hot", nn.functional.one_hot, False),  # ops/index_slices.py
    ("microtensor.nn._pool_ops.max_pool2d", nn.functional.max_pool2d, True),  # private nn files: trusted loads only
])
def test_a_function_saved_under_its_former_file_still_loads(tmp_path, old_path, function, trusted_only):
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0)
    members, structure = _saved_structure(layer)
    for pair in structure["root"]["attributes"]:
        if pair[0] == "activation":
            pair[1]["path"] = old_path
    path = _rebuild(members, structure, tmp_path)
    if trusted_only:
        with pytest.raises(LoadError, match="neither one of microtensor's own"):
            mt.load(path)
    else:
        assert mt.load(path).activation is function
    assert mt.load(path, weights_only=False).activation is function


@pytest.mark.parametrize("path", [
    "microtensor.ops.activation.save",               # not an op
    "microtensor.ops.activation._zero_of",           # a helper, not an op
    "microtensor.nn._pool_ops.install_fast_read",    # not in nn.functional
    "microtensor.nn._pool_ops.Module",               # a class
])
def test_former_file_paths_resolve_only_to_ops_and_functional(tmp_path, path):
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0)
    members, structure = _saved_structure(layer)
    for pair in structure["root"]["attributes"]:
        if pair[0] == "activation":
            pair[1]["path"] = path
    for weights_only in (True, False):
        with pytest.raises(LoadError, match="neither one of microtensor's own"):
            mt.load(_rebuild(members, structure, tmp_path), weights_only=weights_only)
