"""Reading ``mt.save``'s ``.npz`` format (described in ``serialization.py``) and checking it on the way.

Before anything is decompressed or allocated, every zip member is checked against the zip
directory, the file's real size and deflate's maximum ratio; every array leaf against the
shape, dtype, size and CRC-32 the structure declares; every ``.npy`` header against its
member's size. Whatever is wrong becomes a ``LoadError`` naming the file. A pickle is
recognised (never run) and refused. Modules are rebuilt by ``_module_archive.py``.
"""
import collections
import io
import json
import pickletools
import zipfile

import numpy as np

from . import _module_archive
from ._tensor import Tensor
from .device import device
from ._file_format import (
    _ARRAY_KINDS, _EMPTY_ZIP_MAGIC, _NPY_MAGIC, _ZIP_MAGIC, FORMAT_NAME, FORMAT_VERSION, STRUCTURE_MEMBER, LoadError,
)

_MAX_DEPTH = 200  # nesting of the structure; deeper is refused (a real checkpoint is a few levels deep)
_MAX_DEFLATE_RATIO = 1032  # deflate can't expand more than this; a larger declared size is a lie
_MAX_STRUCTURE_BYTES = 1 << 28
_NPY_HEADER_LIMIT = 1 << 16


class _Damaged(Exception):
    """Internal: what is wrong with the file, turned into a LoadError naming it."""


def read_file(source, head, name, size, options):
    """What the file at ``source`` (a path or BytesIO) holds; ``head`` is its first 8 bytes."""
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
            return _read_archive(_Archive(archive, size), name, options)
    except LoadError:
        raise
    except _module_archive.Refused as error:
        raise LoadError(f"mt.load refuses to load {name!r}: {error}") from None
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


def _read_archive(archive, name, options):
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
    reading = _Reading(archive, name, options["weights_only"])
    result = _decode(structure["root"], reading, 0)
    declared_members = {member for member in members if member != STRUCTURE_MEMBER}
    if reading.used != declared_members:
        raise _Damaged(f"its members {sorted(declared_members ^ reading.used)} are not the ones the structure uses")
    return result


def _field(node, key, kind):
    value = node.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Damaged(f"a structure entry {_short(node)} has a bad {key!r}")
    return value


def _short(node):
    text = repr(node)
    return text if len(text) <= 80 else text[:77] + "..."


def _leaf_array(node, reading):
    archive, name, used = reading.archive, reading.name, reading.used
    member = _field(node, "array", str) + ".npy"
    if member in used:
        raise _Damaged(f"member {member!r} is used twice")
    used.add(member)
    declared = None
    if "shape" in node:
        declared = {"shape": _field(node, "shape", list), "dtype": _field(node, "dtype", str),
                    "nbytes": _field(node, "nbytes", int), "crc32": _field(node, "crc32", int)}
    return _read_array(archive, member, name, declared)


def _decode(node, reading, depth):
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
        tensor = Tensor._make(_leaf_array(node, reading))
        if _field(node, "requires_grad", bool) if "requires_grad" in node else False:
            tensor.requires_grad = True
        return tensor
    if kind == "ndarray":
        return _leaf_array(node, reading)
    if kind == "npscalar":
        array = _leaf_array(node, reading)
        if array.ndim != 0:
            raise _Damaged("a numpy scalar entry points to an array that is not 0-d")
        return array[()]
    if kind in ("module", "global", "ref", "device"):
        return _decode_module_node(node, reading, depth)
    items = _field(node, "items", list)
    if kind in ("dict", "odict"):
        result = collections.OrderedDict() if kind == "odict" else {}
        for pair in items:
            if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[0], dict):
                raise _Damaged(f"a dict item {_short(pair)} is not a [key, value] pair")
            key_node, value_node = pair
            if key_node.get("type") not in ("none", "bool", "int", "float", "str"):
                raise LoadError(f"mt.load: {reading.name!r} has a dict key of type {key_node.get('type')!r}")
            result[_decode(key_node, reading, depth + 1)] = _decode(
                value_node, reading, depth + 1
            )
        return result
    if kind == "list":
        return [_decode(item, reading, depth + 1) for item in items]
    if kind == "tuple":
        return tuple(_decode(item, reading, depth + 1) for item in items)
    raise LoadError(f"mt.load: {reading.name!r} has an entry of unknown type {kind!r}")


class _Reading:
    """What decoding one file needs: its archive, its name, the members used so far, the modules and
    tensors rebuilt so far (for references to shared ones) and whether only allowlisted classes may be used."""

    def __init__(self, archive, name, weights_only):
        self.archive, self.name, self.weights_only = archive, name, weights_only
        self.used = set()
        self.objects = {}


def _decode_module_node(node, reading, depth):
    kind = node["type"]
    try:
        if kind == "device":
            try:
                return device(_field(node, "value", str))
            except (RuntimeError, TypeError):
                raise _Damaged(f"a device entry {_short(node)} names no device") from None
        if kind == "global":
            return _module_archive.decode_global(node, reading.weights_only)
        if kind == "ref":
            return _module_archive.decode_ref(node, reading.objects)
        return _module_archive.decode_module(
            node, lambda child: _decode(child, reading, depth + 1), reading.objects, reading.weights_only
        )
    except _module_archive.Damaged as error:
        raise _Damaged(str(error)) from None
