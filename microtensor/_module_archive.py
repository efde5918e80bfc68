"""Whole modules in ``mt.save`` files, without pickle: ``mt.save(model, f)`` and ``model = mt.load(f)``.

A module is stored as a node of the ``mt.save`` structure (see ``serialization.py``)::

    {"type": "module", "class": "microtensor.nn.modules.linear.Linear", "memo": 0,
     "attributes": [["in_features", NODE], ["training", NODE], ...],   # plain values
     "parameters": [["weight", {"type": "parameter", "array": "0", "requires_grad": true, "memo": 1}], ...],
     "buffers": [["running_mean", {"type": "tensor", "array": "1", "memo": 2}], ...],
     "non_persistent": ["mask"],
     "modules": [["0", {"type": "module", ...}], ...]}                  # submodules, in order

The class is named by its import path ``module.qualname``. A module or tensor met a second
time (a shared layer, tied weights) is ``{"type": "ref", "memo": n}``, so the sharing comes
back. A function held as an attribute (``TransformerEncoderLayer.activation``) is
``{"type": "global", "path": "microtensor.nn.functional.relu"}``. Hooks are not saved.

Loading runs nothing from the file: a class is looked up by its path only among
microtensor's own Module classes and the allowlist (``mt.serialization.safe_globals``),
created with ``cls.__new__(cls)`` (its ``__init__`` is not called) and given its saved
attributes, parameters, buffers and submodules, as PyTorch's unpickler restores
``__dict__``. With ``weights_only=False`` other importable Module classes are allowed
too (their modules are imported, as pickle would): only for files you trust.
"""
import importlib
import re
import sys
from collections import OrderedDict

from . import _safe_globals
from ._tensor import Tensor

_HOOK_REGISTRIES = (
    "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs",
    "_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
)
_REGISTRIES = ("_parameters", "_buffers", "_modules", "_non_persistent_buffers") + _HOOK_REGISTRIES
_OWN_MODULE = re.compile(r"microtensor(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_OWN_FUNCTION_MODULES = ("microtensor.nn.functional", "microtensor.ops.")  # pure math: safe to allow by default


def _module_class():
    from .nn.module import Module

    return Module


def is_module(value):
    return "microtensor.nn.module" in sys.modules and isinstance(value, _module_class())


def is_global(value):
    """A function or class that can be saved by its import path (not a lambda or a local)."""
    return (
        callable(value) and not isinstance(value, Tensor) and isinstance(getattr(value, "__qualname__", None), str)
        and isinstance(getattr(value, "__module__", None), str) and "<" not in value.__qualname__
        and (isinstance(value, type) or type(value).__name__ in ("function", "builtin_function_or_method"))
    )


# --------------------------------------------------------------------- save
def encode_module(module, where, encode, memo):
    """The node of ``module`` (``encode(value, where)`` encodes its plain values and submodules)."""
    if id(module) in memo:
        return {"type": "ref", "memo": memo[id(module)]}
    cls = type(module)
    if "<" in cls.__qualname__:
        raise TypeError(
            f"mt.save: can't save {where}: its class {cls.__qualname__} is defined inside a function, so it has "
            f"no import path to rebuild it from; define the class at module level (or save model.state_dict())"
        )
    if not _importable(cls):
        raise TypeError(
            f"mt.save: can't save {where}: its class {cls.__module__}.{cls.__qualname__} was made at run time "
            f"(nn.utils.parametrize makes such classes), so no import path rebuilds it and the file could not be "
            f"loaded; save model.state_dict() instead, or remove the parametrizations first"
        )
    memo[id(module)] = len(memo)
    node = {"type": "module", "class": _safe_globals.path_of(cls), "memo": memo[id(module)]}
    state = module.__dict__
    node["attributes"] = [
        [key, encode(value, f"{where}.{key}")] for key, value in state.items() if key not in _REGISTRIES
    ]
    node["parameters"] = [
        [key, _encode_tensor(value, f"{where}.{key}", encode, memo, "parameter")]
        for key, value in state["_parameters"].items()
    ]
    node["buffers"] = [
        [key, _encode_tensor(value, f"{where}.{key}", encode, memo, "tensor")] for key, value in state["_buffers"].items()
    ]
    node["non_persistent"] = sorted(state["_non_persistent_buffers"])
    node["modules"] = [[key, encode(value, f"{where}.{key}")] for key, value in state["_modules"].items()]
    return node


def _importable(cls):
    """Does ``cls``'s module hold ``cls`` under its qualified name, so that load can find it? A class made
    at run time inside a real module (parametrize's ``ParametrizedLinear``) is not there. A class of a
    namespace that is no module at all (code run with ``exec``) passes: load rebuilds it once allowlisted."""
    module = sys.modules.get(cls.__module__)
    if module is None:
        return True
    obj = module
    for part in cls.__qualname__.split("."):
        obj = getattr(obj, part, None)
    return obj is cls


def _encode_tensor(tensor, where, encode, memo, kind):
    if tensor is None:
        return {"type": "none"}
    if id(tensor) in memo:
        return {"type": "ref", "memo": memo[id(tensor)]}
    memo[id(tensor)] = len(memo)
    node = encode(tensor, where)
    node.update(type=kind, memo=memo[id(tensor)])
    return node


def encode_global(value, where):
    return {"type": "global", "path": _safe_globals.path_of(value)}


# --------------------------------------------------------------------- load
class Refused(Exception):
    """Internal: the file names a class or function that may not be used; becomes a LoadError."""


class Damaged(Exception):
    """Internal: the module node is malformed; becomes a LoadError naming the file."""


def decode_module(node, decode, objects, weights_only):
    """Rebuild a module from its node; ``decode(child_node)`` rebuilds plain values and submodules."""
    Module = _module_class()
    path = _text(node, "class")
    cls = resolve(path, weights_only, want_module=True)
    module = cls.__new__(cls)
    _remember(objects, node, module)
    state = module.__dict__
    state["training"] = True
    for registry in ("_parameters", "_buffers", "_modules") + _HOOK_REGISTRIES:
        state[registry] = OrderedDict()
    state["_non_persistent_buffers"] = set()
    for key, child in _pairs(node, "attributes"):
        if key in _REGISTRIES or key.startswith("__"):
            raise Damaged(f"attribute {key[:60]!r} of a {path} may not be set from a file")
        state[key] = decode(child)
    if not isinstance(state["training"], bool):
        raise Damaged(f"the training flag of a {path} is not a bool")
    for key, child in _pairs(node, "parameters"):
        state["_parameters"][key] = _decode_tensor(child, decode, objects, "parameter", path)
    for key, child in _pairs(node, "buffers"):
        state["_buffers"][key] = _decode_tensor(child, decode, objects, "tensor", path)
    non_persistent = node.get("non_persistent", [])
    if not isinstance(non_persistent, list) or not all(name in state["_buffers"] for name in non_persistent):
        raise Damaged(f"the non-persistent buffers of a {path} are not among its buffers")
    state["_non_persistent_buffers"].update(non_persistent)
    for key, child in _pairs(node, "modules"):
        if not isinstance(child, dict) or child.get("type") not in ("module", "ref", "none"):
            raise Damaged(f"submodule {key[:60]!r} of a {path} is not a module")
        value = decode(child)
        if value is not None and not isinstance(value, Module):
            raise Damaged(f"submodule {key[:60]!r} of a {path} is not a module")
        state["_modules"][key] = value
    return module


def _decode_tensor(child, decode, objects, kind, path):
    from .nn.parameter import Parameter

    if not isinstance(child, dict) or child.get("type") not in (kind, "ref", "none"):
        raise Damaged(f"a {'parameter' if kind == 'parameter' else 'buffer'} entry of a {path} is malformed")
    if child["type"] == "none":
        return None
    if child["type"] == "ref":
        value = decode_ref(child, objects)
        wanted = Parameter if kind == "parameter" else Tensor
        if not isinstance(value, wanted):
            raise Damaged(f"a reference in a {path} points to a {type(value).__name__}, not a {wanted.__name__}")
        return value
    tensor = decode(dict(child, type="tensor"))
    if kind == "parameter":
        tensor = Parameter(tensor, requires_grad=tensor.requires_grad)
    _remember(objects, child, tensor)
    return tensor


def decode_ref(node, objects):
    number = node.get("memo")
    if not isinstance(number, int) or isinstance(number, bool) or number not in objects:
        raise Damaged(f"a reference {str(node)[:60]} points to nothing saved before it")
    return objects[number]


def _remember(objects, node, value):
    number = node.get("memo")
    if not isinstance(number, int) or isinstance(number, bool) or number in objects:
        raise Damaged(f"an entry has a missing or repeated memo number {str(number)[:20]}")
    objects[number] = value


def _text(node, key):
    value = node.get(key)
    if not isinstance(value, str):
        raise Damaged(f"a module entry has a bad {key!r}")
    return value


def _pairs(node, key):
    items = node.get(key)
    if not isinstance(items, list):
        raise Damaged(f"a module entry has a bad {key!r}")
    for pair in items:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            raise Damaged(f"a module entry's {key!r} holds {str(pair)[:60]}, not a [name, value] pair")
        yield pair


def decode_global(node, weights_only):
    return resolve(_text(node, "path"), weights_only, want_module=False)


# ---------------------------------------------------------- class lookup
def resolve(path, weights_only, want_module):
    """The class (``want_module``: a Module subclass) or function saved under ``path``, if it may be used."""
    obj = _safe_globals.allowed_object(path)
    own = _OWN_MODULE.match(path.rpartition(".")[0] or "-")
    if obj is None and own:
        obj = _import(path, own=True) or _moved_own_function(path)
        if obj is not None and not (want_module or isinstance(obj, type) or obj.__module__.startswith(
                _OWN_FUNCTION_MODULES)):
            obj = None  # microtensor's other functions (save, viz, ...) are not for forward passes
    if obj is None and weights_only is False:
        obj = _import(path, own=False) or (_moved_own_function(path) if own else None)
    if obj is None:
        what, own = ("class", "layers") if want_module else ("function", "math functions")
        raise Refused(
            f"the file uses the {what} {path[:200]!r}, which is neither one of microtensor's own {own} nor "
            f"allowlisted. "
            f"If you trust it, allow it: `with mt.serialization.safe_globals([{path.rpartition('.')[2][:60]}]): "
            f"mt.load(...)` (or mt.serialization.add_safe_globals([...]))"
        )
    Module = _module_class()
    if want_module and not (isinstance(obj, type) and issubclass(obj, Module)):
        raise Refused(f"the file asks to rebuild a module from {path[:200]!r}, which is not an nn.Module class")
    if not want_module and not is_global(obj):
        raise Refused(f"the file refers to {path[:200]!r}, which is not a function or class")
    return obj


def _moved_own_function(path):
    """An op or ``nn.functional`` function saved under the file that defined it before it moved to
    another file (``microtensor.ops.activation.relu``, written in ``ops/rectifiers.py`` since), found by
    its name where users reach it: the registry of ops, or ``nn.functional`` for a private ``nn`` file.
    None for anything else, so a path still names only one of microtensor's own math functions."""
    module, _, name = path.rpartition(".")
    if module.startswith("microtensor.ops.") and module.count(".") == 2:
        from . import _registry

        function = _registry.OPS.get(name)
    elif module.startswith("microtensor.nn._") and module.count(".") == 2:
        from .nn import functional

        function = getattr(functional, name, None) if name in functional.__all__ else None
    else:
        return None
    if getattr(function, "__name__", None) != name or type(function).__name__ != "function":
        return None
    return function


def _import(path, own):
    """The object at ``path`` = ``module.qualname`` if that is where it was defined, else None."""
    parts = path.split(".")
    if not all(_IDENTIFIER.match(part) for part in parts):
        return None
    if any(part.startswith("__") for part in parts[1:]) or (parts[0].startswith("__") and parts[0] != "__main__"):
        return None  # no __dict__, __globals__, ... lookups; a script's own classes live in __main__
    for split in range(len(parts) - 1, 0, -1):
        module_name, qualname = ".".join(parts[:split]), ".".join(parts[split:])
        if own and not _OWN_MODULE.match(module_name):
            continue
        try:
            namespace = importlib.import_module(module_name)
        except ImportError:
            continue
        obj = namespace
        for part in parts[split:]:
            obj = getattr(obj, part, None)
        if getattr(obj, "__module__", None) == module_name and getattr(obj, "__qualname__", None) == qualname:
            return obj
        return None
    return None
