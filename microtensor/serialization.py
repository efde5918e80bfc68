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
nest at most 200 levels. Arrays come back writable and in native byte order.

Saving is atomic: the archive is written to a temporary file in the same folder,
flushed and ``fsync``-ed, then renamed over ``path`` with ``os.replace``. A crash
mid-save leaves the previous file intact (and the temporary file is removed when
Python is still in control). A temporary file left by a save killed with ``kill -9``
(named ``.<name>.<pid>.<random>.tmp``, its process gone) is removed by the next save to
the same path. The file gets the permissions ``open()`` would give (0666 minus the
umask). ``path`` may also be a binary file object (written
or read directly, without the atomic rename).
"""
import collections
import io
import json
import os
import pickletools
import re
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
    if hasattr(f, "write"):
        _write_archive(f, root, arrays)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    _remove_stale_temporaries(folder, os.path.basename(path))
    descriptor, temporary = _create_temporary(folder, os.path.basename(path))
    try:
        with os.fdopen(descriptor, "wb") as handle:
            _write_archive(handle, root, arrays)
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


def _temporary_pattern(base):
    """Our temporary files for ``base``: ``.<base>.<pid>.<16 hex digits>.tmp``."""
    return re.compile(r"\." + re.escape(base) + r"\.(\d+)\.[0-9a-f]{16}\.tmp\Z")


def _create_temporary(folder, base):
    """A new temporary file beside the target, with the permissions ``open()`` would give (0666 & ~umask)."""
    umask = _current_umask()
    while True:
        temporary = os.path.join(folder, f".{base}.{os.getpid()}.{os.urandom(8).hex()}.tmp")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, 0o666 & ~umask)
        return descriptor, temporary


def _current_umask():
    """The process umask, read without changing it where the OS allows (os.umask can only set it, and
    setting it briefly to 0 would race with other threads creating files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o077)
    os.umask(umask)
    return umask


def _process_is_alive(pid):
    if pid == os.getpid():
        return True  # another thread of ours may be saving
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _remove_stale_temporaries(folder, base):
    """Delete temporary files left for this target by a save that was killed (its process is gone)."""
    pattern = _temporary_pattern(base)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for entry in names:
        match = pattern.match(entry)
        if match and not _process_is_alive(int(match.group(1))):
            try:
                os.unlink(os.path.join(folder, entry))
            except OSError:
                pass


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
_MAX_DEPTH = 200  # nesting of the structure; deeper is refused (a real checkpoint is a few levels deep)
_MAX_DEFLATE_RATIO = 1032  # deflate can't expand more than this; a larger declared size is a lie
_MAX_STRUCTURE_BYTES = 1 << 28
_NPY_HEADER_LIMIT = 1 << 16


class _Damaged(Exception):
    """Internal: what is wrong with the file, turned into a LoadError naming it."""


def load(f, map_location=None, weights_only=True):
    """Read an object written by ``mt.save`` (a plain ``.npz`` from ``numpy.savez`` is refused).

    Never executes code from the file; pickles and object arrays are refused.
    Either returns exactly what was saved or raises ``LoadError`` naming the file.
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
        return _load_bytes(io.BytesIO(data), data[:8], name, len(data))
    path = os.fspath(f)
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
            size = os.fstat(handle.fileno()).st_size
    except FileNotFoundError:
        raise FileNotFoundError(f"mt.load: no such file: {path!r}") from None
    return _load_bytes(path, head, path, size)


def _load_bytes(source, head, name, size):
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
        with zipfile.ZipFile(source) as archive:
            return _read_archive(_Archive(archive, size), name)
    except LoadError:
        raise
    except _Damaged as error:
        raise LoadError(f"mt.load: {name!r} is truncated or corrupted and can't be read: {error}") from None
    except Exception as error:  # noqa: BLE001 -- zipfile/numpy fail in many ways on a damaged file; all mean the same
        raise LoadError(
            f"mt.load: {name!r} is truncated or corrupted and can't be read ({type(error).__name__}: {error}); "
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


class _Archive:
    """A zip archive whose members are checked against its directory and the file's real size
    before anything is decompressed or allocated."""

    def __init__(self, archive, file_size):
        self.archive = archive
        self.infos = {}
        compressed_total = 0
        for info in archive.infolist():
            if info.flag_bits & 0x1:
                raise _Damaged(f"member {info.filename!r} is marked encrypted (mt.save never encrypts)")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _Damaged(f"member {info.filename!r} has unknown compression method {info.compress_type}")
            if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
                raise _Damaged(f"member {info.filename!r} is stored but its two sizes differ")
            if info.file_size > max(info.compress_size, 1) * _MAX_DEFLATE_RATIO:
                raise _Damaged(f"member {info.filename!r} declares more data than its compressed bytes can hold")
            if info.filename in self.infos:
                raise _Damaged(f"member {info.filename!r} appears twice")
            compressed_total += info.compress_size
            self.infos[info.filename] = info
        if compressed_total > file_size:
            raise _Damaged(f"its members declare {compressed_total} bytes but the file has only {file_size}")
        self.files = list(self.infos)

    def read(self, member, declared=None):
        """The member's bytes: never more than its directory entry (and the structure) declares, so a
        deflate bomb stops there; zipfile checks them against the directory's CRC-32."""
        info = self.infos.get(member)
        if info is None:
            raise _Damaged(f"member {member!r} is missing")
        if declared is not None and (info.file_size, info.CRC) != (declared["nbytes"], declared["crc32"]):
            raise _Damaged(
                f"member {member!r} ({info.file_size} bytes) is not the one the structure declares "
                f"({declared['nbytes']} bytes; members swapped or replaced?)"
            )
        with self.archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
        if len(data) != info.file_size:
            raise _Damaged(f"member {member!r} has {len(data)} bytes where the directory declares {info.file_size}")
        return data


def _parse_npy(data, member):
    """(dtype, shape, fortran_order, offset) from a .npy header, checked against the member's real size."""
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream, max_header_size=_NPY_HEADER_LIMIT)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream, max_header_size=_NPY_HEADER_LIMIT)
        else:
            raise _Damaged(f"member {member!r} has unsupported .npy version {version}")
    except ValueError as error:
        raise _Damaged(f"member {member!r} has a bad .npy header ({error})") from None
    if dtype.hasobject:
        raise LoadError(
            f"mt.load refuses to load member {member!r}: it is an object array, which can only be read by "
            f"unpickling (which can execute arbitrary code); save plain numeric arrays instead"
        )
    offset = stream.tell()
    count = 1
    for side in shape:
        count *= side
    if count * dtype.itemsize != len(data) - offset:
        raise _Damaged(
            f"member {member!r} declares shape {shape} of {dtype} ({count * dtype.itemsize} bytes) but holds "
            f"{len(data) - offset} bytes"
        )
    return dtype, shape, fortran_order, offset


def _read_array(archive, member, name, declared):
    data = archive.read(member, declared)
    dtype, shape, fortran_order, offset = _parse_npy(data, member)
    if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None:
        raise LoadError(f"mt.load: member {member!r} of {name!r} has unsupported dtype {dtype}")
    if declared and (list(shape) != declared.get("shape") or dtype.str != declared.get("dtype")):
        raise _Damaged(f"member {member!r} is not the array the structure declares (members swapped?)")
    flat = np.frombuffer(data, dtype=dtype, offset=offset)
    array = flat.reshape(shape[::-1]).transpose() if fortran_order else flat.reshape(shape)
    return np.array(array, dtype=dtype.newbyteorder("="), order="K")  # a writable copy in native byte order


def _read_archive(archive, name):
    members = archive.files
    if STRUCTURE_MEMBER not in members:
        if "data.pkl" in members or any(member.endswith(".pkl") for member in members):
            raise LoadError(
                f"mt.load refuses to load {name!r}: it holds pickled data (a PyTorch checkpoint?), and "
                f"unpickling can execute arbitrary code; convert it to numpy arrays and use mt.save"
            )
        raise LoadError(
            f"mt.load: {name!r} is not an mt.save file: it is a ZIP/.npz archive without the "
            f"{STRUCTURE_MEMBER} member that describes what was saved (a plain numpy.savez file, or an mt.save "
            f"file that lost it). mt.load returns exactly what mt.save saved, so it does not guess; read a "
            f"numpy file with {{key: mt.tensor(value) for key, value in numpy.load(path).items()}}"
        )
    info = archive.infos[STRUCTURE_MEMBER]
    if info.file_size > _MAX_STRUCTURE_BYTES:
        raise _Damaged(f"its {STRUCTURE_MEMBER} member is implausibly large ({info.file_size} bytes)")
    try:
        structure = json.loads(archive.read(STRUCTURE_MEMBER).decode("utf-8"))
    except (ValueError, RecursionError) as error:
        raise _Damaged(f"its {STRUCTURE_MEMBER} member is not valid JSON ({type(error).__name__})") from None
    if not isinstance(structure, dict) or structure.get("format") != FORMAT_NAME:
        raise LoadError(f"mt.load: {name!r} has a {STRUCTURE_MEMBER} member that is not a microtensor structure")
    version = structure.get("version")
    if version != FORMAT_VERSION:
        raise LoadError(
            f"mt.load: {name!r} uses format version {version!r}; this microtensor reads version {FORMAT_VERSION}"
        )
    if "root" not in structure:
        raise _Damaged(f"its {STRUCTURE_MEMBER} member has no root")
    used = set()
    result = _decode(structure["root"], archive, name, 0, used)
    declared_members = {member for member in members if member != STRUCTURE_MEMBER}
    if used != declared_members:
        raise _Damaged(f"its members {sorted(declared_members ^ used)} are not the ones the structure uses")
    return result


def _field(node, key, kind):
    value = node.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Damaged(f"a structure entry {_short(node)} has a bad {key!r}")
    return value


def _short(node):
    text = repr(node)
    return text if len(text) <= 80 else text[:77] + "..."


def _leaf_array(node, archive, name, used):
    member = _field(node, "array", str) + ".npy"
    if member in used:
        raise _Damaged(f"member {member!r} is used twice")
    used.add(member)
    declared = None
    if "shape" in node:
        declared = {"shape": _field(node, "shape", list), "dtype": _field(node, "dtype", str),
                    "nbytes": _field(node, "nbytes", int), "crc32": _field(node, "crc32", int)}
    return _read_array(archive, member, name, declared)


def _decode(node, archive, name, depth, used):
    if depth > _MAX_DEPTH:
        raise _Damaged(f"its structure is nested deeper than {_MAX_DEPTH} levels")
    if not isinstance(node, dict) or not isinstance(node.get("type"), str):
        raise _Damaged(f"a structure entry {_short(node)} is malformed")
    kind = node["type"]
    if kind == "none":
        return None
    if kind == "bool":
        return _field(node, "value", bool)
    if kind == "str":
        return _field(node, "value", str)
    if kind == "int":
        return _field(node, "value", int)
    if kind == "float":
        text = _field(node, "value", str)
        try:
            return float(text)
        except ValueError:
            raise _Damaged(f"a float entry holds {text[:40]!r}") from None
    if kind == "dtype":
        try:
            dtype = np.dtype(_field(node, "value", str))
        except TypeError:
            raise _Damaged(f"a dtype entry {_short(node)} names no dtype") from None
        if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None:
            raise _Damaged(f"a dtype entry names unsupported dtype {dtype}")
        return dtype
    if kind == "tensor":
        tensor = Tensor._make(_leaf_array(node, archive, name, used))
        if _field(node, "requires_grad", bool) if "requires_grad" in node else False:
            tensor.requires_grad = True
        return tensor
    if kind == "ndarray":
        return _leaf_array(node, archive, name, used)
    if kind == "npscalar":
        array = _leaf_array(node, archive, name, used)
        if array.ndim != 0:
            raise _Damaged("a numpy scalar entry points to an array that is not 0-d")
        return array[()]
    items = _field(node, "items", list)
    if kind in ("dict", "odict"):
        result = collections.OrderedDict() if kind == "odict" else {}
        for pair in items:
            if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[0], dict):
                raise _Damaged(f"a dict item {_short(pair)} is not a [key, value] pair")
            key_node, value_node = pair
            if key_node.get("type") not in ("none", "bool", "int", "float", "str"):
                raise LoadError(f"mt.load: {name!r} has a dict key of type {key_node.get('type')!r}")
            result[_decode(key_node, archive, name, depth + 1, used)] = _decode(
                value_node, archive, name, depth + 1, used
            )
        return result
    if kind == "list":
        return [_decode(item, archive, name, depth + 1, used) for item in items]
    if kind == "tuple":
        return tuple(_decode(item, archive, name, depth + 1, used) for item in items)
    raise LoadError(f"mt.load: {name!r} has an entry of unknown type {kind!r}")
