"""microtensor: a small, fast, correct autograd framework on numpy with a PyTorch-shaped API.

``import microtensor as mt`` and use it like ``torch``::

    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x ** 2).sum()
    y.backward()
    x.grad            # tensor([2., 4., 6.])

This file only re-exports; see the README's tour for where each piece lives.
"""
import importlib
from typing import TYPE_CHECKING

from . import _dtypes
from ._dtypes import (
    bool, double, float, float16, float32, float64, get_default_dtype, half, int, int8, int16, int32,
    int64, long, set_default_dtype, short, uint8, uint16, uint32, uint64,
)
from . import autograd
from .autograd.anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled
from .autograd import (
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad, set_grad_enabled,
)
from .creation import (
    as_tensor, empty, empty_like, eye, from_numpy, full, full_like, ones, ones_like, rand,
    rand_like, randint, randint_like, randn, randn_like, randperm, tensor, zeros, zeros_like,
)
from .device import device, get_default_device, set_default_device
from .spaced_values import arange, linspace, logspace, range  # noqa: A004  (mt.range, deprecated as in PyTorch)
from .conversion import asarray, scalar_tensor
from .type_promotion import can_cast, promote_types, result_type
from .threads import get_num_interop_threads, get_num_threads, set_num_interop_threads, set_num_threads
from .backends.determinism import (  # mt.use_deterministic_algorithms(True): recorded; numpy is deterministic
    are_deterministic_algorithms_enabled, get_float32_matmul_precision, is_deterministic_algorithms_warn_only_enabled,
    set_float32_matmul_precision, use_deterministic_algorithms,
)
from ._size import Size
from ._legacy_constructors import (  # mt.FloatTensor([1, 2]), mt.LongTensor(2, 3), isinstance(t, mt.FloatTensor)
    BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor, ShortTensor,
)
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from ._tensor import Tensor
from ._format import set_printoptions
from ._dtype_info import finfo, iinfo
from . import ops
from .ops import *  # noqa: F401,F403  (mt.exp, mt.matmul, mt.cat, mt.where, ...)
from . import _registry

_registry.bind(Tensor)  # the one binding step: every op's Tensor methods and operators

__version__ = "0.1.0"

_LAZY_SUBMODULES = {"nn", "optim", "utils", "viz", "cuda", "linalg"}
_LAZY_SUBMODULES |= {"accelerator", "serialization"}  # mt.accelerator.is_available(), mt.serialization.safe_globals
_LAZY_SUBMODULES |= {"onnx"}  # mt.onnx.export; imports onnx itself only when called
_LAZY_SUBMODULES |= {"backends", "special", "testing"}  # mt.backends.cudnn flags, mt.special.ndtr, mt.testing.assert_close
_LAZY_SUBMODULES |= {"distributions"}  # mt.distributions.Normal, kl_divergence, ...
_LAZY_FUNCTIONS = {"save": "serialization", "load": "serialization"}
_LAZY_FUNCTIONS["compile"] = "capture"  # mt.compile: capture a step once, replay it
if TYPE_CHECKING:  # what __getattr__ loads on first use, named for type checkers (they cannot run it)
    from . import accelerator, cuda, distributions, linalg, nn, optim, serialization, utils, viz
    from . import backends, special, testing
    from .serialization import load, save


def __getattr__(name):
    # nn, optim, utils and viz load on first use, which keeps `import microtensor` fast.
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_FUNCTIONS:
        return getattr(importlib.import_module(f".{_LAZY_FUNCTIONS[name]}", __name__), name)
    raise AttributeError(f"module 'microtensor' has no attribute '{name}'")


def is_tensor(obj):
    """True for microtensor Tensors (and Parameters)."""
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()
