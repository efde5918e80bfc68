"""mt.save / mt.load with a .safetensors path: the format, PyTorch's names, refusals, damaged files."""
import collections
import json
import os
import struct
import sys

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.serialization import LoadError

safetensors_numpy = pytest.importorskip("safetensors.numpy")


def _state():
    return collections.OrderedDict([
        ("w32", mt.tensor(np.arange(6, dtype=np.float32).reshape(2, 3) / 7)),
        ("w64", mt.tensor(np.array([1e-300, -2.5, np.inf]))),
        ("half", mt.tensor(np.array([0.5, -65504.0], dtype=np.float16))),
        ("steps", mt.tensor(np.int64(-7))),  # 0-d, like BatchNorm's num_batches_tracked
        ("i8", mt.tensor(np.array([-128, 127], dtype=np.int8))),
        ("i16", mt.tensor(np.array([-3], dtype=np.int16))),
        ("i32", mt.tensor(np.array([[2 ** 31 - 1]], dtype=np.int32))),
        ("u8", mt.tensor(np.array([0, 255], dtype=np.uint8))),
        ("mask", mt.tensor(np.array([True, False, True]))),
        ("empty", mt.zeros(0, 4)),
    ])


def _read_by_hand(path):
    """The safetensors layout read with struct and json only: {name: (code, shape, little-endian bytes)}."""
    data = open(path, "rb").read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    metadata = header.pop("__metadata__", None)
    tensors = {name: (entry["dtype"], entry["shape"], body[entry["data_offsets"][0]:entry["data_offsets"][1]])
               for name, entry in header.items()}
    return tensors, metadata


_CODES = {"float32": "F32", "float64": "F64", "float16": "F16", "int64": "I64", "int8": "I8", "int16": "I16",
          "int32": "I32", "uint8": "U8", "bool": "BOOL"}


def test_round_trip_keeps_names_values_and_dtypes(tmp_path):
    state = _state()
    path = tmp_path / "model.safetensors"
    mt.save(state, path)
    loaded = mt.load(path)
    assert isinstance(loaded, collections.OrderedDict) and set(loaded) == set(state)
    for name, tensor in state.items():
        assert type(loaded[name]) is mt.Tensor and not loaded[name].requires_grad
        assert loaded[name].dtype == tensor.dtype and loaded[name].shape == tensor.shape
        np.testing.assert_array_equal(loaded[name].numpy(), tensor.numpy())
    loaded["w32"].data += 1  # writable, and not tied to the file
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_the_file_is_safetensors_as_the_spec_lays_it_out(tmp_path):
    state = _state()
    path = tmp_path / "model.safetensors"
    mt.save(state, path)
    tensors, metadata = _read_by_hand(path)
    assert metadata == {"format": "pt"}  # what safetensors.torch.save_file writes; transformers checks it
    assert set(tensors) == set(state)
    for name, tensor in state.items():
        code, shape, raw = tensors[name]
        array = tensor.numpy()
        assert code == _CODES[str(array.dtype)] and shape == list(array.shape)
        assert raw == array.astype(array.dtype.newbyteorder("<")).tobytes(order="C")
    assert list(mt.load(path)) == sorted(tensors, key=lambda name: _offset(path, name))  # file order


def _offset(path, name):
    data = open(path, "rb").read()
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + length])[name]["data_offsets"][0]


def test_non_contiguous_tensors_are_written_in_c_order(tmp_path):
    base = mt.tensor(np.arange(12, dtype=np.float32).reshape(3, 4))
    state = {"t": base.t(), "strided": base[:, ::2]}
    mt.save(state, tmp_path / "v.safetensors")
    loaded = mt.load(tmp_path / "v.safetensors")
    np.testing.assert_array_equal(loaded["t"].numpy(), np.arange(12, dtype=np.float32).reshape(3, 4).T)
    np.testing.assert_array_equal(loaded["strided"].numpy(), np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2])


def test_a_file_written_by_the_safetensors_package_loads(tmp_path):
    path = tmp_path / "from_elsewhere.safetensors"
    arrays = {"a.weight": np.arange(4, dtype=np.float32).reshape(2, 2), "a.bias": np.array([1, 2], np.int64)}
    safetensors_numpy.save_file(arrays, str(path))
    loaded = mt.load(path)
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype
        np.testing.assert_array_equal(loaded[name].numpy(), array)
    assert safetensors_numpy.load_file(str(path)).keys() == arrays.keys()


def test_a_model_state_dict_round_trips_into_a_fresh_model(tmp_path):
    mt.manual_seed(0)

    def make():
        return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))

    model = make()
    model(mt.randn(3, 1, 4, 4))  # moves the running statistics away from their initial values
    model.eval()
    mt.save(model.state_dict(), tmp_path / "cnn.safetensors")
    fresh = make().eval()
    fresh.load_state_dict(mt.load(tmp_path / "cnn.safetensors"))
    x = mt.randn(2, 1, 4, 4)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
    tensors, _ = _read_by_hand(tmp_path / "cnn.safetensors")
    assert set(tensors) == {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                            "1.num_batches_tracked", "3.weight", "3.bias"}  # PyTorch's names
    assert tensors["1.num_batches_tracked"][:2] == ("I64", [])


def test_file_objects_and_the_format_found_by_content(tmp_path):
    with open(tmp_path / "m.safetensors", "wb") as handle:
        mt.save({"x": mt.ones(2)}, handle)
    with open(tmp_path / "m.safetensors", "rb") as handle:
        assert mt.load(handle)["x"].tolist() == [1.0, 1.0]
    os.rename(tmp_path / "m.safetensors", tmp_path / "renamed.bin")
    assert mt.load(tmp_path / "renamed.bin")["x"].tolist() == [1.0, 1.0]


def test_other_suffixes_keep_the_npz_format(tmp_path):
    mt.save({"x": mt.ones(2)}, tmp_path / "m.npz")
    assert open(tmp_path / "m.npz", "rb").read(2) == b"PK"


@pytest.mark.parametrize("obj, message", [
    ({"outer": {"inner": mt.ones(1)}}, r"obj\['outer'\] is a dict.*\.npz"),
    ({"steps": 3}, r"obj\['steps'\] is a int.*\.npz"),
    ({"array": np.ones(2)}, r"obj\['array'\] is a ndarray.*\.npz"),
    ({1: mt.ones(1)}, r"keys must be str.*\.npz"),
    ([mt.ones(1)], r"flat dict.*got a list.*\.npz"),
    (nn.Linear(2, 2), r"got a Linear: save model\.state_dict\(\) here, or the whole module with a \.npz"),
    ({"u": mt.from_numpy(np.array([1], np.uint16))}, r"dtype uint16.*\.npz"),
])
def test_what_safetensors_cannot_hold_is_refused_pointing_to_npz(tmp_path, obj, message):
    with pytest.raises(TypeError, match=message):
        mt.save(obj, tmp_path / "x.safetensors")
    assert os.listdir(tmp_path) == []


def test_the_metadata_name_is_reserved(tmp_path):
    with pytest.raises(ValueError, match="__metadata__"):
        mt.save({"__metadata__": mt.ones(1)}, tmp_path / "x.safetensors")


def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    mt.save({"x": mt.ones(2)}, path)
    before = path.read_bytes()

    def failing_fsync(descriptor):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        mt.save({"x": mt.zeros(5)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.safetensors"]


# ----------------------------------------------------------- damaged and hostile files
def _file(header, body=b"", length=None):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + body


def _good_bytes(tmp_path):
    mt.save({"a": mt.tensor([1.0, 2.0]), "b": mt.tensor([[1, 2, 3]], dtype=mt.int64)}, tmp_path / "g.safetensors")
    return (tmp_path / "g.safetensors").read_bytes()


def test_every_truncation_raises_load_error_naming_the_file(tmp_path):
    data = _good_bytes(tmp_path)
    path = tmp_path / "cut.safetensors"
    for keep in range(len(data)):
        path.write_bytes(data[:keep])
        with pytest.raises(LoadError, match="cut.safetensors"):
            mt.load(path)


def test_extra_bytes_after_the_data_are_refused(tmp_path):
    path = tmp_path / "long.safetensors"
    path.write_bytes(_good_bytes(tmp_path) + b"\0")
    with pytest.raises(LoadError, match="cover 32 bytes of data but the file holds 33"):
        mt.load(path)


F32_2 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


@pytest.mark.parametrize("header, body, message", [
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 12]}}, bytes(12), "needs 8 bytes"),
    ({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, bytes(8), "needs 12 bytes"),
    ({"a": {"dtype": "F64", "shape": [2], "data_offsets": [0, 8]}}, bytes(8), "needs 16 bytes"),
    ({"a": F32_2, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12), "gap or overlap"),
    ({"a": F32_2, "b": {"dtype": "F32", "shape": [2], "data_offsets": [12, 20]}}, bytes(20), "gap or overlap"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, bytes(4), "covers|cover 8 bytes"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}, bytes(8), "needs 8 bytes"),
    ({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, bytes(8), "bad shape"),
    ({"a": {"dtype": "F32", "shape": [True, 2], "data_offsets": [0, 8]}}, bytes(8), "bad shape"),
    ({"a": {"dtype": "F32", "shape": [2.0], "data_offsets": [0, 8]}}, bytes(8), "bad shape"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0]}}, bytes(8), "bad data_offsets"),
    ({"a": {"dtype": "F32", "shape": [10 ** 12, 10 ** 12], "data_offsets": [0, 8]}}, bytes(8), "needs"),
    ({"a": {"dtype": 32, "shape": [2], "data_offsets": [0, 8]}}, bytes(8), "not a string"),
    ({"a": {"dtype": "F32", "shape": [2]}}, bytes(8), "not {dtype, shape, data_offsets}"),
    ({"a": [1, 2]}, bytes(8), "not {dtype, shape, data_offsets}"),
    ({"__metadata__": {"format": 1}, "a": F32_2}, bytes(8), "__metadata__"),
    ([1, 2], b"", "not a JSON object"),
    (b'{"a": ', b"", "not valid JSON"),
    (b"\xff\xfe{}", b"", "not valid JSON"),
    (b'{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "a": {"dtype": "F32", "shape": [2], '
     b'"data_offsets": [0, 8]}}', bytes(8), "names 'a' twice"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, b"", "not valid JSON|not a JSON object", id="deep-json"),
])
def test_a_header_that_lies_raises_load_error(tmp_path, header, body, message):
    path = tmp_path / "lie.safetensors"
    path.write_bytes(_file(header, body))
    with pytest.raises(LoadError, match=message) as info:
        mt.load(path)
    assert "lie.safetensors" in str(info.value)


@pytest.mark.parametrize("length", [2 ** 64 - 1, 2 ** 63, 100_000_001, 99_999_999, 1000])
def test_a_huge_or_wrong_header_length_is_refused_before_reading_it(tmp_path, length):
    path = tmp_path / "huge.safetensors"
    path.write_bytes(_file(b'{"a": 1}', length=length))
    with pytest.raises(LoadError, match="header claims"):
        mt.load(path)


@pytest.mark.parametrize("code", ["BF16", "F8_E4M3", "U16", "U64", "C64", "Q99", ""])
def test_dtypes_microtensor_lacks_are_refused_by_name(tmp_path, code):
    path = tmp_path / "bf.safetensors"
    path.write_bytes(_file({"w": {"dtype": code, "shape": [2], "data_offsets": [0, 4]}}, bytes(4)))
    with pytest.raises(LoadError, match=rf"bf.safetensors.*dtype '{code}'"):
        mt.load(path)


def test_the_package_is_imported_only_when_the_format_is_used(modules_after):
    assert "safetensors" not in modules_after["mt.save and mt.load of an .npz"]  # in a fresh Python


def test_without_the_package_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    data = _good_bytes(tmp_path)
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match="pip install safetensors"):
        mt.save({"x": mt.ones(1)}, tmp_path / "x.safetensors")
    (tmp_path / "y.safetensors").write_bytes(data)
    with pytest.raises(ImportError, match="pip install safetensors"):
        mt.load(tmp_path / "y.safetensors")
    assert sorted(os.listdir(tmp_path)) == ["g.safetensors", "y.safetensors"]
