"""``mt.save(state_dict, "model.safetensors")`` / ``mt.load("model.safetensors")``: the safetensors format.

safetensors (Hugging Face's format, read by PyTorch with ``safetensors.torch.load_file``)
holds a flat mapping of names to arrays:

* 8 bytes: ``N``, the header's length, a little-endian unsigned 64-bit integer;
* ``N`` bytes: a UTF-8 JSON object ``{"name": {"dtype": "F32", "shape": [2, 3],
  "data_offsets": [begin, end]}, ..., "__metadata__": {"format": "pt"}}``, padded with spaces;
* the data: every array's bytes, little-endian, C order, at ``[begin, end)`` counted
  from the end of the header. The arrays tile the data exactly: no gaps, no overlap.

Writing and reading go through the ``safetensors`` package's numpy API (imported on first
use; ``pip install safetensors``). Before the package sees a file, ``mt.load`` checks the
header itself: its length against the file, the JSON, every dtype, shape and offset, and
that the arrays tile the data, so a truncated, damaged or hostile file raises ``LoadError``
naming it and never allocates more than the file holds.
"""
import collections
import json
import struct

import numpy as np

from ._tensor import Tensor

SUFFIX = ".safetensors"
_MAX_HEADER_BYTES = 100_000_000  # the safetensors package's own limit
_METADATA_KEY = "__metadata__"

# The dtypes microtensor has and their safetensors names; others (BF16, F8_*, U16, ...) are refused.
_CODES = {
    "BOOL": np.dtype(np.bool_), "U8": np.dtype(np.uint8), "I8": np.dtype(np.int8), "I16": np.dtype(np.int16),
    "I32": np.dtype(np.int32), "I64": np.dtype(np.int64), "F16": np.dtype(np.float16),
    "F32": np.dtype(np.float32), "F64": np.dtype(np.float64),
}
_NAMES = {dtype: code for code, dtype in _CODES.items()}


def _package():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            "the .safetensors format needs the safetensors package: pip install safetensors "
            "(or pip install 'microtensor[safetensors]'); or save with a .npz suffix instead"
        ) from None
    return safetensors.numpy


# --------------------------------------------------------------------- save
def encode(obj, target):
    """The bytes of a safetensors file holding ``obj``, a flat dict of str -> Tensor (else TypeError)."""
    if not isinstance(obj, dict):
        hint = "save model.state_dict() here, or the whole module" if hasattr(obj, "state_dict") else "save it"
        raise TypeError(
            f"mt.save: {target} is a .safetensors file, which holds only a flat dict of name -> Tensor "
            f"(a state_dict); got a {type(obj).__name__}: {hint} with a .npz suffix"
        )
    arrays = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(
                f"mt.save: {target}: .safetensors keys must be str, got {key!r} ({type(key).__name__}); "
                f"save this object with a .npz suffix"
            )
        if key == _METADATA_KEY:
            raise ValueError(f"mt.save: {target}: the name {_METADATA_KEY!r} is reserved by the safetensors format")
        if not isinstance(value, Tensor):
            raise TypeError(
                f"mt.save: {target}: obj[{key!r}] is a {type(value).__name__}, but a .safetensors file holds only "
                f"Tensors (a flat state_dict); save nested or mixed objects with a .npz suffix"
            )
        array = value._data
        if array.dtype not in _NAMES:
            raise TypeError(
                f"mt.save: {target}: obj[{key!r}] has dtype {array.dtype}, which the .safetensors writer does not "
                f"support (supported: {', '.join(str(d) for d in _NAMES)}); convert it or use a .npz suffix"
            )
        # The package reads nbytes from the data pointer, so C order only (np.ascontiguousarray would make 0-d 1-d).
        arrays[key] = array if array.flags.c_contiguous else array.copy(order="C")
    return _package().save(arrays, metadata={"format": "pt"})


# --------------------------------------------------------------------- load
class _Damaged(Exception):
    pass


def looks_like_safetensors(head):
    """True if the first 9 bytes look like a safetensors file (a plausible length, then ``{``)."""
    return len(head) >= 9 and head[8:9] == b"{" and 2 <= struct.unpack("<Q", head[:8])[0] <= _MAX_HEADER_BYTES


def decode(data, name):
    """An OrderedDict of name -> Tensor, in the file's order, from a safetensors file's bytes."""
    from ._file_format import LoadError

    try:
        entries = _parse_header(data)
    except _Damaged as error:
        raise LoadError(
            f"mt.load: {name!r} is not a valid .safetensors file (truncated, damaged or not safetensors): {error}"
        ) from None
    except _Unsupported as error:
        raise LoadError(f"mt.load: {name!r}: {error}") from None
    try:
        loaded = _package().load(data)
    except ImportError:
        raise
    except Exception as error:  # noqa: BLE001 -- the package refused a file our checks passed: still damaged
        raise LoadError(f"mt.load: {name!r} is not a valid .safetensors file ({type(error).__name__}: {error})") from None
    result = collections.OrderedDict()
    for key, dtype, shape in entries:
        array = loaded.get(key)
        if array is None or array.dtype != dtype or tuple(array.shape) != shape:
            raise LoadError(f"mt.load: {name!r}: the safetensors reader returned something else for {key!r}")
        result[key] = Tensor._make(np.array(array, dtype=dtype.newbyteorder("="), order="C"))
    if len(loaded) != len(entries):
        raise LoadError(f"mt.load: {name!r}: the safetensors reader returned {len(loaded)} arrays, not {len(entries)}")
    return result


class _Unsupported(Exception):
    pass


def _parse_header(data):
    """``[(name, dtype, shape), ...]`` in data order, after checking every field against the file."""
    if len(data) < 8:
        raise _Damaged(f"it has {len(data)} bytes, fewer than the 8 of the header length")
    (length,) = struct.unpack("<Q", data[:8])
    if length > _MAX_HEADER_BYTES:
        raise _Damaged(f"its header claims {length} bytes, more than the format allows ({_MAX_HEADER_BYTES})")
    if 8 + length > len(data):
        raise _Damaged(f"its header claims {length} bytes but the file has only {len(data) - 8} after the length")
    try:
        header = json.loads(bytes(data[8:8 + length]).decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as error:
        raise _Damaged(f"its header is not valid JSON ({type(error).__name__}: {str(error)[:80]})") from None
    if not isinstance(header, dict):
        raise _Damaged("its header is not a JSON object")
    metadata = header.pop(_METADATA_KEY, None)
    if metadata is not None and not (
        isinstance(metadata, dict) and all(isinstance(value, str) for value in metadata.values())
    ):
        raise _Damaged("its __metadata__ is not a mapping of strings")
    entries = [_parse_entry(key, value) for key, value in header.items()]
    entries.sort(key=lambda entry: entry[3])
    position, buffer_size = 0, len(data) - 8 - length
    for key, _, _, (begin, end) in entries:
        if begin != position:
            raise _Damaged(f"array {key!r} starts at byte {begin} of the data, expected {position} (gap or overlap)")
        position = end
    if position != buffer_size:
        raise _Damaged(f"its arrays cover {position} bytes of data but the file holds {buffer_size}")
    return [(key, dtype, shape) for key, dtype, shape, _ in entries]


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise _Damaged(f"its header names {key[:80]!r} twice")
        result[key] = value
    return result


def _parse_entry(key, value):
    if not isinstance(value, dict) or set(value) != {"dtype", "shape", "data_offsets"}:
        raise _Damaged(f"the header entry for {key[:80]!r} is not {{dtype, shape, data_offsets}}")
    code, shape, offsets = value["dtype"], value["shape"], value["data_offsets"]
    if not isinstance(code, str):
        raise _Damaged(f"array {key[:80]!r} has a dtype that is not a string")
    if code not in _CODES:
        raise _Unsupported(
            f"array {key[:80]!r} has dtype {code[:20]!r}, which microtensor does not have "
            f"(it reads {', '.join(_CODES)}); convert it before saving, e.g. tensor.float() in PyTorch"
        )
    if not isinstance(shape, list) or not all(_is_count(side) for side in shape):
        raise _Damaged(f"array {key[:80]!r} has a bad shape {str(shape)[:80]}")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(offset) for offset in offsets):
        raise _Damaged(f"array {key[:80]!r} has bad data_offsets {str(offsets)[:80]}")
    dtype = _CODES[code]
    count = 1
    for side in shape:
        count *= side
    begin, end = offsets
    if end < begin or end - begin != count * dtype.itemsize:
        raise _Damaged(
            f"array {key[:80]!r} of shape {shape} and dtype {code} needs {count * dtype.itemsize} bytes but its "
            f"data_offsets [{begin}, {end}] give {end - begin}"
        )
    return key, dtype, tuple(shape), (begin, end)


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
