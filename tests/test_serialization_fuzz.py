"""Corruption fuzz for ``mt.load``: every damaged file either loads exactly what was saved or raises ``LoadError``.

The quick form (always run) flips a few hundred deterministic bytes; ``MT_SLOW=1`` flips every byte of the file
with several masks. Truncations cover every boundary of the ZIP layout (every length with ``MT_SLOW=1``), and
members are swapped and reordered.
"""
import io
import itertools
import math
import struct
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import microtensor as mt
from microtensor.serialization import LoadError

from .conftest import SLOW

_SECONDS_PER_CASE = 1.0


def _state():
    return {
        "layer.weight": mt.tensor(np.arange(6, dtype=np.float32).reshape(3, 2) / 7, requires_grad=True),
        "layer.bias": mt.tensor(np.array([0.5, -1.25, 3.0], np.float32)),
        "steps": np.array([3, 1, 4], np.int64),
        "optimizer": {"lr": 0.1, "momentum": np.float64(0.9), 0: [True, None, "sgd"], 1: (2, -7)},
    }


def _saved_bytes():
    buffer = io.BytesIO()
    mt.save(_state(), buffer)
    return buffer.getvalue()


def _same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, mt.Tensor):
        return (a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
                and np.array_equal(a._data, b._data))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a == b
    if isinstance(a, dict):
        return list(a) == list(b) and all(type(k) is type(j) for k, j in zip(a, b)) and all(
            _same(a[key], b[key]) for key in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


class _Tally:
    """Counts outcomes; a case that loads different data, raises anything else or is slow fails the test."""

    def __init__(self):
        self.original = _state()
        self.loaded = self.refused = 0
        self.peak = 0

    def check(self, data, case, measure_memory=False):
        start = time.perf_counter()
        if measure_memory:
            tracemalloc.start()
        try:
            result = mt.load(io.BytesIO(data))
        except LoadError:
            self.refused += 1
        else:
            assert _same(self.original, result), f"{case}: loaded data differs from what was saved"
            self.loaded += 1
        finally:
            if measure_memory:
                self.peak = max(self.peak, tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
        assert time.perf_counter() - start < _SECONDS_PER_CASE, f"{case} took over {_SECONDS_PER_CASE} s"

    @property
    def total(self):
        return self.loaded + self.refused


def _zip_boundaries(data):
    """Offsets where the ZIP layout changes: each local header, its data start and end, each central
    directory entry and the end record."""
    boundaries = {0, len(data)}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
            data_start = info.header_offset + 30 + name_length + extra_length
            boundaries.update({info.header_offset, data_start, data_start + info.compress_size})
    for signature in (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07"):
        at = data.find(signature)
        while at != -1:
            boundaries.add(at)
            at = data.find(signature, at + 1)
    return boundaries


def _flip_cases(data):
    rng = np.random.default_rng(20261201)
    if SLOW:
        return [(position, mask) for position in range(len(data)) for mask in (0x01, 0x80, 0xFF)]
    positions = rng.choice(len(data), size=min(300, len(data)), replace=False)
    return [(int(position), int(rng.integers(1, 256))) for position in positions]


@pytest.mark.slow
def test_single_byte_flips_load_equal_or_raise_load_error():
    data = _saved_bytes()
    tally = _Tally()
    for position, mask in _flip_cases(data):
        damaged = bytearray(data)
        damaged[position] ^= mask
        tally.check(bytes(damaged), f"byte {position} ^ {mask:#04x}")
    assert tally.refused > 0 and tally.total == len(_flip_cases(data))
    print(f"\nflips: {tally.total} cases, {tally.loaded} loaded equal, {tally.refused} LoadError")


@pytest.mark.slow
def test_truncations_at_every_length_class_raise_load_error():
    data = _saved_bytes()
    if SLOW:
        lengths = range(len(data))
    else:
        lengths = sorted({n for b in _zip_boundaries(data) for n in (b - 1, b, b + 1) if 0 <= n < len(data)}
                         | {len(data) // 2, len(data) - 22})
    tally = _Tally()
    for length in lengths:
        tally.check(data[:length], f"truncated to {length} of {len(data)} bytes")
    assert tally.loaded == 0  # a truncated file always loses its central directory or part of it
    print(f"\ntruncations: {tally.total} cases, {tally.loaded} loaded equal, {tally.refused} LoadError")


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def test_swapped_and_reordered_members():
    members = _members(_saved_bytes())
    tally = _Tally()
    for order in itertools.permutations(range(len(members))):  # same contents, any physical order: loads equal
        tally.check(_zip([members[i] for i in order]), f"members in order {order}")
    assert tally.refused == 0
    reordered = tally.loaded
    for i, j in itertools.combinations(range(len(members)), 2):  # contents swapped under the names: refused
        swapped = list(members)
        swapped[i] = (members[i][0], members[j][1])
        swapped[j] = (members[j][0], members[i][1])
        tally.check(_zip(swapped), f"contents of {members[i][0]} and {members[j][0]} swapped")
    for i in range(len(members)):  # one member missing: refused
        tally.check(_zip(members[:i] + members[i + 1:]), f"{members[i][0]} missing")
    assert tally.loaded == reordered
    print(f"\nmembers: {tally.total} cases, {tally.loaded} loaded equal, {tally.refused} LoadError")


@pytest.mark.slow
def test_no_damaged_file_allocates_more_than_a_few_times_its_size():
    data = _saved_bytes()
    tally = _Tally()
    baseline = _Tally()
    baseline.check(data, "intact", measure_memory=True)
    for position in range(0, len(data), 1 if SLOW else 37):
        damaged = bytearray(data)
        damaged[position] ^= 0xFF
        tally.check(bytes(damaged), f"byte {position} ^ 0xff", measure_memory=True)
    assert tally.peak <= max(baseline.peak, 4 * len(data)) * 2
