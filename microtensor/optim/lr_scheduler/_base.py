"""``LRScheduler``, the base class of the learning-rate schedules (``optim/lr_scheduler/__init__.py`` lists them).

A scheduler rewrites ``group['lr']`` of its optimizer's parameter groups. As in
PyTorch, creating it performs the first ``step()`` (``last_epoch`` becomes 0 and
the lr is the initial one); call ``scheduler.step()`` once per epoch after
``optimizer.step()``. ``base_lrs`` are the groups' ``initial_lr`` (their lr when the
first scheduler was attached). ``step(epoch)`` jumps to an epoch using a subclass's
closed form. ``state_dict()`` holds plain numbers and lists, so ``mt.save`` writes it.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..optimizer import Optimizer, check_number


class LRScheduler:
    """Base class: subclasses define ``get_lr()`` (and ``_get_closed_form_lr()``)."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for number, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{number}] when resuming an optimizer "
                        f"(last_epoch={last_epoch}); load the optimizer's state dict first"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        """The step made at construction (``_is_initial`` is True during it)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> List[float]:
        raise NotImplementedError

    def _get_closed_form_lr(self):
        return self.get_lr()

    def get_last_lr(self) -> List[float]:
        """The learning rates (one per group) set by the last ``step()``."""
        return list(self._last_lr)

    def step(self, epoch: Optional[int] = None) -> None:
        """Advance one epoch (or jump to ``epoch``) and write the new lr into every group."""
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self._get_closed_form_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> Dict[str, Any]:
        """Everything but the optimizer (numbers and lists only)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Restore a ``state_dict()``; load the optimizer's own state dict separately."""
        state = dict(state_dict)
        state.pop("optimizer", None)
        for key in ("base_lrs", "_last_lr"):
            if key in state:
                state[key] = list(state[key])
        self.__dict__.update(state)

    def __repr__(self):
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.get_last_lr()})"


# PyTorch 1.x name of the base class.
_LRScheduler = LRScheduler


def _number(value, scheduler, key):
    return check_number(value, f"{scheduler} {key}", key)
