"""One recurrent layer-direction over a ``PackedSequence``: runs of equal batch size, each one fused call.

The packed steps are time-major with the sequences sorted by decreasing length, so at time ``t``
the active sequences are the first ``batch_sizes[t]`` of the batch. Between two changes of the
batch size the active rows form a rectangle ``(steps, size)``, which the padded-batch recurrence
runs unchanged. Forward in time the batch shrinks: the rows that drop out at the end of a run
hold their sequence's final state. Backward in time it grows: a joining sequence starts from its
own initial state. The gradient flows through the slices and concatenations by autograd.
"""
from __future__ import annotations

from typing import Callable, List, Sequence, Tuple

from .. import ops as _ops
from .._tensor import Tensor

#: ``run(xg (T, B, G), states [(B, H), ...], reverse) -> (output (T, B, H_out), final states)``
DirectionRunner = Callable[[Tensor, List[Tensor], bool], Tuple[Tensor, List[Tensor]]]


def equal_size_runs(batch_sizes: Sequence[int]) -> List[Tuple[int, int, int, int]]:
    """``(first row of data, first step, step after the last, batch size)`` of each run, in time order."""
    runs, row, start = [], 0, 0
    for t in range(1, len(batch_sizes) + 1):
        if t == len(batch_sizes) or batch_sizes[t] != batch_sizes[start]:
            runs.append((row, start, t, batch_sizes[start]))
            row += (t - start) * batch_sizes[start]
            start = t
    return runs


def _chunk(xg: Tensor, run: Tuple[int, int, int, int]) -> Tensor:
    row, start, stop, size = run
    return xg[row:row + (stop - start) * size].reshape((stop - start, size, xg.shape[-1]))


def run_packed(
    run_direction: DirectionRunner, xg: Tensor, batch_sizes: Sequence[int], initial: List[Tensor], reverse: bool,
) -> Tuple[Tensor, List[Tensor]]:
    """The packed output ``(sum(batch_sizes), H_out)`` and each sequence's final states ``(B, H)``."""
    runs = equal_size_runs(batch_sizes)
    outputs: List[Tensor] = [None] * len(runs)  # type: ignore[list-item]
    if reverse:
        carry = [state[:runs[-1][3]] for state in initial]
        for index in range(len(runs) - 1, -1, -1):
            size = runs[index][3]
            have = carry[0].shape[0]
            if size > have:
                carry = [_ops.cat([kept, state[have:size]]) for kept, state in zip(carry, initial)]
            output, carry = run_direction(_chunk(xg, runs[index]), carry, True)
            outputs[index] = output.reshape((-1, output.shape[-1]))
        finals = carry
    else:
        carry = list(initial)
        ended: List[List[Tensor]] = [[] for _ in initial]
        for index, run in enumerate(runs):
            size = run[3]
            if size < carry[0].shape[0]:
                for pieces, state in zip(ended, carry):
                    pieces.append(state[size:])
                carry = [state[:size] for state in carry]
            output, carry = run_direction(_chunk(xg, run), carry, False)
            outputs[index] = output.reshape((-1, output.shape[-1]))
        for pieces, state in zip(ended, carry):
            pieces.append(state)
        finals = [pieces[0] if len(pieces) == 1 else _ops.cat(pieces[::-1]) for pieces in ended]
    return (outputs[0] if len(outputs) == 1 else _ops.cat(outputs)), finals
