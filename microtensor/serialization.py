"""``mt.save(obj, path)`` / ``mt.load(path)``: a safe, documented file format.

What can be saved: (nested) ``dict``/``OrderedDict``/``list``/``tuple`` of Tensors,
numpy arrays (bool, integer, float and complex dtypes), numpy scalars, Python
``int``/``float``/``bool``/``str``/``None`` and numpy dtypes: module and optimizer
state dicts, scheduler state dicts, training checkpoints. Dict keys may be ``str``,
``int``, ``float``, ``bool`` or ``None``. Anything else (a lambda, a set, an object
array, a custom class) raises ``TypeError`` naming where it sits, e.g.
``obj['state'][0]['fn']``.

The format
----------
A file is a ZIP archive (an ``.npz`` that ``numpy.load`` can open) holding

* ``__microtensor__.json``: UTF-8 JSON ``{"format": "microtensor", "version": 1,
  "root": NODE}`` describing the structure, where a NODE is one of::

      {"type": "dict", "items": [[KEY, NODE], ...]}        (order kept)
      {"type": "odict", "items": [[KEY, NODE], ...]}       (collections.OrderedDict)
      {"type": "list", "items": [NODE, ...]}
      {"type": "tuple", "items": [NODE, ...]}
      {"type": "tensor", "array": "3", "requires_grad": false}
      {"type": "ndarray", "array": "4"}
      {"type": "npscalar", "array": "5"}                  (np.float32(1.5) etc.)
      {"type": "dtype", "value": "float32"}
      {"type": "int", "value": 7}          {"type": "float", "value": "0.1"}  (repr: exact, nan/inf ok)
      {"type": "bool", "value": true}      {"type": "str", "value": "..."}     {"type": "none"}

  and a KEY is a scalar NODE (``int``, ``float``, ``bool``, ``str`` or ``none``), so
  integer keys (optimizer state) come back as ints;
* ``<n>.npy`` for every array leaf ``"array": "<n>"``: the array in numpy's ``.npy``
  format, written with ``allow_pickle=False``.

Loading never executes code: members are read with ``numpy.load(...,
allow_pickle=False)`` and the structure is plain JSON. A pickle file (e.g. a
PyTorch ``.pt`` or an ``np.save`` of an object array) is refused with a
``LoadError`` saying so, before anything is unpickled. A plain ``.npz`` (from
``np.savez``) without the JSON member loads as a dict of arrays. A truncated or
corrupted file raises ``LoadError`` naming the path.

Saving is atomic: the archive is written to a temporary file in the same folder,
flushed and ``fsync``-ed, then renamed over ``path`` with ``os.replace``. A crash
mid-save leaves the previous file intact (and the temporary file is removed when
Python is still in control). ``path`` may also be a binary file object (written
or read directly, without the atomic rename).
"""
import collections
import io
import json
import os
import pickletools
import tempfile
import zipfile

import numpy as np

from ._tensor import Tensor

__all__ = ["save", "load", "LoadError"]

STRUCTURE_MEMBER = "__microtensor__.json"
FORMAT_NAME = "microtensor"
FORMAT_VERSION = 1

_ARRAY_KINDS = "biufc"  # bool, signed and unsigned ints, floats, complex
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_NPY_MAGIC = b"\x93NUMPY"


class LoadError(RuntimeError):
    """``mt.load`` could not (or refused to) read a file: corrupted, truncated, a pickle, not ours."""


# --------------------------------------------------------------------- save
def save(obj, f):
    """Write ``obj`` (nested dicts/lists/tuples of Tensors, arrays and plain values) to ``f`` atomically.

    See the module docstring for what can be saved and the file format.
    """
    arrays = []
    root = _encode(obj, "obj", arrays, set())
    structure = json.dumps(
        {"format": FORMAT_NAME, "version": FORMAT_VERSION, "root": root}, ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
    if hasattr(f, "write"):
        _write_archive(f, structure, arrays)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            _write_archive(handle, structure, arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def _fsync_folder(folder):
    """Make the rename itself durable (best effort: not every platform can open a folder)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _write_archive(handle, structure, arrays):
    with zipfile.ZipFile(handle, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr(STRUCTURE_MEMBER, structure)
        for number, array in enumerate(arrays):
            _write_array(archive, f"{number}.npy", array)


def _write_array(archive, name, array):
    """Write one array as a ``.npy`` member (never pickled)."""
    with archive.open(name, mode="w", force_zip64=True) as member:
        np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)


def _scalar_node(value, where):
    """Encode a Python scalar (also used for dict keys); None if ``value`` is not one."""
    if value is None:
        return {"type": "none"}
    if isinstance(value, bool):
        return {"type": "bool", "value": value}
    if isinstance(value, int):
        return {"type": "int", "value": value}
    if isinstance(value, float):
        return {"type": "float", "value": repr(value)}
    if isinstance(value, str):
        return {"type": "str", "value": value}
    return None


def _check_array(array, where):
    if array.dtype.kind not in _ARRAY_KINDS or array.dtype.fields is not None:
        raise TypeError(
            f"mt.save: can't save {where}: an array of dtype {array.dtype} "
            f"(only bool, integer, float and complex arrays can be saved safely; object arrays would need pickle)"
        )


def _encode(value, where, arrays, active):
    node = _scalar_node(value, where)
    if node is not None:
        return node
    if isinstance(value, Tensor):
        _check_array(value._data, where)
        arrays.append(value._data)
        return {"type": "tensor", "array": str(len(arrays) - 1), "requires_grad": bool(value.requires_grad)}
    if isinstance(value, np.ndarray):
        _check_array(value, where)
        arrays.append(value)
        return {"type": "ndarray", "array": str(len(arrays) - 1)}
    if isinstance(value, np.generic):
        array = np.asarray(value)
        _check_array(array, where)
        arrays.append(array)
        return {"type": "npscalar", "array": str(len(arrays) - 1)}
    if isinstance(value, np.dtype):
        _check_array(np.empty(0, value), where)
        return {"type": "dtype", "value": value.str}
    if isinstance(value, (dict, list, tuple)):
        if id(value) in active:
            raise ValueError(f"mt.save: can't save {where}: it contains itself (a circular reference)")
        active.add(id(value))
        try:
            if isinstance(value, dict):
                items = []
                for key, item in value.items():
                    key_node = _scalar_node(key, where)
                    if key_node is None:
                        raise TypeError(
                            f"mt.save: can't save {where}: dict key {key!r} is a {type(key).__name__}; "
                            f"keys must be str, int, float, bool or None"
                        )
                    items.append([key_node, _encode(item, f"{where}[{key!r}]", arrays, active)])
                kind = "odict" if isinstance(value, collections.OrderedDict) else "dict"
                return {"type": kind, "items": items}
            items = [_encode(item, f"{where}[{i}]", arrays, active) for i, item in enumerate(value)]
            return {"type": "tuple" if isinstance(value, tuple) else "list", "items": items}
        finally:
            active.discard(id(value))
    raise TypeError(
        f"mt.save: can't save {where}: objects of type {type(value).__name__} are not supported "
        f"(supported: Tensors, numpy arrays and scalars, int, float, bool, str, None, and dicts, lists "
        f"and tuples of them); saving arbitrary objects would need pickle, which mt.load refuses"
    )


# --------------------------------------------------------------------- load
def load(f, map_location=None, weights_only=True):
    """Read an object written by ``mt.save`` (or a plain ``.npz`` as a dict of arrays).

    Never executes code from the file; pickles and object arrays are refused.
    ``map_location`` and ``weights_only`` are accepted for PyTorch compatibility
    (only the CPU exists, and loading is always weights-only safe).
    """
    if map_location is not None:
        from .device import check_device

        if not callable(map_location) and not isinstance(map_location, dict):
            check_device(map_location)
    if hasattr(f, "read"):
        name = getattr(f, "name", "<file object>")
        data = f.read()
        return _load_bytes(io.BytesIO(data), data[:8], name)
    path = os.fspath(f)
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except FileNotFoundError:
        raise FileNotFoundError(f"mt.load: no such file: {path!r}") from None
    return _load_bytes(path, head, path)


def _load_bytes(source, head, name):
    if not (head.startswith(_ZIP_MAGIC) or head.startswith(_EMPTY_ZIP_MAGIC)):
        if _looks_like_pickle(source, head):
            raise LoadError(
                f"mt.load refuses to load {name!r}: it looks like a pickle file, and unpickling can execute "
                f"arbitrary code. microtensor reads only its own safe format (written by mt.save); re-save "
                f"the data with mt.save from a trusted environment"
            )
        if head.startswith(_NPY_MAGIC):
            raise LoadError(
                f"mt.load: {name!r} is a single .npy array, not an mt.save file; read it with "
                f"numpy.load(path, allow_pickle=False)"
            )
        raise LoadError(
            f"mt.load: {name!r} is not a microtensor file (an mt.save file is a ZIP/.npz archive; this one "
            f"starts with {head!r}); it may be corrupted or of another format"
        )
    try:
        with np.load(source, allow_pickle=False) as archive:
            return _read_archive(archive, name)
    except LoadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError, ValueError, UnicodeDecodeError) as error:
        text = str(error)
        if "pickle" in text.lower() or "object arrays" in text.lower():
            raise LoadError(
                f"mt.load refuses to load {name!r}: it contains an object array, which can only be read by "
                f"unpickling (which can execute arbitrary code); save plain numeric arrays instead"
            ) from None
        raise LoadError(
            f"mt.load: {name!r} is truncated or corrupted and can't be read ({type(error).__name__}: {text}); "
            f"it was damaged after it was written (mt.save replaces files atomically, so an interrupted save "
            f"leaves the previous file): restore a copy or save it again"
        ) from None


def _looks_like_pickle(source, head):
    """True for a pickle: protocol 2+ starts with PROTO (0x80); older ones are recognised by parsing
    (never running) their opcodes with ``pickletools`` up to the final STOP."""
    if head[:1] == b"\x80":
        return True
    if isinstance(source, io.BytesIO):
        data = source.getvalue()[:1 << 20]
    else:
        with open(source, "rb") as handle:
            data = handle.read(1 << 20)
    try:
        for opcode, _, _ in pickletools.genops(io.BytesIO(data)):
            if opcode.name == "STOP":
                return True
    except Exception:
        return False
    return False


def _read_archive(archive, name):
    members = archive.files
    if STRUCTURE_MEMBER not in members:
        if "data.pkl" in members or any(member.endswith(".pkl") for member in members):
            raise LoadError(
                f"mt.load refuses to load {name!r}: it holds pickled data (a PyTorch checkpoint?), and "
                f"unpickling can execute arbitrary code; convert it to numpy arrays and use mt.save"
            )
        return {member: _array(archive, member, name) for member in members}
    raw = archive[STRUCTURE_MEMBER]
    if not isinstance(raw, bytes):
        raise LoadError(f"mt.load: {name!r} has a {STRUCTURE_MEMBER} member that is not JSON text")
    structure = json.loads(raw.decode("utf-8"))
    if not isinstance(structure, dict) or structure.get("format") != FORMAT_NAME:
        raise LoadError(f"mt.load: {name!r} has a {STRUCTURE_MEMBER} member that is not a microtensor structure")
    version = structure.get("version")
    if version != FORMAT_VERSION:
        raise LoadError(
            f"mt.load: {name!r} uses format version {version!r}; this microtensor reads version {FORMAT_VERSION}"
        )
    return _decode(structure["root"], archive, name)


def _array(archive, member, name):
    array = archive[member]
    if not isinstance(array, np.ndarray):
        raise LoadError(f"mt.load: member {member!r} of {name!r} is not a .npy array")
    if array.dtype.kind not in _ARRAY_KINDS:
        raise LoadError(f"mt.load: member {member!r} of {name!r} has unsupported dtype {array.dtype}")
    return array


def _decode(node, archive, name):
    try:
        kind = node["type"]
    except (TypeError, KeyError):
        raise LoadError(f"mt.load: {name!r} has a malformed structure entry {node!r}") from None
    if kind == "none":
        return None
    if kind in ("bool", "str"):
        return node["value"]
    if kind == "int":
        return int(node["value"])
    if kind == "float":
        return float(node["value"])
    if kind == "dtype":
        return np.dtype(node["value"])
    if kind == "tensor":
        array = _array(archive, node["array"], name)
        tensor = Tensor._make(array)
        if node.get("requires_grad"):
            tensor.requires_grad = True
        return tensor
    if kind == "ndarray":
        return _array(archive, node["array"], name)
    if kind == "npscalar":
        return _array(archive, node["array"], name)[()]
    if kind in ("dict", "odict"):
        result = collections.OrderedDict() if kind == "odict" else {}
        for key_node, value_node in node["items"]:
            if key_node.get("type") not in ("none", "bool", "int", "float", "str"):
                raise LoadError(f"mt.load: {name!r} has a dict key of type {key_node.get('type')!r}")
            result[_decode(key_node, archive, name)] = _decode(value_node, archive, name)
        return result
    if kind == "list":
        return [_decode(item, archive, name) for item in node["items"]]
    if kind == "tuple":
        return tuple(_decode(item, archive, name) for item in node["items"])
    raise LoadError(f"mt.load: {name!r} has an entry of unknown type {kind!r}")
