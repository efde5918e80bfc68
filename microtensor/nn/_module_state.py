"""``state_dict`` and ``load_state_dict``: a module's parameters and persistent buffers by dotted name.

``_ModuleStateDict`` is a base class of ``Module``.
"""
from collections import OrderedDict, namedtuple

import numpy as np

from ..autograd.grad_mode import no_grad
from .._tensor import Tensor
from .uninitialized import is_lazy

class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns; a notebook shows PyTorch's ``<All keys matched successfully>``."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _optional_keys(module):
    """Dotted names of buffers that an older checkpoint may lack (``_optional_buffers`` of a class,
    e.g. BatchNorm's ``num_batches_tracked``); loading keeps their current value, as in PyTorch."""
    return {
        prefix + ("." if prefix else "") + name
        for prefix, sub in module.named_modules(remove_duplicate=False)
        for name in getattr(sub, "_optional_buffers", ())
    }


class _ModuleStateDict:
    """The state-dict methods of ``Module`` (one of its base classes)."""

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ``OrderedDict`` of dotted name -> tensor for every parameter and persistent buffer.

        The tensors are detached (they share memory with the module, as in PyTorch);
        ``keep_vars=True`` returns the Parameters themselves.
        """
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from ``state_dict`` into this module's parameters and buffers, in place.

        Values keep each parameter's dtype and the Parameter objects stay the same, so an
        optimizer built before still works. A lazy layer's placeholders take the checkpoint's
        shapes (as after a first forward); a placeholder in the checkpoint loads nothing. With ``strict=True`` (default), missing or
        unexpected keys raise a ``RuntimeError`` listing them; a shape mismatch always raises.
        Returns ``(missing_keys, unexpected_keys)``.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        if missing:
            optional = _optional_keys(self)
            missing = [key for key in missing if key not in optional]
        unexpected = [key for key in state_dict.keys() if key not in own]
        errors = []
        if strict:  # missing keys first, then unexpected ones, as PyTorch lists them
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        pending = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            if is_lazy(value):  # a lazy layer's checkpoint from before its first forward: nothing to copy
                continue
            array = value._data if isinstance(value, Tensor) else value
            try:
                array = np.asarray(array)
            except Exception:  # noqa: BLE001 - reported below
                array = None
            if array is None or array.dtype.kind not in "biuf":
                errors.append(
                    f'While copying the parameter named "{key}", expected a Tensor or numeric array from the '
                    f"checkpoint, but got {type(value).__name__}."
                )
                continue
            if is_lazy(target):  # a lazy layer before its first forward: it takes the checkpoint's shape
                pending.append((target, array))
                continue
            if target.ndim == 0 and array.shape == (1,):  # an old checkpoint's 1-element form of a 0-d tensor
                array = array.reshape(())
            if array.shape != target.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(array.shape)} from checkpoint, "
                    f"the shape in current model is {tuple(target.shape)}."
                )
                continue
            pending.append((target, array))
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(error.rstrip() for error in errors)
            )
        with no_grad():
            for target, array in pending:
                if is_lazy(target):
                    target.materialize(array.shape)
                np.copyto(target._data, array, casting="unsafe")
                target._version_counter[0] += 1
        return _IncompatibleKeys(missing, unexpected)
