"""``mt.backends.cpu``: the CPU, where microtensor always runs."""


def get_cpu_capability() -> str:
    """``"DEFAULT"``: microtensor has no vectorized kernels of its own (numpy chooses its own)."""
    return "DEFAULT"
