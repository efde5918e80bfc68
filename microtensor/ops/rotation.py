"""``rot90``: rotate a tensor by quarter turns in the plane of two dims, built from ``flip`` and
``transpose`` (so its gradient is theirs: the output's gradient rotated back)."""
from __future__ import annotations

from typing import Sequence

from .._registry import op
from .._tensor import Tensor
from .copying import clone
from .movement import transpose
from .reordering import flip
from .._dims import normalize_dim
from ._util import tensor_argument as _tensor


@op(method=True)
def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """``input`` rotated by ``k`` quarter turns from the direction of ``dims[0]`` toward ``dims[1]``
    (``k < 0`` the other way), as ``np.rot90(input, k, axes=dims)``; a new tensor for every ``k``."""
    x = _tensor(input, "rot90")
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"rot90(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {x.ndim} (shape {list(x.shape)})")
    first, second = (normalize_dim(dim, x.ndim, "rot90") for dim in dims)
    if first == second:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    turns = k % 4
    if turns == 1:
        return transpose(flip(x, (second,)), first, second)
    if turns == 2:
        return flip(x, (first, second))
    if turns == 3:
        return flip(transpose(x, first, second), (second,))
    return clone(x)
