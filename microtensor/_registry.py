"""The one table of microtensor's public ops and Tensor methods.

Every public op is declared once, on its function::

    @op(method=True, numpy=np.tanh)
    def tanh(input):
        return Tanh.apply(input)

and that one line makes ``mt.tanh``, ``Tensor.tanh`` and ``np.tanh(tensor)`` work.
Nothing else lists the op: ``microtensor``'s namespace, the Tensor's methods and
operators, the numpy dispatch tables and the docs' op table are all read from here.

Tensor methods that are not ops of their own (``t.float()``, ``t.add_()``,
``t.backward()``) are declared with ``@tensor_method``. ``bind(Tensor)`` attaches
everything once, when ``microtensor`` has finished importing: the one binding step.

``@op(out=True)`` gives ``mt.<name>`` PyTorch's keyword-only ``out=`` (write the result
into a given tensor); Tensor methods and operators take no ``out=`` in PyTorch and stay
the bare function, so ``x + y`` and ``x.add(y)`` pay nothing for it.
"""
import inspect
import warnings

import numpy as np

from . import _dtypes
from ._float_errors import quiet_float_errors
from ._memory_overlap import ensure_writable
from .autograd.grad_mode import _state as _grad_mode


OPS = {}              # public name -> function (mt.<name>)
MODULE_OF = {}        # public name -> the module that declares it (for the docs' table)
METHODS = {}          # Tensor attribute name -> function or property
NUMPY_UFUNCS = {}     # numpy ufunc -> function
NUMPY_FUNCTIONS = {}  # numpy function -> function (numpy's keyword names translated)
TENSOR = None         # the Tensor class, known from bind()

TORCH_DTYPE_NAMES = {
    "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
    "float16": "Half", "float32": "Float", "float64": "Double",
}


def op(method=False, *, name=None, dunders=(), reflected=(), numpy=(), numpy_names=None, aliases=(), out=False):
    """Declare a public op.

    ``method``: True for a Tensor method of the same name, or a name, or a tuple of names.
    ``dunders``: operators whose first operand is the tensor (``"__add__"``).
    ``reflected``: operators with the tensor second (``"__radd__"``: ``other + t``).
    ``numpy``: numpy ufuncs or functions that run this op when handed a Tensor.
    ``numpy_names``: numpy's keyword names to translate, e.g. ``{"axis": "dim"}``.
    ``aliases``: more ``mt.`` names for the same function (``subtract`` for ``sub``).
    ``out``: ``mt.<name>`` takes PyTorch's ``out=`` (see ``with_out``); methods do not.
    """

    def declare(function):
        public = name or function.__name__
        exposed = with_out(function, public) if out else function
        for alias in (public,) + tuple(aliases):
            OPS[alias] = exposed
            MODULE_OF[alias] = function.__module__
        names = (public,) if method is True else ((method,) if isinstance(method, str) else tuple(method or ()))
        for attribute in names + tuple(dunders):
            METHODS[attribute] = function
        for attribute in reflected:
            METHODS[attribute] = _reflected(function, attribute)
        for numpy_callable in numpy if isinstance(numpy, tuple) else (numpy,):
            _register_numpy(numpy_callable, function, numpy_names)
        return function

    return declare


def tensor_method(name=None, *, kind="method"):
    """Declare a Tensor method (or ``kind="property"``) that is not an op of its own."""

    def declare(function):
        attribute = name or function.__name__
        METHODS[attribute] = property(function) if kind == "property" else function
        return function

    return declare


def numpy_dispatch(numpy_callable, numpy_names=None):
    """Declare what a numpy function does with a Tensor when it is not a public op."""

    def declare(function):
        _register_numpy(numpy_callable, function, numpy_names)
        return function

    return declare


def bind(tensor_class):
    """Attach every declared method and operator to ``tensor_class`` (done once, at import)."""
    global TENSOR
    TENSOR = tensor_class
    for attribute, function in METHODS.items():
        setattr(tensor_class, attribute, function)


def op_table():
    """The docs' op table as Markdown: every public op with its methods, operators and numpy names."""
    rows = ["| module | `mt.` function | Tensor methods and operators | numpy |", "|---|---|---|---|"]
    names_of = {}
    for public, function in OPS.items():
        names_of.setdefault(getattr(function, "__wrapped__", function), []).append(public)
    for function, names in sorted(names_of.items(), key=lambda item: (MODULE_OF[item[1][0]], item[1][0])):
        methods = [a for a, f in METHODS.items() if f is function or getattr(f, "__wrapped__", None) is function]
        numpy = [n.__name__ for n, f in NUMPY_UFUNCS.items() if f is function]
        numpy += [n.__name__ for n, f in NUMPY_FUNCTIONS.items() if getattr(f, "__wrapped__", f) is function]
        rows.append(
            f"| {MODULE_OF[names[0]].rsplit('.', 1)[-1]} | {', '.join(names)} | {', '.join(methods)} | "
            f"{', '.join('np.' + n for n in numpy)} |"
        )
    return "\n".join(rows) + "\n"


def _register_numpy(numpy_callable, function, numpy_names):
    if isinstance(numpy_callable, np.ufunc):
        NUMPY_UFUNCS[numpy_callable] = function
    else:
        NUMPY_FUNCTIONS[numpy_callable] = _with_names(function, numpy_names) if numpy_names else function


def _with_names(function, renames):
    """``function`` taking numpy's keyword names (``axis``, ``keepdims``, ``a_min``) too."""

    def adapted(*args, **kwargs):
        for numpy_name, our_name in renames.items():
            if numpy_name in kwargs:
                kwargs[our_name] = kwargs.pop(numpy_name)
        return function(*args, **kwargs)

    adapted.__name__ = function.__name__
    adapted.__wrapped__ = function
    return adapted


def _reflected(function, attribute):
    def reflected(self, other):
        return function(other, self)

    reflected.__name__ = attribute
    reflected.__wrapped__ = function
    reflected.__annotations__ = _reflected_annotations(function)
    reflected.__doc__ = f"``other {attribute}`` with the tensor second: ``{function.__name__}(other, self)``."
    return reflected


def _reflected_annotations(function):
    """The hints of ``function`` for ``other op tensor``: ``other`` may be what its second operand may be
    (``2 + t``: a number), and the result is ``function``'s."""
    operands = list(inspect.signature(function).parameters)[:2]
    second = operands[-1] if len(operands) == 2 else None
    hints = {"other": function.__annotations__[second]} if second in function.__annotations__ else {}
    if "return" in function.__annotations__:
        hints["return"] = function.__annotations__["return"]
    return hints


# ----------------------------------------------------------------------- out=
def with_out(function, op_name):
    """``function`` with PyTorch's keyword-only ``out=None`` added to its signature.

    Without ``out`` it calls ``function`` and nothing else: the wrapper is generated
    with ``function``'s own parameters (as ``dataclasses`` generates ``__init__``), so
    no ``*args``/``**kwargs`` are packed on the way. With ``out`` the result is written
    into ``out`` by ``write_out`` and ``out`` is returned.
    """
    signature = _signature_with_out(inspect.signature(function), op_name)
    header, call = [], []
    keyword_only = False
    for parameter in signature.parameters.values():
        name, kind = parameter.name, parameter.kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            header.append("*" + name)
            call.append("*" + name)
            keyword_only = True
        elif kind is inspect.Parameter.VAR_KEYWORD:
            header.append("**" + name)
            call.append("**" + name)
        elif kind is inspect.Parameter.KEYWORD_ONLY:
            if not keyword_only:
                header.append("*")
                keyword_only = True
            header.append(name)
            if name != "out":
                call.append(f"{name}={name}")
        else:
            header.append(name)
            call.append(name)
    arguments = ", ".join(call)
    source = (
        f"def {function.__name__}({', '.join(header)}):\n"
        f"    if out is None:\n"
        f"        return function({arguments})\n"
        f"    return write_out(function({arguments}), out, {op_name!r})\n"
    )
    namespace = {"function": function, "write_out": write_out}
    exec(source, namespace)
    wrapper = namespace[function.__name__]
    wrapper.__defaults__ = function.__defaults__
    wrapper.__kwdefaults__ = {**(function.__kwdefaults__ or {}), "out": None}
    for attribute in ("__module__", "__qualname__", "__doc__"):
        setattr(wrapper, attribute, getattr(function, attribute))
    wrapper.__wrapped__ = function
    wrapper.__signature__ = signature
    wrapper.__annotations__ = {**function.__annotations__, "out": "Optional[Tensor]"}
    return wrapper


def _signature_with_out(signature, op_name):
    parameters = list(signature.parameters.values())
    if "out" in signature.parameters or any(p.kind is inspect.Parameter.POSITIONAL_ONLY for p in parameters):
        raise TypeError(f"@op(out=True) on {op_name}: the function must not take 'out' or positional-only parameters")
    position = len(parameters)
    if parameters and parameters[-1].kind is inspect.Parameter.VAR_KEYWORD:
        position -= 1
    out = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None, annotation="Optional[Tensor]")
    return signature.replace(parameters=parameters[:position] + [out] + parameters[position:])


def write_out(result, out, op_name):
    """PyTorch's ``out=``: ``result`` written into ``out`` (a tuple of tensors for ops with
    several results, such as ``max(input, dim)``), which is returned.

    As in PyTorch: autograd does not go through ``out=`` (RuntimeError when the op would be
    recorded); the result must cast to ``out``'s dtype by PyTorch's rule (``_dtypes.castable``); an ``out``
    of another shape is resized (with PyTorch's warning unless it was empty); the write goes
    into ``out``'s memory (through to its base when it is a view) and bumps its version.
    """
    several = isinstance(result, tuple)
    results = result if several else (result,)
    outs = tuple(out) if several and isinstance(out, (tuple, list)) else (out,)
    if len(outs) != len(results):
        raise TypeError(
            f"{op_name}(): out must be a tuple of {len(results)} tensors, got {type(out).__name__} "
            f"of length {len(outs) if isinstance(out, (tuple, list)) else 1}"
        )
    for target in outs:
        if not isinstance(target, TENSOR):
            raise TypeError(f"{op_name}(): argument 'out' must be Tensor, not {type(target).__name__}")
    if _grad_mode.enabled and any(tensor._requires_grad for tensor in results + outs):
        raise RuntimeError(
            f"{op_name}(): functions with out=... arguments don't support automatic differentiation, but one of "
            f"the arguments requires grad. Call it without out= (or inside mt.no_grad() if no gradient is wanted)."
        )
    for value, target in zip(results, outs):
        _check_castable(value._data.dtype, target._data.dtype, op_name)
    for value, target in zip(results, outs):
        _write(value._data, target, op_name)
    if not several:
        return outs[0]
    return type(result)(*outs) if hasattr(result, "_fields") else outs


def _check_castable(source, target, op_name):
    if source != target and not _dtypes.castable(source, target):
        raise RuntimeError(
            f"{op_name}(): result type {TORCH_DTYPE_NAMES.get(source.name, source.name)} can't be cast to the "
            f"desired output type {TORCH_DTYPE_NAMES.get(target.name, target.name)}"
        )


def _write(values, out, op_name):
    if out._data.shape != values.shape:
        _resize(out, values.shape, op_name)
    ensure_writable(out._data, op_name)
    with quiet_float_errors():  # a float64 result beyond float32's range becomes inf, as in PyTorch
        np.copyto(out._data, values, casting="unsafe")  # _check_castable has applied PyTorch's rule
    out._version_counter[0] += 1


def _resize(out, shape, op_name):
    if out._view is not None:
        raise RuntimeError(
            f"{op_name}(): out is a view of another tensor and has shape {tuple(out.shape)}, but the result has "
            f"shape {tuple(shape)}; a view cannot be resized. Pass an out of shape {tuple(shape)}."
        )
    if out._data.size:
        warnings.warn(
            f"{op_name}(): An output with one or more elements was resized since it had shape {list(out.shape)}, "
            f"which does not match the required output shape {list(shape)}. This behavior is deprecated, and in "
            f"a future PyTorch release outputs will not be resized unless they have zero elements. Pass an out "
            f"of the result's shape, or one with zero elements.",
            UserWarning,
            stacklevel=5,  # the caller of mt.<op>
        )
    out._data = np.empty(shape, dtype=out._data.dtype)
