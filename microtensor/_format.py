"""PyTorch-like ``repr`` of tensors: ``tensor([1., 2.], requires_grad=True)``."""
import numpy as np

from . import _dtypes


def tensor_repr(tensor):
    data = tensor._data
    prefix = "tensor("
    if data.size == 0:
        body = "[]" if data.ndim <= 1 else f"[], size={data.shape}"
    else:
        options = {"separator": ", ", "prefix": prefix, "threshold": 1000, "edgeitems": 3}
        if data.dtype.kind == "b":
            width = 5 if not data.all() else 4
            options["formatter"] = {"bool": lambda value: str(bool(value)).rjust(width)}
        if data.dtype.kind in "iu":
            width = max(len(str(value)) for value in (data.min(), data.max()))
            options["formatter"] = {"int_kind": lambda value: str(value).rjust(width)}
        if data.dtype.kind == "f":
            options["formatter"] = {"float_kind": _float_formatter(data)}
        body = np.array2string(data, **options)
    extras = []
    default_types = (_dtypes.get_default_dtype(), _dtypes.int64, _dtypes.bool)
    if data.dtype not in default_types:
        extras.append(f"dtype=microtensor.{data.dtype}")
    if tensor.grad_fn is not None:
        extras.append(f"grad_fn=<{tensor.grad_fn.name()}>")
    elif tensor.requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + extra for extra in extras) + ")"


def _float_formatter(data):
    finite = data[np.isfinite(data)].astype(np.float64)  # float16 would overflow the 1e8 tests
    integral = finite.size > 0 and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8
    large = finite.size > 0 and (np.abs(finite).max() >= 1e8 or (np.abs(finite[finite != 0]).min(initial=1) < 1e-4))
    if integral:
        formatter = lambda value: f"{value:.0f}." if np.isfinite(value) else str(value)  # noqa: E731
    elif large:
        formatter = lambda value: f"{value:.4e}"  # noqa: E731
    else:
        formatter = lambda value: f"{value:.4f}"  # noqa: E731
    # Pad every element to the widest one, as PyTorch does: tensor([ 2., -4.,  6.]).
    candidates = [finite.min(), finite.max()] if finite.size else []
    if finite.size != data.size:
        candidates += [np.nan] if np.isnan(data).any() else []
        candidates += [value for value in (np.inf, -np.inf) if (data == value).any()]
    width = max((len(formatter(value)) for value in candidates), default=0)
    return lambda value: formatter(value).rjust(width)
