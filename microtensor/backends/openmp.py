"""``mt.backends.openmp``: microtensor has no OpenMP kernels of its own."""


def is_available() -> bool:
    """False: microtensor's own code is single-threaded Python and numpy (numpy's BLAS may use
    threads of its own; ``mt.set_num_threads`` is where those are discussed)."""
    return False
