"""``mt.backends``: PyTorch's backend switches and questions, for a CPU-only numpy library.

The lines lessons type for reproducibility or speed (``mt.backends.cudnn.deterministic = True``,
``mt.backends.cudnn.benchmark = False``, ``mt.backends.cuda.matmul.allow_tf32 = True``) work:
the flags are recorded and read back, and change nothing, because microtensor has no cuDNN,
CUDA or MPS kernels. The ``is_available()`` questions get honest answers.
"""
import importlib
from typing import TYPE_CHECKING

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mps", "openmp"]
if TYPE_CHECKING:
    from . import cpu, cuda, cudnn, mkl, mps, openmp  # noqa: F401


def __getattr__(name):
    # loaded on first use: `import microtensor` imports only .determinism from here
    if name in __all__:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'microtensor.backends' has no attribute '{name}'")
