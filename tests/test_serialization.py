"""mt.save / mt.load: round trips, refusing pickles, atomic writes, damaged files."""
import collections
import io
import json
import math
import os
import pickle
import signal
import subprocess
import sys
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microtensor as mt
from microtensor import serialization
from microtensor.serialization import LoadError


def _assert_same(a, b):
    """Deep equality that also checks types and dtypes."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, mt.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.data, b.data)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, np.generic):
        assert a.dtype == b.dtype and (a == b or (a != a and b != b))
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            assert type(key) is type(next(k for k in b if k == key))
            _assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    elif isinstance(a, float):
        assert a == b and math.copysign(1, a) == math.copysign(1, b)
    else:
        assert a == b


def test_round_trip_of_a_nested_checkpoint(tmp_path):
    obj = {
        "model": collections.OrderedDict([
            ("0.weight", mt.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))),
            ("0.bias", mt.tensor(np.zeros(2, np.float64), requires_grad=True)),
        ]),
        "optimizer": {"state": {0: {"step": 3, "exp_avg": mt.tensor([0.5, 0.25])}},
                      "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "amsgrad": False, "params": [0]}]},
        "arrays": [np.arange(4, dtype=np.int8), np.array([True, False]), np.array(1 + 2j), np.zeros((0, 3), np.uint16),
                   np.arange(12.0).reshape(3, 4)[:, ::2], np.float32(1.5), np.int64(7)],
        "numbers": (0, -1, 2 ** 80, 0.1, -0.0, float("inf"), float("nan"), 1e-300),
        "text": "naïve ✓", "flag": True, "nothing": None, "dtype": mt.float64,
        1.5: "float key", None: "none key", True: "bool key", 7: "int key",
    }
    path = tmp_path / "checkpoint.npz"
    mt.save(obj, path)
    loaded = mt.load(path)
    _assert_same(obj, loaded)
    assert isinstance(loaded["model"], collections.OrderedDict)
    assert isinstance(loaded["optimizer"]["param_groups"][0]["betas"], tuple)
    assert list(loaded["optimizer"]["state"]) == [0]


def test_loaded_arrays_are_writable(tmp_path):
    mt.save({"w": mt.tensor([1.0, 2.0])}, tmp_path / "w.npz")
    w = mt.load(tmp_path / "w.npz")["w"]
    w.data += 1
    np.testing.assert_array_equal(w.data, [2.0, 3.0])


_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70), st.floats(allow_nan=False), st.text(max_size=5),
    hnp.arrays(st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.bool_]), hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3)),
    hnp.arrays(st.sampled_from([np.float32, np.float64]), hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
               elements=st.floats(-10, 10, width=32)).map(mt.tensor),
)
_structures = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers(-5, 5)), children, max_size=3),
    ),
    max_leaves=8,
)


@given(obj=_structures)
@settings(max_examples=30)
def test_round_trip_property(obj):
    buffer = io.BytesIO()
    mt.save(obj, buffer)
    buffer.seek(0)
    _assert_same(obj, mt.load(buffer))


def test_file_is_an_npz_numpy_can_read_without_pickle(tmp_path):
    mt.save({"w": mt.tensor([1.0, 2.0]), "n": 3}, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        assert serialization.STRUCTURE_MEMBER in archive.files
        arrays = [archive[name] for name in archive.files if name != serialization.STRUCTURE_MEMBER]
    assert len(arrays) == 1 and arrays[0].tolist() == [1.0, 2.0]


def test_plain_npz_is_refused_with_how_to_read_it(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.arange(3), b=np.ones((2, 2), np.float32))
    with pytest.raises(LoadError, match=r"plain.npz.*not an mt.save file.*numpy.load\(path\)"):
        mt.load(tmp_path / "plain.npz")


def test_mt_save_file_that_lost_its_structure_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    mt.save({"w": mt.tensor([1.0])}, path)
    members = _members(path)
    del members[serialization.STRUCTURE_MEMBER]
    _write_zip(path, members)
    with pytest.raises(LoadError, match="m.npz.*without the __microtensor__.json member"):
        mt.load(path)


# ----------------------------------------------------------- refusing code
class _CreatesMarker:
    """Unpickling this creates the file at ``path`` (stands in for arbitrary code execution)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_malicious_pickle_is_refused_without_running_it(tmp_path, protocol):
    # The payload really is malicious: unpickling it creates its marker.
    probe = tmp_path / "probe-marker"
    pickle.loads(pickle.dumps(_CreatesMarker(probe), protocol=protocol)).close()
    assert probe.exists()

    marker = tmp_path / "marker"
    path = tmp_path / "model.npz"
    path.write_bytes(pickle.dumps({"weights": _CreatesMarker(marker)}, protocol=protocol))
    with pytest.raises(LoadError, match="refuses to load.*pickle"):
        mt.load(path)
    assert not marker.exists()


def test_zip_with_pickled_data_is_refused(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "model.pt"
    with zipfile.ZipFile(path, "w") as archive:  # the layout of a PyTorch checkpoint
        archive.writestr("archive/data.pkl", pickle.dumps(_CreatesMarker(marker)))
    with pytest.raises(LoadError, match="refuses to load.*pickle"):
        mt.load(path)
    assert not marker.exists()


def test_npz_with_an_object_array_is_refused(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "objects.npz"
    np.savez(path, ok=np.arange(3), bad=np.array([_CreatesMarker(marker)], dtype=object))
    with pytest.raises(LoadError, match="objects.npz.*not an mt.save file"):
        mt.load(path)
    assert not marker.exists()


def test_object_array_inside_an_mt_save_file_is_refused(tmp_path):
    path = tmp_path / "tampered.npz"
    mt.save({"w": np.arange(3)}, path)
    with zipfile.ZipFile(path, "a") as archive:  # replace nothing, add a pickled member it points to
        with archive.open("1.npy", "w") as member:
            np.lib.format.write_array(member, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    structure = '{"format": "microtensor", "version": 1, "root": {"type": "ndarray", "array": "1"}}'
    rebuilt = tmp_path / "rebuilt.npz"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rebuilt, "w") as target:
        for info in source.infolist():
            if info.filename != serialization.STRUCTURE_MEMBER:
                target.writestr(info.filename, source.read(info.filename))
        target.writestr(serialization.STRUCTURE_MEMBER, structure)
    with pytest.raises(LoadError, match="object array"):
        mt.load(rebuilt)


# ------------------------------------------------------------ atomic save
def test_crash_mid_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    old = {"w": mt.tensor([1.0, 2.0]), "b": mt.tensor([3.0])}
    mt.save(old, path)
    original_bytes = path.read_bytes()

    calls = []
    real_write_array = serialization._write_array

    def crash_on_second_array(archive, name, array):
        calls.append(name)
        if len(calls) == 2:
            raise KeyboardInterrupt("simulated crash halfway through the save")
        real_write_array(archive, name, array)

    monkeypatch.setattr(serialization, "_write_array", crash_on_second_array)
    with pytest.raises(KeyboardInterrupt):
        mt.save({"w": mt.tensor([9.0, 9.0]), "b": mt.tensor([9.0]), "c": mt.tensor([9.0])}, path)
    assert len(calls) == 2
    assert path.read_bytes() == original_bytes
    _assert_same(old, mt.load(path))
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]  # no temporary file left behind


def test_crash_during_fsync_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    mt.save([1, 2, 3], path)

    def failing_fsync(descriptor):
        raise OSError("disk full")

    monkeypatch.setattr(serialization.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        mt.save([4, 5, 6], path)
    monkeypatch.undo()
    assert mt.load(path) == [1, 2, 3]
    assert os.listdir(tmp_path) == ["model.npz"]


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "m.npz"
    mt.save({"v": 1}, path)
    mt.save({"v": 2}, str(path))
    assert mt.load(str(path)) == {"v": 2}
    assert os.listdir(tmp_path) == ["m.npz"]


# ----------------------------------------------------------- damaged files
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated_file_is_a_clear_error(tmp_path, keep):
    path = tmp_path / "model.npz"
    mt.save({"w": mt.tensor(np.arange(100.0)), "b": mt.tensor(np.ones(10))}, path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(LoadError, match="model.npz.*(truncated or corrupted|not a microtensor file)"):
        mt.load(path)


def test_corrupted_array_bytes_are_detected(tmp_path):
    path = tmp_path / "model.npz"
    mt.save({"w": mt.tensor(np.arange(100.0))}, path)
    data = bytearray(path.read_bytes())
    start = data.find(b"\x93NUMPY")
    data[start + 300] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(LoadError, match="model.npz.*truncated or corrupted"):
        mt.load(path)


def test_other_files_are_refused_clearly(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(LoadError, match="not a microtensor file"):
        mt.load(text)
    npy = tmp_path / "a.npy"
    np.save(npy, np.arange(3))
    with pytest.raises(LoadError, match="single .npy array"):
        mt.load(npy)
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        mt.load(tmp_path / "missing.npz")


# ------------------------------------------------------ unsupported input
@pytest.mark.parametrize("obj,where", [
    ({"a": {"b": [1, lambda x: x]}}, r"obj\['a'\]\['b'\]\[1\]"),
    ({"s": {1, 2}}, r"obj\['s'\]"),
    ({"o": np.array([1, "x"], dtype=object)}, r"obj\['o'\].*object"),
    ([1, 2j], r"obj\[1\]"),
    ({(1, 2): 3}, r"dict key \(1, 2\)"),
])
def test_unsupported_objects_name_their_place(tmp_path, obj, where):
    with pytest.raises(TypeError, match=where):
        mt.save(obj, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_circular_structure_is_refused(tmp_path):
    loop = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        mt.save(loop, tmp_path / "x.npz")



# ----------------------------------------------------------- hostile files
def _members(path):
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def _write_zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _legacy(root):
    """A structure as the first version of mt.save wrote it: array leaves without declared shapes."""
    return json.dumps({"format": "microtensor", "version": 1, "root": root}).encode()


def _npy_header(descr, shape):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def test_files_of_the_first_format_version_still_load(tmp_path):
    path = tmp_path / "old.npz"
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.arange(4.0))
    root = {"type": "dict", "items": [[{"type": "str", "value": "w"}, {"type": "tensor", "array": "0"}]]}
    _write_zip(path, {serialization.STRUCTURE_MEMBER: _legacy(root), "0.npy": buffer.getvalue()})
    _assert_same({"w": mt.tensor(np.arange(4.0))}, mt.load(path))


@pytest.mark.parametrize("declared", [True, False])
def test_a_huge_declared_shape_is_refused_before_allocating(tmp_path, declared):
    path = tmp_path / "huge.npz"
    mt.save({"w": mt.tensor([1.0, 2.0])}, path)
    members = _members(path)
    members["0.npy"] = _npy_header("<f8", (2 ** 40,)) + np.zeros(2).tobytes()
    if not declared:
        members[serialization.STRUCTURE_MEMBER] = _legacy({"type": "tensor", "array": "0"})
    _write_zip(path, members)
    with pytest.raises(LoadError, match="huge.npz.*(declares shape|not the one the structure declares)"):
        mt.load(path)


def _patch_central_directory(path, offset_in_entry, value, size):
    data = bytearray(path.read_bytes())
    entry = data.find(b"PK\x01\x02")
    while entry != -1:
        data[entry + offset_in_entry:entry + offset_in_entry + size] = value.to_bytes(size, "little")
        entry = data.find(b"PK\x01\x02", entry + 4)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("field, value, message", [
    (8, 0x1, "encrypted"),            # general purpose flag: bit 0
    (10, 99, "compression method"),   # compression method
    (10, zipfile.ZIP_BZIP2, "compression method"),
])
def test_corrupted_zip_fields_are_a_load_error(tmp_path, field, value, message):
    path = tmp_path / "m.npz"
    mt.save({"w": mt.tensor([1.0, 2.0])}, path)
    _patch_central_directory(path, field, value, 2)
    with pytest.raises(LoadError, match=f"m.npz.*{message}"):
        mt.load(path)


_W = {"type": "tensor", "array": "0"}


@pytest.mark.parametrize("root", [
    {"type": "list", "items": 5},
    {"type": "list"},
    {"type": "dict", "items": [[{"type": "str", "value": "a"}]]},
    {"type": "dict", "items": [5]},
    {"type": "int", "value": "seven"},
    {"type": "int"},
    {"type": "bool", "value": 1},
    {"type": "float", "value": "zero"},
    {"type": "float", "value": 1.5},
    {"type": "dtype", "value": "not-a-dtype"},
    {"type": "dtype", "value": "O"},
    {"type": "tensor", "array": 0},
    {"type": "tensor", "array": "0", "requires_grad": "yes"},
    {"type": "tensor", "array": "7"},
    {"type": "npscalar", "array": "0"},
    {"type": "list", "items": [_W, _W]},
    {"type": "list", "items": []},
    {"type": 3},
    "root",
    None,
])
def test_malformed_structures_are_a_load_error(tmp_path, root):
    path = tmp_path / "bad.npz"
    mt.save(mt.tensor([1.0, 2.0]), path)
    members = _members(path)
    members[serialization.STRUCTURE_MEMBER] = _legacy(root)
    _write_zip(path, members)
    with pytest.raises(LoadError, match="bad.npz"):
        mt.load(path)


@pytest.mark.parametrize("text", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"format": "microtensor", "version": 1, "root": ' + b'{"type": "list", "items": [' * 5000
    + b"]}" * 5000 + b"}",
    b'{"format": "microtensor", "version": 1, "root": ' + b'{"type": "list", "items": [' * 300
    + b"]}" * 300 + b"}",
    b"\xff\xfe not utf-8",
    b'{"format": "microtensor", "version": 1}',
], ids=["deep-json", "deep-structure", "structure-over-the-depth-limit", "not-utf8", "no-root"])
def test_deep_or_broken_json_is_a_load_error(tmp_path, text):
    path = tmp_path / "deep.npz"
    _write_zip(path, {serialization.STRUCTURE_MEMBER: text})
    with pytest.raises(LoadError, match="deep.npz"):
        mt.load(path)


def _peak_allocation(function):
    tracemalloc.start()
    try:
        function()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_deflate_bomb_is_not_decompressed(tmp_path):
    path = tmp_path / "bomb.npz"
    mt.save({"w": mt.tensor(np.zeros(4))}, path)
    members = _members(path)
    members["0.npy"] = _npy_header("<f8", (1_000_000,)) + bytes(8_000_000)  # 8 MB of zeros, ~8 kB packed
    _write_zip(path, members, compression=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 50_000

    def load():
        with pytest.raises(LoadError, match="bomb.npz.*not the one the structure declares"):
            mt.load(path)

    assert _peak_allocation(load) < 1_000_000  # the 8 MB member is refused unread


def test_a_member_whose_directory_understates_its_size_is_read_only_that_far(tmp_path):
    path = tmp_path / "liar.npz"
    payload = _npy_header("<f8", (1_000_000,)) + bytes(8_000_000)
    _write_zip(path, {"0.npy": payload}, compression=zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    small = len(payload) // 1000
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed-size fields
        at = data.find(signature)
        data[at + size_offset:at + size_offset + 4] = small.to_bytes(4, "little")
    path.write_bytes(bytes(data))

    def load():
        with pytest.raises(LoadError, match="liar.npz"):
            mt.load(path)

    assert _peak_allocation(load) < 1_000_000  # reading stops at the declared 8 kB


@pytest.mark.parametrize("dtype", [">f8", ">i4", ">f4", "<f4"])
def test_byte_order_is_normalised_to_native(tmp_path, dtype):
    values = np.arange(6).reshape(2, 3).astype(dtype)
    mt.save({"t": mt.tensor(values), "a": values, "s": values[0, 1]}, tmp_path / "e.npz")
    loaded = mt.load(tmp_path / "e.npz")
    native = np.dtype(dtype).newbyteorder("=")
    assert loaded["t"]._data.dtype == native and loaded["t"]._data.dtype.isnative
    assert loaded["a"].dtype == native and loaded["a"].dtype.isnative and loaded["s"].dtype.isnative
    np.testing.assert_array_equal(loaded["a"], values)
    np.testing.assert_array_equal(loaded["t"]._data, values)
    assert loaded["s"] == values[0, 1]


def test_members_physically_reordered_still_load(tmp_path):
    path = tmp_path / "m.npz"
    original = {"w": mt.tensor([1.0, 2.0]), "b": mt.tensor([3.0, 4.0])}
    mt.save(original, path)
    _write_zip(path, dict(reversed(list(_members(path).items()))))
    _assert_same(original, mt.load(path))


def test_swapped_members_are_detected(tmp_path):
    path = tmp_path / "m.npz"
    mt.save({"w": mt.tensor([1.0, 2.0]), "b": mt.tensor([3.0, 4.0])}, path)
    members = _members(path)
    members["0.npy"], members["1.npy"] = members["1.npy"], members["0.npy"]
    _write_zip(path, members)
    with pytest.raises(LoadError, match="m.npz.*members swapped"):
        mt.load(path)


def test_a_save_killed_with_sigkill_is_cleaned_up_on_the_next_save(tmp_path):
    path = tmp_path / "model.npz"
    mt.save({"v": 1}, path)
    # A process that dies by SIGKILL while its temporary file (named as mt.save names them) exists.
    child = (
        "import os, signal, sys; folder, base = sys.argv[1:]\n"
        "name = os.path.join(folder, f'.{base}.{os.getpid()}.{os.urandom(8).hex()}.tmp')\n"
        "open(name, 'wb').write(b'PK half written')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-S", "-c", child, str(tmp_path), "model.npz"], check=False)
    assert result.returncode == -signal.SIGKILL
    leftovers = [name for name in os.listdir(tmp_path) if name != "model.npz"]
    assert len(leftovers) == 1 and serialization._temporary_pattern("model.npz").match(leftovers[0])
    unrelated = [".model.npz.abc.tmp", ".other.npz.1.0123456789abcdef.tmp", "model.npz.tmp",
                 f".model.npz.{os.getpid()}.0123456789abcdef.tmp"]  # not ours, or a save of a live process
    for name in unrelated:
        (tmp_path / name).write_bytes(b"keep")
    mt.save({"v": 2}, path)
    assert sorted(os.listdir(tmp_path)) == sorted(["model.npz"] + unrelated)
    assert mt.load(path) == {"v": 2}


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_saved_files_follow_the_umask_like_open(tmp_path, umask):
    previous = os.umask(umask)
    try:
        mt.save({"v": 1}, tmp_path / "m.npz")
        with open(tmp_path / "plain", "w"):
            pass
    finally:
        os.umask(previous)
    mode = os.stat(tmp_path / "m.npz").st_mode & 0o777
    assert mode == 0o666 & ~umask == os.stat(tmp_path / "plain").st_mode & 0o777
