"""Learning-rate schedules: ``StepLR``, ``ExponentialLR``, ``CosineAnnealingLR`` (PyTorch's).

A scheduler rewrites ``group['lr']`` of its optimizer's parameter groups. As in
PyTorch, creating it performs the first ``step()`` (``last_epoch`` becomes 0 and
the lr is the initial one); call ``scheduler.step()`` once per epoch after
``optimizer.step()``. Schedules, with ``base_lr`` each group's ``initial_lr``
(its lr when the first scheduler was attached) and ``e = last_epoch``:

* ``StepLR(step_size, gamma=0.1)``: ``lr = base_lr * gamma ** (e // step_size)``
* ``ExponentialLR(gamma)``: ``lr = base_lr * gamma ** e``
* ``CosineAnnealingLR(T_max, eta_min=0)``:
  ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * e / T_max)) / 2``

``StepLR`` and ``ExponentialLR`` update the current lr multiplicatively (PyTorch's
"chainable" form: a manual change of ``group['lr']`` is kept and further decayed);
``CosineAnnealingLR`` uses the closed form above (PyTorch's recursive form gives the
same values up to rounding when nobody else changes the lr). ``step(epoch)`` jumps
to an epoch using the closed forms. ``state_dict()`` holds plain numbers and lists,
so ``mt.save`` writes it.
"""
import math

from .optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses define ``get_lr()`` (and ``_get_closed_form_lr()``)."""

    def __init__(self, optimizer, last_epoch=-1):
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
        self._step_count = 0
        self.step()

    def get_lr(self):
        raise NotImplementedError

    def _get_closed_form_lr(self):
        return self.get_lr()

    def get_last_lr(self):
        """The learning rates (one per group) set by the last ``step()``."""
        return list(self._last_lr)

    def step(self, epoch=None):
        """Advance one epoch (or jump to ``epoch``) and write the new lr into every group."""
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self._get_closed_form_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """Everything but the optimizer (numbers and lists only)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
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


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs: ``base_lr * gamma ** (epoch // step_size)``."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size <= 0:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch: ``base_lr * gamma ** epoch``."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from ``base_lr`` down to ``eta_min`` over ``T_max`` epochs (SGDR without restarts):
    ``eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``; past ``T_max`` the cosine
    continues (the lr rises again), as in PyTorch."""

    def __init__(self, optimizer, T_max, eta_min=0, last_epoch=-1):
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive int, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return self._get_closed_form_lr()

    def _get_closed_form_lr(self):
        factor = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * factor for base_lr in self.base_lrs]
