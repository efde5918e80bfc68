"""``mt.nn.utils.rnn``: batch sequences of different lengths for ``nn.RNN/LSTM/GRU``.

* ``pad_sequence`` / ``unpad_sequence``: a list of (L_i, *) tensors <-> one (L_max, B, *) tensor
  (or (B, L_max, *) with ``batch_first``), each sequence followed (or, ``padding_side='left'``,
  preceded) by ``padding_value``.
* ``PackedSequence``: the steps of every sequence without padding, time-major: ``data`` holds
  the ``batch_sizes[0]`` first steps, then the ``batch_sizes[1]`` second steps, ..., the sequences
  sorted by decreasing length (``sorted_indices[k]`` is the batch position of the k-th longest,
  ``unsorted_indices`` the inverse permutation, both None when the batch came sorted).
* ``pack_padded_sequence`` / ``pad_packed_sequence`` and ``pack_sequence`` / ``unpack_sequence``
  convert between the three forms.

Packing and padding are one gather each (indexing with the rows to keep), so the gradient flows
back to every step of every sequence.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from ... import _dtypes
from ... import ops as _ops
from ...creation import full, tensor
from ..._tensor import Tensor

__all__ = [
    "PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence", "unpack_sequence",
    "pad_sequence", "unpad_sequence",
]

_PackedSequenceFields = namedtuple("_PackedSequenceFields", ["data", "batch_sizes", "sorted_indices",
                                                             "unsorted_indices"])


def _invert_permutation(permutation: Optional[Tensor]) -> Optional[Tensor]:
    if permutation is None:
        return None
    order = np.asarray(permutation.tolist(), dtype=np.int64)
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return tensor(inverse)


class PackedSequence(_PackedSequenceFields):
    """``PackedSequence(data, batch_sizes, sorted_indices=None, unsorted_indices=None)``: a named tuple
    of the packed steps ``data`` (sum(lengths), *), the int64 ``batch_sizes`` (one per time step) and the
    sort permutation (see the module docstring). Made by ``pack_padded_sequence`` or ``pack_sequence``."""

    def __new__(
        cls, data: Any, batch_sizes: Optional[Tensor] = None, sorted_indices: Optional[Tensor] = None,
        unsorted_indices: Optional[Tensor] = None,
    ) -> "PackedSequence":
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), as PyTorch accepts
            data, batch_sizes = data
        if unsorted_indices is None:
            unsorted_indices = _invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> "PackedSequence":
        """``data.to(*args, **kwargs)`` (the sizes and indices stay int64); ``self`` when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self) -> "PackedSequence":
        return self.to("cpu")

    def double(self) -> "PackedSequence":
        return self.to(dtype=_dtypes.float64)

    def float(self) -> "PackedSequence":
        return self.to(dtype=_dtypes.float32)

    def half(self) -> "PackedSequence":
        return self.to(dtype=_dtypes.float16)

    def long(self) -> "PackedSequence":
        return self.to(dtype=_dtypes.int64)

    def int(self) -> "PackedSequence":
        return self.to(dtype=_dtypes.int32)

    def short(self) -> "PackedSequence":
        return self.to(dtype=_dtypes.int16)

    def char(self) -> "PackedSequence":
        return self.to(dtype=_dtypes.int8)

    def byte(self) -> "PackedSequence":
        return self.to(dtype=_dtypes.uint8)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


# ------------------------------------------------------------------- packing
def _lengths_list(lengths, function) -> List[int]:
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1:
            raise RuntimeError(
                f"{function}(): 'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.ndim}D tensor"
            )
        lengths = lengths.tolist()
    values = list(lengths)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or int(value) != value:
            raise TypeError(f"{function}(): lengths must be integers, got {values}")
    return [int(value) for value in values]


def _sizes_of_sorted(sorted_lengths: List[int]) -> List[int]:
    """Batch size at each time step of sequences sorted by decreasing length."""
    return [sum(1 for length in sorted_lengths if length > t) for t in range(sorted_lengths[0])]


def pack_padded_sequence(
    input: Tensor, lengths: Union[Tensor, Sequence[int]], batch_first: bool = False, enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded batch (T, B, *) (``batch_first``: (B, T, *)) whose sequence b has ``lengths[b]`` steps.
    With ``enforce_sorted`` the lengths must be decreasing; otherwise the batch is sorted here and the
    permutation kept in ``sorted_indices``."""
    if not isinstance(input, Tensor) or input.ndim < 2:
        raise TypeError(f"pack_padded_sequence(): input must be a Tensor (T, B, *) or (B, T, *), got {input!r}")
    values = _lengths_list(lengths, "pack_padded_sequence")
    time_major = input.transpose(0, 1) if batch_first else input
    steps, batch = time_major.shape[0], time_major.shape[1]
    if len(values) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(values)} "
                           f"(batch_size={batch})")
    if any(length <= 0 for length in values):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if max(values) > steps:
        raise RuntimeError(f"pack_padded_sequence(): a length of {max(values)} exceeds the {steps} time steps of "
                           f"the padded input (lengths {values})")
    if enforce_sorted:
        if any(later > earlier for earlier, later in zip(values, values[1:])):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
                "if you do not need ONNX exportability."
            )
        order = np.arange(batch)
        sorted_indices = None
    else:
        order = np.argsort(-np.asarray(values), kind="stable")
        sorted_indices = tensor(order.astype(np.int64))
    batch_sizes = _sizes_of_sorted([values[index] for index in order])
    rows = np.concatenate([t * batch + order[:size] for t, size in enumerate(batch_sizes)])
    flat = time_major.reshape((steps * batch,) + tuple(time_major.shape[2:]))
    return PackedSequence(flat[tensor(rows)], tensor(np.asarray(batch_sizes, dtype=np.int64)), sorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
    total_length: Optional[int] = None,
) -> Tuple[Tensor, Tensor]:
    """The inverse of ``pack_padded_sequence``: ``(padded (T, B, *) or (B, T, *), lengths (B,) int64)`` in the
    original batch order; ``T`` is the longest length or ``total_length``."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence(): expected a PackedSequence, got {type(sequence).__name__}")
    data, batch_sizes = sequence.data, [int(size) for size in sequence.batch_sizes.tolist()]
    batch, longest = batch_sizes[0], len(batch_sizes)
    if total_length is not None:
        if total_length < longest:
            raise ValueError(
                f"Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {longest}"
            )
        longest = total_length
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)])
    sorted_lengths = np.array([sum(1 for size in batch_sizes if size > k) for k in range(batch)], dtype=np.int64)
    padding_row = offsets[-1]
    rows = np.full((longest, batch), padding_row, dtype=np.int64)  # (time, sorted position)
    for t, size in enumerate(batch_sizes):
        rows[t, :size] = offsets[t] + np.arange(size)
    lengths = sorted_lengths
    if sequence.unsorted_indices is not None:
        unsorted = np.asarray(sequence.unsorted_indices.tolist(), dtype=np.int64)
        rows, lengths = rows[:, unsorted], sorted_lengths[unsorted]
    if batch_first:
        rows = rows.T
    trailing = tuple(data.shape[1:])
    padding = full((1,) + trailing, padding_value, dtype=data.dtype)
    padded = _ops.cat([data, padding], dim=0)[tensor(rows.reshape(-1))]
    return padded.reshape(rows.shape + trailing), tensor(lengths)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) tensors (decreasing lengths unless ``enforce_sorted=False``)."""
    sequences = list(sequences)
    lengths = [sequence.shape[0] if isinstance(sequence, Tensor) and sequence.ndim else 0 for sequence in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> List[Tensor]:
    """The inverse of ``pack_sequence``: the list of (L_i, *) sequences in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


# ------------------------------------------------------------------- padding
def pad_sequence(
    sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right",
) -> Tensor:
    """Stack (L_i, *) tensors into (L_max, B, *) (``batch_first=False``) or (B, L_max, *), padding each
    with ``padding_value`` on its ``padding_side`` ('right' or 'left')."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence(): padding_side must be 'left' or 'right', got {padding_side!r}")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence(): received an empty list of sequences")
    for index, sequence in enumerate(sequences):
        if not isinstance(sequence, Tensor) or sequence.ndim == 0:
            raise TypeError(
                f"pad_sequence(): expected a list of tensors with at least 1 dimension (L, *), but item {index} "
                f"is {sequence!r}"
            )
    trailing = tuple(sequences[0].shape[1:])
    for index, sequence in enumerate(sequences):
        if tuple(sequence.shape[1:]) != trailing:
            raise RuntimeError(
                f"pad_sequence(): every sequence must have the trailing shape {trailing} of the first one (only "
                f"their length, dim 0, may differ), but item {index} has shape {tuple(sequence.shape)}"
            )
    longest = max(sequence.shape[0] for sequence in sequences)
    padded = [_pad_to(sequence, longest, padding_value, padding_side) for sequence in sequences]
    return _ops.stack(padded, dim=0 if batch_first else 1)


def _pad_to(sequence, length, value, side):
    missing = length - sequence.shape[0]
    if missing == 0:
        return sequence
    padding = full((missing,) + tuple(sequence.shape[1:]), value, dtype=sequence.dtype)
    return _ops.cat([sequence, padding] if side == "right" else [padding, sequence], dim=0)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> List[Tensor]:
    """The inverse of ``pad_sequence`` (right padding): the list of (L_i, *) sequences of the batch."""
    batch = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    lengths = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    if len(lengths) != batch.shape[0]:
        raise ValueError(
            f"unpad_sequence(): got {len(lengths)} lengths for a batch of {batch.shape[0]} sequences"
        )
    return [batch[index, :int(length)] for index, length in enumerate(lengths)]
