"""Random programs mixing views, in-place ops and advanced indexing, checked against numpy.

A program is a list of steps over a pool of tensors: the float64 leaves, then ``leaf * 1``
copies (in-place ops never touch a leaf), then each step adds tensors to the pool or
writes into one in place. Steps are elementwise and broadcasting ops, reductions, views
(slicing with steps, integer select, transpose / permute, view / reshape of contiguous
tensors, unsqueeze / squeeze, narrow, diagonal, expand followed by a sum), advanced
indexing (lists, int + slice + list, bool masks), zero buffers, and in-place ops on views
and on bases (``mul_``, ``add_``, ``clamp_``, ``copy_``, ``t[index] = expr``, ``zero_``,
``fill_``). The result is a weighted sum of every tensor in the pool as it is at the end.

The same steps run twice: with microtensor, and in pure numpy, where views are numpy views
and in-place ops are numpy writes through them (PyTorch's semantics for values; integers in
an index select before the lists and masks apply, as in PyTorch). The forward values, which
pool tensors share memory, and the leaves' gradients (against central differences of the
numpy program) must agree.

The generator follows the rules under which PyTorch raises, so it never emits such a step:
no in-place op on a leaf's memory (leaves and their views), nor on an expanded view (or a
view of one); no in-place op on memory that an op saved for backward; an in-place operand
never shares memory with its target; ``view`` / ``reshape`` only on contiguous tensors;
slice steps are positive; written lists hold distinct positions. Masks and clamp bounds
are constants and values are generic, so the numpy program is smooth where it is sampled.
CI runs ``FUZZ_PROGRAMS`` programs; ``MT_SLOW=1`` runs thousands.
"""
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import as_strided

import microtensor as mt

SLOW = os.environ.get("MT_SLOW") == "1"
FUZZ_PROGRAMS = 2000 if SLOW else 60
MAX_STEPS = 8
MAX_NUMEL = 36
EPS = 1e-6
F64 = mt.float64


# ------------------------------------------------------------------- the ops
# What each op saves for backward, as the union of PyTorch's choice and microtensor's:
# "in0" / "in1" an operand, "out" the result. Memory holding a saved value is never written
# again (PyTorch raises at backward). ``div`` and ``pow`` with a number exponent save no
# output, as in PyTorch (test_writing_into_an_output_that_pytorch_does_not_save).
UNARY = {
    "tanh": (lambda x: x.tanh(), np.tanh, ("out",)),
    "sin": (lambda x: x.sin(), np.sin, ("in0",)),
    "exp_small": (lambda x: (x * 0.3).exp(), lambda a: np.exp(a * 0.3), ("out",)),
    "square": (lambda x: x * x, lambda a: a * a, ("in0",)),
    "log_pos": (lambda x: (x * x + 1.0).log(), lambda a: np.log(a * a + 1.0), ("in0",)),
    "sigmoid": (lambda x: mt.sigmoid(x), lambda a: 1.0 / (1.0 + np.exp(-a)), ("out",)),
    "neg": (lambda x: -x, np.negative, ()),
    "clone": (lambda x: x.clone(), np.copy, ()),
}
BINARY = {
    "add": (lambda a, b: a + b, np.add, ()),
    "sub": (lambda a, b: a - b, np.subtract, ()),
    "mul": (lambda a, b: a * b, np.multiply, ("in0", "in1")),
    "div_safe": (lambda a, b: a / (b * b + 1.0), lambda a, b: a / (b * b + 1.0), ("in0", "in1")),
}
WITH_SCALAR = {
    "mul": (lambda x, c: x * c, lambda a, c: a * c, ()),
    "add": (lambda x, c: x + c, lambda a, c: a + c, ()),
    "rsub": (lambda x, c: c - x, lambda a, c: c - a, ()),
    "div": (lambda x, c: x / c, lambda a, c: a / c, ()),
    "pow2": (lambda x, c: x ** 2.0, lambda a, c: a ** 2.0, ("in0",)),
}
REDUCE = {
    "sum": (lambda x, d, k: x.sum() if d is None else x.sum(dim=d, keepdim=k),
            lambda a, d, k: a.sum(axis=d, keepdims=k), ()),
    "mean": (lambda x, d, k: x.mean() if d is None else x.mean(dim=d, keepdim=k),
             lambda a, d, k: a.mean(axis=d, keepdims=k), ()),
    "prod": (lambda x, d, k: x.prod(dim=d, keepdim=k), lambda a, d, k: a.prod(axis=d, keepdims=k), ("in0", "out")),
    "var": (lambda x, d, k: x.var(dim=d, keepdim=k, unbiased=False), lambda a, d, k: a.var(axis=d, keepdims=k),
            ("in0",)),
    "logsumexp": (lambda x, d, k: mt.logsumexp(x, dim=d, keepdim=k),
                  lambda a, d, k: np.log(np.exp(a).sum(axis=d, keepdims=k)), ("in0", "out")),
    "softmax": (lambda x, d, k: mt.softmax(x, dim=d), lambda a, d, k: np.exp(a) / np.exp(a).sum(axis=d, keepdims=True),
                ("out",)),
}
SCALARS = (-1.5, -0.5, 0.25, 0.75, 1.25, 2.0)
CLAMP_BOUNDS = ((-0.4, 0.6), (None, 0.3), (-0.2, None), (0.1, 0.9))


# ----------------------------------------------------------------- indexing
def mt_index(items):
    """The index as microtensor (and PyTorch) take it: ints, slices, lists, bool tensors."""
    index = []
    for item in items:
        kind = item[0]
        if kind == "int":
            index.append(item[1])
        elif kind == "slice":
            index.append(slice(*item[1:]))
        elif kind == "list":
            index.append(list(item[1]))
        else:
            index.append(mt.tensor(np.array(item[2], dtype=bool).reshape(item[1])))
    return tuple(index)


def np_index(items):
    """PyTorch's two steps for numpy: the ints and slices (a view), then the lists and masks.

    Returns ``(basic, advanced)``; ``advanced`` is None without lists or masks. Each list or
    mask indexes the basic result at the dim its ``:`` left there.
    """
    basic, placed, dim = [], [], 0
    for item in items:
        kind = item[0]
        if kind == "int":
            basic.append(item[1])
        elif kind == "slice":
            basic.append(slice(*item[1:]))
            dim += 1
        elif kind == "list":
            basic.append(slice(None))
            placed.append((dim, np.array(item[1], dtype=np.int64)))
            dim += 1
        else:
            mask = np.array(item[2], dtype=bool).reshape(item[1])
            basic.extend([slice(None)] * mask.ndim)
            placed.append((dim, mask))
            dim += mask.ndim
    basic.append(Ellipsis)  # a full integer index gives a 0-d view, not a numpy scalar
    if not placed:
        return tuple(basic), None
    advanced, cursor = [], 0
    for position, array in placed:
        advanced.extend([slice(None)] * (position - cursor))
        advanced.append(array)
        cursor = position + (array.ndim if array.dtype == bool else 1)
    return tuple(basic), tuple(advanced)


def np_take(a, items):
    basic, advanced = np_index(items)
    view = a[basic]
    return view if advanced is None else np.array(view[advanced])


def np_put(a, items, value):
    basic, advanced = np_index(items)
    view = a[basic]
    view[... if advanced is None else advanced] = value


def np_diagonal(a, offset, dim1, dim2):
    """A writable view of ``np.diagonal(a, offset, dim1, dim2)`` (numpy's own is read-only)."""
    moved = np.moveaxis(a, (dim1, dim2), (-2, -1))
    moved = moved[..., :, offset:] if offset >= 0 else moved[..., -offset:, :]
    length = max(min(moved.shape[-2], moved.shape[-1]), 0)
    strides = moved.strides[:-2] + (moved.strides[-2] + moved.strides[-1],)
    view = as_strided(moved, moved.shape[:-2] + (length,), strides)
    np.testing.assert_array_equal(view, np.diagonal(a, offset, dim1, dim2))
    return view


# ------------------------------------------------------------- the two runs
def _view_mt(x, name, args):
    if name == "index":
        return x[mt_index(args)]
    if name == "select":
        return x.select(*args)
    if name == "transpose":
        return x.transpose(*args)
    if name == "permute":
        return x.permute(*args)
    if name == "view":
        return x.view(*args)
    if name == "reshape":
        return x.reshape(*args)
    if name == "unsqueeze":
        return x.unsqueeze(*args)
    if name == "squeeze":
        return x.squeeze(*args)
    if name == "narrow":
        return x.narrow(*args)
    if name == "diagonal":
        return x.diagonal(*args)
    raise AssertionError(name)


def _view_np(a, name, args):
    if name == "index":
        return np_take(a, args)
    if name == "select":
        dim, index = args
        return a[(slice(None),) * dim + (index, Ellipsis)]
    if name == "transpose":
        return np.swapaxes(a, *args)
    if name == "permute":
        return np.transpose(a, args)
    if name in ("view", "reshape"):
        out = a.reshape(args)
        assert np.shares_memory(out, a) or out.size == 0
        return out
    if name == "unsqueeze":
        return np.expand_dims(a, args[0])
    if name == "squeeze":
        return np.squeeze(a, axis=args[0])
    if name == "narrow":
        dim, start, length = args
        return a[(slice(None),) * dim + (slice(start, start + length), Ellipsis)]
    if name == "diagonal":
        return np_diagonal(a, *args)
    raise AssertionError(name)


def _inplace_mt(pool, target, name, args):
    t = pool[target]
    if name == "mul_":
        t.mul_(_operand(pool, args[0]))
    elif name == "add_":
        t.add_(_operand(pool, args[0]), alpha=args[1])
    elif name == "clamp_":
        t.clamp_(*args)
    elif name == "copy_":
        t.copy_(pool[args[0]])
    elif name == "setitem":
        items, value = args
        t[mt_index(items)] = _value(pool, value)
    elif name == "zero_":
        t.zero_()
    elif name == "fill_":
        t.fill_(args[0])
    else:
        raise AssertionError(name)


def _inplace_np(pool, target, name, args):
    a = pool[target]
    if name == "mul_":
        a *= _operand(pool, args[0])
    elif name == "add_":
        a += _operand(pool, args[0]) * args[1]
    elif name == "clamp_":
        np.clip(a, *args, out=a)
    elif name == "copy_":
        a[...] = pool[args[0]]
    elif name == "setitem":
        items, value = args
        np_put(a, items, _value(pool, value))
    elif name == "zero_":
        a[...] = 0.0
    elif name == "fill_":
        a[...] = args[0]
    else:
        raise AssertionError(name)


def _operand(pool, operand):
    """An in-place op's other operand: a number, or a pool entry (Tensor or array alike)."""
    return operand[1] if operand[0] == "number" else pool[operand[1]]


def _value(pool, value):
    """What ``t[index] = value`` writes: a number, or a new result computed from a pool entry."""
    kind = value[0]
    if kind == "number":
        return value[1]
    if kind == "scaled":
        return pool[value[1]] * value[2]
    return pool[value[1]].sum() * value[2]


def run_mt(step, pool):
    """Apply one step to a pool of microtensor tensors; returns the tensors it adds."""
    kind = step[0]
    if kind == "copy":
        return [pool[step[1]] * 1]
    if kind == "buffer":
        return [mt.zeros(step[1], dtype=F64)]
    if kind == "unary":
        return [UNARY[step[1]][0](pool[step[2]])]
    if kind == "binary":
        return [BINARY[step[1]][0](pool[step[2]], pool[step[3]])]
    if kind == "scalar":
        return [WITH_SCALAR[step[1]][0](pool[step[2]], step[3])]
    if kind == "reduce":
        return [REDUCE[step[1]][0](pool[step[2]], step[3], step[4])]
    if kind == "view":
        return [_view_mt(pool[step[2]], step[1], step[3])]
    if kind == "expand":
        expanded = pool[step[1]].expand(*step[2])
        return [expanded, expanded.sum(dim=step[3])]
    if kind == "inplace":
        _inplace_mt(pool, step[2], step[1], step[3])
        return []
    raise AssertionError(kind)


def _fresh(value):
    """A result in memory of its own (numpy hands back scalars for 0-d results)."""
    return np.array(value, dtype=np.float64)


def run_np(step, pool):
    """Apply one step to a pool of numpy arrays (views are numpy views); returns the arrays it adds."""
    kind = step[0]
    if kind == "copy":
        return [_fresh(pool[step[1]] * 1)]
    if kind == "buffer":
        return [np.zeros(step[1])]
    if kind == "unary":
        return [_fresh(UNARY[step[1]][1](pool[step[2]]))]
    if kind == "binary":
        return [_fresh(BINARY[step[1]][1](pool[step[2]], pool[step[3]]))]
    if kind == "scalar":
        return [_fresh(WITH_SCALAR[step[1]][1](pool[step[2]], step[3]))]
    if kind == "reduce":
        return [_fresh(REDUCE[step[1]][1](pool[step[2]], step[3], step[4]))]
    if kind == "view":
        return [_view_np(pool[step[2]], step[1], step[3])]
    if kind == "expand":
        expanded = np.broadcast_to(pool[step[1]], step[2])
        return [expanded, _fresh(expanded.sum(axis=step[3]))]
    if kind == "inplace":
        _inplace_np(pool, step[2], step[1], step[3])
        return []
    raise AssertionError(kind)


def numpy_program(leaves, steps, weights):
    """The pool at the end and the weighted sum, computed in numpy from copies of the leaves."""
    pool = [np.array(leaf, dtype=np.float64) for leaf in leaves]
    for step in steps:
        pool.extend(run_np(step, pool))
    return pool, sum(float(a.sum()) * w for a, w in zip(pool, weights))


def mt_program(leaves, steps, weights):
    pool = list(leaves)
    for step in steps:
        pool.extend(run_mt(step, pool))
    loss = mt.tensor(0.0, dtype=F64)
    for tensor, weight in zip(pool, weights):
        loss = loss + tensor.sum() * weight
    return pool, loss


def central_differences(leaves, steps, weights):
    grads = []
    for k, leaf in enumerate(leaves):
        grad = np.zeros_like(leaf)
        for index in np.ndindex(leaf.shape):
            shifted = [np.array(a, dtype=np.float64) for a in leaves]
            shifted[k][index] = leaf[index] + EPS
            up = numpy_program(shifted, steps, weights)[1]
            shifted[k][index] = leaf[index] - EPS
            down = numpy_program(shifted, steps, weights)[1]
            grad[index] = (up - down) / (2 * EPS)
        grads.append(grad)
    return grads


# ------------------------------------------------------------- the generator
class Shadow:
    """The numpy pool while a program is drawn, and what PyTorch allows on each entry.

    ``storage[k]``: which memory entry k lives in (views share their base's); leaf memory is
    never written; ``frozen`` holds memory an op saved for backward; ``expanded[k]``: entry k
    is an expanded view or a view of one.
    """

    def __init__(self, leaves):
        self.pool = [np.array(leaf) for leaf in leaves]
        self.storage = list(range(len(leaves)))
        self.expanded = [False] * len(leaves)
        self.leaf_storage = set(self.storage)
        self.frozen = set()
        self.steps = []

    def _new_storage(self):
        return max(self.storage) + 1

    def writable(self):
        """Entries an in-place op may write into: those sharing memory with others first (views, bases)."""
        targets = [k for k in range(len(self.pool)) if self.storage[k] not in self.leaf_storage
                   and self.storage[k] not in self.frozen and not self.expanded[k]]
        return sorted(targets, key=lambda k: (self.storage.count(self.storage[k]) == 1, -k))

    def preferred(self, candidates=None):
        """``candidates`` (default: the whole pool), entries in writable memory first, the newest first,
        since hypothesis draws the first entries most: views of them can be written through later."""
        candidates = range(len(self.pool)) if candidates is None else candidates
        return sorted(candidates, key=lambda k: (self.storage[k] in self.leaf_storage, -k))

    def apply(self, step, saves=(), operands=()):
        """Run ``step`` on the shadow pool and record what it makes and what it saves."""
        before = len(self.pool)
        added = run_np(step, self.pool)
        self.pool.extend(added)
        kind = step[0]
        for offset, array in enumerate(added):
            if kind == "view" and not (step[1] == "index" and np_index(step[3])[1] is not None):
                source = step[2]
                self.storage.append(self.storage[source])
                self.expanded.append(self.expanded[source])
            elif kind == "expand" and offset == 0:
                self.storage.append(self.storage[step[1]])
                self.expanded.append(True)
            else:
                self.storage.append(self._new_storage())
                self.expanded.append(False)
        for saved in saves:
            if saved == "out":
                self.frozen.update(self.storage[before:])
            else:
                self.frozen.add(self.storage[operands[int(saved[2:])]])
        self.steps.append(step)


def _shape_ok(shape):
    return len(shape) <= 3 and int(np.prod(shape, dtype=np.int64)) <= MAX_NUMEL


def _broadcast(a, b):
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        return None


def _fits(shape, target):
    """``shape`` broadcasts to ``target`` without changing it (an in-place operand)."""
    return len(shape) <= len(target) and _broadcast(shape, target) == tuple(target)


def _draw_slice(draw, size):
    start = draw(st.integers(0, size - 1))
    stop = size - draw(st.integers(0, size - start - 1))
    step = draw(st.sampled_from([1, 1, 2, 3]))
    start_form = draw(st.sampled_from([start, start - size])) if start else draw(st.sampled_from([0, None]))
    stop_form = draw(st.sampled_from([stop, None])) if stop == size else draw(st.sampled_from([stop, stop - size]))
    return ("slice", start_form, stop_form, step)


def _draw_int(draw, size):
    position = draw(st.integers(0, size - 1))
    return ("int", draw(st.sampled_from([position, position - size])))


def _draw_mask(draw, shape):
    flat = draw(st.lists(st.booleans(), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    if not any(flat):
        flat[draw(st.integers(0, len(flat) - 1))] = True
    return ("mask", tuple(shape), tuple(flat))


def draw_basic_items(draw, shape):
    """Ints and slices (positive steps) for a leading run of dims: a view."""
    items = []
    for size in shape[:draw(st.integers(1, len(shape)))]:
        items.append(_draw_int(draw, size) if draw(st.integers(0, 2)) == 0 else _draw_slice(draw, size))
    return tuple(items)


def draw_advanced_items(draw, shape, for_writing):
    """A leading run of ints, slices and lists, or ints and slices around one bool mask.

    Lists have one length so that they broadcast; an index to write through has at most one
    list, of distinct positions (repeated positions would make the written value ambiguous).
    """
    pattern = draw(st.sampled_from(["int_slice_list", "lists", "mask"]))
    if pattern == "int_slice_list" and len(shape) >= 3:  # numpy would put the list's dim first
        positions = draw(st.permutations(range(shape[2])))[:shape[2] - draw(st.integers(0, shape[2] - 1))]
        return (_draw_int(draw, shape[0]), _draw_slice(draw, shape[1]), ("list", tuple(positions)))
    if pattern == "mask":
        lead = draw(st.integers(0, len(shape) - 1))
        items = [_draw_slice(draw, shape[d]) if draw(st.booleans()) else _draw_int(draw, shape[d]) for d in range(lead)]
        width = draw(st.integers(1, min(2, len(shape) - lead)))
        items.append(_draw_mask(draw, shape[lead:lead + width]))
        return tuple(items)
    count = draw(st.integers(1, len(shape)))
    list_dims = {draw(st.integers(0, count - 1))}
    if not for_writing and count > 1 and draw(st.booleans()):
        list_dims.add(draw(st.integers(0, count - 1)))
    length = draw(st.integers(1, 3))
    items = []
    for d in range(count):
        size = shape[d]
        if d in list_dims:
            if for_writing:
                positions = draw(st.permutations(range(size)))[:min(length, size)]
            else:
                positions = draw(st.lists(st.integers(0, size - 1), min_size=length, max_size=length))
            items.append(("list", tuple(p - size if draw(st.booleans()) else p for p in positions)))
        elif draw(st.booleans()):
            items.append(_draw_int(draw, size))
        else:
            items.append(_draw_slice(draw, size))
    return tuple(items)


def draw_view(draw, shadow, k=None):
    if k is None:
        k = draw(st.sampled_from(shadow.preferred()))
    a = shadow.pool[k]
    shape, ndim = a.shape, a.ndim
    names = ["unsqueeze"] if ndim < 3 else []
    if ndim:
        names = ["index", "index", "select", "narrow"] + names
    if ndim >= 2:
        names += ["transpose", "permute", "diagonal"]
    if 1 in shape:
        names.append("squeeze")
    if a.flags.c_contiguous and a.size:
        names += ["view", "reshape"]
    name = draw(st.sampled_from(names))
    if name == "index":
        args = draw_basic_items(draw, shape)
    elif name == "select":
        dim = draw(st.integers(0, ndim - 1))
        args = (dim, _draw_int(draw, shape[dim])[1])
    elif name == "transpose":
        args = tuple(draw(st.lists(st.integers(-ndim, ndim - 1), min_size=2, max_size=2)))
    elif name == "permute":
        args = tuple(draw(st.permutations(range(ndim))))
    elif name in ("view", "reshape"):
        args = draw(st.sampled_from(_reshapes(shape)))
    elif name == "unsqueeze":
        args = (draw(st.integers(-ndim - 1, ndim)),)
    elif name == "squeeze":
        args = (draw(st.sampled_from([d for d, size in enumerate(shape) if size == 1])),)
    elif name == "narrow":
        dim = draw(st.integers(0, ndim - 1))
        start = draw(st.integers(0, shape[dim] - 1))
        args = (dim, start, shape[dim] - start - draw(st.integers(0, shape[dim] - start - 1)))
    else:
        dim1, dim2 = draw(st.permutations(range(ndim)))[:2]
        args = (draw(st.integers(-shape[dim1] + 1, shape[dim2] - 1)), dim1, dim2)
    return ("view", name, k, args), (), ()


def _reshapes(shape):
    """Shapes with the same number of elements, up to 3 dims (one may be written -1)."""
    n = int(np.prod(shape))
    shapes = [(n,), (-1,)]
    for first in range(1, n + 1):
        if n % first == 0:
            shapes.append((first, n // first))
            shapes.append((first, -1))
            for second in range(1, n // first + 1):
                if (n // first) % second == 0:
                    shapes.append((first, second, n // first // second))
    return shapes


def draw_expand(draw, shadow):
    candidates = [k for k, a in enumerate(shadow.pool) if a.ndim < 3 or 1 in a.shape]
    if not candidates:
        return None
    k = draw(st.sampled_from(shadow.preferred(candidates)))
    shape = shadow.pool[k].shape
    lead = draw(st.sampled_from([(2,), ()])) if len(shape) < 3 else ()
    target = lead + tuple(draw(st.sampled_from([2, 3, 1])) if size == 1 else size for size in shape)
    grown = [d for d in range(len(target)) if d < len(lead) or target[d] != shape[d - len(lead)]]
    if not grown or not _shape_ok(target):
        return None
    dims = tuple(d for d in grown[1:] if draw(st.booleans())) + (grown[0],)
    return ("expand", k, target, dims), (), ()


def draw_index(draw, shadow):
    candidates = [k for k, a in enumerate(shadow.pool) if a.ndim and a.size]
    candidates = sorted(shadow.preferred(candidates), key=lambda k: -shadow.pool[k].ndim)
    k = draw(st.sampled_from(candidates))  # the most dims first: more ways to mix ints, slices and lists
    items = draw_advanced_items(draw, shadow.pool[k].shape, for_writing=False)
    if not _shape_ok(np_take(shadow.pool[k], items).shape):
        return None
    return ("view", "index", k, items), (), ()


def draw_elementwise(draw, shadow):
    family = draw(st.sampled_from(["unary", "binary", "binary", "scalar"]))
    k = draw(st.sampled_from(shadow.preferred()))
    if family == "unary":
        name = draw(st.sampled_from(sorted(UNARY)))
        return ("unary", name, k), UNARY[name][2], (k,)
    if family == "scalar":
        name = draw(st.sampled_from(sorted(WITH_SCALAR)))
        return ("scalar", name, k, draw(st.sampled_from(SCALARS))), WITH_SCALAR[name][2], (k,)
    shape = shadow.pool[k].shape
    partners = shadow.preferred(
        [j for j, a in enumerate(shadow.pool) if (s := _broadcast(shape, a.shape)) is not None and _shape_ok(s)]
    )
    j = draw(st.sampled_from(partners))
    i, j = (k, j) if draw(st.booleans()) else (j, k)
    name = draw(st.sampled_from(sorted(BINARY)))
    return ("binary", name, i, j), BINARY[name][2], (i, j)


def draw_reduce(draw, shadow):
    k = draw(st.sampled_from(shadow.preferred([k for k, a in enumerate(shadow.pool) if a.ndim and a.size])))
    ndim = shadow.pool[k].ndim
    name = draw(st.sampled_from(sorted(REDUCE)))
    dim = draw(st.integers(-ndim, ndim - 1))
    if name in ("sum", "mean") and draw(st.booleans()):
        dim = None
    keepdim = draw(st.booleans()) if dim is not None else False
    return ("reduce", name, k, dim, keepdim), REDUCE[name][2], (k,)


def draw_buffer(draw, shadow):
    k = draw(st.integers(0, len(shadow.pool) - 1))
    return ("buffer", shadow.pool[k].shape), (), ()


def draw_inplace(draw, shadow, t=None):
    if t is None:
        targets = shadow.writable()
        if not targets:
            return None
        t = draw(st.sampled_from(targets))
    target = shadow.pool[t]
    operands = shadow.preferred([
        j for j, a in enumerate(shadow.pool)
        if shadow.storage[j] != shadow.storage[t] and _fits(a.shape, target.shape)
    ])
    names = ["mul_", "add_", "clamp_", "zero_", "fill_"]
    if operands:
        names.append("copy_")
    if target.ndim and target.size:
        names += ["setitem", "setitem"]
    name = draw(st.sampled_from(names))
    if name in ("mul_", "add_"):
        if operands and draw(st.booleans()):
            j = draw(st.sampled_from(operands))
            args = (("tensor", j),) + ((draw(st.sampled_from([1, 0.5, -2.0])),) if name == "add_" else ())
            saves = (("in1", "in0") if name == "mul_" else ())  # mul_ keeps its operand and its target's old values
            return ("inplace", name, t, args), saves, (t, j)
        args = (("number", draw(st.sampled_from(SCALARS))),) + ((1,) if name == "add_" else ())
        return ("inplace", name, t, args), (), ()
    if name == "clamp_":
        return ("inplace", name, t, draw(st.sampled_from(CLAMP_BOUNDS))), ("in0",), (t,)
    if name == "copy_":
        return ("inplace", name, t, (draw(st.sampled_from(operands)),)), (), ()
    if name == "zero_":
        return ("inplace", name, t, ()), (), ()
    if name == "fill_":
        return ("inplace", name, t, (draw(st.sampled_from(SCALARS)),)), (), ()
    if draw(st.integers(0, 2)) == 0:
        items = draw_basic_items(draw, target.shape)
    else:
        items = draw_advanced_items(draw, target.shape, for_writing=True)
    region = np_take(target, items).shape
    sources = shadow.preferred([j for j, a in enumerate(shadow.pool) if _fits(a.shape, region)])
    form = draw(st.sampled_from(["number", "sum"] + (["scaled", "scaled"] if sources else [])))
    if form == "number":
        value = ("number", draw(st.sampled_from(SCALARS)))
    elif form == "sum":
        value = ("sum", draw(st.sampled_from(shadow.preferred())), draw(st.sampled_from(SCALARS)))
    else:
        value = ("scaled", draw(st.sampled_from(sources)), draw(st.sampled_from(SCALARS)))
    return ("inplace", "setitem", t, (items, value)), (), ()


DRAWERS = {
    "elementwise": draw_elementwise,
    "reduce": draw_reduce,
    "view": draw_view,
    "expand": draw_expand,
    "index": draw_index,
    "buffer": draw_buffer,
    "inplace": draw_inplace,
}
FAMILIES = ["inplace", "view", "index", "inplace", "elementwise", "view", "index", "inplace", "reduce", "view",
            "expand", "elementwise", "buffer", "inplace"]


def _view_of_a_copy(draw, shadow):
    return draw_view(draw, shadow, k=draw(st.integers(len(shadow.leaf_storage), 2 * len(shadow.leaf_storage) - 1)))


def _write_the_newest(draw, shadow):
    return draw_inplace(draw, shadow, t=len(shadow.pool) - 1)


def _write_the_base_of_the_newest(draw, shadow):
    return draw_inplace(draw, shadow, t=shadow.storage.index(shadow.storage[-1]))


# Openings that make the interactions of views and in-place ops likely in a short program:
# write through a fresh view of a copy, write its base while the view lives, fill a buffer.
MOTIFS = {
    "write_view": (_view_of_a_copy, _write_the_newest),
    "write_base": (_view_of_a_copy, _write_the_base_of_the_newest),
    "buffer": (draw_buffer, _write_the_newest),
    "none": (),
}


@st.composite
def programs(draw):
    ndim = draw(st.sampled_from([3, 2, 1]))
    base = tuple(draw(st.lists(st.integers(1, 5 if ndim < 3 else 3), min_size=ndim, max_size=ndim)))
    shapes = [base]
    for _ in range(draw(st.integers(0, 2))):  # more leaves, broadcastable against the first
        drop = draw(st.integers(0, ndim - 1))
        shapes.append(tuple(1 if draw(st.integers(0, 3)) == 0 else size for size in base[drop:]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    leaves = [rng.uniform(-1.5, 1.5, shape) for shape in shapes]
    shadow = Shadow(leaves)
    for k in range(len(leaves)):
        shadow.apply(("copy", k))
    motif = draw(st.sampled_from(list(MOTIFS)))
    for make in MOTIFS[motif]:
        made = make(draw, shadow)
        if made is None:
            break
        shadow.apply(*made)
    for _ in range(draw(st.integers(1, MAX_STEPS - len(MOTIFS[motif])))):
        made = DRAWERS[draw(st.sampled_from(FAMILIES))](draw, shadow)
        shadow.apply(*(made or draw_elementwise(draw, shadow)))  # elementwise steps always apply
    weights = rng.uniform(0.5, 2.0, len(shadow.pool)).round(3).tolist()
    return leaves, shadow.steps, weights


# ------------------------------------------------------------------ the test
def _check(leaves, steps, weights):
    expected_pool, expected_loss = numpy_program(leaves, steps, weights)
    leaf_tensors = [mt.tensor(leaf, dtype=F64, requires_grad=True) for leaf in leaves]
    pool, loss = mt_program(leaf_tensors, steps, weights)
    assert len(pool) == len(expected_pool)
    values = [tensor.detach().numpy() for tensor in pool]
    for k, (value, expected) in enumerate(zip(values, expected_pool)):
        assert value.shape == expected.shape, f"pool[{k}]: shape {value.shape}, numpy {expected.shape}"
        np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12, err_msg=f"pool[{k}]")
    for i in range(len(pool)):
        for j in range(i):
            shared = np.shares_memory(values[i], values[j])
            expected = np.shares_memory(expected_pool[i], expected_pool[j])
            assert shared == expected, f"pool[{i}] and pool[{j}] share memory: {shared}, in numpy: {expected}"
    np.testing.assert_allclose(loss.item(), expected_loss, rtol=1e-12, atol=1e-12)
    loss.backward()
    for k, (leaf, numeric) in enumerate(zip(leaf_tensors, central_differences(leaves, steps, weights))):
        assert leaf.grad is not None, f"leaf {k} got no gradient"
        scale = 1.0 + np.abs(numeric).max()
        np.testing.assert_allclose(leaf.grad.numpy(), numeric, rtol=1e-5, atol=1e-6 * scale, err_msg=f"leaf {k}")


@pytest.mark.slow
@settings(max_examples=FUZZ_PROGRAMS, deadline=None)
@given(programs())
def test_random_view_programs_match_numpy(program):
    _check(*program)


OUTPUTS_PYTORCH_DOES_NOT_SAVE = [
    # (name, y = op(x, b), the gradients of sum(3 y) w.r.t. x and b in numpy)
    ("div", lambda x, b: x / b, lambda x, b: (3 / b, -3 * x / b**2)),
    ("pow_number", lambda x, b: x ** 2.0, lambda x, b: (6 * x, None)),
]


@pytest.mark.parametrize("name, op, grads", OUTPUTS_PYTORCH_DOES_NOT_SAVE,
                         ids=[c[0] for c in OUTPUTS_PYTORCH_DOES_NOT_SAVE])
def test_writing_into_an_output_that_pytorch_does_not_save(name, op, grads):
    x0, b0 = np.array([0.5, -1.25, 2.0]), np.array([1.5, 2.5, -0.75])
    x = mt.tensor(x0, dtype=F64, requires_grad=True)
    b = mt.tensor(b0, dtype=F64, requires_grad=True)
    y = op(x, b)
    y.mul_(3)
    y.sum().backward()
    expected_x, expected_b = grads(x0, b0)
    np.testing.assert_allclose(x.grad.numpy(), expected_x, rtol=1e-12)
    if expected_b is None:
        assert b.grad is None
    else:
        np.testing.assert_allclose(b.grad.numpy(), expected_b, rtol=1e-12)
