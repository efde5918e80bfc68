"""The input metadata a node keeps: per argument ``(shape, dtype)``, ``None`` or ``False``.

The engine needs each input's shape and dtype to undo broadcasting (``fit_gradient`` in ``fit.py``).

Objects that live as long as the graph are interned where they repeat, so that a deep
graph holds fewer objects for Python's cycle collector to walk over and over (it walks
every live container object; ours are never in cycles, so each one is pure cost).
"""
NEEDS_TUPLES = {(a, b): (a, b) for a in (False, True) for b in (False, True)}
ONE_INPUT_NEEDS_GRAD = (True,)
_META = {}
PAIR_META = {}
ONE_META = object()  # asks shared_meta for the one-input tuple ``(meta,)``


def shared_meta(shape, dtype, wrap=None):
    """One ``(shape, dtype)`` tuple per distinct input shape and dtype (or ``((shape, dtype),)``)."""
    key = (shape, dtype, wrap)
    meta = _META.get(key)
    if meta is None:
        if len(_META) > 4096:  # many distinct shapes (e.g. variable lengths): start again
            _META.clear()
        meta = (shape, dtype) if wrap is None else (shared_meta(shape, dtype),)
        _META[key] = meta
    return meta


def pair_meta(key):
    """``(input_meta, needs_input_grad)`` of a two-argument node, from ``_apply_binary``'s key.

    Per argument the key holds (shape, dtype) when it needs a gradient, else (True, None)
    for a tensor that does not (meta None) or (False, None) for a plain value (meta False).
    """
    metas = []
    for shape, dtype in ((key[0], key[1]), (key[2], key[3])):
        if dtype is not None:
            metas.append(shared_meta(shape, dtype))
        else:
            metas.append(None if shape else False)
    needs = (key[1] is not None, key[3] is not None)
    if len(PAIR_META) > 4096:
        PAIR_META.clear()
    entry = PAIR_META[key] = (tuple(metas), NEEDS_TUPLES[needs])
    return entry


def general_meta(key):
    """``(input_meta, needs_input_grad)`` of a node from ``Function._apply_general``'s key: per argument
    its shape and dtype when it needs a gradient, None for a tensor that does not, False for a plain value."""
    metas = []
    position = 0
    while position < len(key):
        item = key[position]
        if item is None or item is False:
            metas.append(item)
            position += 1
        else:
            metas.append(shared_meta(item, key[position + 1]))
            position += 2
    if len(GENERAL_META) > 4096:
        GENERAL_META.clear()
    entry = GENERAL_META[key] = shared_meta_and_needs(tuple(metas))
    return entry


GENERAL_META = {}


def shared_meta_and_needs(metas):
    """``(input_meta, needs_input_grad)`` of a node from its per-argument metas, both interned."""
    entry = _META_AND_NEEDS.get(metas)
    if entry is None:
        if len(_META_AND_NEEDS) > 4096:
            _META_AND_NEEDS.clear()
        needs = tuple(meta is not None and meta is not False for meta in metas)
        entry = _META_AND_NEEDS[metas] = (metas, NEEDS_TUPLES.setdefault(needs, needs))
    return entry


_META_AND_NEEDS = {}
