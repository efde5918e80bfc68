"""``replay_context``: the ``ctx`` a program hands an op's own forward and backward.

A replayed op runs its own code, which reads ``ctx.needs_input_grad`` and its saved
values, so the program gives it a stand-in for the graph node it had at capture: the
same flags, and ``saved_tensors`` returning what forward saved, as forward saved it
(arrays, not Tensors; no version checks, since no tensor is involved). One is made per
op of the program, once, at build time.
"""

_REPLAY_CLASSES = {}


def replay_context(node):
    """A context for replaying ``node``'s op: same flags, and saved values kept as forward gave them."""
    cls = type(node)
    replay_class = _REPLAY_CLASSES.get(cls)
    if replay_class is None:
        replay_class = type(cls.__name__, (cls,), {"saved_tensors": property(lambda ctx: ctx._saved)})
        _REPLAY_CLASSES[cls] = replay_class
    ctx = object.__new__(replay_class)
    ctx._saved = ()
    ctx.inputs = (None,) * len(node.inputs)
    ctx.input_meta = node.input_meta
    ctx.needs_input_grad = node.needs_input_grad
    if node._output_meta is not None:
        ctx._output_meta = node._output_meta
    return ctx
