"""``mt.backends.mps``: there is no Apple Metal (MPS) backend."""


def is_available() -> bool:
    """False: microtensor runs on numpy, on the CPU."""
    return False


def is_built() -> bool:
    """False: microtensor is not built with MPS."""
    return False
