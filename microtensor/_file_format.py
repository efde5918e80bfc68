"""The names of microtensor's file format and its one error, shared by the writer
(``serialization.py``) and the readers (``_npz_reader.py``, ``_safetensors_format.py``).

A file is a zip archive: one ``.npy`` member per array plus the JSON member
``STRUCTURE_MEMBER`` that describes how they nest (see ``serialization.py``).
"""

STRUCTURE_MEMBER = "__microtensor__.json"
FORMAT_NAME = "microtensor"
FORMAT_VERSION = 1

_ARRAY_KINDS = "biufc"  # bool, signed and unsigned ints, floats, complex
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_NPY_MAGIC = b"\x93NUMPY"


class LoadError(RuntimeError):
    """``mt.load`` could not (or refused to) read a file: corrupted, truncated, a pickle, not ours."""


LoadError.__module__ = "microtensor.serialization"  # its public home: tracebacks name mt.serialization.LoadError
