"""``mt.cuda``: there is no GPU backend, so code that asks gets a clear "no".

``device = 'cuda' if mt.cuda.is_available() else 'cpu'`` then picks the CPU, and the
seeding calls that lessons make for reproducibility (``mt.cuda.manual_seed_all(0)``)
do nothing, as they do in PyTorch on a machine without a GPU. So do the memory calls that
training loops log (``memory_allocated()`` is 0, ``empty_cache()`` frees nothing); the calls that
need a device (``synchronize``, ``current_device``, ``get_device_name``, ``set_device``) raise as
PyTorch's CPU build does.
"""


def is_available() -> bool:
    """False: microtensor runs on the CPU only (numpy)."""
    return False


def device_count() -> int:
    """0: no CUDA devices are usable by microtensor."""
    return 0


def _check_seed(seed, where):
    if isinstance(seed, bool) or not hasattr(seed, "__index__"):
        raise TypeError(f"mt.cuda.{where} expects an int seed, got {type(seed).__name__} ({seed!r})")


def manual_seed(seed: int) -> None:
    """No-op (there is no CUDA generator to seed); the seed must still be an int."""
    _check_seed(seed, "manual_seed")


def manual_seed_all(seed: int) -> None:
    """No-op (there are no CUDA generators to seed); the seed must still be an int."""
    _check_seed(seed, "manual_seed_all")


def seed() -> None:
    """No-op: there is no CUDA generator."""


def seed_all() -> None:
    """No-op: there are no CUDA generators."""


# Memory questions and cache management: PyTorch's CPU build answers them without a GPU
# (0 bytes, nothing to free), so code that logs memory runs unchanged.
def empty_cache() -> None:
    """No-op: there is no CUDA caching allocator to empty."""


def memory_allocated(device: object = None) -> int:
    """0: no tensor memory lives on a CUDA device."""
    return 0


def max_memory_allocated(device: object = None) -> int:
    """0: no tensor memory ever lived on a CUDA device."""
    return 0


def memory_reserved(device: object = None) -> int:
    """0: no CUDA memory is reserved."""
    return 0


def max_memory_reserved(device: object = None) -> int:
    """0: no CUDA memory was ever reserved."""
    return 0


def is_initialized() -> bool:
    """False: CUDA is never initialized."""
    return False


# Questions about a device, and switching devices, need a GPU: PyTorch raises without one.
def _no_cuda(where: str) -> AssertionError:
    return AssertionError(
        f"mt.cuda.{where}(): Torch not compiled with CUDA enabled -- microtensor runs on the CPU only; "
        "guard the call with `if mt.cuda.is_available():`"
    )


def synchronize(device: object = None) -> None:
    """Raises AssertionError as PyTorch's CPU build does: there is no CUDA stream to wait for."""
    raise _no_cuda("synchronize")


def current_device() -> int:
    """Raises AssertionError as PyTorch's CPU build does: there is no current CUDA device."""
    raise _no_cuda("current_device")


def get_device_name(device: object = None) -> str:
    """Raises AssertionError as PyTorch's CPU build does: there is no CUDA device to name."""
    raise _no_cuda("get_device_name")


def reset_peak_memory_stats(device: object = None) -> None:
    """Raises AssertionError: PyTorch's CPU build cannot reset CUDA memory statistics either."""
    raise _no_cuda("reset_peak_memory_stats")


def set_device(device: object) -> None:
    """A negative index does nothing (as in PyTorch); a non-CUDA device or None raises PyTorch's
    ValueError; a CUDA device raises AssertionError (there is no CUDA)."""
    if isinstance(device, int) and not isinstance(device, bool):
        if device < 0:
            return
        device = f"cuda:{device}"
    if device is None:
        raise ValueError("Expected a torch.device with a specified index or an integer, but got:None")
    if not str(device).startswith("cuda"):
        raise ValueError(f"Expected a cuda device, but got: {device}")
    raise _no_cuda("set_device")
