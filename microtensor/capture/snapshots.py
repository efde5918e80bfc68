"""The state a step reads and writes, saved before and after it, to validate a program.

A new program is trusted only after it has reproduced an eager run bit for bit:
``Snapshots`` keeps the state as it was before the eager run (each array the first
time the recorder sees it, each optimizer state before its update, each ``.grad``
before it changes, the random generators), ``after()`` keeps the state the eager run
left, ``restore_before()`` puts the old state back so the program can run on it, and
``differences()`` compares what the program left with what eager left.
"""
import numpy as np

from .._tensor import Tensor


class Snapshots:
    def __init__(self):
        self._arrays = {}     # id -> (array, copy before the step)
        self._states = {}     # id -> (optimizer state dict, {key: copy of the value} before the step)
        self._grads = {}      # id -> (tensor, its .grad before the step)
        self._generators = {}  # id -> (numpy Generator, bit generator state before the step)

    def array(self, array):
        if id(array) not in self._arrays:
            self._arrays[id(array)] = (array, array.copy())

    def optimizer_state(self, state):
        if id(state) not in self._states:
            self._states[id(state)] = (state, {key: _copy(value) for key, value in state.items()})

    def grad(self, tensor):
        if id(tensor) not in self._grads:
            self._grads[id(tensor)] = (tensor, tensor._grad)

    def generator(self, rng):
        if id(rng) not in self._generators:
            self._generators[id(rng)] = (rng, rng.bit_generator.state)

    # ------------------------------------------------------------------------
    def after(self):
        """What the eager run left, in the same places."""
        return {
            "arrays": {key: array.copy() for key, (array, _) in self._arrays.items()},
            "states": {key: {k: _copy(v) for k, v in state.items()} for key, (state, _) in self._states.items()},
            "grads": {key: tensor._grad for key, (tensor, _) in self._grads.items()},
            "generators": {key: rng.bit_generator.state for key, (rng, _) in self._generators.items()},
        }

    def restore_before(self):
        for array, before in self._arrays.values():
            array[...] = before
        for state, before in self._states.values():
            _restore_state(state, before)
        for tensor, grad in self._grads.values():
            tensor._grad = grad
        for rng, before in self._generators.values():
            rng.bit_generator.state = before

    def restore(self, after):
        """Put back the state ``after()`` saved (when a program is refused, eager's result stands)."""
        for key, (array, _) in self._arrays.items():
            array[...] = after["arrays"][key]
        for key, (state, _) in self._states.items():
            _restore_state(state, after["states"][key])
        for key, (tensor, _) in self._grads.items():
            tensor._grad = after["grads"][key]
        for key, (rng, _) in self._generators.items():
            rng.bit_generator.state = after["generators"][key]

    def differences(self, after):
        """Where the state now differs from ``after`` (bit for bit); an empty list if nowhere."""
        found = []
        for key, (array, _) in self._arrays.items():
            if not identical(array, after["arrays"][key]):
                found.append(f"an array of shape {array.shape} (a parameter, buffer or input) differs")
        for key, (state, _) in self._states.items():
            expected = after["states"][key]
            if state.keys() != expected.keys() or not all(identical(_plain(state[k]), expected[k]) for k in state):
                found.append(f"the optimizer state {sorted(state)} differs")
        for key, (tensor, _) in self._grads.items():
            now, expected = tensor._grad, after["grads"][key]
            if (now is None) != (expected is None) or (now is not None and not identical(now._data, expected._data)):
                found.append(f"the .grad of a tensor of shape {tensor.shape} differs")
        for key, (rng, _) in self._generators.items():
            if rng.bit_generator.state != after["generators"][key]:
                found.append("the random generator advanced differently")
        return found


def identical(a, b):
    """Bit-for-bit equality of two arrays (or of two plain values)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return a == b or (a != a and b != b)


def _copy(value):
    if isinstance(value, Tensor):
        return value._data.copy()
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def _plain(value):
    return value._data if isinstance(value, Tensor) else value


def _restore_state(state, values):
    for key in list(state):
        if key not in values:
            del state[key]
    for key, value in values.items():
        current = state.get(key)
        if isinstance(current, Tensor) and isinstance(value, np.ndarray) and current._data.shape == value.shape:
            current._data[...] = value
        elif isinstance(value, np.ndarray):
            state[key] = Tensor._make(value.copy())
        else:
            state[key] = value
