"""``mt.linalg``: PyTorch's ``torch.linalg`` names for microtensor's linear algebra.

Every function is batched over leading dims (``A`` is ``(..., n, n)``), takes floating tensors
(PyTorch refuses integer ones) and is differentiable; the backward rules are derived in the
docstrings of the modules that declare them:

* products: ``matmul`` (``mt.matmul``), ``multi_dot``, ``matrix_power`` (``ops/linalg.py``, ``ops/solvers.py``),
  ``vecdot`` and ``cross`` (``ops/vector_products.py``), and ``diagonal`` (``mt.diagonal`` over the last two dims);
* norms: ``vector_norm``, ``matrix_norm``, ``norm`` (``ops/norms.py``); ``matrix_exp`` (``ops/matrix_exponential.py``);
* inverse and determinants: ``inv``, ``inv_ex``, ``det``, ``slogdet`` (``ops/decompositions.py``);
* systems: ``solve``, ``solve_triangular``, ``lstsq`` (``ops/solvers.py``); ``lu_factor``, ``lu``,
  ``lu_solve`` (``ops/lu_factorization.py``); ``cholesky``, ``cholesky_ex``
  (``ops/decompositions.py``; ``mt.cholesky_solve`` solves with the factor);
* orthogonal factorisations: ``qr``, ``eigh``, ``eigvalsh``, ``svd``, ``svdvals``, ``pinv``, and from them
  ``matrix_rank`` (``ops/orthogonal_factorizations.py``, ``cond`` in ``ops/condition_number.py``; eigenvector and singular-vector
  gradients need distinct values).

A singular or non-positive-definite matrix raises ``LinAlgError``, a ``RuntimeError``, as in PyTorch.
"""
from ._tensor import Tensor
from .ops.decompositions import (LinAlgError, cholesky_ex, det, inv, inv_ex, linalg_cholesky as cholesky,
    linalg_slogdet as slogdet)
from .ops.linalg import matmul
from .ops.lu_factorization import lu, lu_factor, lu_factor_ex, lu_solve
from .ops.matrix_exponential import matrix_exp
from .ops.norms import linalg_norm as norm, matrix_norm, vector_norm
from .ops.condition_number import cond
from .ops.orthogonal_factorizations import eigh, eigvalsh, matrix_rank, pinv, qr, svd, svdvals
from .ops.solvers import lstsq, matrix_power, multi_dot, solve, solve_triangular
from .ops.vector_products import linalg_cross as cross, vecdot
from .ops.views import diagonal as _diagonal


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """``torch.linalg.diagonal``: ``mt.diagonal`` with defaults for batches of matrices (the last two dims)."""
    return _diagonal(A, offset, dim1, dim2)


__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "inv_ex",
    "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
    "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm",
]
