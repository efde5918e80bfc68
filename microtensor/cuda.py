"""``mt.cuda``: there is no GPU backend, so code that asks gets a clear "no".

``device = 'cuda' if mt.cuda.is_available() else 'cpu'`` then picks the CPU.
"""


def is_available():
    """False: microtensor runs on the CPU only (numpy)."""
    return False


def device_count():
    """0: no CUDA devices are usable by microtensor."""
    return 0
