"""``mt.backends``: PyTorch's backend switches and questions, for a CPU-only numpy library.

The lines lessons type for reproducibility or speed (``mt.backends.cudnn.deterministic = True``,
``mt.backends.cudnn.benchmark = False``, ``mt.backends.cuda.matmul.allow_tf32 = True``) work:
the flags are recorded and read back, and change nothing, because microtensor has no cuDNN,
CUDA or MPS kernels. The ``is_available()`` questions get honest answers.
"""
from . import cpu, cuda, cudnn, mkl, mps, openmp

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mps", "openmp"]
