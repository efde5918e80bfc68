"""Weight averaging, PyTorch's ``torch.optim.swa_utils``: stochastic weight averaging (SWA) and
exponential moving averages (EMA) of a model's parameters.

* ``AveragedModel(model, avg_fn=None, multi_avg_fn=None, use_buffers=False)`` keeps a deep copy of
  ``model``; ``update_parameters(model)`` folds the model's current parameters into it. The first
  call copies them; later calls apply ``avg_fn(averaged, current, n_averaged)`` (returns the new
  average) to each parameter, or ``multi_avg_fn(averaged_list, current_list, n_averaged)``
  (updates the list in place), by default the running mean
  ``averaged + (current - averaged) / (n_averaged + 1)``. ``use_buffers=True`` averages the
  buffers too; otherwise they are copied from ``model``. ``n_averaged`` is an int64 buffer.
* ``get_ema_avg_fn(decay)`` / ``get_ema_multi_avg_fn(decay)``: ``decay * averaged + (1 - decay) * current``;
  ``get_swa_avg_fn()`` / ``get_swa_multi_avg_fn()``: the running mean.
* ``update_bn(loader, model)`` recomputes the running statistics of every batch norm of ``model``
  (reset, then one pass over ``loader`` in train mode with the cumulative average, momentum=None).
* ``SWALR(optimizer, swa_lr, anneal_epochs=10, anneal_strategy='cos')`` anneals each group's lr
  from its value to ``swa_lr`` over ``anneal_epochs`` steps, then keeps ``swa_lr``:
  ``lr = swa_lr * a(t) + lr_0 * (1 - a(t))`` with ``t = min(1, step / anneal_epochs)`` and
  ``a(t) = (1 - cos(pi t)) / 2`` (``'cos'``) or ``t`` (``'linear'``), computed recursively from
  the current lr as PyTorch does.
"""
from __future__ import annotations

import copy
import itertools
import math
from typing import Any, Callable, Iterable, List, Optional, Sequence, Union

import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import tensor
from .._tensor import Tensor
from ..nn.module import Module
from ..nn.modules.batchnorm import _BatchNorm
from .lr_scheduler import LRScheduler
from .optimizer import Optimizer, check_number

__all__ = [
    "AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn", "get_ema_avg_fn",
    "get_swa_avg_fn",
]

AvgFn = Callable[[Tensor, Tensor, Union[Tensor, int]], Tensor]
MultiAvgFn = Callable[[List[Tensor], List[Tensor], Union[Tensor, int]], None]


def _check_decay(decay):
    check_number(decay, "decay value", "decay")
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """An in-place EMA update of lists of tensors: ``averaged <- decay * averaged + (1 - decay) * current``."""
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _num_averaged):
        with no_grad():
            for ema, current in zip(ema_param_list, current_param_list):
                ema.copy_(ema * decay + current * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """An in-place running mean of lists of tensors: ``averaged <- averaged + (current - averaged) / (n + 1)``."""

    def swa_update(averaged_param_list, current_param_list, num_averaged):
        with no_grad():
            for averaged, current in zip(averaged_param_list, current_param_list):
                averaged.copy_(averaged + (current - averaged) / (num_averaged + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """``(averaged, current, n) -> decay * averaged + (1 - decay) * current``."""
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> AvgFn:
    """``(averaged, current, n) -> averaged + (current - averaged) / (n + 1)``."""

    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A deep copy of ``model`` whose parameters are averaged by ``update_parameters`` (module docstring)."""

    n_averaged: Tensor

    def __init__(
        self, model: Module, device: Any = None, avg_fn: Optional[AvgFn] = None, multi_avg_fn: Optional[MultiAvgFn] = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        if not isinstance(model, Module):
            raise TypeError(f"AveragedModel: model must be an nn.Module, got {type(model).__name__}")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=np.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged_tensors(self, model):
        if self.use_buffers:
            return (itertools.chain(self.module.parameters(), self.module.buffers()),
                    itertools.chain(model.parameters(), model.buffers()))
        return self.parameters(), model.parameters()

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters (and buffers with ``use_buffers``) into the average."""
        averaged_tensors, model_tensors = self._averaged_tensors(model)
        averaged_list, current_list = [], []
        first = int(self.n_averaged.item()) == 0
        with no_grad():
            for averaged, current in zip(averaged_tensors, model_tensors):
                averaged = averaged.detach()
                current = current.detach()
                if averaged.shape != current.shape:
                    raise RuntimeError(
                        f"AveragedModel.update_parameters: a tensor of shape {tuple(current.shape)} of the model "
                        f"does not match the averaged one of shape {tuple(averaged.shape)}; pass the model the "
                        f"AveragedModel was made from"
                    )
                averaged_list.append(averaged)
                current_list.append(current)
                if first:
                    averaged.copy_(current)
            if not first:
                n_averaged = self.n_averaged
                if self.avg_fn is not None:
                    for averaged, current in zip(averaged_list, current_list):
                        averaged.copy_(self.avg_fn(averaged, current, n_averaged))
                else:
                    (self.multi_avg_fn or get_swa_multi_avg_fn())(averaged_list, current_list, n_averaged)
            if not self.use_buffers:
                for averaged_buffer, model_buffer in zip(self.module.buffers(), model.buffers()):
                    averaged_buffer.detach().copy_(model_buffer.detach())
            self.n_averaged.add_(1)


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running mean and variance of every batch norm in ``model`` from ``loader``
    (each item an input, or a list/tuple whose first entry is the input)."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    try:
        with no_grad():
            for batch in loader:
                if isinstance(batch, (list, tuple)):
                    batch = batch[0]
                if device is not None:
                    batch = batch.to(device)
                model(batch)
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """``SWALR(optimizer, swa_lr, anneal_epochs=10, anneal_strategy='cos', last_epoch=-1)`` (module docstring)."""

    def __init__(
        self, optimizer: Optimizer, swa_lr: Union[float, Sequence[float]], anneal_epochs: int = 10,
        anneal_strategy: str = "cos", last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"SWALR: {type(optimizer).__name__} is not an Optimizer")
        if isinstance(swa_lr, (list, tuple)):
            if len(swa_lr) != len(optimizer.param_groups):
                raise ValueError(
                    f"swa_lr must have the same length as optimizer.param_groups. swa_lr has {len(swa_lr)} values, "
                    f"param_groups has {len(optimizer.param_groups)}."
                )
            swa_lrs = list(swa_lr)
        else:
            swa_lrs = [swa_lr] * len(optimizer.param_groups)
        for value in swa_lrs:
            check_number(value, "SWALR swa_lr", "swa_lr")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        for value, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = value
        self._anneal_strategy = anneal_strategy
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t: float) -> float:
        if self._anneal_strategy == "cos":
            return (1 - math.cos(math.pi * t)) / 2
        return t

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> List[float]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [
            self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha) for group in self.optimizer.param_groups
        ]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [group["swa_lr"] * alpha + lr * (1 - alpha) for group, lr in zip(self.optimizer.param_groups, prev_lrs)]
