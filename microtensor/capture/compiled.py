"""``CompiledFunction``: when to run eagerly, capture, validate, replay or recapture.

For each *signature* of a call (the shapes, dtypes and ``requires_grad`` of its tensor
arguments, its other arguments, and the grad mode) a compiled function goes through:

1. the first call runs eagerly (a warm-up: optimizers make their state, lazy things happen);
2. the next two calls run eagerly under the recorder, each writing a trace; the two traces
   must agree (the same ops on the same constants, see ``trace.same_structure``), else
   something the step reads changes in a way the recorder cannot see;
3. the second trace becomes a program; it runs once on the state as it was before that
   call, and must leave exactly what eager left (bit for bit), else it is refused;
4. later calls check the guards (parameters not rebound, train/eval flags, optimizer
   structure, the Python numbers the function reads) and replay the program; a failed
   guard recaptures.

Whatever cannot be captured runs eagerly, with the reason kept for ``explain()``.
"""
import dis
import warnings

from .._tensor import Tensor
from ..autograd.grad_mode import _state
from .program import build_program
from .recorder import Recorder
from .snapshots import identical
from .trace import same_structure

MAX_PROGRAMS = 8  # programs built per compiled function before it stays eager (with one warning)


class _Entry:
    """What a compiled function knows about one signature."""

    def __init__(self, description):
        self.description = description
        self.calls = 0
        self.first_trace = None  # the first capture, waiting for a second to agree with it
        self.program = None
        self.guards = None
        self.fast = None  # the generated check of signature and guards together (CompiledFunction.__call__)
        self.eager_reason = None


class CompiledFunction:
    """The callable ``mt.compile(fn)`` returns (see the module docstring)."""

    def __init__(self, fn, fullgraph=False, disable=False):
        self._fn = fn
        self._fullgraph = fullgraph
        self._disable = disable
        self._entries = {}
        self._programs_built = 0
        self._events = []  # (kind, signature, detail) for explain()
        self._counts = {"eager": 0, "captured": 0, "replayed": 0, "recaptured": 0}
        self._last = None  # the entry the previous call replayed, checked first
        self.__wrapped__ = fn
        self.__name__ = getattr(fn, "__name__", type(fn).__name__)
        self.__doc__ = getattr(fn, "__doc__", None)

    def __call__(self, *args, **kwargs):
        last = self._last  # the common case, the same signature as the call before: one generated check
        if last is not None and last.fast(args, kwargs):  # (which also checks that no capture is running)
            self._counts["replayed"] += 1
            return last.program.run(*args)
        if self._disable or _state.recorder is not None:  # disabled, or inside another capture
            return self._fn(*args, **kwargs)
        key, tensors = _signature(args, kwargs)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(_describe(tensors))
        if entry.program is not None:
            failed = entry.guards.check()
            if failed is None:
                self._counts["replayed"] += 1
                self._last = entry if entry.fast is not None else None
                return entry.program.run(*tensors)
            self._last = None
            self._note("recaptured", entry, failed)
            self._counts["recaptured"] += 1
            entry.program = None
            entry.first_trace = None
            entry.calls = 1
        entry.calls += 1
        if entry.eager_reason is not None or entry.calls == 1 or self._programs_built >= MAX_PROGRAMS:
            self._counts["eager"] += 1
            return self._fn(*args, **kwargs)
        return self._capture(entry, args, kwargs, tensors)

    # --------------------------------------------------------------- capture
    def _capture(self, entry, args, kwargs, tensors):
        self._counts["captured"] += 1
        recorder = Recorder(self._fullgraph)
        recorder.start(tensors)
        _state.recorder = recorder
        try:
            result = self._fn(*args, **kwargs)
        finally:
            _state.recorder = None
        recorder.finish(result)
        if recorder.failure is None and _needs_graph(result, recorder):
            recorder.unsupported("the function returns a tensor that requires grad but runs no backward() inside; "
                                 "compile the whole training step")
        if recorder.failure is not None:
            return self._give_up(entry, recorder.failure, result)
        if entry.first_trace is None:
            entry.first_trace = recorder.trace
            self._note("captured", entry, f"{len(recorder.trace.events)} steps recorded; the next call checks them")
            return result
        difference = same_structure(entry.first_trace, recorder.trace)
        entry.first_trace = None
        if difference is not None:
            return self._give_up(entry, f"two captures differ: {difference}", result)
        return self._validate(entry, recorder, args, kwargs, tensors, result)

    def _validate(self, entry, recorder, args, kwargs, tensors, result):
        snapshots = recorder.snapshots
        after = snapshots.after()
        for lowered in (True, False):  # with the inline lowerings, else with every op's own code
            try:
                program = build_program(recorder, recorder.trace.optimizers, lowered)
            except Exception as error:  # a lowering that fails on an op it did not expect
                if not lowered:
                    raise
                self._note("lowering refused", entry, f"writing the inline forms failed: {error!r}")
                continue
            problems = _check(program, snapshots, after, tensors, result)
            if not problems:
                break
            snapshots.restore(after)
            if lowered:
                self._note("lowering refused", entry, "; ".join(problems[:3]))
        if problems:
            return self._give_up(entry, "the program did not reproduce the eager step: " + "; ".join(problems[:3]),
                                 result)
        self._programs_built += 1
        if self._programs_built == MAX_PROGRAMS:
            warnings.warn(
                f"mt.compile: {self.__name__} has built {MAX_PROGRAMS} programs (shapes, flags or parameters keep "
                f"changing); new signatures run eagerly from now on. compiled.explain() says why each recaptured.",
                RuntimeWarning, stacklevel=4,
            )
        entry.program = program
        entry.guards = _Guards(recorder.trace, self._fn, program.group_guards)
        all_tensors = len(tensors) == len(args) and not kwargs and all(arg.__class__ is Tensor for arg in args)
        entry.fast = entry.guards.fast_check(tensors) if all_tensors else None
        self._note("replaying", entry, f"a program of {program.op_count} lines, checked against eager")
        return result

    def _give_up(self, entry, reason, result):
        entry.eager_reason = reason
        self._note("eager", entry, reason)
        return result

    def _note(self, kind, entry, detail):
        self._events.append((kind, entry.description, detail))

    @property
    def stats(self):
        """How many calls were replayed, captured, run eagerly and recaptured so far (a dict)."""
        return dict(self._counts)

    # --------------------------------------------------------------- explain
    def explain(self, verbose=False):
        """What was captured, replayed, recaptured or run eagerly, and why (a readable text)."""
        counts = self._counts
        lines = [
            f"mt.compile({self.__name__}): {counts['replayed']} calls replayed, {counts['captured']} captured "
            f"(run eagerly while recording), {counts['eager']} run eagerly, {counts['recaptured']} recaptures."
        ]
        for description, entry in ((e.description, e) for e in self._entries.values()):
            if entry.program is not None:
                state = "replays a program"
            elif entry.eager_reason is not None:
                state = f"runs eagerly: {entry.eager_reason}"
            else:
                state = "warming up or capturing"
            lines.append(f"- {description}: {state}")
            if verbose and entry.program is not None:
                lines.append(entry.program.source)
        if self._events:
            lines.append("History:")
            lines += [f"  {kind}: {description}: {detail}" for kind, description, detail in self._events[-20:]]
        lines.append("Python values the function reads (globals, closure numbers) are frozen at capture; a change "
                     "to a global number is detected and recaptures, other Python state is not.")
        return "\n".join(lines)

    def __repr__(self):
        return f"<mt.compile of {self.__name__}>"


class _Guards:
    """What must still hold for a program to be replayed; ``check()`` names the first thing that changed."""

    def __init__(self, trace, fn, group_guards=()):
        self.externals = trace.externals
        self.groups = list(group_guards)
        self.modules = [(module, module.training) for module in trace.modules.values()
                        if type(module) not in flag_free_modules()]
        self.optimizers = [(optimizer, [len(group["params"]) for group in optimizer.param_groups])
                           for optimizer in trace.optimizers.values()]
        self.python = _python_values(fn)
        self.names, self.terms = {}, []
        self._compile()
        self.holds = eval(f"lambda: {' and '.join(self.terms) or 'True'}", self.names)

    def _compile(self):
        """All the guards as one generated expression (``holds()``), checked at every replay; the loops
        in ``check`` run only when it fails, to say what changed. Each object gets one name, and a
        setting that several parameters' updates assume is checked once."""
        names, terms, named = self.names, self.terms, {}

        def name(value):
            key = id(value)
            if key not in named:
                named[key] = f"g{len(names)}"
                names[named[key]] = value
            return named[key]

        for tensor, array, requires_grad in self.externals:
            terms.append(f"{name(tensor)}._data is {name(array)}")
            terms.append(f"{name(tensor)}._requires_grad is {requires_grad}")
        terms += [f"{name(module)}.training is {training}" for module, training in self.modules]
        settings = {(id(group), key): (group, key, nonzero) for group, key, nonzero in self.groups}
        terms += [f"{'bool' if nonzero else 'not '}({name(group)}[{key!r}])"  # the same test as bool(...) is nonzero
                  for group, key, nonzero in settings.values()]
        for optimizer, sizes in self.optimizers:
            groups = name(optimizer.param_groups)
            terms.append(f"len({groups}) == {len(sizes)}")
            terms += [f"len({groups}[{i}]['params']) == {size}" for i, size in enumerate(sizes)]
        for scope, variable, value in self.python:
            current = f"{name(scope)}.get({variable!r})" if isinstance(scope, dict) else f"{name(scope)}.cell_contents"
            terms.append(f"type({current}) is {name(type(value))} and {current} == {name(value)}")

    def fast_check(self, tensors):
        """``fast(args, kwargs)``: does a call with these positional tensors, the same grad mode, no capture
        running and every guard holding replay this program? One generated function, tried before the
        cache lookup: the tensors' own checks first, then the guards."""
        names = dict(self.names, Tensor=Tensor, _state=_state)
        unpack = ", ".join(f"a{i}" for i in range(len(tensors))) + ("," if len(tensors) == 1 else "")
        terms = [f"_state.enabled is {_state.enabled}", f"_state.inference is {_state.inference}",
                 "_state.recorder is None"]
        for i, tensor in enumerate(tensors):
            names[f"s{i}"], names[f"d{i}"] = tensor._data.shape, tensor._data.dtype
            terms[4 * i:4 * i] = [f"a{i}.__class__ is Tensor", f"a{i}._requires_grad is {tensor._requires_grad}",
                                  f"a{i}._data.shape == s{i}", f"a{i}._data.dtype is d{i}"]
        source = (f"def fast(args, kwargs):\n"
                  f"    if kwargs or len(args) != {len(tensors)}:\n"
                  f"        return False\n"
                  + (f"    {unpack} = args\n" if tensors else "")
                  + f"    return {' and '.join(terms + self.terms)}\n")
        exec(compile(source, "<mt.compile guards>", "exec"), names)
        return names["fast"]

    def check(self):
        if self.holds():
            return None
        return self.reason() or "a guard failed"

    def reason(self):
        for tensor, array, requires_grad in self.externals:
            if tensor._data is not array:
                return f"a tensor of shape {array.shape} was given new values (t.data = ... or load_state_dict rebinding)"
            if tensor._requires_grad is not requires_grad:
                return f"requires_grad of a tensor of shape {array.shape} changed"
        for module, training in self.modules:
            if module.training is not training:
                return f"{type(module).__name__} switched to {'train' if module.training else 'eval'} mode"
        for group, key, nonzero in self.groups:
            if bool(group[key]) is not nonzero:
                return f"the optimizer setting {key} became {group[key]!r}"
        for optimizer, sizes in self.optimizers:
            if [len(group["params"]) for group in optimizer.param_groups] != sizes:
                return f"the parameter groups of {type(optimizer).__name__} changed"
        for scope, name, value in self.python:
            now = scope.get(name) if isinstance(scope, dict) else scope.cell_contents
            if type(now) is not type(value) or now != value:
                return f"the Python value {name} changed from {value!r} to {now!r}"
        return None


def _check(program, snapshots, after, tensors, result):
    """Run ``program`` on the state from before the eager step; what it left that differs from eager."""
    snapshots.restore_before()
    try:
        replayed = program.run(*tensors)
    except Exception as error:  # a program that cannot even run is refused like a wrong one
        return [f"the program raised {type(error).__name__}: {error}"]
    problems = snapshots.differences(after)
    if not _same_result(replayed, result):
        problems.append("the returned value differs")
    return problems


def _python_values(fn):
    """The numbers, strings and bools the function reads from globals and its closure."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    found = []
    scope = getattr(fn, "__globals__", {})
    global_names = {instruction.argval for instruction in dis.get_instructions(code)
                    if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME")}  # not attribute names (opt.step)
    for name in sorted(global_names):
        value = scope.get(name)
        if isinstance(value, (bool, int, float, str)):
            found.append((scope, name, value))
    for name, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or ()):
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if isinstance(value, (bool, int, float, str)):
            found.append((cell, name, value))
    return found


# Built-in modules whose forward never reads ``self.training``: their train/eval flag cannot change a
# step, so it is not guarded (containers, dropout, batch norm and every class of the user's own are).
_FLAG_FREE_NAMES = (
    "Linear", "Identity", "Flatten", "Unflatten", "ReLU", "ReLU6", "LeakyReLU", "GELU", "SiLU", "ELU", "SELU", "Tanh",
    "Sigmoid", "Softplus", "Softmax", "LogSoftmax", "Hardtanh", "Mish", "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d",
    "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "MSELoss", "CrossEntropyLoss", "L1Loss",
    "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "HuberLoss", "SmoothL1Loss", "KLDivLoss", "Embedding", "LayerNorm",
)
_flag_free = None


def flag_free_modules():
    """The classes of ``_FLAG_FREE_NAMES`` (exact types: a subclass may read ``training``)."""
    global _flag_free
    if _flag_free is None:
        from .. import nn

        _flag_free = frozenset(getattr(nn, name) for name in _FLAG_FREE_NAMES if hasattr(nn, name))
    return _flag_free


def _signature(args, kwargs):
    """The cache key of a call and its tensor arguments in order (a repeated signature is checked by
    the entry's generated ``fast`` check before this runs)."""
    tensors = []
    key = (_state.enabled, _state.inference, tuple(_key_of(arg, tensors) for arg in args),
           tuple((name, _key_of(value, tensors)) for name, value in sorted(kwargs.items())))
    return key, tensors


def _key_of(value, tensors):
    if isinstance(value, Tensor):
        tensors.append(value)
        return ("T", value._data.shape, value._data.dtype, value._requires_grad)
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(_key_of(item, tensors) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, _key_of(v, tensors)) for k, v in value.items()))
    if isinstance(value, (bool, int, float, str, type(None))):
        return ("P", type(value).__name__, value)
    return ("O", id(value))


def _describe(tensors):
    return "call(" + (", ".join(f"{tuple(t.shape)} {t.dtype}" for t in tensors) or "no tensor arguments") + ")"


def _needs_graph(result, recorder):
    """Does the caller get a tensor it may call backward() on, from a step that ran no backward?"""
    if any(event[0] == "bwd" for event in recorder.trace.events):
        return False
    stack = [result]
    while stack:
        value = stack.pop()
        if isinstance(value, Tensor):
            if value._requires_grad:
                return True
        elif isinstance(value, (tuple, list)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
    return False


def _same_result(replayed, eager):
    if isinstance(eager, Tensor):
        return isinstance(replayed, Tensor) and identical(replayed._data, eager._data)
    if isinstance(eager, (tuple, list)):
        return (type(replayed) is type(eager) and len(replayed) == len(eager)
                and all(_same_result(a, b) for a, b in zip(replayed, eager)))
    if isinstance(eager, dict):
        return (isinstance(replayed, dict) and replayed.keys() == eager.keys()
                and all(_same_result(replayed[k], eager[k]) for k in eager))
    return identical(replayed, eager)
