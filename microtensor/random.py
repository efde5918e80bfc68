"""The global random generator behind ``rand``, ``randn``, ``randint``, ``nn.init``,
``Dropout`` and ``DataLoader(shuffle=True)``; ``manual_seed`` makes them reproducible.

It is a ``numpy.random.Generator`` of its own, so seeding microtensor does not touch
numpy's legacy global state (``np.random.seed``) and vice versa.
"""
import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed):
    """Seed microtensor's random generator; returns the generator, as PyTorch does."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
    _generator = np.random.default_rng(int(seed) & 0xFFFFFFFFFFFFFFFF)
    return _generator


seed = manual_seed


def generator():
    """The current ``numpy.random.Generator`` (for code that draws its own numbers)."""
    return _generator


def get_rng_state():
    """The generator's state as a dict (restore it with ``set_rng_state``)."""
    return _generator.bit_generator.state


def set_rng_state(state):
    _generator.bit_generator.state = state
