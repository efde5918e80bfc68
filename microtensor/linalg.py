"""``mt.linalg``: PyTorch's ``torch.linalg`` names for the norms and the product microtensor has.

``vector_norm``, ``matrix_norm`` and ``norm`` live in ``ops/norms.py``; ``matmul`` is ``mt.matmul``.
Decompositions and solvers (``inv``, ``solve``, ``svd``, ...) are not part of microtensor.
"""
from .ops.linalg import matmul
from .ops.norms import linalg_norm as norm, matrix_norm, vector_norm

__all__ = ["matmul", "matrix_norm", "norm", "vector_norm"]
