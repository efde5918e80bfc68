"""``Tensor``: a numpy array that remembers how it was made.

A tensor holds its values in a ``numpy.ndarray`` (``_data``). When it was produced
by an op from tensors that require grad, ``.grad_fn`` is the node of the graph
that can send gradients back to those inputs.

This module holds storage and attributes only; it imports no op. The maths lives in
``microtensor.ops``: the methods and operators that compute (``t.exp()``, ``t + u``,
``t.add_(u)``) are the ops' own functions, declared with ``@op``/``@tensor_method`` and
bound onto this class once by ``microtensor/_registry.py`` (``Tensor.exp is mt.exp``).
"""
import warnings

import numpy as np

from . import _registry
from ._from_data import array_from_data
from ._dims import normalize_dim
from ._format import tensor_repr
from .device import check_device, cpu
from .autograd.views import refresh_view
from .autograd.grad_mode import _state


def as_array(data, dtype=None):
    """Convert Python data, arrays or a Tensor to a new numpy array with PyTorch's dtype rules."""
    return array_from_data(data._data if isinstance(data, Tensor) else data, dtype)


def _new_tensor(array, requires_grad=False, grad_fn=None, counter=None):
    """Wrap an existing ndarray in a Tensor without copying or checking (the hot path)."""
    tensor = _allocate(Tensor)
    tensor._data = array
    tensor._grad = None
    tensor._requires_grad = requires_grad
    tensor._grad_fn = grad_fn
    tensor._counter = counter  # None until needed: see Tensor._version_counter
    return tensor


_allocate = object.__new__

_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead."
)


class Tensor:
    """An n-dimensional array with automatic differentiation.

    ``mt.Tensor(data)`` behaves like ``mt.tensor(data)`` (PyTorch's ``torch.Tensor``
    constructor differs; this is a documented difference).
    """

    __slots__ = (
        "_data",           # the values: a numpy array (a numpy view of the base's, for a view)
        "_grad",           # the accumulated gradient, a Tensor or None
        "_requires_grad",
        "_grad_fn",        # the node that made this tensor, None for a leaf
        "_counter",        # the version counter, shared with every view of the same memory
        "__weakref__",
        "__dict__",
    )
    # Rarely set, so class defaults (a tensor that sets one gets its own): no cost per new tensor.
    _view = None       # for a view: (base, steps, version, made), see autograd/views.py
    _output_nr = 0     # which output of its node this tensor is (not 0 only for several outputs)
    _hooks = None      # gradient hooks of a leaf (register_hook)

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
        self._grad_fn = None
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
        """The same values as a Tensor outside the graph (shared memory, ``requires_grad=False``).

        As in PyTorch, changes made through ``.data`` are not seen by autograd's checks:
        ``p.data += -lr * p.grad`` updates ``p`` without a version change.
        """
        return _new_tensor(self._data)

    @data.setter
    def data(self, value):
        # PyTorch's `p.data = other`: swap the values (any shape) without touching the graph.
        if isinstance(value, Tensor):
            value = value._data
        if not isinstance(value, np.ndarray):
            raise TypeError(f"Tensor.data must be a Tensor or numpy.ndarray, got {type(value).__name__}")
        if value.dtype.kind not in "biuf":
            raise TypeError(f"Tensor.data: unsupported dtype {value.dtype}")
        if _state.recorder is not None:
            _state.recorder.unsupported("Tensor.data = ... (rebinding a tensor's values)")
        self._data = value

    @property
    def grad_fn(self):
        """The node of the graph that made this tensor (None for a leaf)."""
        if self._view is not None:
            refresh_view(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node):
        self._grad_fn = node

    @property
    def requires_grad(self):
        if self._view is not None:
            refresh_view(self)
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if value and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self._data.dtype}; "
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
        """The accumulated gradient (a Tensor), or None before the first backward.

        A non-leaf tensor gets none unless ``retain_grad()`` was called: reading it then warns, as in PyTorch."""
        grad = self._grad
        if grad is None and self._grad_fn is not None and not self.__dict__.get("_retains_grad"):
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has data of a different size: {value.shape} vs the tensor's {self.shape}")
            if value.dtype != self.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: {value.dtype} vs the tensor's {self.dtype}")
        if _state.recorder is not None:
            _state.recorder.on_set_grad(self, value)
        self._grad = value

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded op (user-made tensors, parameters)."""
        return self.grad_fn is None

    @property
    def shape(self):
        return self._data.shape

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self):
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

    def size(self, dim=None):
        """The shape as a tuple, or the size of one dimension."""
        if dim is None:
            return self._data.shape
        return self._data.shape[normalize_dim(dim, self.ndim, "size")]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def item(self):
        """The single value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar; "
                f"item() needs exactly one element (shape {self.shape})"
            )
        if _state.recorder is not None:
            _state.recorder.on_escape(".item()")
        return self._data.item()

    def tolist(self):
        if _state.recorder is not None:
            _state.recorder.on_escape(".tolist()")
        return self._data.tolist()

    def numpy(self, *, force=False):
        """The underlying array (shared memory), as PyTorch does; refuses tensors that require grad
        unless ``force=True``, which is ``t.detach().numpy()`` (still the same memory, as in PyTorch)."""
        if _state.recorder is not None:
            _state.recorder.on_escape(".numpy()")
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        """numpy's conversion: ``np.asarray(t)`` shares memory, ``np.array(t)`` copies."""
        if _state.recorder is not None:
            _state.recorder.on_escape("a conversion to a numpy array (np.asarray / np.array)")
        if dtype is not None and dtype != self._data.dtype:
            if copy is False:
                raise ValueError(f"can't convert a {self._data.dtype} tensor to {np.dtype(dtype)} without a copy")
            return self._data.astype(dtype)
        if copy:
            return self._data.copy()
        return self._data

    def __repr__(self):
        if _state.recorder is not None:
            _state.recorder.on_escape("printing a tensor (repr)")
        return tensor_repr(self)

    def __hash__(self):
        return id(self)

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {'no values' if self._data.size == 0 else 'more than one value'} "
                f"is ambiguous (shape {self.shape}); use .any() or .all()"
            )
        if _state.recorder is not None:
            _state.recorder.on_escape("bool() of a tensor (an `if` or `while` on its value)")
        return bool(self._data)

    def __float__(self):
        return float(_python_scalar(self))

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __int__(self):
        return int(_python_scalar(self))

    def __index__(self):
        """``operator.index(t)`` (``range(t)``, ``items[t]``): an integer (or bool) tensor of one element,
        whatever its number of dims (``mt.tensor([3])`` is 3), as PyTorch."""
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError(
                f"only integer tensors of a single element can be converted to an index (got a tensor of dtype "
                f"{self._data.dtype} and shape {self.shape})"
            )
        if _state.recorder is not None:
            _state.recorder.on_escape("a tensor used as a Python index")
        return int(self._data.reshape(()))

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    # --------------------------------------------------------------- autograd
    def detach(self):
        """A tensor sharing the same memory (and version counter), cut from the graph."""
        return _new_tensor(self._data, False, None, self._version_counter)

    def detach_(self):
        """Cut this tensor from the graph, in place."""
        if self._view is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. (detach_() on a view would leave its "
                "base's history inconsistent)"
            )
        self._grad_fn = None
        self._requires_grad = False
        return self

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    # ---------------------------------------------------------- conversions
    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        """Always an error: microtensor runs on the CPU only."""
        check_device("cuda" if device is None else device)

    @property
    def is_cuda(self):
        return False

    def is_contiguous(self):
        """True when the elements lie in row-major order, without gaps, in memory."""
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim=None):
        """Steps in memory, in elements, from one index to the next along each dim."""
        itemsize = self._data.itemsize
        strides = tuple(step // itemsize for step in self._data.strides)
        if dim is None:
            return strides
        return strides[normalize_dim(dim, self.ndim, "stride")]

    def data_ptr(self):
        """The address of the first element (equal for aliases that start at the same element)."""
        return self._data.__array_interface__["data"][0]

    def storage_offset(self):
        """Where the first element sits in the base's memory, in elements."""
        base = self._base
        if base is None:
            return 0
        return (self.data_ptr() - base.data_ptr()) // self._data.itemsize  # a base is never a view

    @property
    def _base(self):
        """The tensor whose memory this view shares (None when this tensor is not a view)."""
        view = self._view
        return None if view is None else view[0]

    def untyped_storage(self):
        raise NotImplementedError("untyped_storage() is not supported: microtensor tensors hold numpy arrays")

    # ------------------------------------------------------------ arithmetic
    def __pos__(self):
        return self

    # --------------------------------------------------------- in-place ops
    # -------------------------------------------------- numpy interoperability
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """Let numpy ufuncs (``np.exp(t)``, ``array + t``) run as microtensor ops."""
        out = kwargs.get("out")
        if out is not None:  # `array += t`, `np.add(a, t, out=array)`: plain numpy into arrays
            if method != "__call__" or not all(isinstance(target, np.ndarray) for target in out):
                return NotImplemented
            plain = [value._data if isinstance(value, Tensor) else value for value in inputs]
            return ufunc(*plain, **kwargs)
        if method != "__call__":
            return NotImplemented
        function = _registry.NUMPY_UFUNCS.get(ufunc)
        if function is None and not any(isinstance(value, Tensor) and value.requires_grad for value in inputs):
            # as with torch tensors, a ufunc microtensor has no op for runs on the values
            return ufunc(*[value._data if isinstance(value, Tensor) else value for value in inputs], **kwargs)
        if function is None:
            raise TypeError(
                f"numpy ufunc {ufunc.__name__} is not supported on microtensor Tensors; "
                f"use the microtensor op, or convert with t.detach().numpy()"
            )
        kwargs.pop("out", None)
        return function(*inputs, **kwargs)

    def __array_function__(self, function, types, args, kwargs):
        """Let numpy functions (``np.sum(t)``, ``np.where(c, t, 0)``) run as microtensor ops."""
        replacement = _registry.NUMPY_FUNCTIONS.get(function)
        if replacement is None and not _any_requires_grad((args, kwargs)):
            # as with torch tensors, a numpy function microtensor has no op for runs on the values
            return function(*_as_arrays(args), **_as_arrays(kwargs))
        if replacement is None:
            raise TypeError(
                f"numpy function {function.__name__} is not supported on microtensor Tensors; "
                f"use the microtensor op, or convert with t.detach().numpy()"
            )
        return replacement(*args, **kwargs)


def _python_scalar(tensor):
    """The one value, for ``int(t)`` and ``float(t)`` (and ``complex(t)``, which uses ``__float__``),
    with PyTorch's ValueError for any other number of elements."""
    if tensor._data.size != 1:
        raise ValueError(
            f"only one element tensors can be converted to Python scalars (this one has {tensor._data.size} "
            f"elements, shape {tensor.shape}); use .tolist(), or index one element first"
        )
    return tensor.item()


def _as_arrays(value):
    """``value`` with every Tensor inside (lists, tuples, dicts) replaced by its array."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (list, tuple)):
        return type(value)(_as_arrays(item) for item in value)
    if isinstance(value, dict):
        return {key: _as_arrays(item) for key, item in value.items()}
    return value


def _any_requires_grad(value):
    if isinstance(value, Tensor):
        return value.requires_grad
    if isinstance(value, (list, tuple)):
        return any(_any_requires_grad(item) for item in value)
    if isinstance(value, dict):
        return any(_any_requires_grad(item) for item in value.values())
    return False
