"""``Optimizer``: the base class of every optimizer, with PyTorch's bookkeeping.

An optimizer holds **parameter groups** (``param_groups``: a list of dicts, each with
a ``'params'`` list and every hyper-parameter, e.g. ``opt.param_groups[0]['lr'] = 0.1``
takes effect at the next ``step()``), a per-parameter ``state`` dict (momentum
buffers, running averages, step counts; keyed by the parameter Tensor itself) and
``defaults`` (the constructor's hyper-parameters, filled into groups that omit them).

Subclasses implement one method, ``_update(param, grad, state, group, index)``: it
receives numpy arrays (``param`` is ``p._data`` and is updated **in place**, ``grad``
is ``p.grad._data`` and must not be modified), the parameter's state dict, its group
and its index (for error messages). ``step()`` calls it under ``no_grad`` for every
parameter whose ``.grad`` is not ``None`` and bumps the parameter's version counter,
so a graph that saved the old value notices the in-place change, as in PyTorch.

``state_dict()`` has PyTorch's layout::

    {'state': {0: {'step': 3, 'exp_avg': Tensor, ...}, 1: {...}},
     'param_groups': [{'lr': 0.001, 'betas': (0.9, 0.999), ..., 'params': [0, 1]}]}

where parameters are numbered in order across all groups. Unlike PyTorch, the
returned state buffers are copies (a snapshot that later steps do not change). The
dict holds only Tensors, ints, floats, bools, tuples and strings, so ``mt.save``
writes it and ``load_state_dict(mt.load(path))`` resumes a run bit for bit.
"""
from collections import defaultdict

import numpy as np

from ..autograd import grad_mode
from .._tensor import Tensor


class _RequiredParameter:
    """Marks a hyper-parameter without a default (it must be given per group)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class for all optimizers (see the module docstring).

    Args:
        params: an iterable of Tensors, or of dicts (parameter groups) each holding a
            ``'params'`` entry and any hyper-parameters that override ``defaults``.
        defaults: dict of default hyper-parameter values.
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = defaultdict(dict)
        self.param_groups = []
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got a Tensor; pass [tensor] or model.parameters()"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: optimizer parameters need to be organized in ordered collections, but got a set")
        if isinstance(params, dict):
            raise TypeError(
                f"{name}: params should be an iterable of Tensors or of dicts (parameter groups), got one dict; "
                f"wrap it in a list: [{{'params': ...}}]"
            )
        try:
            param_groups = list(params)
        except TypeError:
            raise TypeError(
                f"{name}: params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {type(params).__name__}"
            ) from None
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ------------------------------------------------------------- groups
    @staticmethod
    def _named(params, group):
        """``model.named_parameters()`` (pairs of name and tensor) as PyTorch 2.6+ takes it: the tensors,
        their names kept in the group's ``'param_names'``."""
        named = [isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params]
        if not any(named):
            return params
        if not all(named):
            raise ValueError("all optimizer params should be with/without names. Some param names are missing")
        group["param_names"] = [name for name, _ in params]
        return [param for _, param in params]

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``'params'``) with its own hyper-parameters."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        if "params" not in group:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry")
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: optimizer parameters need to be organized in ordered collections, but got a set")
        else:
            params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        params = self._named(params, group)
        seen = set()
        for position, param in enumerate(params):
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"{name} can only optimize Tensors, but parameter {position} of group "
                    f"{len(self.param_groups)} is a {type(param).__name__}"
                )
            if not param.is_leaf:
                raise ValueError(
                    f"{name}: can't optimize a non-leaf Tensor (parameter {position} of group "
                    f"{len(self.param_groups)} was computed by {type(param.grad_fn).__name__}); "
                    f"optimize the leaf it came from, or use t.detach().requires_grad_()"
                )
            if param.dtype.kind != "f":
                raise TypeError(
                    f"{name} can only optimize floating point Tensors, but parameter {position} of group "
                    f"{len(self.param_groups)} has dtype {param.dtype}"
                )
            if id(param) in seen:
                raise ValueError(
                    f"{name}: parameter {position} of group {len(self.param_groups)} appears twice in the group; "
                    f"each parameter may be listed once"
                )
            seen.add(id(param))
        for other in self.param_groups:
            if any(id(p) in seen for p in other["params"]):
                raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required optimization parameter {key}")
            group.setdefault(key, default)
        self._check_hyperparameters(group)
        self.param_groups.append(group)

    def _check_hyperparameters(self, group):
        """Validate a group's hyper-parameters (subclasses extend this)."""
        if "lr" in group:
            check_nonnegative(group["lr"], "learning rate", "lr")

    # ----------------------------------------------------------- stepping
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to ``None`` (default, as in PyTorch) or to zeros."""
        for group in self.param_groups:
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                    continue
                if grad_mode._state.recorder is not None:
                    grad_mode._state.recorder.unsupported("zero_grad(set_to_none=False)")
                if grad.grad_fn is not None or grad.requires_grad:
                    param.grad = Tensor._make(np.zeros_like(grad._data))
                else:
                    grad._data[...] = 0
                    grad._version_counter[0] += 1

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()``'s value if given.

        ``closure`` re-evaluates the model and returns the loss (it runs with grad enabled).
        """
        loss = None
        if grad_mode._state.recorder is not None:
            grad_mode._state.recorder.on_optimizer_step(self, closure)
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        with grad_mode.no_grad():
            index = 0
            for group in self.param_groups:
                for param in group["params"]:
                    grad = param.grad
                    if grad is not None:
                        grad_data = grad._data
                        if grad_data.shape != param._data.shape:
                            raise RuntimeError(
                                f"{type(self).__name__}.step(): parameter {index} has shape {param._data.shape} "
                                f"but its gradient has shape {grad_data.shape}"
                            )
                        self._update(param._data, grad_data, self.state[param], group, index)
                        param._version_counter[0] += 1
                    index += 1
        return loss

    def _update(self, param, grad, state, group, index):
        raise NotImplementedError(f"{type(self).__name__} must implement _update")

    def _buffer(self, state, key, param, index):
        """The state array ``key`` (or None), checked against the parameter's shape."""
        value = state.get(key)
        if value is None:
            return None
        array = value._data if isinstance(value, Tensor) else value
        if array.shape != param.shape:
            raise RuntimeError(
                f"{type(self).__name__}.step(): parameter {index} has shape {param.shape} but its state "
                f"'{key}' has shape {array.shape}; the parameter was resized (or a state dict of another "
                f"model was loaded). Create a new optimizer for the resized parameters."
            )
        return array

    @staticmethod
    def _new_buffer(state, key, array):
        """Store ``array`` in the state as a Tensor (PyTorch keeps Tensors there) and return it."""
        state[key] = Tensor._make(array)
        return array

    # -------------------------------------------------------- state dicts
    def state_dict(self):
        """A snapshot of the optimizer in PyTorch's layout (see the module docstring)."""
        numbering = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [numbering.setdefault(id(p), len(numbering)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for param in group["params"]:
                param_state = self.state.get(param)
                if param_state:
                    state[numbering[id(param)]] = {key: _copy_value(value) for key, value in param_state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and state saved by ``state_dict()`` (a resumed run continues exactly).

        Parameter groups are matched by position and must have the same sizes;
        floating point state is cast to its parameter's dtype.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups' "
                f"(from optimizer.state_dict()), got {type(state_dict).__name__}"
                + (f" with keys {list(state_dict)}" if isinstance(state_dict, dict) else "")
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: loaded state dict has {len(saved_groups)} parameter groups, "
                f"the optimizer has {len(self.param_groups)}"
            )
        by_index = {}
        for number, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: loaded state dict contains a parameter group that doesn't match "
                    f"the size of optimizer's group: group {number} has {len(saved['params'])} parameters in "
                    f"the state dict and {len(group['params'])} in the optimizer"
                )
            for saved_index, param in zip(saved["params"], group["params"]):
                by_index[int(saved_index)] = param
        new_state = defaultdict(dict)
        for key, param_state in state_dict["state"].items():
            try:
                index = int(key)
                param = by_index[index]
            except (KeyError, ValueError, TypeError):
                raise ValueError(
                    f"{name}.load_state_dict: state for parameter {key!r} does not belong to any parameter group"
                ) from None
            new_state[param] = {
                state_key: self._load_state_value(value, param, state_key, index)
                for state_key, value in param_state.items()
            }
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            restored = {key: value for key, value in saved.items() if key != "params"}
            restored["params"] = group["params"]
            new_groups.append(restored)
        self.state = new_state
        self.param_groups = new_groups

    def _load_state_value(self, value, param, key, index):
        """A loaded state entry as the optimizer keeps it (subclasses with other state layouts override)."""
        return _cast_state(value, param, key, index, type(self).__name__)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for number, group in enumerate(self.param_groups):
            if number:
                lines.append("")
            lines.append(f"Parameter Group {number}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _copy_value(value):
    if isinstance(value, Tensor):
        return Tensor._make(value._data.copy())
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_value(item) for item in value)
    return value


def _cast_state(value, param, key, index, name):
    """A loaded state entry as the optimizer keeps it: floating arrays in the parameter's dtype."""
    if isinstance(value, (Tensor, np.ndarray)):
        array = value._data if isinstance(value, Tensor) else value
        if key == "step":
            return int(array)
        if array.shape != param.shape:
            raise RuntimeError(
                f"{name}.load_state_dict: parameter {index} has shape {param.shape} but the loaded state "
                f"'{key}' has shape {array.shape}; the state dict belongs to a different model"
            )
        if array.dtype.kind == "f":
            array = array.astype(param.dtype, copy=True)
        else:
            array = array.copy()
        return Tensor._make(array)
    return value


def check_flags(name, differentiable=False, fused=None):
    """``foreach`` and ``capturable`` (kernel and CUDA-graph choices) are accepted and ignored; ``differentiable``
    and ``fused`` have no numpy form: ``NotImplementedError`` when true."""
    for option, value in (("differentiable", differentiable), ("fused", fused)):
        if value:
            raise NotImplementedError(f"{name}: {option}=True is not supported by microtensor")


def check_number(value, what, key):
    """TypeError unless ``value`` is a real number (a one-element Tensor or array counts),
    so ``SGD(lr=None)`` fails at construction, not inside ``step``."""
    if isinstance(value, (str, bytes)) or not hasattr(type(value), "__float__"):
        raise TypeError(f"Invalid {what}: {value!r} ({key} must be a number, got {type(value).__name__})")
    return value


def check_nonnegative(value, what, key):
    """A real number >= 0 (NaN is refused); TypeError for a non-number, ValueError below zero."""
    check_number(value, what, key)
    if not value >= 0:
        raise ValueError(f"Invalid {what}: {value} ({key} must be >= 0)")
    return value

