"""``mt.backends.cudnn``: there is no cuDNN; its flags are recorded and have no effect.

``deterministic``, ``benchmark``, ``enabled`` and ``allow_tf32`` keep PyTorch's defaults
(False, False, True, True) and accept assignment, so seeding boilerplate runs unchanged.
numpy's CPU kernels are deterministic whatever ``deterministic`` says, and there is no
algorithm search for ``benchmark`` to switch on.
"""

deterministic: bool = False  # no effect: numpy on the CPU is deterministic already
benchmark: bool = False  # no effect: there are no cuDNN algorithms to benchmark
enabled: bool = True  # no effect: microtensor never calls cuDNN
allow_tf32: bool = True  # no effect: there are no TF32 convolutions on the CPU


def is_available() -> bool:
    """False: microtensor has no cuDNN (it runs on numpy, on the CPU)."""
    return False


def version() -> None:
    """None, PyTorch's answer when cuDNN is not available."""
    return None
