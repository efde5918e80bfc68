"""``mt.backends.cuda``: microtensor is not built with CUDA; the TF32 switch is recorded only."""


class _MatmulFlags:
    """``mt.backends.cuda.matmul``: ``allow_tf32`` (default False) and the reduced-precision
    reduction flags, recorded and read back; they change nothing (matmuls run in numpy)."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True

    def __repr__(self) -> str:
        return f"mt.backends.cuda.matmul(allow_tf32={self.allow_tf32})"


matmul = _MatmulFlags()


def is_built() -> bool:
    """False: microtensor has no CUDA build."""
    return False
