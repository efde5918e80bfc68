"""Views: tensors that share their base's memory, and how their history follows the base.

A view op is a ``Function`` with ``view_of = 0`` whose forward returns a numpy view of
its input. Its output remembers ``_view = (base, steps, version, made)``:

* ``base``: the tensor that owns the memory (a view of a view points to the first base,
  as PyTorch's ``_base`` does);
* ``steps``: the view ops, ``((FunctionClass, args), ...)``, that lead from ``base`` to
  the view; replaying them on any array or tensor of the base's shape gives the same view;
* ``version``: the value of the shared version counter when the view's ``grad_fn`` was
  last made;
* ``made``: ``None``, or how it was made when that forbids writing through it with
  autograd on, as in PyTorch: ``NO_GRAD`` (under ``no_grad``) or ``MULTI`` (one of
  several views returned by ``unbind``/``split``/``chunk``).

When the base (or another view of it) is modified in place, the counter moves on, and
the next time the view is used its history is made again from the base's new history
(``refresh_view``). That is how ``v = a[:2]; a.mul_(2); v.sum().backward()`` sends the
gradient through the multiplication.

An in-place view op on a base (``a.t_()``, ``a.squeeze_()``) changes the layout that older
views' steps start from. The base keeps ``_relayouts``: ``(version, steps back to the old
layout)`` for each such change, and an older view's steps are prefixed with the way back
(``current_steps``), so ``v = a[0]; a.t_(); v.mul_(2)`` still writes and differentiates row 0
of the old layout, as in PyTorch.
"""
import numpy as np

from .grad_mode import _state

NO_GRAD = "no_grad"
MULTI = "multi"


def attach_view(source, out, cls, args):
    """Mark tensor ``out`` (made by view op ``cls`` from ``source`` with extra ``args``, and already
    sharing ``source``'s version counter) as a view."""
    view = source._view
    made = None if _state.enabled else NO_GRAD
    version = out._counter[0]  # the counter out shares with source
    if view is None:
        out._view = (source, ((cls, args),), version, made)
    else:
        out._view = (view[0], current_steps(view) + ((cls, args),), version, made or view[3])


def current_steps(view):
    """The view's steps from its base's layout of now: prefixed with the way back to the layout they
    were recorded on when the base was re-laid (``a.t_()``) since."""
    base, steps, version = view[0], view[1], view[2]
    relayouts = getattr(base, "_relayouts", None)  # set on the rare base re-laid in place
    if relayouts:
        for at, way_back in relayouts:
            if at > version:
                steps = way_back + steps
    return steps


def record_relayout(base, steps, old_shape):
    """``base`` (not a view) now has the layout that ``steps`` (the one in-place view op: a ``Permute`` or a
    ``Reshape``) take from its old one, of ``old_shape``: note the way back."""
    way_back = tuple(_inverse_step(cls, args, old_shape) for cls, args in reversed(steps))
    base.__dict__.setdefault("_relayouts", []).append((base._version_counter[0], way_back))


def _inverse_step(cls, args, old_shape):
    if cls.__name__ == "Permute":
        return cls, (tuple(np.argsort(args[0]).tolist()),)
    return cls, (old_shape,)  # a Reshape (squeeze_, unsqueeze_): back to the old shape


def mark_multi_output_views(views):
    """``unbind``/``split``/``chunk`` return several views: PyTorch forbids writing through them."""
    for view in views:
        if view._view is not None:
            view._view = view._view[:3] + (MULTI,)
    return views


def refresh_view(view_tensor):
    """Remake a view's history if its base was modified in place since it was last made."""
    base, steps, version, made = view_tensor._view
    now = view_tensor._counter[0]
    if now == version or not _state.enabled:
        return
    if made is MULTI and base._requires_grad:
        raise RuntimeError(
            f"Output of {steps[-1][0].__name__} is a view and its base or another view of its base has been "
            f"modified inplace. This view is the output of a function that returns multiple views (unbind, "
            f"split, chunk), and such views can't follow an in-place change with autograd: replace the "
            f"in-place operation by an out-of-place one, or make the views again after it."
        )
    steps = current_steps(view_tensor._view)
    view_tensor._view = (base, steps, now, made)
    if base._requires_grad:
        fresh = replay_tensors(base, steps)
        view_tensor._grad_fn = fresh._grad_fn
        view_tensor._requires_grad = fresh._requires_grad
        if view_tensor._output_nr:
            view_tensor._output_nr = 0


def replay_tensors(tensor, steps):
    """The view that ``steps`` take of ``tensor``, recorded in the graph (differentiable)."""
    for cls, args in steps:
        tensor = cls.apply(tensor, *args)
    return tensor


def shares_memory(out, source_array):
    return out.__class__ is np.ndarray and np.may_share_memory(out, source_array)
