"""Writing into a tensor's memory: refused only where elements share memory, as in PyTorch.

``expand`` repeats elements with a zero stride; numpy marks such a broadcast view read-only,
and every view taken of it inherits the mark, even a slice in which nothing repeats
(``x.expand(2, 3)[0]``). PyTorch refuses a write only when the written-to tensor itself has
*internal overlap* (a zero stride along a dim of more than one element). ``ensure_writable``
applies that rule before every write into a tensor's memory.
"""
import numpy as np


def has_internal_overlap(array):
    """Does some element of ``array`` share its memory with another (a zero stride, size > 1)?"""
    return any(step == 0 and size > 1 for size, step in zip(array.shape, array.strides))


def ensure_writable(array, op_name):
    """Let ``array`` be written (a view numpy marked read-only is unmarked where PyTorch allows the
    write), or raise PyTorch's error for why not."""
    if array.flags.writeable:
        return
    if has_internal_overlap(array):
        raise RuntimeError(
            f"{op_name}: unsupported operation: more than one element of the written-to tensor refers to a "
            f"single memory location (shape {array.shape}, strides in elements "
            f"{tuple(step // array.itemsize for step in array.strides)}, as made by expand()). "
            f"Please clone() the tensor before performing the operation."
        )
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    if root.flags.writeable:
        try:
            array.flags.writeable = True
            return
        except ValueError:
            pass
    raise RuntimeError(
        f"{op_name}: cannot write into this tensor in place: its memory is read-only (a tensor made from a "
        f"read-only numpy array, for example); use .clone() first"
    )
