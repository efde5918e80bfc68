"""What a node keeps for backward, and the checks that keep it honest.

``ctx.save_for_backward(...)`` hands ``apply`` values; each is kept as:

* a *record* ``(array, source, counter, version)`` when it belongs to a tensor: an input
  (``source`` is that Tensor, so that with ``create_graph=True`` it stays connected to the
  graph), the op's own output (``source`` is ``OUTPUT``, or ``(OUTPUT, k)`` for output k:
  rebuilt on demand, since holding the output Tensor would make a reference cycle through
  its ``grad_fn``), or another tensor (``source`` None). ``version`` is the tensor's
  version when saved; ``ctx.saved_tensors`` raises PyTorch's error if it has changed;
* the value itself otherwise (numbers, arrays, None); a tuple is wrapped as
  ``(value, CONSTANT, None, None)`` so that it is not taken for a record.
"""
import numpy as np

from .._tensor import Tensor

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the "
    "graph are freed when you call .backward() or autograd.grad(). Specify "
    "retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)

OUTPUT = object()    # marks a record of the op's own output
CONSTANT = object()  # marks a saved tuple that is a constant, not a record


def constant_record(value):
    """How a saved value that is neither an input nor the output is kept (see the module doc)."""
    if isinstance(value, Tensor):
        counter = value._version_counter
        return (value._data, None, counter, counter[0])
    if value.__class__ is tuple:
        return (value, CONSTANT, None, None)
    return value


def saved_record(value, args, forward_args, raws, arrays, outputs):
    """The record of one value forward passed to ``save_for_backward`` (see ``constant_record``)."""
    if value is None:
        return None
    for number, (raw, array) in enumerate(zip(raws, arrays)):
        if array is not None and (value is raw or value is array):
            counter = outputs[number]._version_counter
            return (array, OUTPUT if number == 0 else (OUTPUT, number), counter, counter[0])
    if value.__class__ is float or value.__class__ is int:
        return value
    return _input_record(value, args, forward_args)


def saved_records_of_one(values, args, forward_args, raw, out, tensor):
    """``saved_record`` of each saved value, for an op with one output ``tensor`` (array ``out``,
    forward's ``raw`` result): the same records, with the common cases tested first."""
    records = []
    for value in values:
        if value is None or value.__class__ is float or value.__class__ is int:
            records.append(value)
        elif value is raw or value is out:
            counter = tensor._counter  # a new output: its counter is made here (or is its base's, for a view)
            if counter is None:
                counter = tensor._counter = [0]
            records.append((out, OUTPUT, counter, counter[0]))
        else:
            records.append(_input_record(value, args, forward_args))
    return records


def _input_record(value, args, forward_args):
    """The record of ``value`` if it is what forward got for a Tensor argument, else ``constant_record``."""
    for index, forward_arg in enumerate(forward_args):
        if value is forward_arg:
            arg = args[index]
            if isinstance(arg, Tensor):
                counter = arg._counter  # Tensor._version_counter, without the property's call
                if counter is None:
                    counter = arg._counter = [0]
                return (arg._data, arg, counter, counter[0])
    return constant_record(value)


def raise_modified_inplace(node, array, version_now, version_saved):
    shape = ", ".join(str(size) for size in np.shape(array))
    raise RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{np.asarray(array).dtype} tensor of shape [{shape}]], saved by "
        f"{node.name()}, is at version {version_now}; expected version {version_saved} instead. Compute on a copy (.clone()) instead of modifying the "
        f"tensor in place, or modify it only after backward()."
    )


def is_record(saved_value):
    """Is this saved value a record of a tensor's values (rather than a constant)?"""
    return saved_value.__class__ is tuple and saved_value[1] is not CONSTANT


def only_plain_values(values):
    """Are these saved values all None, floats and ints? Then forward's own tuple is kept as it is."""
    for value in values:
        if not (value is None or value.__class__ is float or value.__class__ is int):
            return False
    return True
