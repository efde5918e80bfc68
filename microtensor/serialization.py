"""``mt.save(obj, path)`` / ``mt.load(path)``: safe, documented file formats (docs/saving.md says which to use).

What can be saved: (nested) ``dict``/``OrderedDict``/``list``/``tuple`` of Tensors,
numpy arrays (bool, integer, float and complex dtypes), numpy scalars, Python
``int``/``float``/``bool``/``str``/``None``, numpy dtypes, devices, functions and classes
(by import path) and whole ``nn.Module`` objects: module and optimizer state dicts,
scheduler state dicts, training checkpoints, models. Dict keys may be ``str``, ``int``,
``float``, ``bool`` or ``None``. Anything else (a lambda, a set, an object array, an
instance of a custom non-Module class) raises ``TypeError`` naming where it sits, e.g.
``obj['state'][0]['fn']``.

A path ending in ``.safetensors`` gets the safetensors format instead (a flat dict of
name -> Tensor, readable by PyTorch; see ``_safetensors_format.py``); ``mt.load`` reads
it back as an ``OrderedDict`` of Tensors. Everything else gets the format below.

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
      {"type": "device", "value": "cpu"}   {"type": "global", "path": "microtensor.nn.functional.relu"}
      {"type": "module", "class": "module.qualname", ...}   {"type": "ref", "memo": 3}   (_module_archive.py)

  and a KEY is a scalar NODE (``int``, ``float``, ``bool``, ``str`` or ``none``), so
  integer keys (optimizer state) come back as ints;
* ``<n>.npy`` for every array leaf ``"array": "<n>"``: the array in numpy's ``.npy``
  format, written with ``allow_pickle=False``.

Loading never executes code: members are read with ``numpy.load(...,
allow_pickle=False)`` and the structure is plain JSON; a module is rebuilt only from
microtensor's own classes and those allowlisted with ``safe_globals``
(``_safe_globals.py``). A pickle file (e.g. a PyTorch ``.pt`` or an ``np.save`` of an
object array) is refused with a
``LoadError`` saying so, before anything is unpickled. A plain ``.npz`` (from
``np.savez``) without the JSON member is refused with a ``LoadError`` that shows how
to read it with numpy (mt.load does not guess what such a file meant).

``mt.load`` either returns exactly what was saved or raises ``LoadError`` naming the
file and what is wrong. Before anything is decompressed or allocated, every member is
checked: no encryption, compression stored or deflate, sizes consistent with the zip
directory, the file's real size and deflate's maximum ratio; each array leaf of the
structure declares its member's ``shape``, ``dtype``, ``nbytes`` and ``crc32`` (written by
mt.save since these keys were added; files without them still load), so a swapped or
replaced member is refused and no member is decompressed beyond its declared size; each
``.npy`` header's shape is checked against the member's real size. The structure may
nest at most 200 levels. Arrays come back writable and in native byte order. The reading
and its checks are in ``_npz_reader.py``.

Saving is atomic (both formats): the file is written to a temporary file in the same
folder, flushed and ``fsync``-ed, then renamed over ``path`` with ``os.replace``
(``_atomic_write.py``): a crash mid-save leaves the previous file intact. ``path`` may
also be a binary file object (written or read directly, without the atomic rename).
"""
from __future__ import annotations

import collections
import io
import json
import os
import zipfile
from typing import IO, Any, Callable, Dict, Optional, Union

import numpy as np

from ._atomic_write import _temporary_pattern, write_atomically  # noqa: F401 (_temporary_pattern: for tests)
from ._file_format import (  # noqa: F401 (re-exported: mt.serialization.LoadError, the format's names)
    _ARRAY_KINDS, _EMPTY_ZIP_MAGIC, _NPY_MAGIC, _ZIP_MAGIC, FORMAT_NAME, FORMAT_VERSION, STRUCTURE_MEMBER, LoadError,
)
from ._safe_globals import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from ._tensor import Tensor
from .device import device

FileLike = Union[str, "os.PathLike[str]", IO[bytes]]
MapLocation = Optional[Union[str, device, Callable[..., Any], Dict[str, str]]]

__all__ = ["save", "load", "LoadError", "safe_globals", "add_safe_globals", "get_safe_globals", "clear_safe_globals"]



# --------------------------------------------------------------------- save
def save(obj: Any, f: FileLike) -> None:
    """Write ``obj`` to ``f`` atomically: a ``.safetensors`` path gets the safetensors format, anything else
    ours (nested dicts/lists/tuples of Tensors, arrays, plain values and whole modules).

    See the module docstring for what can be saved and the file format.
    """
    if _is_safetensors_name(f):
        from . import _safetensors_format

        data = _safetensors_format.encode(obj, repr(_name_of(f)))
        _write(f, lambda handle: handle.write(data))
        return
    arrays = []
    root = _encode(obj, "obj", arrays, set(), {})
    _write(f, lambda handle: _write_archive(handle, root, arrays))


def _name_of(f):
    return getattr(f, "name", "<file object>") if hasattr(f, "write") or hasattr(f, "read") else os.fspath(f)


def _is_safetensors_name(f):
    name = _name_of(f)
    return isinstance(name, str) and name.lower().endswith(".safetensors")


def _write(f, write):
    """``write(handle)`` into a file object directly, or into a path atomically."""
    if hasattr(f, "write"):
        write(f)
    else:
        write_atomically(os.fspath(f), write)


def _write_archive(handle, root, arrays):
    """The array members first, then the structure, which declares each member's shape, dtype, size and
    CRC-32 (so that load can check every member before it decompresses or allocates anything)."""
    with zipfile.ZipFile(handle, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        members = []
        for number, array in enumerate(arrays):
            name = f"{number}.npy"
            _write_array(archive, name, array)
            members.append((np.asarray(array), archive.getinfo(name)))
        _declare_arrays(root, members)
        structure = json.dumps(
            {"format": FORMAT_NAME, "version": FORMAT_VERSION, "root": root}, ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
        archive.writestr(STRUCTURE_MEMBER, structure)


def _write_array(archive, name, array):
    """Write one array as a ``.npy`` member (never pickled)."""
    with archive.open(name, mode="w", force_zip64=True) as member:
        np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)


def _declare_arrays(node, members):
    if "array" in node:
        array, info = members[int(node["array"])]
        node.update(shape=list(array.shape), dtype=array.dtype.str, nbytes=info.file_size, crc32=info.CRC)
    for item in node.get("items", ()):
        for child in item if isinstance(item, list) else (item,):
            _declare_arrays(child, members)


def _scalar_node(value, where):
    """Encode a Python scalar (also used for dict keys); None if ``value`` is not one."""
    if isinstance(value, np.generic):
        return None  # np.float64 is a float subclass, but it is saved as a numpy scalar (keeps its type)
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


def _encode(value, where, arrays, active, memo):
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
                    items.append([key_node, _encode(item, f"{where}[{key!r}]", arrays, active, memo)])
                kind = "odict" if isinstance(value, collections.OrderedDict) else "dict"
                return {"type": kind, "items": items}
            items = [_encode(item, f"{where}[{i}]", arrays, active, memo) for i, item in enumerate(value)]
            return {"type": "tuple" if isinstance(value, tuple) else "list", "items": items}
        finally:
            active.discard(id(value))
    from . import _module_archive

    if _module_archive.is_module(value):
        return _module_archive.encode_module(
            value, where, lambda item, item_where: _encode(item, item_where, arrays, active, memo), memo
        )
    if isinstance(value, device):
        return {"type": "device", "value": str(value)}
    if _module_archive.is_global(value):
        return _module_archive.encode_global(value, where)
    raise TypeError(
        f"mt.save: can't save {where}: objects of type {type(value).__name__} are not supported "
        f"(supported: Tensors, numpy arrays and scalars, int, float, bool, str, None, and dicts, lists "
        f"and tuples of them); saving arbitrary objects would need pickle, which mt.load refuses"
    )


# --------------------------------------------------------------------- load
def load(f: FileLike, map_location: MapLocation = None, *, weights_only: Optional[bool] = None) -> Any:
    """Read what ``mt.save`` wrote: our format, or a ``.safetensors`` file (a dict of name -> Tensor).

    Never executes code from the file; pickles and object arrays are refused, and a saved
    module is rebuilt only from microtensor's classes and those allowlisted with
    ``mt.serialization.safe_globals``. Either returns exactly what was saved or raises
    ``LoadError`` naming the file. ``map_location`` is accepted for PyTorch compatibility
    (only the CPU exists). ``weights_only`` (default ``None``, meaning ``True``, as in
    PyTorch): ``False`` also lets a saved module use any importable ``nn.Module`` class or
    function its file names (their modules are imported): only for files you trust.
    """
    if map_location is not None:
        from .device import check_device

        if not callable(map_location) and not isinstance(map_location, dict):
            check_device(map_location)
    if weights_only is not None and not isinstance(weights_only, bool):
        raise TypeError(f"mt.load: weights_only must be True, False or None, got {weights_only!r}")
    from . import _npz_reader  # here, on first use: reading is the larger half of the format

    options = {"weights_only": weights_only is not False}
    if hasattr(f, "read"):
        name = getattr(f, "name", "<file object>")
        data = f.read()
        if _is_safetensors_name(f) or _looks_like_safetensors(data[:9]):
            return _load_safetensors(data, name)
        return _npz_reader.read_file(io.BytesIO(data), data[:8], name, len(data), options)
    path = os.fspath(f)
    try:
        with open(path, "rb") as handle:
            head = handle.read(9)
            size = os.fstat(handle.fileno()).st_size
            if _is_safetensors_name(path) or _looks_like_safetensors(head):
                handle.seek(0)
                return _load_safetensors(handle.read(), path)
    except FileNotFoundError:
        raise FileNotFoundError(f"mt.load: no such file: {path!r}") from None
    return _npz_reader.read_file(path, head[:8], path, size, options)


def _looks_like_safetensors(head):
    from . import _safetensors_format

    return _safetensors_format.looks_like_safetensors(head)


def _load_safetensors(data, name):
    from . import _safetensors_format

    return _safetensors_format.decode(data, name)
