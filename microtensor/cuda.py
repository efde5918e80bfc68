"""``mt.cuda``: there is no GPU backend, so code that asks gets a clear "no".

``device = 'cuda' if mt.cuda.is_available() else 'cpu'`` then picks the CPU, and the
seeding calls that lessons make for reproducibility (``mt.cuda.manual_seed_all(0)``)
do nothing, as they do in PyTorch on a machine without a GPU.
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
