"""``pad_sequence`` and ``unpad_sequence``: batch sequences of different lengths for ``nn.RNN/LSTM/GRU``.

A list of (L_i, *) tensors becomes one (L_max, B, *) tensor (or (B, L_max, *) with ``batch_first``),
each sequence followed (or, ``padding_side='left'``, preceded) by ``padding_value``; the gradient
flows back to every sequence. PyTorch's packed sequences (``pack_padded_sequence``) are not
implemented: feed the padded batch and mask the padded steps (e.g. ignore_index in the loss).
"""
from __future__ import annotations

from typing import List, Sequence

from ... import ops as _ops
from ...creation import full
from ..._tensor import Tensor

__all__ = ["pad_sequence", "unpad_sequence"]


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
