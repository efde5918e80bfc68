"""``CyclicLR`` (Smith, "Cyclical Learning Rates"), PyTorch's: the lr goes up and down between ``base_lr`` and
``max_lr`` every ``step_size_up + step_size_down`` steps (call ``step()`` once per batch).

With e = last_epoch, T = step_size_up + step_size_down and r = step_size_up / T::

    cycle = floor(1 + e / T);   x = 1 + e / T - cycle                       (position in the cycle, [0, 1))
    f = x / r  if x <= r  else  (x - 1) / (r - 1)                          (0 -> 1 -> 0)
    lr = base_lr + (max_lr - base_lr) * f * scale

``scale`` is 1 ('triangular'), 1 / 2**(cycle - 1) ('triangular2'), gamma**e ('exp_range') or a
``scale_fn`` of the cycle (or of e, ``scale_mode='iterations'``). With ``cycle_momentum`` the momentum
(SGD's ``momentum``, Adam's beta1) moves the other way: ``max_momentum - (max_momentum - base_momentum) f scale``.
"""
from __future__ import annotations

import math
from typing import Callable, List, Optional, Sequence, Union

from ._base import LRScheduler
from ..optimizer import Optimizer


def _per_group(name, optimizer, value):
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"optimizer.param_groups has {len(optimizer.param_groups)} values, {name} has "
                             f"{len(value)} values.")
        return list(value)
    return [value] * len(optimizer.param_groups)


class CyclicLR(LRScheduler):
    """``CyclicLR(optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode='triangular', gamma=1.0,
    scale_fn=None, scale_mode='cycle', cycle_momentum=True, base_momentum=0.8, max_momentum=0.9)``."""

    def __init__(
        self, optimizer: Optimizer, base_lr: Union[float, Sequence[float]], max_lr: Union[float, Sequence[float]],
        step_size_up: int = 2000, step_size_down: Optional[int] = None, mode: str = "triangular", gamma: float = 1.0,
        scale_fn: Optional[Callable[[float], float]] = None, scale_mode: str = "cycle", cycle_momentum: bool = True,
        base_momentum: Union[float, Sequence[float]] = 0.8, max_momentum: Union[float, Sequence[float]] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode, self.gamma, self.scale_fn_custom = mode, gamma, scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for maximum, base, group in zip(self.max_momentums, self.base_momentums, optimizer.param_groups):
                    self._set_momentum(group, maximum)
                    group["max_momentum"], group["base_momentum"] = maximum, base
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def scale_fn(self, x: float) -> float:
        if self.scale_fn_custom is not None:
            return self.scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self) -> List[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (top - base) * factor * scale for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, base, top in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                self._set_momentum(group, top - (top - base) * factor * scale)
        return lrs

    def state_dict(self):
        """Everything but the optimizer and a custom ``scale_fn`` (a function cannot be saved)."""
        return {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "scale_fn_custom")}
