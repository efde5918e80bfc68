"""Learning-rate schedules, PyTorch's: ``StepLR``, ``MultiStepLR``, ``ExponentialLR``,
``CosineAnnealingLR``, ``CosineAnnealingWarmRestarts``, ``LambdaLR``, ``MultiplicativeLR``, ``LinearLR``,
``ConstantLR``, ``PolynomialLR``, ``CyclicLR``, ``OneCycleLR``, ``ReduceLROnPlateau``, ``SequentialLR`` and
``ChainedScheduler``.

A scheduler rewrites ``group['lr']`` of its optimizer's parameter groups. As in
PyTorch, creating it performs the first ``step()`` (``last_epoch`` becomes 0 and
the lr is the initial one); call ``scheduler.step()`` once per epoch after
``optimizer.step()``. Schedules, with ``base_lr`` each group's ``initial_lr``
(its lr when the first scheduler was attached) and ``e = last_epoch``:

* ``StepLR(step_size, gamma=0.1)``: ``lr = base_lr * gamma ** (e // step_size)``
* ``ExponentialLR(gamma)``: ``lr = base_lr * gamma ** e``
* ``CosineAnnealingLR(T_max, eta_min=0)``:
  ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * e / T_max)) / 2``
* ``MultiStepLR(milestones, gamma=0.1)``: ``lr = base_lr * gamma ** (number of milestones <= e)``
* ``LambdaLR(lr_lambda)``: ``lr = base_lr * lr_lambda(e)``
* ``LinearLR(start_factor=1/3, end_factor=1, total_iters=5)``:
  ``lr = base_lr * (start + (end - start) * min(e, total_iters) / total_iters)``
* ``MultiplicativeLR(lr_lambda)``: ``lr_e = lr_{e-1} * lr_lambda(e)``
* ``ConstantLR(factor=1/3, total_iters=5)``: ``lr = base_lr * (factor if e < total_iters else 1)``
* ``PolynomialLR(total_iters=5, power=1)``: ``lr = base_lr * (1 - min(e, total_iters) / total_iters) ** power``
* ``CosineAnnealingWarmRestarts``, ``CyclicLR``, ``OneCycleLR``, ``ReduceLROnPlateau``, ``SequentialLR`` and
  ``ChainedScheduler``: see their docstrings.

``StepLR``, ``MultiStepLR``, ``LinearLR`` and ``ExponentialLR`` update the current lr multiplicatively (PyTorch's
"chainable" form: a manual change of ``group['lr']`` is kept and further decayed);
``CosineAnnealingLR`` uses the closed form above (PyTorch's recursive form gives the
same values up to rounding when nobody else changes the lr). ``step(epoch)`` jumps
to an epoch using the closed forms. ``state_dict()`` holds plain numbers and lists,
so ``mt.save`` writes it.

This package is their public home; they are written in ``_base.py`` (``LRScheduler``),
``_epoch_schedules.py`` (the formulas above), ``_warm_restarts.py``, ``_cyclic.py``, ``_one_cycle.py``, ``_plateau.py`` and
``_sequential.py``.
"""
from ._base import LRScheduler
from ._base import _LRScheduler as _LRScheduler  # PyTorch 1.x name of the base class
from ._epoch_schedules import (
    ConstantLR, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, MultiplicativeLR, MultiStepLR, PolynomialLR,
    StepLR,
)
from ._warm_restarts import CosineAnnealingWarmRestarts
from ._cyclic import CyclicLR
from ._one_cycle import OneCycleLR
from ._plateau import ReduceLROnPlateau
from ._sequential import ChainedScheduler, SequentialLR
from ..optimizer import Optimizer as Optimizer
from ..._tensor import Tensor as Tensor

__all__ = [
    "LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR", "MultiStepLR", "LinearLR",
    "OneCycleLR", "ReduceLROnPlateau", "SequentialLR", "CosineAnnealingWarmRestarts", "MultiplicativeLR",
    "ConstantLR", "PolynomialLR", "CyclicLR", "ChainedScheduler",
]
