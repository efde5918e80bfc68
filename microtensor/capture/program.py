"""Turn a ``Trace`` into a straight-line Python function over numpy arrays.

Each event becomes one or a few lines. A forward op calls the op's own ``forward``
and a backward event its own ``backward`` (the same code eager runs, so the numbers
are the same), with a context object made once per op (``replay_context``) instead of
a new graph node per call; the hottest ops are written inline instead (lowerings.py).
No Tensor, no graph and no engine are involved. The source is kept
(``Program.source``) so that ``compiled.explain(verbose=True)`` can show it. For the
tutorial network's step it begins::

    def replay(t0, t1):
        v0 = t0._data                      # the arguments' arrays
        v1 = t1._data
        v13 = c11.copy()                   # the gradient backward() starts from
        v3 = k12(v0, v2.T)                 # Linear, inline: matmul(x, weight.T)
        v4 = k13(v3, k14)                  # ReLU: maximum(x, 0)
        ...
        L24._grad = None                   # zero_grad()
        ...
        v19 = v17.T @ v7                   # a weight's gradient
        L30._grad = make(v19)              # delivered to .grad
        ...
        isub(v2, v24 if w4 == 1.0 else asarray(w4, d41) * v24)   # SGD: p -= lr * g
        return make(v12)                   # the loss, a fresh tensor
"""
import operator

import numpy as np

from .._tensor import _new_tensor
from ..autograd.fit import broadcast_axes, fit_gradient
from ..autograd.function import _SCRATCH_CONTEXT
from ..autograd.outputs import unary_result
from .contexts import replay_context
from .lowerings import LOWERINGS


class Program:
    """A compiled step: ``program(*tensor_args)`` does what the captured call did."""

    def __init__(self, source, namespace):
        self.source = source
        code = compile(source, "<mt.compile program>", "exec")
        exec(code, namespace)
        self.run = namespace["replay"]
        self.op_count = source.count("\n")


def build_program(recorder, optimizers, lowered=True):
    """The Program for ``recorder``'s trace; ``optimizers`` by id, for the ``opt`` events.
    ``lowered``: write the ops that have a lowering (lowerings.py) inline."""
    return _Builder(recorder, optimizers, lowered).build()


class _Builder:
    def __init__(self, recorder, optimizers, lowered=True):
        self.lowered = LOWERINGS if lowered else {}
        self.inline = {}  # op event index -> (argument codes, output name) of an op written inline
        self.notes = {}  # output name of a lowered op -> what its forward left for its backward
        self.group_guards = []  # (param group, key, value): the inline optimizer code assumes these
        self.trace = recorder.trace
        self.nodes = recorder.nodes
        self.static_nodes = recorder.static_nodes
        self.optimizers = optimizers
        self.namespace = {
            "ndarray": np.ndarray, "asarray": np.asarray, "array": np.array, "make": _new_tensor,
            "fit": fit_gradient, "unary_result": unary_result, "scratch": _SCRATCH_CONTEXT, "isub": operator.isub,
            "multiply": np.multiply, "add_reduce": np.add.reduce,
        }
        self.lines = []
        self.contexts = {}  # op event index -> name of its replay context

    def constant(self, value, prefix="k"):
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    # what lowerings ask of the builder
    def name(self, value):
        return self.constant(value)

    def temp(self):
        self._temps = getattr(self, "_temps", 0) + 1
        return f"w{self._temps}"

    def buffer(self, shape, dtype):
        """A name for an array of ``shape`` and ``dtype`` made once and reused by every replay: only for
        values that live inside one lowered op (never returned, saved or handed to ``.grad``)."""
        return self.constant(np.empty(shape, dtype=dtype), "B")

    def is_array(self, code):
        """Was the value an ndarray at capture (not a numpy scalar)? Only values (``v12``) are known."""
        return code.startswith("v") and code[1:].isdigit() and self.trace.layouts[int(code[1:])][2]

    def value_of(self, code):
        return self.namespace[code] if code in self.namespace else eval(code, {})

    def is_number(self, code):
        """Is the expression a Python number (an int or float constant, not a bool)?"""
        if code[:1] in ("v", "w") and code[1:].isdigit():
            return False
        value = self.value_of(code)
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    def shape_of(self, code):
        if code.startswith("v") and code[1:].isdigit():
            return self.trace.layouts[int(code[1:])][0]
        return np.shape(self.value_of(code))

    def dtype_of(self, code):
        if code.startswith("v") and code[1:].isdigit():
            return self.trace.layouts[int(code[1:])][1]
        if code.startswith("w") and code[1:].isdigit():
            return None  # a temporary of a lowering: not known here
        value = self.value_of(code)
        return getattr(value, "dtype", None) if not isinstance(value, (int, float)) else np.asarray(value).dtype

    def build(self):
        arguments = ", ".join(f"t{i}" for i in range(self.trace.arg_count))
        for number, source in enumerate(self.trace.sources):
            kind = source[0]
            if kind == "arg":
                self.lines.append(f"v{number} = t{source[1]}._data")
            elif kind == "external" or kind == "constant":
                self.namespace[f"v{number}"] = source[-1] if kind == "external" else source[1]
            elif kind == "created":
                self.lines.append(f"v{number} = {self.constant(source[1], 'c')}.copy()")
        for index, event in enumerate(self.trace.events):
            getattr(self, "emit_" + event[0])(index, event)
        self.lines.append(f"return {self.result(self.trace.result)}")
        source = f"def replay({arguments}):\n" + "".join(f"    {line}\n" for line in self.lines)
        program = Program(source, self.namespace)
        program.group_guards = self.group_guards
        return program

    # ------------------------------------------------------------------ code
    def spec(self, spec):
        kind, value = spec
        if kind == "value":
            return f"v{value}"
        if kind == "tensor":
            return f"make(v{value})"
        if kind == "py":
            if value is None or value is True or value is False or (type(value) is int):
                return repr(value)
            return self.constant(value)
        return _sequence(kind, [self.spec(item) for item in value])

    def result(self, spec):
        kind, value = spec
        if kind == "value":
            return f"make(v{value})"
        if kind == "py":
            return self.spec(spec)
        if kind == "dict":
            return "{" + ", ".join(f"{self.constant(key)}: {self.result(item)}" for key, item in value.items()) + "}"
        return _sequence(kind, [self.result(item) for item in value])

    def leaf(self, ref):
        kind, value = ref
        if kind == "arg":
            return f"t{value}"
        return self.constant(self.trace.sources[value][1], "L")

    def emit_op(self, index, event):
        _, cls, arg_specs, kwarg_specs, _needs, outputs, several, unary_fix, scalars = event
        node = self.nodes.get(index)
        lowering = self.lowered.get(cls)
        if lowering is not None and not several and not kwarg_specs:
            codes = [self.spec(spec) for spec in arg_specs]
            out = f"v{outputs[0]}"
            lines = lowering[0](self, node, codes, out)
            if lines is not None:
                self.inline[index] = (codes, out)
                self.lines += lines
                if scalars[0]:
                    self.lines.append(f"if {out}.__class__ is not ndarray: {out} = asarray({out})")
                return
        if node is not None:
            ctx = self.contexts[index] = self.constant(replay_context(node), "x")
        else:
            ctx = "scratch"
        forward = self.constant(cls.forward, "f")
        arguments = [ctx] + [self.spec(spec) for spec in arg_specs]
        arguments += [f"{key}={self.spec(spec)}" for key, spec in kwarg_specs.items()]
        call = f"{forward}({', '.join(arguments)})"
        fix = (lambda name: f"unary_result({name}, {self.spec(arg_specs[0])})") if unary_fix else (
            lambda name: f"asarray({name})")
        # numpy returns a scalar instead of an array only for a 0-d result: only those need the check
        if not several:
            out = f"v{outputs[0]}"
            self.lines.append(f"{out} = {call}")
            if scalars[0]:
                self.lines.append(f"if {out}.__class__ is not ndarray: {out} = {fix(out)}")
            return
        self.lines.append(f"r = {call}")
        for position, number in enumerate(outputs):
            if number is not None:
                self.lines.append(f"v{number} = r[{position}]")
                if scalars[position]:
                    self.lines.append(f"if v{number}.__class__ is not ndarray: v{number} = {fix(f'v{number}')}")

    def emit_bwd(self, index, event):
        _, forward_index, cls, inputs, outputs, _several = event
        if forward_index in self.inline:
            codes, out = self.inline[forward_index]
            outs = [None if number is None else f"v{number}" for number in outputs]
            grad = "None" if inputs[0] is None else f"v{inputs[0]}"
            self.lines += self.lowered[cls][1](self, self.nodes[forward_index], codes, out, grad, outs)
            return
        if forward_index is None:
            node = self.static_nodes[index]
            ctx = self.constant(node, "s")
        else:
            ctx = self.contexts[forward_index]
        backward = self.constant(type(self.namespace[ctx]).backward, "b")
        grads = ", ".join("None" if number is None else f"v{number}" for number in inputs)
        self.lines.append(f"r = {backward}({ctx}, {grads})")
        self.lines.append("if r.__class__ is not tuple: r = tuple(r) if isinstance(r, (tuple, list)) else (r,)")
        for position, number in enumerate(outputs):
            if number is not None:
                self.lines.append(f"v{number} = r[{position}]")

    def emit_fit(self, index, event):
        _, source, number, shape, dtype, position = event
        given_shape, given_dtype, is_array = self.trace.layouts[source]
        if not self.lowered or given_dtype is None:
            self.lines.append(f"v{number} = fit(v{source}, {shape!r}, {self.constant(dtype, 'd')}, None, {position}, False)[0]")
            return
        self.lines += fit_lines(f"v{source}", f"v{number}", given_shape, given_dtype, is_array, shape, dtype,
                                self.constant)

    def emit_add(self, index, event):
        _, first, second, number = event
        self.lines.append(f"v{number} = v{first} + v{second}")

    def emit_deliver(self, index, event):
        _, ref, source, mode, number, dtype = event
        leaf = self.leaf(ref)
        if mode == "adopt":
            self.lines.append(f"{leaf}._grad = make(v{source})")
        elif mode == "copy":
            self.lines.append(f"v{number} = array(v{source}, dtype={self.constant(dtype, 'd')}, copy=True)")
            self.lines.append(f"{leaf}._grad = make(v{number})")
        else:
            self.lines.append(f"v{number} += v{source}")

    def emit_write(self, index, event):
        _, target, source = event
        self.lines.append(f"v{target}[...] = v{source}")

    def emit_set_grad(self, index, event):
        _, ref, source = event
        value = "None" if source is None else f"make(v{source})"
        self.lines.append(f"{self.leaf(ref)}._grad = {value}")

    def emit_call(self, index, event):
        _, function, args, number = event
        call = f"{self.constant(function, 'g')}(*{self.constant(args, 'a')})"
        self.lines.append(f"v{number} = {call}._data" if number is not None else call)

    def emit_opt(self, index, event):
        _, optimizer_id, items = event
        optimizer = self.optimizers[optimizer_id]
        update = self.constant(optimizer._update, "u")
        settings = {}  # (group number, dtype) -> names of the step's learning rate and momentum (inline SGD)
        for param_value, grad_value, group_number, position in items:
            param = self.trace.sources[param_value][1]
            group_dict = optimizer.param_groups[group_number]
            state = self.constant(optimizer.state[param], "S")
            counter = self.constant(param._version_counter, "n")
            kind = self.lowered and sgd_kind(optimizer, group_dict)
            if not kind:
                group = self.constant(group_dict, "G")
                self.lines.append(f"{update}(v{param_value}, v{grad_value}, {state}, {group}, {position})")
            else:
                dtype = self.trace.layouts[param_value][1]
                key = (group_number, dtype)
                if key not in settings:
                    settings[key] = (self.temp(), self.temp(), self.temp())
                    self.lines += sgd_setting_lines(kind, self.constant(group_dict, "G"), *settings[key],
                                                    self.constant(dtype, "d"))
                    self.group_guards += [(group_dict, name, _branch(group_dict[name])) for name in SGD_BRANCH_KEYS[kind]]
                product = self.buffer(self.trace.layouts[param_value][0], dtype)
                self.lines += sgd_update_lines(kind, f"v{param_value}", f"v{grad_value}", state, self.temp(),
                                               *settings[key], product)
            self.lines.append(f"{counter}[0] += 1")


def _sequence(kind, codes):
    """The source of a tuple (``kind == "tuple"``) or list of the expressions ``codes``."""
    inner = ", ".join(codes)
    if kind == "tuple":
        return f"({inner},)" if inner else "()"
    return f"[{inner}]"


def fit_lines(source, target, given_shape, given_dtype, is_array, shape, dtype, constant):
    """``fit_gradient`` (autograd/fit.py) written out for known shapes and dtypes: the same
    sum over the broadcast axes, reshape and cast, in the same order."""
    value = source if is_array else f"asarray({source})"
    lines = []
    if given_shape != shape:
        extra = len(given_shape) - len(shape)
        axes = broadcast_axes(given_shape, shape)  # the eager fit at capture succeeded: never None here
        summed_shape = given_shape
        if axes and axes == tuple(range(extra)) and given_shape[extra:] == tuple(shape):
            # only leading axes are summed: without keepdims the sum has the shape (the same sum, bit for bit)
            lines.append(f"{target} = add_reduce({value}, {axes[0] if len(axes) == 1 else axes!r})")
            value = target
            summed_shape = tuple(shape)
        elif axes:
            lines.append(f"{target} = add_reduce({value}, {axes!r}, None, None, True)")  # sum(axes, keepdims=True)
            value = target
            summed_shape = tuple(1 if axis in axes else size for axis, size in enumerate(given_shape))
        if summed_shape != shape:
            lines.append(f"{target} = {value}.reshape({shape!r})")
            value = target
    if given_dtype != dtype:
        lines.append(f"{target} = {value}.astype({constant(dtype, 'd')})")
        value = target
    if value != target:
        lines.append(f"{target} = {value}")
    return lines


# the settings each inline SGD update assumes something of (dampening and nesterov matter only with momentum)
SGD_BRANCH_KEYS = {"plain": ("momentum", "weight_decay", "maximize"),
                   "momentum": ("momentum", "dampening", "weight_decay", "nesterov", "maximize")}


def _branch(value):
    """What the inline SGD code assumes of a setting: only whether it is zero (or False), not its value,
    since the values themselves are read at each replay (OneCycleLR moves the momentum)."""
    return bool(value)


def sgd_kind(optimizer, group):
    """Which ``SGD._update`` (optim/sgd.py) a program writes inline for this param group: "plain"
    (no momentum) or "momentum" (no dampening, no Nesterov), both without weight decay and not
    maximizing; None for anything else (the optimizer's own update runs)."""
    from ..optim.sgd import SGD

    if type(optimizer) is not SGD or group["maximize"] or group["weight_decay"] != 0:
        return None
    if float(group["momentum"]) == 0:
        return "plain"
    if group["dampening"] != 0 or group["nesterov"]:
        return None
    return "momentum"


def sgd_setting_lines(kind, group, lr, typed_lr, momentum, dtype):
    """The settings an inline SGD update reads, once per step for each param group and dtype. The
    learning rate and momentum are read from the param group at each replay, so a scheduler needs no
    recapture; they are typed like the parameters before the products (what numpy does with a
    Python number anyway)."""
    lines = [f"{lr} = float({group}['lr'])", f"{typed_lr} = asarray({lr}, {dtype}) if {lr} != 1.0 else None"]
    if kind == "momentum":
        lines.append(f"{momentum} = asarray(float({group}['momentum']), {dtype})")
    return lines


def sgd_update_lines(kind, param, grad, state, buffer, lr, typed_lr, momentum, product):
    """``SGD._update`` written out for one parameter: ``p -= lr * g``, with the momentum buffer
    ``b = momentum * b + g`` in place of ``g`` for "momentum". ``lr == 1`` skips the product
    (``1.0 * g`` is ``g``, bit for bit); the product goes into ``product``, a buffer of the
    program. ``isub(p, d)`` is ``p -= d`` in place, without making the name ``p`` local to the
    program."""
    def step(value):
        return f"isub({param}, {value} if {lr} == 1.0 else multiply({typed_lr}, {value}, out={product}))"

    if kind == "plain":
        return [step(grad)]
    return [f"{buffer} = {state}['momentum_buffer']._data",
            f"{buffer} *= {momentum}",
            f"{buffer} += {grad}",
            step(buffer)]
