"""``Function.apply``'s unrolled fast paths build exactly the node its general path builds.

``apply`` sends a built-in op (``numpy_level = True``, not a view op) called with one or
two positional arguments to ``_apply_unary`` / ``_apply_binary`` instead of
``_apply_general``. Every such op class defined in ``microtensor.ops.*`` and
``microtensor.nn.*`` is found by walking those packages; a table below gives each one
representative arguments. For every argument set and every way of requiring grad (none,
each tensor alone, all of them, non-leaf inputs, a stale view of a base modified in place,
``no_grad``, ``detect_anomaly``), both paths run on the same inputs and must agree on:

* the output: values, dtype, ``requires_grad``, ``_view``, ``_output_nr``, node class;
* the node: ``inputs`` (each entry the same object), ``input_meta``, ``needs_input_grad``,
  every saved record field by field (same array or equal arrays, same source, same version
  counter object, same version) and the facts forward kept on ``ctx``;
* the gradients that reach the leaves for one upstream gradient.

A new op class that the fast paths can take fails ``test_every_fast_path_op_is_in_the_table``
until it gets a row (or a reasoned entry in ``SKIPPED``).
"""
import contextlib
import importlib
import inspect
import itertools
import pkgutil

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn
import microtensor.ops
from microtensor.nn._pad_op import _source_positions
from microtensor.nn._adaptive_pool_ops import AdaptiveGeometry
from microtensor.nn._pool_windows import _pool_plan
from microtensor.ops.gather_scatter import positions_along as _along
from microtensor.autograd.function import Function
from microtensor.autograd.outputs import edge_of
from microtensor.autograd.saved import CONSTANT as _CONSTANT, OUTPUT as _OUTPUT



# ---------------------------------------------------------------- discovery
def _fast_path_arities(cls):
    """The numbers of positional arguments (1 or 2) with which ``apply`` can send ``cls`` to a fast path."""
    parameters = list(inspect.signature(cls.forward).parameters.values())[1:]  # drop ctx
    kind = inspect.Parameter
    if any(p.kind is kind.KEYWORD_ONLY and p.default is p.empty for p in parameters):
        return ()  # always called with keywords: the general path
    positional = [p for p in parameters if p.kind in (kind.POSITIONAL_ONLY, kind.POSITIONAL_OR_KEYWORD)]
    required = sum(1 for p in positional if p.default is p.empty)
    varargs = any(p.kind is kind.VAR_POSITIONAL for p in parameters)
    return tuple(n for n in (1, 2) if required <= n and (n <= len(positional) or varargs))


def _discover():
    """Name -> class of every built-in op class that ``apply`` can route to a fast path."""
    found = {}
    for package in (microtensor.ops, microtensor.nn, microtensor.autograd):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for obj in vars(module).values():
                if not (inspect.isclass(obj) and issubclass(obj, Function) and obj.__module__ == module.__name__):
                    continue
                if obj.forward is Function.forward:  # built by hand, never applied (CopySlices)
                    continue
                if obj.numpy_level and obj.view_of is None and _fast_path_arities(obj):
                    name = obj.__name__
                    assert name not in found or found[name] is obj, f"two op classes named {name}"
                    found[name] = obj
    return found


DISCOVERED = _discover()


# ------------------------------------------------------------ argument table
class T:
    """A tensor argument: values in [low, high] of a shape and dtype, optionally non-contiguous."""

    def __init__(self, shape, low=-2.0, high=2.0, dtype=np.float64, transposed=False):
        self.shape, self.low, self.high, self.dtype, self.transposed = tuple(shape), low, high, dtype, transposed

    def values(self, rng):
        if self.transposed:
            return np.ascontiguousarray(rng.uniform(self.low, self.high, self.shape[::-1]).astype(self.dtype)).T
        return rng.uniform(self.low, self.high, self.shape).astype(self.dtype)

    def __repr__(self):
        return f"T{self.shape}{'' if self.dtype is np.float64 else np.dtype(self.dtype).name}"


class SPD(T):
    """A tensor argument of symmetric positive-definite matrices (M M^T + n I), for Cholesky."""

    def values(self, rng):
        m = rng.uniform(self.low, self.high, self.shape)
        spd = (m @ np.swapaxes(m, -1, -2) + self.shape[-1] * np.eye(self.shape[-1])).astype(self.dtype)
        return np.ascontiguousarray(spd).T if self.transposed else spd


SAME = "same tensor as the first argument"  # x op x: one tensor in both positions


def _unary(low=-2.0, high=2.0):
    return [
        (T((2, 3), low, high),),
        (T((), low, high),),  # numpy hands back a scalar for 0-d: the paths must wrap it alike
        (T((4,), low, high, np.float32),),
        (T((), low, high, np.float32),),
        (T((), low, high, np.float16),),
        (T((3, 2), low, high, transposed=True),),
    ]


def _binary(a=(-2.0, 2.0), b=(-2.0, 2.0)):
    return [
        (T((2, 3), *a), T((3,), *b)),
        (T((2, 1), *a), T((1, 3), *b)),
        (T((), *a), T((), *b)),
        (T((3,), *a, dtype=np.float32), T((2, 3), *b, dtype=np.float32)),
        (T((2, 3), *a), 1.5),
        (T((2, 3), *a), 2),
        (T((3,), *a, dtype=np.float32), 0.75),
        (1.5, T((2, 3), *b)),
        (T((2, 2), *a), SAME),
    ]


def _square_matrices():
    """(..., n, n) arguments for inverse and determinants (uniform entries: invertible almost surely)."""
    return [(T((2, 2)),), (T((2, 3, 3)),), (T((3, 3), dtype=np.float32),), (T((3, 3), transposed=True),)]


POSITIVE = (0.5, 2.0)
_INDEX = np.array([[0, 2], [1, 1]])
_PLANE_INDEX = np.array([[[[0, 5], [10, 15]], [[3, 3], [12, 1]]]])  # positions in each 4x4 plane
_ADAPTIVE = AdaptiveGeometry((4, 4), (2, 3))
CASES = {
    "NumpyCall": [(np.isnan, T((2, 3))), (np.logical_not, T((3,))), (np.isfinite, T(()))],  # as compile records it
    "ReLU": _unary(),
    "Sigmoid": _unary(),
    "Tanh": _unary(),
    "NormalCdf": _unary(),
    "Gelu": _unary(),
    "GeluTanh": _unary(),
    "Neg": _unary(),
    "Exp": _unary(),
    "Log": _unary(*POSITIVE),
    "Sqrt": _unary(*POSITIVE),
    "Abs": _unary(),
    "Sin": _unary(),
    "Cos": _unary(),
    "Sign": _unary(),
    "Square": _unary(),
    "Reciprocal": _unary(*POSITIVE),
    "Clone": _unary(),
    "Contiguous": [(T((3, 2), transposed=True),), (T((2, 4), dtype=np.float32, transposed=True),)],
    "LeakyReLU": [(T((2, 3)), 0.01), (T(()), 0.2), (T((4,), dtype=np.float32), 0.1)],
    "Silu": _unary(),
    "Selu": _unary(),
    "Mish": _unary(),
    "Elu": [(T((2, 3)), 1.0), (T(()), 0.5), (T((4,), dtype=np.float32), 1.0), (T((3, 2), transposed=True), 0.3)],
    "ZeroDerivativeLink": [(T((2, 3)), T((2, 3))), (T(()), T((4,))), (T((3,), dtype=np.float32), T((3,), dtype=np.float32))],
    "ZeroRegion": [(T((2, 3)), np.array([[True, False, True], [False, False, True]])), (T((3,), dtype=np.float32), np.array([False, True, False]))],
    "Hardtanh": [(T((2, 3)), (-1.0, 1.0)), (T(()), (0, 6)), (T((4,), dtype=np.float32), (-0.5, 2.0))],
    "Hardswish": _unary(-4.0, 4.0),
    "Ldexp": [(T((2, 3)), np.array([[1, -2, 0], [3, 0, -1]])), (T((), dtype=np.float32), np.array(2)),
              (T((3,), dtype=np.float32), np.array([0, 5, -5]))],
    "Hardshrink": [(T((2, 3)), 0.3), (T(()), 0.1), (T((4,), dtype=np.float32), 0.5)],
    "Softshrink": [(T((2, 3)), 0.3), (T(()), 0.1), (T((4,), dtype=np.float32), 0.5)],
    "Prelu": [(T((2, 3)), T(())), (T((2, 3, 4)), T((3, 1))), (T((3,), dtype=np.float32), T((), dtype=np.float32))],
    "Add": _binary(),
    "Sub": _binary(),
    "Mul": _binary(),
    "Div": _binary(b=POSITIVE),
    "Pow": _binary(a=POSITIVE),
    "Maximum": _binary(),
    "Minimum": _binary(),
    "Remainder": _binary(b=POSITIVE),
    "Tan": _unary(-1.0, 1.0), "Asin": _unary(-0.9, 0.9), "Acos": _unary(-0.9, 0.9), "Atan": _unary(),
    "Sinh": _unary(), "Cosh": _unary(), "Asinh": _unary(), "Acosh": _unary(1.2, 3.0), "Atanh": _unary(-0.9, 0.9),
    "Atan2": _binary(b=POSITIVE), "Hypot": _binary(a=POSITIVE),
    "Erf": _unary(), "Erfc": _unary(), "Rsqrt": _unary(*POSITIVE),
    "Logit": [(T((2, 3), 0.1, 0.9), None), (T((2, 3), 0.1, 0.9), 0.2), (T((4,), 0.1, 0.9, np.float32), None)],
    "Xlogy": _binary(a=POSITIVE, b=POSITIVE), "LogAddExp": _binary(), "LogAddExp2": _binary(),
    "Fmod": _binary(b=POSITIVE),
    "Lgamma": _unary(*POSITIVE), "Digamma": _unary(*POSITIVE),
    "Polygamma": [(1, T((2, 3), *POSITIVE)), (2, T((), *POSITIVE)), (1, T((4,), *POSITIVE, dtype=np.float32))],
    "Erfinv": _unary(-0.9, 0.9), "I0": _unary(), "I1": _unary(), "Sinc": _unary(), "Mantissa": _unary(),
    "Xlog1py": _binary(b=POSITIVE), "Entr": _unary(*POSITIVE), "Ndtr": _unary(), "Ndtri": _unary(0.1, 0.9), "LogNdtr": _unary(),
    "Copysign": _binary(), "Fmax": _binary(), "Fmin": _binary(), "Nextafter": _binary(),
    "FloorDivide": _binary(b=POSITIVE),
    "DivTrunc": _binary(b=POSITIVE),
    "DivFloor": _binary(b=POSITIVE),
    "MatMul": [
        (T((2, 3)), T((3, 4))),
        (T((3,)), T((3,))),
        (T((3,)), T((3, 2))),
        (T((2, 3)), T((3,))),
        (T((2, 2, 3)), T((3, 2))),
        (T((2, 3), dtype=np.float32), T((3, 2), dtype=np.float32)),
        (T((2, 2)), SAME),
    ],
    "Linear": [
        (T((4, 3)), T((2, 3))),
        (T((3,)), T((2, 3))),
        (T((2, 2, 3), dtype=np.float32), T((2, 3), dtype=np.float32)),
    ],
    "Cast": [
        (T((2, 3)), np.dtype(np.float32)),
        (T((), dtype=np.float32), np.dtype(np.float64)),
        (T((2, 3)), np.dtype(np.float64)),
        (T((2, 3)), np.dtype(np.int64)),  # an integer result: no node at all on either path
    ],
    "FullLikeValue": [(T((2, 3)), 1.5), (T((2, 3)), T(())), (T((3,), dtype=np.float32), 2)],
    "CopyFrom": [(T((2, 3)), T((3,))), (T((2, 3)), T((2, 3))), (T((2, 2), dtype=np.float32), T((), dtype=np.float32))],
    "Index": [
        (T((4, 3)), (np.array([0, 2, 0]),)),
        (T((4, 3)), (slice(None), np.array([True, False, True]))),
        (T((3, 4)), (np.array([[0, 1], [2, 2]]), np.array([1, 3]))),
    ],
    "Repeat": [(T((2, 3)), (2, 1)), (T((3,)), (2, 2)), (T(()), (3,))],
    "SumAll": _unary(),
    "Softmax": [(T((2, 3)), 1), (T((2, 3)), 0), (T((4,), dtype=np.float32), 0)],
    "LogSoftmax": [(T((2, 3)), 1), (T((2, 3)), 0), (T((4,), dtype=np.float32), 0)],
    "Log10": _unary(*POSITIVE), "Log2": _unary(*POSITIVE), "Log1p": _unary(*POSITIVE), "Expm1": _unary(),
    "Floor": _unary(), "Ceil": _unary(), "Trunc": _unary(), "Frac": _unary(),
    "Round": [(T((2, 3)), 0), (T((2, 3)), 2), (T((4,), dtype=np.float32), -1), (T(()), 1)],
    "Cumprod": [(T((2, 3)), 1), (T((2, 3)), 0), (T((3, 2), transposed=True), 1), (T((4,), dtype=np.float32), 0)],
    "Take": [(T((2, 3)), _along(_INDEX, 1, 2)), (T(()), (Ellipsis,))],
    "Gather": [(T((2, 3)), _along(_INDEX, 1, 2)), (T((3, 2), transposed=True), _along(_INDEX, 0, 2))],
    "IndexSelect": [(T((3, 2)), (np.array([2, 0, 2]),)), (T((2, 3), dtype=np.float32), (slice(None), np.array([1])))],
    "Sort": [(T((2, 3)), _along(np.array([[2, 0, 1], [0, 1, 2]]), 1, 2))],
    "Topk": [(T((2, 3)), _along(np.array([[2], [0]]), 1, 2))],
    "Selected": [(T((2, 3)), _along(np.array([[2], [0]]), 1, 2)), (T((3, 2), transposed=True), _along(np.array([[1, 0]]), 0, 2))],
    "MedianAll": [(T((2, 3)), False), (T((4,), dtype=np.float32), True)],
    "MaxAll": _unary(),
    "MinAll": _unary(),
    "DiagonalOf": [(T((2, 3)), (np.arange(2), np.arange(2) + 1))],
    "MaskedSelect": [(T((2, 3)), np.array([True, False, True])), (T((3,)), np.array([[True], [False]]))],
    "Flip": [(T((2, 3)), (0,)), (T((2, 3), transposed=True), (0, 1)), (T(()), ())],
    "Trace": [(T((2, 3)),), (T((3, 3), dtype=np.float32),)],
    "Inv": _square_matrices(),
    "Det": _square_matrices(),
    "LogAbsDet": _square_matrices(),
    "MatrixExp": _square_matrices(),
    "Cholesky": [(SPD((2, 2)),), (SPD((2, 3, 3)),), (SPD((3, 3), dtype=np.float32),), (SPD((3, 3), transposed=True),)],
    "Svdvals": [(T((2, 3)),), (T((3, 2)),), (T((2, 2, 3)),), (T((3, 3), dtype=np.float32),), (T((3, 2), transposed=True),)],
    "Solve": [
        (T((2, 2)), T((2, 3))),
        (T((2, 3, 3)), T((3, 1))),
        (T((3, 3), dtype=np.float32), T((2, 3, 2), dtype=np.float32)),
        (T((3, 3), transposed=True), T((3, 2))),
        (T((2, 2)), SAME),
    ],
    "Tril": [(T((3, 3)), np.tri(3, 3, 0, dtype=bool)), (T((2, 2, 3)), np.tri(2, 3, -1, dtype=bool))],
    "Triu": [(T((2, 3)), ~np.tri(2, 3, -1, dtype=bool))],
    "MaxPool2d": [
        (T((1, 2, 4, 4)), _pool_plan((1, 2, 4, 4), 2, None, 0, 1, False, "max_pool2d")),
        (T((2, 1, 5, 5), dtype=np.float32), _pool_plan((2, 1, 5, 5), 3, 2, 1, 1, True, "max_pool2d")),
    ],
    "PlaneGather": [(T((1, 2, 4, 4)), _PLANE_INDEX)],
    "AdaptiveMaxPool2d": [(T((1, 2, 4, 4)), _PLANE_INDEX)],
    "AdaptiveAvgPool2d": [(T((1, 2, 4, 4)), _ADAPTIVE), (T((2, 1, 4, 4), dtype=np.float32), _ADAPTIVE)],
    "AdaptiveAvgPoolAdjoint": [(T((1, 2, 2, 3)), _ADAPTIVE)],
    "IndexPad": [
        (T((2, 3)), (_source_positions("reflect", 3, 1, 2),)),
        (T((2, 3)), (_source_positions("replicate", 2, 1, 0), _source_positions("circular", 3, 2, 1))),
    ],
}

# Op classes the fast paths could take that this table cannot drive, with the reason.
SKIPPED = {}


def test_every_fast_path_op_is_in_the_table():
    discovered = set(DISCOVERED)
    assert discovered, "no op class found: the package walk is broken"
    assert set(SKIPPED) <= discovered, f"skip entries for ops that no longer exist: {set(SKIPPED) - discovered}"
    missing = discovered - set(SKIPPED) - set(CASES)
    assert not missing, f"op classes the fast paths can take but this test does not drive: {sorted(missing)}"
    stale = set(CASES) - discovered
    assert not stale, f"table rows for classes that are not fast-path ops: {sorted(stale)}"
    for name, cases in CASES.items():
        arities = _fast_path_arities(DISCOVERED[name])
        for case in cases:
            assert len(case) in arities, f"{name}: a case with {len(case)} arguments cannot take a fast path"


# ------------------------------------------------------------- the two runs
def _tensor(values, requires_grad):
    """A leaf holding ``values`` as they are (same dtype, same layout: non-contiguous stays so)."""
    tensor = mt.Tensor._make(values)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


class Setup:
    """The arguments of one call, and the leaves whose gradients are compared."""

    def __init__(self, args, leaves):
        self.args, self.leaves = args, leaves


def _build(case, arrays, grad_positions, kind):
    """The call's arguments for one way of requiring grad.

    ``kind``: ``"leaf"`` (grad arguments are leaves), ``"nonleaf"`` (they are ``leaf * 1``),
    ``("stale_view", p)`` (argument p is a view ``base[1]`` whose base was then modified in place).
    """
    args, leaves = [], []
    for position, spec in enumerate(case):
        if spec is SAME:
            args.append(args[0])
            continue
        if not isinstance(spec, T):
            args.append(spec)
            continue
        values = arrays[position]
        needs = position in grad_positions
        if needs and kind == ("stale_view", position):
            stored = values.T if spec.transposed else values
            leaf = _tensor(np.stack([np.zeros_like(stored), stored / 2]).astype(values.dtype), True)
            base = leaf * 1
            view = base[1]
            if spec.transposed:  # a non-contiguous view: base[1] permuted
                view = view.permute(tuple(reversed(range(view.ndim))))
            base.mul_(2)
            assert view._base is base
            args.append(view)
        elif needs and kind == "nonleaf":
            leaf = _tensor(values, True)
            args.append(leaf * 1)
        else:
            leaf = _tensor(values, needs)
            args.append(leaf)
        if needs:
            leaves.append(leaf)
    return Setup(args, leaves)


def _fast(cls, args):
    return cls._apply_unary(*args) if len(args) == 1 else cls._apply_binary(*args)


def _general(cls, args):
    return cls._apply_general(tuple(args), {})


def _variants(case):
    """(label, grad positions, kind, mode) for every way of running ``case``."""
    tensors = [i for i, spec in enumerate(case) if isinstance(spec, T)]
    yield "no grad", (), "leaf", None
    for size in range(1, len(tensors) + 1):
        for subset in itertools.combinations(tensors, size):
            yield f"grad at {subset}", subset, "leaf", None
    yield "non-leaf inputs", tuple(tensors), "nonleaf", None
    for position in tensors:
        yield f"stale view at {position}", tuple(tensors), ("stale_view", position), None
    yield "under no_grad", tuple(tensors), "leaf", "no_grad"
    yield "under detect_anomaly", tuple(tensors), "leaf", "anomaly"


MODES = {None: contextlib.nullcontext, "no_grad": mt.no_grad, "anomaly": mt.autograd.detect_anomaly}


def _run(cls, case, arrays, grad_positions, kind, mode):
    """Both paths' outputs and the setups they ran on (one shared setup unless inputs get refreshed)."""
    fast_setup = _build(case, arrays, grad_positions, kind)
    general_setup = _build(case, arrays, grad_positions, kind) if isinstance(kind, tuple) else fast_setup
    with MODES[mode]():
        return _fast(cls, fast_setup.args), _general(cls, general_setup.args), fast_setup, general_setup


# --------------------------------------------------------------- comparisons
def _assert_same_value(fast, general, what):
    """Equal facts: arrays of one shape, dtype and values; containers entry by entry; else ==."""
    if isinstance(fast, np.ndarray) or isinstance(general, np.ndarray):
        assert isinstance(fast, np.ndarray) and isinstance(general, np.ndarray), f"{what}: {fast!r} vs {general!r}"
        assert fast.shape == general.shape and fast.dtype == general.dtype, (
            f"{what}: {fast.dtype}{fast.shape} vs {general.dtype}{general.shape}"
        )
        np.testing.assert_array_equal(fast, general, err_msg=what)
        return
    if isinstance(fast, (tuple, list)):
        assert type(fast) is type(general) and len(fast) == len(general), f"{what}: {fast!r} vs {general!r}"
        for index, (f, g) in enumerate(zip(fast, general)):
            _assert_same_value(f, g, f"{what}[{index}]")
        return
    assert type(fast) is type(general) and fast == general, f"{what}: {fast!r} vs {general!r}"


def _assert_same_edge(fast, general, what):
    if isinstance(fast, tuple):
        assert isinstance(general, tuple) and len(fast) == len(general), f"{what}: {fast!r} vs {general!r}"
        assert fast[0] is general[0] and fast[1] == general[1], f"{what}: {fast!r} vs {general!r}"
        return
    assert fast is general, f"{what}: {fast!r} vs {general!r}"


def _assert_same_inputs(fast_node, general_node, fast_setup, general_setup):
    assert type(fast_node.inputs) is type(general_node.inputs), "inputs container"
    assert len(fast_node.inputs) == len(general_node.inputs) == len(fast_setup.args)
    shared = fast_setup is general_setup
    for index, (f, g) in enumerate(zip(fast_node.inputs, general_node.inputs)):
        arg_f, arg_g = fast_setup.args[index], general_setup.args[index]
        expected_f = edge_of(arg_f) if isinstance(arg_f, mt.Tensor) and arg_f._requires_grad else None
        expected_g = edge_of(arg_g) if isinstance(arg_g, mt.Tensor) and arg_g._requires_grad else None
        _assert_same_edge(f, expected_f, f"fast inputs[{index}]")
        _assert_same_edge(g, expected_g, f"general inputs[{index}]")
        if shared:
            _assert_same_edge(f, g, f"inputs[{index}]")
        else:  # two setups (stale views): the same kind of history, each remade from its own base
            assert type(f) is type(g), f"inputs[{index}]: {f!r} vs {g!r}"
            if isinstance(f, Function):
                assert [type(e) for e in f.inputs] == [type(e) for e in g.inputs], f"inputs[{index}] history"


def _assert_same_records(fast_node, general_node, fast_out, general_out, fast_setup, general_setup):
    fast_saved, general_saved = fast_node._saved, general_node._saved
    assert type(fast_saved) is type(general_saved), f"_saved: {type(fast_saved)} vs {type(general_saved)}"
    assert len(fast_saved) == len(general_saved), f"_saved: {len(fast_saved)} vs {len(general_saved)} records"
    positions = {}
    for setup in (fast_setup, general_setup):
        for index, arg in enumerate(setup.args):
            if isinstance(arg, mt.Tensor):
                positions.setdefault(id(arg), index)
    for number, (f, g) in enumerate(zip(fast_saved, general_saved)):
        what = f"saved value {number}"
        assert type(f) is type(g) and _is_record(f) == _is_record(g), f"{what}: {f!r} vs {g!r}"
        if not _is_record(f):  # kept as it is: a number, an array, None
            if f is not g:
                _assert_same_value(f, g, what)
            continue
        f_array, f_source, f_counter, f_version = f
        g_array, g_source, g_counter, g_version = g
        assert f_version == g_version, f"{what}: version {f_version} vs {g_version}"
        if f_source is _OUTPUT or g_source is _OUTPUT:
            assert f_source is _OUTPUT and g_source is _OUTPUT, f"{what}: source {f_source!r} vs {g_source!r}"
            assert f_array is fast_out._data and g_array is general_out._data, f"{what}: not the output's array"
            assert f_counter is fast_out._counter, f"{what}: not the fast output's counter"
            assert g_counter is general_out._counter, f"{what}: not the general output's counter"
        elif isinstance(f_source, mt.Tensor) or isinstance(g_source, mt.Tensor):
            both = isinstance(f_source, mt.Tensor) and isinstance(g_source, mt.Tensor)
            assert both, f"{what}: {f_source!r} vs {g_source!r}"
            index = positions.get(id(f_source))
            same = index is not None and positions.get(id(g_source)) == index
            assert same, f"{what}: the sources are different arguments"
            if fast_setup is general_setup:
                assert f_source is g_source, f"{what}: source"
            assert f_array is f_source._data and g_array is g_source._data, f"{what}: not the source's array"
            assert f_counter is f_source._version_counter and g_counter is g_source._version_counter, f"{what}: counter"
            if fast_setup is general_setup:
                assert f_array is g_array and f_counter is g_counter, f"{what}: array / counter objects"
        else:  # a constant, or a tensor that is neither an argument nor the output
            assert f_source is g_source, f"{what}: source {f_source!r} vs {g_source!r}"
            assert (f_counter is None) == (g_counter is None), f"{what}: counter {f_counter!r} vs {g_counter!r}"
            if fast_setup is general_setup and f_counter is not None:
                assert f_counter is g_counter, f"{what}: counter objects"
            if f_array is not g_array:
                _assert_same_value(f_array, g_array, f"{what} value")


def _is_record(value):
    """Whether a saved value is a record ``(array, source, counter, version)`` rather than a constant kept
    as it is (see ``saved.constant_record``)."""
    if value.__class__ not in (tuple, list) or len(value) != 4:
        return False
    source, counter = value[1], value[2]
    is_source = (
        source is None or source is _OUTPUT or source is _CONSTANT or isinstance(source, mt.Tensor)
        or (source.__class__ is tuple and source[:1] == (_OUTPUT,))
    )
    return is_source and (counter is None or counter.__class__ is list)


def _assert_same_node(fast_out, general_out, fast_setup, general_setup):
    fast_node, general_node = fast_out._grad_fn, general_out._grad_fn
    assert type(fast_node) is type(general_node), f"grad_fn: {fast_node!r} vs {general_node!r}"
    if fast_node is None:
        return
    assert fast_node is not general_node
    _assert_same_inputs(fast_node, general_node, fast_setup, general_setup)
    _assert_same_value(fast_node.input_meta, general_node.input_meta, "input_meta")
    _assert_same_value(tuple(fast_node.needs_input_grad), tuple(general_node.needs_input_grad), "needs_input_grad")
    assert type(fast_node.needs_input_grad) is type(general_node.needs_input_grad)
    _assert_same_records(fast_node, general_node, fast_out, general_out, fast_setup, general_setup)
    assert sorted(vars(fast_node)) == sorted(vars(general_node)), "attributes forward kept on ctx"
    for key in vars(fast_node):
        if key != "_creation_site":  # detect_anomaly's record of the calling lines, which differ here
            _assert_same_value(vars(fast_node)[key], vars(general_node)[key], f"ctx.{key}")
    assert hasattr(fast_node, "_creation_site") == hasattr(general_node, "_creation_site"), "anomaly creation site"


def _assert_same_output(fast_out, general_out):
    assert isinstance(fast_out, mt.Tensor) and isinstance(general_out, mt.Tensor)
    _assert_same_value(fast_out._data, general_out._data, "output")
    assert fast_out._requires_grad == general_out._requires_grad, "output requires_grad"
    assert fast_out._view is None and general_out._view is None, "output _view"
    assert fast_out._output_nr == general_out._output_nr == 0, "output _output_nr"
    assert (fast_out._counter is None) == (general_out._counter is None), "output version counter made"
    if fast_out._counter is not None:
        assert fast_out._counter == general_out._counter, "output version"


def _assert_same_gradients(fast_out, general_out, fast_setup, general_setup, rng):
    if not fast_out._requires_grad:
        return
    upstream = rng.uniform(-1.0, 1.0, fast_out.shape).astype(fast_out.dtype)
    fast_grads, fast_error = _gradients_or_error(fast_out, fast_setup.leaves, upstream)
    general_grads, general_error = _gradients_or_error(general_out, general_setup.leaves, upstream)
    assert fast_error == general_error, f"backward raised {fast_error!r} on one path, {general_error!r} on the other"
    if fast_error is not None:  # an op that refuses to be differentiated (floor_divide) refuses on both paths
        return
    for index, (f, g) in enumerate(zip(fast_grads, general_grads)):
        assert (f is None) == (g is None), f"gradient of leaf {index}: {f!r} vs {g!r}"
        if f is not None:
            _assert_same_value(f._data, g._data, f"gradient of leaf {index}")


def _gradients_or_error(out, leaves, upstream):
    try:
        return mt.autograd.grad(out, leaves, upstream, retain_graph=True, allow_unused=True), None
    except RuntimeError as error:
        return None, str(error)


def _assert_apply_takes_the_fast_path(cls, case, arrays, monkeypatch):
    """``cls.apply`` with these arguments never reaches ``_apply_general``."""
    setup = _build(case, arrays, tuple(i for i, spec in enumerate(case) if isinstance(spec, T)), "leaf")

    def refuse(args, kwargs):
        raise AssertionError(f"{cls.__name__}.apply took the general path")

    with monkeypatch.context() as patch:
        patch.setattr(cls, "_apply_general", refuse)
        out = cls.apply(*setup.args)
    assert isinstance(out, mt.Tensor)


def _case_params():
    for name in sorted(CASES):
        for index, case in enumerate(CASES[name]):
            yield pytest.param(name, index, id=f"{name}-{index}-{'-'.join(map(repr, case))}")


@pytest.mark.parametrize("name, index", list(_case_params()))
def test_fast_path_builds_the_general_path_node(name, index, monkeypatch):
    cls = DISCOVERED[name]
    case = CASES[name][index]
    rng = np.random.default_rng(index)
    arrays = [spec.values(rng) if isinstance(spec, T) else None for spec in case]
    for label, grad_positions, kind, mode in _variants(case):
        try:
            fast_out, general_out, fast_setup, general_setup = _run(cls, case, arrays, grad_positions, kind, mode)
            _assert_same_output(fast_out, general_out)
            _assert_same_node(fast_out, general_out, fast_setup, general_setup)
            _assert_same_gradients(fast_out, general_out, fast_setup, general_setup, rng)
        except AssertionError as error:
            raise AssertionError(f"{name}{case!r}, {label}: {error}") from None
    _assert_apply_takes_the_fast_path(cls, case, arrays, monkeypatch)
