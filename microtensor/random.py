"""Random numbers: ``mt.Generator`` and the default generator behind ``rand``, ``randn``,
``randint``, ``multinomial``, ``nn.init``, ``Dropout`` and ``DataLoader(shuffle=True)``.

Each ``Generator`` wraps a ``numpy.random.Generator`` of its own, so seeding microtensor
does not touch numpy's legacy global state (``np.random.seed``) and vice versa.
``mt.manual_seed(n)`` seeds the default generator and makes every run repeatable; a
function given ``generator=g`` draws from ``g`` instead and leaves the default alone.
"""
import json

import numpy as np

from .autograd.grad_mode import _state

from .device import check_device, cpu


def _check_seed(seed, where):
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"{where} expects an int seed, got {type(seed).__name__} ({seed!r})")
    return int(seed) & 0xFFFFFFFFFFFFFFFF


class Generator:
    """A source of random numbers with its own state (``torch.Generator``).

    ::

        g = mt.Generator().manual_seed(42)
        mt.randn(3, generator=g)     # the same three numbers on every run
    """

    def __init__(self, device="cpu"):
        check_device(device)
        self.device = cpu
        self.seed()

    def manual_seed(self, seed):
        """Seed this generator; returns it, so ``g = mt.Generator().manual_seed(0)`` works."""
        self._initial_seed = _check_seed(seed, "Generator.manual_seed")
        self._rng = np.random.default_rng(self._initial_seed)
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the seed chosen."""
        self._initial_seed = int(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF
        self._rng = np.random.default_rng(self._initial_seed)
        return self._initial_seed

    def initial_seed(self):
        """The seed this generator was last seeded with."""
        return self._initial_seed

    def get_state(self):
        """The state as a uint8 Tensor (restore it with ``set_state``)."""
        from ._tensor import Tensor

        encoded = json.dumps({"seed": self._initial_seed, "bit_generator": self._rng.bit_generator.state})
        return Tensor._make(np.frombuffer(encoded.encode(), dtype=np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state returned by ``get_state``."""
        array = np.asarray(getattr(new_state, "_data", new_state))
        if array.dtype != np.uint8 or array.ndim != 1:
            raise TypeError(
                f"Generator.set_state expects the uint8 tensor that get_state returned, "
                f"got dtype {array.dtype} and shape {array.shape}"
            )
        try:
            state = json.loads(array.tobytes().decode())
            self._rng.bit_generator.state = state["bit_generator"]
        except (ValueError, KeyError, TypeError) as error:
            raise RuntimeError(f"Generator.set_state: not a state from Generator.get_state ({error})") from None
        self._initial_seed = state["seed"]
        return self

    def __repr__(self):
        return f"<microtensor.Generator object, initial_seed={self._initial_seed}>"


default_generator = Generator()


def numpy_rng(generator=None):
    """The ``numpy.random.Generator`` to draw from: ``generator``'s, or the default one's.

    A ``numpy.random.Generator`` is accepted as it is, for code that brings its own."""
    if generator is None:
        rng = default_generator._rng
    elif isinstance(generator, Generator):
        rng = generator._rng
    elif isinstance(generator, np.random.Generator):
        rng = generator
    else:
        raise TypeError(f"generator must be a microtensor.Generator, got {type(generator).__name__}")
    if _state.recorder is not None:  # mt.compile capturing: a random tensor made outside an op
        _state.recorder.on_random_outside_op(rng)
    return rng


def generator():
    """The default generator's ``numpy.random.Generator`` (for code that draws its own numbers)."""
    return default_generator._rng


def manual_seed(seed):
    """Seed the default generator; returns it, as PyTorch does."""
    return default_generator.manual_seed(_check_seed(seed, "manual_seed"))


def seed():
    """Seed the default generator from the operating system; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 Tensor (restore it with ``set_rng_state``)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)
