"""``mt.device``: only the CPU exists; the argument is accepted so PyTorch code runs."""


class device:
    """A device name; ``mt.device('cpu')`` is the only one microtensor runs on."""

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        self.type = str(type).split(":")[0]
        self.index = index
        check_device(self)

    def __repr__(self):
        return f"device(type='{self.type}')"

    def __str__(self):
        return self.type

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and other.type == self.type

    def __hash__(self):
        return hash(self.type)


def check_device(value):
    """Raise a clear error for any device other than the CPU."""
    if value is None:
        return
    name = value.type if isinstance(value, device) else str(value).split(":")[0]
    if name != "cpu":
        raise RuntimeError(
            f"device '{value}' is not available: microtensor runs on the CPU only (numpy). "
            f"Use device='cpu' or leave the device out."
        )


cpu = object.__new__(device)
cpu.type, cpu.index = "cpu", None
