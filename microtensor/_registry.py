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
"""
import numpy as np


OPS = {}              # public name -> function (mt.<name>)
MODULE_OF = {}        # public name -> the module that declares it (for the docs' table)
METHODS = {}          # Tensor attribute name -> function or property
NUMPY_UFUNCS = {}     # numpy ufunc -> function
NUMPY_FUNCTIONS = {}  # numpy function -> function (numpy's keyword names translated)


def op(method=False, *, name=None, dunders=(), reflected=(), numpy=(), numpy_names=None, aliases=()):
    """Declare a public op.

    ``method``: True for a Tensor method of the same name, or a name, or a tuple of names.
    ``dunders``: operators whose first operand is the tensor (``"__add__"``).
    ``reflected``: operators with the tensor second (``"__radd__"``: ``other + t``).
    ``numpy``: numpy ufuncs or functions that run this op when handed a Tensor.
    ``numpy_names``: numpy's keyword names to translate, e.g. ``{"axis": "dim"}``.
    ``aliases``: more ``mt.`` names for the same function (``subtract`` for ``sub``).
    """

    def declare(function):
        public = name or function.__name__
        for alias in (public,) + tuple(aliases):
            OPS[alias] = function
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
    for attribute, function in METHODS.items():
        setattr(tensor_class, attribute, function)


def op_table():
    """The docs' op table as Markdown: every public op with its methods, operators and numpy names."""
    rows = ["| module | `mt.` function | Tensor methods and operators | numpy |", "|---|---|---|---|"]
    names_of = {}
    for public, function in OPS.items():
        names_of.setdefault(function, []).append(public)
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
    reflected.__doc__ = f"``other {attribute}`` with the tensor second: ``{function.__name__}(other, self)``."
    return reflected

