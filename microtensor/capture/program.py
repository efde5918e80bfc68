"""Turn a ``Trace`` into a straight-line Python function over numpy arrays.

Each event becomes one or two lines. A forward op calls the op's own ``forward``
and a backward event its own ``backward`` (the same code eager runs, so the numbers
are the same), with a context object made once per op (``replay_context``) instead of
a new graph node per call; no Tensor, no graph and no engine are involved. The source
is kept (``Program.source``) so that ``compiled.explain(verbose=True)`` can show it.

For ``v = mt.tanh(x @ w).sum(); v.backward(); opt.step()`` the program reads::

    def replay(t0):
        v0 = t0._data
        v2 = f0(x0, v0, v1)
        if v2.__class__ is not ndarray: v2 = asarray(v2)
        ...
        r = b5(x0, v9)
        ...
        t0 ... = make(v12)
        u7(v1, v12, S7_0, G7_0, 0)
        return make(v3)
"""
import numpy as np

from .._tensor import _new_tensor
from ..autograd.engine import _fit_gradient
from ..autograd.function import _SCRATCH_CONTEXT
from ..autograd.outputs import unary_result

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


class Program:
    """A compiled step: ``program(*tensor_args)`` does what the captured call did."""

    def __init__(self, source, namespace):
        self.source = source
        code = compile(source, "<mt.compile program>", "exec")
        exec(code, namespace)
        self.run = namespace["replay"]
        self.op_count = source.count("\n")


def build_program(recorder, optimizers):
    """The Program for ``recorder``'s trace; ``optimizers`` by id, for the ``opt`` events."""
    return _Builder(recorder, optimizers).build()


class _Builder:
    def __init__(self, recorder, optimizers):
        self.trace = recorder.trace
        self.nodes = recorder.nodes
        self.static_nodes = recorder.static_nodes
        self.optimizers = optimizers
        self.namespace = {
            "ndarray": np.ndarray, "asarray": np.asarray, "array": np.array, "make": _new_tensor,
            "fit": _fit_gradient, "unary_result": unary_result, "scratch": _SCRATCH_CONTEXT,
        }
        self.lines = []
        self.contexts = {}  # op event index -> name of its replay context

    def constant(self, value, prefix="k"):
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

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
        return Program(source, self.namespace)

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
        inner = ", ".join(self.spec(item) for item in value)
        if kind == "tuple":
            return f"({inner},)" if inner else "()"
        return f"[{inner}]"

    def result(self, spec):
        kind, value = spec
        if kind == "value":
            return f"make(v{value})"
        if kind == "py":
            return self.spec(spec)
        if kind == "dict":
            return "{" + ", ".join(f"{self.constant(key)}: {self.result(item)}" for key, item in value.items()) + "}"
        inner = ", ".join(self.result(item) for item in value)
        if kind == "tuple":
            return f"({inner},)" if inner else "()"
        return f"[{inner}]"

    def leaf(self, ref):
        kind, value = ref
        if kind == "arg":
            return f"t{value}"
        return self.constant(self.trace.sources[value][1], "L")

    def emit_op(self, index, event):
        _, cls, arg_specs, kwarg_specs, _needs, outputs, several, unary_fix = event
        node = self.nodes.get(index)
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
        if not several:
            out = f"v{outputs[0]}"
            self.lines.append(f"{out} = {call}")
            self.lines.append(f"if {out}.__class__ is not ndarray: {out} = {fix(out)}")
            return
        self.lines.append(f"r = {call}")
        for position, number in enumerate(outputs):
            if number is not None:
                self.lines.append(f"v{number} = r[{position}]")
                self.lines.append(f"if v{number}.__class__ is not ndarray: v{number} = {fix(f'v{number}')}")

    def emit_bwd(self, index, event):
        _, forward_index, _cls, inputs, outputs, _several = event
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
        self.lines.append(f"v{number} = fit(v{source}, {shape!r}, {self.constant(dtype, 'd')}, None, {position}, False)[0]")

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

    def emit_opt(self, index, event):
        _, optimizer_id, items = event
        optimizer = self.optimizers[optimizer_id]
        update = self.constant(optimizer._update, "u")
        for param_value, grad_value, group_number, position in items:
            param = self.trace.sources[param_value][1]
            state = self.constant(optimizer.state[param], "S")
            group = self.constant(optimizer.param_groups[group_number], "G")
            counter = self.constant(param._version_counter, "n")
            self.lines.append(f"{update}(v{param_value}, v{grad_value}, {state}, {group}, {position})")
            self.lines.append(f"{counter}[0] += 1")
