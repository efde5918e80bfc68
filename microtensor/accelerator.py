"""``mt.accelerator``: PyTorch's device-agnostic accelerator questions, answered for a CPU-only library.

``device = mt.accelerator.current_accelerator() or mt.device('cpu')`` and
``if mt.accelerator.is_available(): ...`` work as in PyTorch on a machine without a GPU.
"""


def is_available() -> bool:
    """False: microtensor runs on the CPU only (numpy), and the CPU is not an accelerator."""
    return False


def current_accelerator(check_available: bool = False) -> None:
    """None: there is no accelerator (PyTorch's answer on a CPU-only machine)."""
    return None


def device_count() -> int:
    """0: no accelerator devices."""
    return 0
