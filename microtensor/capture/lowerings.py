"""Inline forms of the hottest ops, for programs (program.py).

A program can replay any built-in op by calling its own ``forward`` and ``backward``.
For the ops a small network spends its steps in, that call costs more than the numpy
work itself, so a *lowering* writes the op's numpy expressions straight into the
program instead: the very expressions its ``forward``/``backward`` evaluate, with the
branches that depend only on shapes, dtypes and flags decided at capture. Because the
expressions are the same, so are the numbers, bit for bit; a program is still checked
against eager before it is trusted, and a program whose lowered form disagrees is
rebuilt without lowerings (compiled.py), so a mistake here costs speed, never results.

Each entry maps a Function class to ``(forward, backward)``. ``forward(b, node, args,
out)`` returns the lines computing ``out`` from the argument expressions ``args``;
``backward(b, node, forward_args, forward_out, grad, outs)`` the lines computing each
needed input gradient into the names in ``outs`` (None: not needed). ``forward`` may
return None to leave the op (forward and backward) to its own code; a lowered forward
always has a lowered backward. ``b`` is the program builder: ``b.name(obj)``
puts a Python object into the program's namespace and returns its name,
``b.buffer(shape, dtype)`` names an array made once and reused by every replay (only
for intermediates that never leave the op: the ones a replay returns, saves or puts in
``.grad`` are made afresh, as the op makes them), ``b.notes[out]`` carries what a
forward leaves for its backward, and ``b.shape_of``, ``b.dtype_of``, ``b.is_array`` and
``b.value_of`` tell what a value or constant was at capture.

The same numbers also need the same memory layouts where numpy's result depends on
them (matrix products, reductions): a buffer is C-contiguous, so an inline form that
puts one where the op has an array laid out like its input checks the input at each
replay and takes the op's own code for other layouts.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..nn import _class_loss_ops, _conv_layouts, _conv_ops, _linear_op, _pointwise_loss_ops
from ..ops import activation, arithmetic, movement, rectifiers
from ..ops._util import match_dtype
from .contexts import replay_context


def _float(b, code):
    return b.dtype_of(code).kind == "f"


def _sum(b):
    """``np.add.reduce``: what ``a.sum(axis, dtype, out, keepdims)`` calls, without the method's Python
    wrapper (``a.max(...)`` is ``np.maximum.reduce`` in the same way)."""
    return b.name(np.add.reduce)


# ------------------------------------------------------------------ linear
def linear_forward(b, node, args, out):
    if len(args) == 2:
        return [f"{out} = {b.name(np.matmul)}({args[0]}, {args[1]}.T)"]
    if args[2] == "None":
        return None
    return [f"{out} = {b.name(np.matmul)}({args[0]}, {args[1]}.T)", f"{out} += {args[2]}"]


def linear_backward(b, node, args, y, grad, outs):
    x, weight = args[0], args[1]
    lines = []
    if outs[0] is not None:
        lines.append(f"{outs[0]} = {grad} @ {weight}")
    if outs[1] is not None:
        out_features, in_features = b.shape_of(weight)
        if len(b.shape_of(x)) == 1:
            lines.append(f"{outs[1]} = {grad}.reshape(({out_features}, 1)) * {x}.reshape((1, {in_features}))")
        else:  # a reshape to an array's own shape is that array's layout again: written only when it changes it
            g, xs = _flat(grad, b.shape_of(grad), out_features), _flat(x, b.shape_of(x), in_features)
            lines.append(f"{outs[1]} = {g}.T @ {xs}")
    if len(outs) > 2 and outs[2] is not None:
        lines.append(f"{outs[2]} = {grad}")
    return lines


def _scalar(b, value, like):
    """A Python number as a 0-d array of the float dtype of ``like`` (an expression), for arithmetic with it.

    numpy casts a Python number to the array's dtype before it computes (a "weak" scalar), so
    ``1 - y`` and ``one - y`` with ``one = np.ones((), y.dtype)`` give the same bits; the typed form
    skips that cast at every call, which on small arrays costs as much as the arithmetic."""
    dtype = b.dtype_of(like)
    if dtype is None or dtype.kind != "f" or not isinstance(value, (int, float)) or isinstance(value, bool):
        return repr(value) if isinstance(value, (int, float)) else b.name(value)
    return b.name(np.asarray(value, dtype=dtype))


def _flat(code, shape, columns):
    """``code.reshape((-1, columns))``, or ``code`` itself when it already has that 2-D shape."""
    if len(shape) == 2 and shape[1] == columns:
        return code
    return f"{code}.reshape((-1, {columns}))"


# ------------------------------------------------------------- activations
def relu_forward(b, node, args, out):
    """``np.maximum(x, 0)``. For a C-contiguous float array the 0 is an array of zeros of x's shape, made
    once: the same maximum of each element with 0, bit for bit (nan payloads and -0.0 included), which
    numpy computes several times faster than against a scalar 0, and an output with the same layout."""
    x, zero = args[0], _scalar(b, 0, args[0])
    maximum = b.name(np.maximum)
    if b.is_array(x) and _float(b, x):
        zeros = b.name(np.zeros(b.shape_of(x), b.dtype_of(x)))
        return [f"{out} = {maximum}({x}, {zeros}) if {x}.flags.c_contiguous else {maximum}({x}, {zero})"]
    return [f"{out} = {maximum}({x}, {zero})"]


def relu_backward(b, node, args, y, grad, outs):
    """``ReLU.backward``: ``where(y <= 0, 0, g)`` on small gradients; on large ones the mask product
    ``g * ~(y <= 0)`` (invalid values ignored), redone with ``where`` when its sum is nan."""
    zero, off = _scalar(b, 0, grad), b.temp()
    if not b.is_array(grad) or np.prod(b.shape_of(grad)) < rectifiers._RELU_WHERE_MAX_SIZE:
        return [f"{outs[0]} = {b.name(np.where)}({y} <= {_scalar(b, 0, y)}, {zero}, {grad})"]
    return ([f"{off} = {y} <= {_scalar(b, 0, y)}"]
            + ignoring_invalid(b, f"{outs[0]} = {grad} * ~{off}")
            + [f"if {b.name(np.isnan)}({_sum(b)}({outs[0]}, None)): {outs[0]} = {b.name(np.where)}({off}, {zero}, {grad})"])


def ignoring_invalid(b, line):
    """``line`` run as under ``np.errstate(invalid="ignore")``: through numpy's error-state context
    variable when it can be reached (a tenth of the cost of making an ``errstate`` at every replay)."""
    if _extobj_contextvar is None:
        return [f"with {b.name(np.errstate)}(invalid='ignore'):", f"    {line}"]
    token = b.temp()
    return [f"{token} = {b.name(_extobj_contextvar.set)}({b.name(_make_extobj)}(invalid='ignore'))",
            "try:", f"    {line}", "finally:", f"    {b.name(_extobj_contextvar.reset)}({token})"]


try:  # numpy >= 2: the context variable behind np.errstate
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj
except ImportError:  # pragma: no cover - other numpy versions use np.errstate itself
    _extobj_contextvar = _make_extobj = None


def tanh_forward(b, node, args, out):
    if not _float(b, args[0]):
        return None
    return [f"{out} = {b.name(np.tanh)}({args[0]})"]


def tanh_backward(b, node, args, y, grad, outs):
    return [f"{outs[0]} = {grad} * ({_scalar(b, 1, y)} - {y} * {y})"]


def sigmoid_forward(b, node, args, out):
    if not _float(b, args[0]):
        return None
    activation._stable_sigmoid(np.zeros(1))  # make sure the lazily chosen implementation is in place
    return [f"{out} = {b.name(activation._stable_sigmoid)}({args[0]})"]


def sigmoid_backward(b, node, args, y, grad, outs):
    return [f"{outs[0]} = {grad} * ({y} * ({_scalar(b, 1, y)} - {y}))"]


# -------------------------------------------------------------- arithmetic
def _binary_forward(ufunc):
    def forward(b, node, args, out):
        first, second = args
        if b.is_number(first) and _float(b, second) and b.dtype_of(out) == b.dtype_of(second):
            first = _scalar(b, b.value_of(first), second)  # 0.5 * loss: the number typed like the tensor
        elif b.is_number(second) and _float(b, first) and b.dtype_of(out) == b.dtype_of(first):
            second = _scalar(b, b.value_of(second), first)
        else:
            return [f"{out} = {b.name(match_dtype)}({b.name(ufunc)}({first}, {second}), {first}, {second})"]
        return [f"{out} = {b.name(ufunc)}({first}, {second})"]
    return forward


def mul_backward(b, node, args, y, grad, outs):
    lines = []
    other = [_scalar(b, b.value_of(arg), grad) if b.is_number(arg) else arg for arg in args]
    if outs[0] is not None:
        lines.append(f"{outs[0]} = {grad} * {other[1]}")
    if outs[1] is not None:
        lines.append(f"{outs[1]} = {grad} * {other[0]}")
    return lines


def add_backward(b, node, args, y, grad, outs):
    return [f"{out} = {grad}" for out in outs if out is not None]


def sub_backward(b, node, args, y, grad, outs):
    lines = [f"{outs[0]} = {grad}"] if outs[0] is not None else []
    if outs[1] is not None:
        lines.append(f"{outs[1]} = -{grad}")
    return lines


# ------------------------------------------------------------------- losses
def mse_forward(b, node, args, out):
    reduction = b.value_of(args[2])
    if reduction not in ("sum", "mean"):
        return None
    diff = b.notes[out] = b.temp()  # x - y, which the op's backward computes again: the same values
    return [f"{diff} = {args[0]} - {args[1]}",
            f"{out} = {b.name(np.asarray)}(" + (f"{_sum(b)}({diff} * {diff}, None))" if reduction == "sum" else
                                                f"({diff} * {diff}).mean())")]


def mse_backward(b, node, args, y, grad, outs):
    g = b.temp()
    lines = [f"{g} = {grad} * ({b.notes[y]} * {_scalar(b, node.scale, args[0])})"]
    if outs[0] is not None:
        lines.append(f"{outs[0]} = {g}")
    if outs[1] is not None:
        lines.append(f"{outs[1]} = -{g}")
    return lines


def cross_entropy_forward(b, node, args, out):
    """``CrossEntropy._forward_plain`` (nn/_class_loss_ops.py): (N, C) logits, class-index targets, mean or sum,
    no weight, no label smoothing. Its intermediates live in C-contiguous buffers made once (the op's
    have the layout of the logits, so other logits take the op's code). The op takes that path only
    when no target equals ``ignore_index``; a replay checks the targets first (one reduction, an int64
    read as unsigned, so a negative target is large) and leaves the rare batches with an ignored or
    out-of-range target to ``_cross_entropy_other``, which raises the error eager raises."""
    x, target, weight, ignore_index, reduction, smoothing = args
    shape, dtype = b.shape_of(x), b.dtype_of(x)
    if (len(shape) != 2 or not shape[0] or weight != "None" or b.value_of(smoothing) != 0
            or b.value_of(reduction) not in ("mean", "sum") or b.dtype_of(target) != np.int64
            or dtype is None or dtype.kind != "f" or 0 <= b.value_of(ignore_index) < shape[1]):
        return None  # (an ignore_index that is a class would need a check of its own at each replay)
    rows, classes = shape
    needs_grad = node is not None and bool(node.needs_input_grad[0])
    shift, sum_exp = b.buffer((rows, 1), dtype), b.buffer((rows, 1), dtype)
    shifted, exp = b.buffer(shape, dtype), b.buffer(shape, dtype)
    context, loss, total = b.temp(), b.temp(), b.temp()
    b.notes[out] = (context, exp, b.name(np.arange(rows)), 1.0 / rows if b.value_of(reduction) == "mean" else 1.0)
    mean = f"{total} / {rows}" if b.value_of(reduction) == "mean" else total
    d = b.name(dtype)
    lines = [
        f"if {target}.view({b.name(np.uint64)}).max() >= {classes} or not {x}.flags.c_contiguous:",
        f"    {context}, {out} = {b.name(_cross_entropy_other)}({b.name(node)}, {x}, {target}, {ignore_index}, "
        f"{reduction})",
        "else:",
        f"    {context} = None",
        f"    {b.name(np.maximum.reduce)}({x}, 1, None, {shift}, True)",  # x.max(axis=1, keepdims=True)
        f"    {b.name(np.subtract)}({x}, {shift}, out={shifted})",
        f"    {b.name(np.exp)}({shifted}, out={exp})",
        f"    {_sum(b)}({exp}, 1, None, {sum_exp}, True)",
        f"    {loss} = {b.name(np.log)}({sum_exp}[:, 0]) - {shifted}[{b.notes[out][2]}, {target}]",
        f"    {total} = {_sum(b)}({loss}, None, {d})",
        f"    {out} = {b.name(np.asarray)}({mean}, dtype={d})",
    ]
    if needs_grad:
        lines.append(f"    {b.name(np.divide)}({exp}, {sum_exp}, out={exp})")  # now the softmax probabilities
    return lines


def cross_entropy_backward(b, node, args, y, grad, outs):
    """``CrossEntropy._backward_plain``: ``(softmax - onehot) * (g * scale)``, or the op's own backward
    after a rare batch (see ``cross_entropy_forward``)."""
    if outs[0] is None:
        return []
    context, probs, rows, scale = b.notes[y]
    backward = b.name(_class_loss_ops.CrossEntropy.backward)
    return [f"if {context} is not None:",
            f"    {outs[0]} = {backward}({context}, {grad})[0]",
            "else:",
            f"    {outs[0]} = {probs}.copy()",
            f"    {outs[0]}[{rows}, {args[1]}] -= 1",
            f"    {outs[0]} *= {grad} * {scale!r}"]


def _cross_entropy_other(node, x, target, ignore_index, reduction):
    """A lowered cross-entropy's batch with a target out of [0, C) or logits that are not C-contiguous:
    nn.functional's check raises its error for a target out of range, else the op's own code runs.
    Returns (the op's context, the loss)."""
    from .._tensor import _new_tensor
    from ..autograd.function import _SCRATCH_CONTEXT
    from ..nn.functional import _class_target

    _class_target(_new_tensor(x), _new_tensor(target), None, ignore_index, "cross_entropy")
    context = _SCRATCH_CONTEXT if node is None else replay_context(node)
    return context, _class_loss_ops.CrossEntropy.forward(context, x, target, None, ignore_index, reduction, 0.0)


# ------------------------------------------------------------- convolution
def conv_forward(b, node, args, out):
    """``Conv2d.forward`` (nn/_conv_ops.py): the same im2col copy, product and bias, with the zero-padded
    input and the im2col matrix in buffers of the program: the padding is zero once and for all, the
    strided view of the receptive fields is made at capture, and each replay writes the interior and
    copies the view (the op makes both arrays, and the view, at every call)."""
    x, weight, bias, geometry = args[0], args[1], args[2], b.value_of(args[3])
    dtype, layout = b.dtype_of(x), geometry.layout
    if (not b.is_array(x) or len(b.shape_of(x)) != 4 or dtype is None or dtype.kind != "f"
            or b.dtype_of(weight) != dtype or b.dtype_of(out) != dtype or (bias != "None" and b.dtype_of(bias) != dtype)
            or layout not in (_conv_layouts.ChannelsLast, _conv_layouts.ChannelsFirst)):
        return None
    shape = tuple(b.shape_of(x))
    if not layout.im2col(np.zeros(shape, dtype), geometry).flags.c_contiguous:
        return None  # the op's own matrix has another layout: its product might round differently
    padded, interior, windows = _padded_windows(layout, geometry, shape, dtype)
    cols = np.empty(windows.shape, dtype=dtype)  # its (g, rows, columns) form is what the op's im2col returns
    b.notes[out] = b.name(cols.reshape(_im2col_shape(layout, geometry, shape)))
    n, groups, out_channels = shape[0], geometry.groups, b.shape_of(weight)[0]
    source_shape = (n, groups, out_channels // groups) + tuple(geometry.output_size)
    source = b.temp()
    moved = f"{x}.transpose(0, 2, 3, 1)" if layout is _conv_layouts.ChannelsLast else x
    lines = [f"{b.name(padded)}[{b.name(interior)}] = {moved}",
             f"{b.name(np.copyto)}({b.name(cols)}, {b.name(windows)})",
             f"{source} = {b.name(layout.forward)}({b.notes[out]}, {weight}, {n}, {b.name(geometry)})",
             f"{out} = {b.name(np.empty)}({(n, out_channels) + tuple(geometry.output_size)!r}, dtype={b.name(dtype)})"]
    if bias == "None":
        return lines + [f"{b.name(np.copyto)}({out}.reshape({source_shape!r}), {source})"]
    return lines + [f"{b.name(np.add)}({source}, {bias}.reshape({source_shape[1:3] + (1, 1)!r}), "
                    f"out={out}.reshape({source_shape!r}))"]


def conv_backward(b, node, args, y, grad, outs):
    """``Conv2d.backward``: the layout's own gradient functions, called directly, on the buffered matrix."""
    x, weight, geometry = args[0], args[1], b.value_of(args[3])
    layout, cols = geometry.layout, b.notes[y]  # (the gradient of a 4-d output is always an array)
    matrix = b.temp()
    lines = [f"{matrix} = {b.name(layout.grad_matrix)}({grad}, {geometry.groups})"]
    if outs[0] is not None:
        lines.append(f"{outs[0]} = {b.name(layout.input_grad)}({matrix}, {weight}, {tuple(b.shape_of(x))!r}, "
                     f"{b.name(geometry)})")
    if outs[1] is not None:
        lines.append(f"{outs[1]} = {b.name(layout.weight_grad)}({cols}, {matrix}, {tuple(b.shape_of(weight))!r}, "
                     f"{geometry.groups})")
    if outs[2] is not None:
        lines.append(f"{outs[2]} = {b.name(layout.bias_grad)}({matrix})")
    return lines


def _im2col_shape(layout, geometry, shape):
    (kernel_h, kernel_w), (out_h, out_w), groups = geometry.kernel, geometry.output_size, geometry.groups
    rows, taps = shape[0] * out_h * out_w, kernel_h * kernel_w * (shape[1] // groups)
    return (groups, rows, taps) if layout is _conv_layouts.ChannelsLast else (groups, taps, rows)


def _padded_windows(layout, geometry, shape, dtype):
    """The zero-padded input buffer of ``layout``'s im2col, where the input goes in it, and the strided
    view of its receptive fields (the op's ``as_strided`` call, made once)."""
    n, channels, height, width = shape
    (top, bottom), (left, right) = geometry.pads
    groups, (kernel_h, kernel_w), (out_h, out_w) = geometry.groups, geometry.kernel, geometry.output_size
    (stride_h, stride_w), (dilation_h, dilation_w), per_group = geometry.stride, geometry.dilation, channels // groups
    rows, columns = slice(top, top + height), slice(left, left + width)
    if layout is _conv_layouts.ChannelsLast:
        padded = np.zeros((n, height + top + bottom, width + left + right, channels), dtype=dtype)
        s_n, s_h, s_w, s_c = padded.strides
        windows = as_strided(padded, (groups, n, out_h, out_w, kernel_h, kernel_w, per_group),
                             (s_c * per_group, s_n, s_h * stride_h, s_w * stride_w, s_h * dilation_h,
                              s_w * dilation_w, s_c), writeable=False)
        return padded, (slice(None), rows, columns), windows
    padded = np.zeros((n, channels, height + top + bottom, width + left + right), dtype=dtype)
    s_n, s_c, s_h, s_w = padded.strides
    windows = as_strided(padded, (groups, per_group, kernel_h, kernel_w, n, out_h, out_w),
                         (s_c * per_group, s_c, s_h * dilation_h, s_w * dilation_w, s_n, s_h * stride_h,
                          s_w * stride_w), writeable=False)
    return padded, (slice(None), slice(None), rows, columns), windows


# ------------------------------------------------------------------ reshape
def reshape_forward(b, node, args, out):
    shape = b.value_of(args[1])
    if not b.is_array(args[0]) or not isinstance(shape, tuple):
        return None
    return [f"{out} = {args[0]}.reshape({shape!r})"]


def reshape_backward(b, node, args, y, grad, outs):
    return [] if outs[0] is None else [f"{outs[0]} = {grad}.reshape({tuple(b.shape_of(args[0]))!r})"]


LOWERINGS = {
    _linear_op.Linear: (linear_forward, linear_backward),
    rectifiers.ReLU: (relu_forward, relu_backward),
    activation.Tanh: (tanh_forward, tanh_backward),
    activation.Sigmoid: (sigmoid_forward, sigmoid_backward),
    arithmetic.Mul: (_binary_forward(np.multiply), mul_backward),
    arithmetic.Add: (_binary_forward(np.add), add_backward),
    arithmetic.Sub: (_binary_forward(np.subtract), sub_backward),
    _pointwise_loss_ops.MSELoss: (mse_forward, mse_backward),
    _class_loss_ops.CrossEntropy: (cross_entropy_forward, cross_entropy_backward),
    movement.Reshape: (reshape_forward, reshape_backward),
    _conv_ops.Conv2d: (conv_forward, conv_backward),
}
