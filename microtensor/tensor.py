"""``Tensor``: a numpy array that remembers how it was made.

A tensor holds its values in ``.data`` (a ``numpy.ndarray``). When it was produced
by an op from tensors that require grad, ``.grad_fn`` is the node of the graph
that can send gradients back to those inputs. The maths lives in ``microtensor.ops``:
most methods and operators *are* those op functions (``Tensor.exp is mt.exp``, bound
by ``_attach_op_methods`` once the ops have loaded), the rest are one-liners calling them.
"""
import numpy as np

from . import _dtypes
from .autograd import grad_mode

_ops = None  # microtensor.ops, bound on first use (it imports this module)


def _o():
    global _ops
    if _ops is None:
        from . import ops as module

        _ops = module
    return _ops


def as_array(data, dtype=None):
    """Convert Python data or arrays to a numpy array with PyTorch's dtype rules."""
    if isinstance(data, Tensor):
        array = np.array(data.data, copy=True)
    elif isinstance(data, np.ndarray):
        if data.dtype == object:
            raise TypeError("can't convert an object array to a tensor; only numbers and bools are supported")
        array = np.array(data, copy=True)
    elif isinstance(data, np.generic):
        array = np.array(data)
    else:
        try:
            array = np.array(data)
        except ValueError as error:
            raise ValueError(f"can't make a tensor from {type(data).__name__}: {error}") from None
        if array.dtype.kind == "f":
            array = array.astype(_dtypes.get_default_dtype(), copy=False)
        elif array.dtype.kind == "u" or (array.dtype.kind == "O" and _has_huge_int(data)):
            raise RuntimeError(
                f"Overflow when unpacking long: {data!r} does not fit in int64 (PyTorch's integer dtype)"
            )
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64, copy=False)
        elif array.dtype.kind not in "b":
            raise TypeError(
                f"can't make a tensor from {type(data).__name__} holding {array.dtype} values; "
                f"expected numbers, bools, or (nested) sequences of them"
            )
    if dtype is not None:
        array = array.astype(_dtypes.to_dtype(dtype), copy=False)
    elif array.dtype.kind not in "biuf":
        raise TypeError(f"microtensor does not support dtype {array.dtype}")
    return array


def _new_tensor(array, requires_grad=False, grad_fn=None, counter=None):
    """Wrap an existing ndarray in a Tensor without copying or checking (the hot path)."""
    tensor = _allocate(Tensor)
    tensor._data = array
    tensor._grad = None
    tensor._requires_grad = requires_grad
    tensor.grad_fn = grad_fn
    tensor._counter = counter  # None until needed: see Tensor._version_counter
    return tensor


_allocate = object.__new__


def _has_huge_int(data):
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, int) and not -(2**63) <= item < 2**63:
            return True
    return False


class Tensor:
    """An n-dimensional array with automatic differentiation.

    ``mt.Tensor(data)`` behaves like ``mt.tensor(data)`` (PyTorch's ``torch.Tensor``
    constructor differs; this is a documented difference).
    """

    __slots__ = ("_data", "_grad", "_requires_grad", "grad_fn", "_counter", "__weakref__", "__dict__")

    def __init__(self, data, requires_grad=False, dtype=None):
        if not isinstance(requires_grad, bool) and isinstance(requires_grad, (int, np.integer)):
            raise TypeError(
                f"Tensor(data, requires_grad=False, dtype=None): got {requires_grad!r} as requires_grad; "
                f"mt.Tensor behaves like mt.tensor and takes data, not sizes: use mt.zeros(...) or mt.empty(...) "
                f"to make a tensor of a given shape"
            )
        self._data = as_array(data, dtype)
        self._grad = None
        self._requires_grad = False
        self.grad_fn = None
        self._counter = None
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _make(array, requires_grad=False, grad_fn=None, counter=None):
        """Wrap an existing ndarray without copying or checking (the hot path)."""
        return _new_tensor(array, requires_grad, grad_fn, counter)

    # ------------------------------------------------------------ attributes
    @property
    def data(self):
        """The values, a ``numpy.ndarray`` (shared, not copied: changes show in the tensor)."""
        return self._data

    @data.setter
    def data(self, value):
        # PyTorch's `p.data = other`: swap the values (any shape) without touching the graph.
        if isinstance(value, Tensor):
            value = value._data
        if not isinstance(value, np.ndarray):
            raise TypeError(f"Tensor.data must be a Tensor or numpy.ndarray, got {type(value).__name__}")
        if value.dtype.kind not in "biuf":
            raise TypeError(f"Tensor.data: unsupported dtype {value.dtype}")
        self._data = value

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if value and self.data.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self.data.dtype}; "
                f"convert first, e.g. t.float() or t.double()"
            )
        if not value and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        self._requires_grad = value

    @property
    def grad(self):
        """The accumulated gradient (a Tensor), or None before the first backward."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has data of a different size: {value.shape} vs the tensor's {self.shape}")
            if value.dtype != self.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: {value.dtype} vs the tensor's {self.dtype}")
        self._grad = value

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded op (user-made tensors, parameters)."""
        return self.grad_fn is None

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        from .device import cpu

        return cpu

    @property
    def _version_counter(self):
        """The in-place version counter, a one-element list shared with views.

        Made on first use: most tensors are never modified in place nor saved for
        backward, and one object less per tensor is less for the cycle collector.
        """
        counter = self._counter
        if counter is None:
            counter = self._counter = [0]
        return counter

    @_version_counter.setter
    def _version_counter(self, counter):
        self._counter = counter

    @property
    def _version(self):
        """How many times this tensor (or a view of it) was modified in place."""
        return self._version_counter[0]

    @property
    def T(self):
        return _o().permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self):
        return _o().transpose(self, -2, -1)

    def size(self, dim=None):
        """The shape as a tuple, or the size of one dimension."""
        if dim is None:
            return self.data.shape
        return self.data.shape[_o().normalize_dim(dim, self.ndim, "size")]

    def dim(self):
        return self.data.ndim

    def numel(self):
        return self.data.size

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def item(self):
        """The single value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self.data.size} elements cannot be converted to Scalar; "
                f"item() needs exactly one element (shape {self.shape})"
            )
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def numpy(self):
        """The underlying array (shared memory), as PyTorch does; refuses tensors that require grad."""
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self.data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data

    def __repr__(self):
        from ._format import tensor_repr

        return tensor_repr(self)

    def __hash__(self):
        return id(self)

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (shape {self.shape}); "
                f"use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.data)

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    # --------------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (reverse mode)."""
        from .autograd import backward

        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def detach(self):
        """A tensor sharing the same data, cut from the graph."""
        return Tensor._make(self.data, False, None, self._version_counter)

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    def retain_grad(self):
        raise NotImplementedError(
            "retain_grad() is not supported; use mt.autograd.grad(output, [intermediate]) to get the "
            "gradient of a non-leaf tensor"
        )

    # ---------------------------------------------------------- conversions
    def to(self, *args, dtype=None, device=None, copy=False, **kwargs):
        """Convert dtype (``t.to(mt.float64)``) or device (only ``'cpu'`` exists)."""
        from .device import check_device

        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif _is_device_like(arg):
                device = arg
            else:
                dtype = arg
        if device is not None:
            check_device(device)
        if dtype is None or _dtypes.to_dtype(dtype) == self.dtype:
            return self.clone() if copy else self
        return _o().cast(self, _dtypes.to_dtype(dtype))

    def type(self, dtype=None):
        if dtype is None:
            return f"microtensor.{self.dtype}"
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def float(self):
        return self.to(_dtypes.float32)

    def double(self):
        return self.to(_dtypes.float64)

    def half(self):
        return self.to(_dtypes.float16)

    def long(self):
        return self.to(_dtypes.int64)

    def int(self):
        return self.to(_dtypes.int32)

    def bool(self):
        return self.to(_dtypes.bool)

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        """Always an error: microtensor runs on the CPU only."""
        from .device import check_device

        check_device("cuda" if device is None else device)

    @property
    def is_cuda(self):
        return False

    def contiguous(self):
        return self

    def clone(self):
        """A copy of the data that stays in the graph (gradients flow back)."""
        return _o().clone(self)

    # ------------------------------------------------------------ arithmetic
    def __radd__(self, other):
        return _o().add(other, self)

    def __rsub__(self, other):
        return _o().sub(other, self)

    def __rmul__(self, other):
        return _o().mul(other, self)

    def __rtruediv__(self, other):
        return _o().div(other, self)

    def __rpow__(self, other):
        return _o().pow(other, self)

    def __rmatmul__(self, other):
        return _o().matmul(other, self)

    def __pos__(self):
        return self

    def __invert__(self):
        return _o().logical_not(self)

    def __eq__(self, other):
        if other is None or isinstance(other, str):
            return False  # as PyTorch: `t == None` is False, not an error
        return _o().eq(self, other)

    def __ne__(self, other):
        if other is None or isinstance(other, str):
            return True
        return _o().ne(self, other)

    def __and__(self, other):
        return _o().logical_and(self, other)

    def __or__(self, other):
        return _o().logical_or(self, other)

    def mm(self, other):
        """2-D matrix product (``matmul`` without broadcasting)."""
        return _o().mm(self, other)

    def t(self):
        """Transpose of a tensor with at most 2 dimensions."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D; use transpose(d0, d1)")
        return _o().permute(self, tuple(range(self.ndim - 1, -1, -1)))

    # --------------------------------------------------------- in-place ops
    def _apply_inplace(self, op_name, compute):
        """Run ``compute()`` out of place, then write the result into this tensor's memory."""
        if self._requires_grad and self.grad_fn is None and grad_mode._enabled:
            raise RuntimeError(
                f"{op_name}: a leaf Variable that requires grad is being used in an in-place operation. "
                f"Wrap the update in `with mt.no_grad():` (as optimizers do), or work on a .clone()."
            )
        node = self.grad_fn
        if node is not None and type(node).view_of is not None and self.data.base is not None:
            raise RuntimeError(
                f"{op_name}: in-place modification of a view ({node.name()}) of a tensor that is part of the "
                f"graph is not supported by microtensor: the base tensor's gradient would silently miss the "
                f"change. Use an out-of-place op, or .clone() the view first."
            )
        result = compute()
        if result.dtype != self.dtype and not np.can_cast(result.dtype, self.dtype, casting="same_kind"):
            raise RuntimeError(
                f"{op_name}: result type {result.dtype} can't be cast to the desired output type {self.dtype}"
            )
        if result.shape != self.shape:
            raise RuntimeError(
                f"{op_name}: output with shape {self.shape} doesn't match the broadcast shape {result.shape}"
            )
        node = result.grad_fn
        if node is not None:
            for record in node._saved or ():  # [array, source, counter, version]
                if record[1] is self:
                    # The op saved self's old values, which the write below overwrites:
                    # keep a copy, as PyTorch keeps the original self of an in-place op.
                    record[0], record[1], record[2] = record[0].copy(), None, None
        try:
            self._data[...] = result._data
        except ValueError as error:
            raise RuntimeError(f"{op_name}: cannot write into this tensor in place ({error}); use .clone() first") from None
        self._version_counter[0] += 1
        if node is not None:
            self.grad_fn = node
            self._requires_grad = True
            for record in node._saved or ():  # [array, source, counter, version]
                if record[1] is _function._OUTPUT:  # the node's output now lives in self
                    record[2] = self._version_counter
                    record[3] = self._version_counter[0]
        return self

    def add_(self, other, alpha=1):
        return self._apply_inplace("add_", lambda: self.add(other, alpha=alpha))

    def sub_(self, other, alpha=1):
        return self._apply_inplace("sub_", lambda: self.sub(other, alpha=alpha))

    def mul_(self, other):
        return self._apply_inplace("mul_", lambda: _o().mul(self, other))

    def div_(self, other):
        return self._apply_inplace("div_", lambda: _o().div(self, other))

    def pow_(self, exponent):
        return self._apply_inplace("pow_", lambda: _o().pow(self, exponent))

    def clamp_(self, min=None, max=None):
        return self._apply_inplace("clamp_", lambda: _o().clamp(self, min, max))

    clip_ = clamp_

    def neg_(self):
        return self._apply_inplace("neg_", lambda: _o().neg(self))

    def exp_(self):
        return self._apply_inplace("exp_", lambda: _o().exp(self))

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        """Set every element to ``value`` (no gradient flows to the old values)."""
        if self.grad_fn is None and not (self._requires_grad and grad_mode._enabled):
            self.data.fill(value)  # the common case (zeroing a buffer): no graph to keep
            self._version_counter[0] += 1
            return self
        return self._apply_inplace("fill_", lambda: _o().full_like_value(self, value))

    def copy_(self, source):
        """Copy ``source`` (broadcast to this tensor's shape) into this tensor."""
        return self._apply_inplace("copy_", lambda: _o().copy_from(self, source))

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __setitem__(self, index, value):
        self._apply_inplace("__setitem__", lambda: _o().index_put(self, index, value))

    # -------------------------------------------------- numpy interoperability
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """Let numpy ufuncs (``np.exp(t)``, ``array + t``) run as microtensor ops."""
        if method != "__call__" or kwargs.get("out") is not None:
            return NotImplemented
        function = _o().numpy_protocol.ufunc_table().get(ufunc)
        if function is None:
            raise TypeError(
                f"numpy ufunc {ufunc.__name__} is not supported on microtensor Tensors; "
                f"use the microtensor op, or convert with t.detach().numpy()"
            )
        kwargs.pop("out", None)
        return function(*inputs, **kwargs)

    def __array_function__(self, function, types, args, kwargs):
        """Let numpy functions (``np.sum(t)``, ``np.where(c, t, 0)``) run as microtensor ops."""
        replacement = _o().numpy_protocol.function_table().get(function)
        if replacement is None:
            raise TypeError(
                f"numpy function {function.__name__} is not supported on microtensor Tensors; "
                f"use the microtensor op, or convert with t.detach().numpy()"
            )
        return replacement(*args, **kwargs)


def _is_device_like(value):
    from .device import device

    return isinstance(value, device) or (isinstance(value, str) and not _looks_like_dtype(value))


def _looks_like_dtype(text):
    try:
        np.dtype(text)
        return True
    except TypeError:
        return False


_OP_METHODS = (
    "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "clamp", "clip",
    "sign", "square", "reciprocal", "maximum", "minimum", "pow",
    "sum", "mean", "var", "std", "amax", "amin", "max", "min", "logsumexp", "argmax", "argmin",
    "softmax", "log_softmax", "all", "any", "prod",
    "reshape", "view", "flatten", "transpose", "swapaxes", "permute", "unsqueeze", "squeeze",
    "expand", "expand_as", "view_as", "reshape_as", "repeat",
    "eq", "ne", "lt", "le", "gt", "ge", "logical_not", "masked_fill",
    "add", "sub", "mul", "div", "neg", "matmul",
)
# Operators whose first operand is the tensor itself: bound straight to the op.
_OP_DUNDERS = {
    "__add__": "add", "__sub__": "sub", "__mul__": "mul", "__truediv__": "div", "__pow__": "pow",
    "__matmul__": "matmul", "__neg__": "neg", "__abs__": "abs", "__getitem__": "getitem",
    "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
}


def _attach_op_methods(ops):
    """Make the ops the Tensor's methods: ``t.exp()`` *is* ``mt.exp(t)``.

    Called once by ``microtensor.ops`` when it has loaded (it imports this module, so
    this module cannot import it). Binding the functions themselves, instead of
    wrappers that look them up, keeps a method call one Python call deep.
    """
    for name in _OP_METHODS:
        setattr(Tensor, name, getattr(ops, name))
    for dunder, name in _OP_DUNDERS.items():
        setattr(Tensor, dunder, getattr(ops, name))

    def where(self, condition, other):
        """``condition ? self : other`` elementwise (PyTorch's ``Tensor.where``)."""
        return ops.where(condition, self, other)

    Tensor.where = where


# The autograd core needs the Tensor class on its hot path; hand it over once
# instead of importing it inside every call (autograd is imported before this module).
from .autograd import engine as _engine, function as _function  # noqa: E402

_function.Tensor = _engine.Tensor = Tensor
_function._new_tensor = _new_tensor
