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
puts a Python object into the program's namespace and returns its name.
"""
import numpy as np

from ..nn import _linear_op, _loss_ops
from ..ops import activation, arithmetic
from ..ops._util import match_dtype


def _float(b, code):
    return b.dtype_of(code).kind == "f"


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
    if np.prod(b.shape_of(args[0])) >= activation._RELU_WHERE_MAX_SIZE:
        return None  # backward's large-array branch checks for nan at run time: leave the op to its code
    return [f"{out} = {b.name(np.maximum)}({args[0]}, {_scalar(b, 0, args[0])})"]


def relu_backward(b, node, args, y, grad, outs):
    return [f"{outs[0]} = {b.name(np.where)}({y} <= {_scalar(b, 0, y)}, {_scalar(b, 0, grad)}, {grad})"]


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
    diff = b.temp()
    return [f"{diff} = {args[0]} - {args[1]}",
            f"{out} = {b.name(np.asarray)}(({diff} * {diff}).{reduction}())"]


def mse_backward(b, node, args, y, grad, outs):
    g = b.temp()
    lines = [f"{g} = {grad} * (({args[0]} - {args[1]}) * {_scalar(b, node.scale, args[0])})"]
    if outs[0] is not None:
        lines.append(f"{outs[0]} = {g}")
    if outs[1] is not None:
        lines.append(f"{outs[1]} = -{g}")
    return lines


LOWERINGS = {
    _linear_op.Linear: (linear_forward, linear_backward),
    activation.ReLU: (relu_forward, relu_backward),
    activation.Tanh: (tanh_forward, tanh_backward),
    activation.Sigmoid: (sigmoid_forward, sigmoid_backward),
    arithmetic.Mul: (_binary_forward(np.multiply), mul_backward),
    arithmetic.Add: (_binary_forward(np.add), add_backward),
    arithmetic.Sub: (_binary_forward(np.subtract), sub_backward),
    _loss_ops.MSELoss: (mse_forward, mse_backward),
}
