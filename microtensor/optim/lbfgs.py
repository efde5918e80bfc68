"""L-BFGS (Nocedal & Wright, Algorithm 7.4/7.5), PyTorch's ``torch.optim.LBFGS`` algorithm.

All parameters are treated as one flat vector ``x`` with gradient ``g``. One ``step(closure)``
runs up to ``max_iter`` iterations of::

    d = -H g                         H from the last ``history_size`` pairs (s, y) by the two-loop
                                     recursion, scaled by H_diag = s.y / y.y (d = -g at the very first)
    t = min(1, 1 / |g|_1) * lr       at the very first iteration, else t = lr
    t = strong_wolfe(x, t, d)        if line_search_fn == 'strong_wolfe' (cubic interpolation,
                                     Nocedal & Wright Algorithm 3.5/3.6, c1=1e-4, c2=0.9)
    x <- x + t d;  re-evaluate the closure
    s = t d,  y = g_new - g          a pair is kept only if y.s > 1e-10

and stops early when ``max|g| <= tolerance_grad``, ``max|t d| <= tolerance_change``,
``|f_new - f| < tolerance_change``, or after ``max_eval`` closure evaluations
(default ``max_iter * 5 // 4``). The closure must re-evaluate the model, call
``backward()`` and return the loss; it runs with gradients enabled. The state (history,
last direction and step) lives on the first parameter, as in PyTorch, and carries over
from one ``step`` to the next.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Dict, Optional

import numpy as np

from ..autograd import grad_mode
from .._tensor import Tensor
from .optimizer import Optimizer, _cast_state, check_nonnegative
from .._typing import ParamsT


class LBFGS(Optimizer):
    """``LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-07, tolerance_change=1e-09,
    history_size=100, line_search_fn=None)``; ``step(closure)`` needs the closure. One parameter
    group only, as in PyTorch."""

    def __init__(
        self, params: ParamsT, lr: float = 1, max_iter: int = 20, max_eval: Optional[int] = None,
        tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
        line_search_fn: Optional[str] = None,
    ) -> None:
        if max_eval is None and isinstance(max_iter, int):  # else the max_iter check below says what is wrong
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        for key in ("max_iter", "max_eval", "history_size"):
            value = group[key]
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"LBFGS: {key} must be a positive int, got {value!r}")
        for key in ("tolerance_grad", "tolerance_change"):
            check_nonnegative(group[key], f"{key} value", key)
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise RuntimeError(f"only 'strong_wolfe' is supported as line_search_fn, got {group['line_search_fn']!r}")

    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # ------------------------------------------------- the flat parameter vector
    def _flat_dtype(self):
        return np.result_type(*(param.dtype for param in self._params))

    def _gather_flat_grad(self):
        dtype = self._flat_dtype()
        pieces = [
            np.zeros(param._data.size, dtype) if param.grad is None else param.grad._data.reshape(-1)
            for param in self._params
        ]
        return np.concatenate(pieces).astype(dtype, copy=False)

    def _add_grad(self, step_size, update):
        offset = 0
        for param in self._params:
            count = param._data.size
            param._data += (step_size * update[offset:offset + count]).reshape(param.shape).astype(
                param.dtype, copy=False
            )
            param._version_counter[0] += 1
            offset += count

    def _clone_param(self):
        return [param._data.copy() for param in self._params]

    def _set_param(self, values):
        for param, value in zip(self._params, values):
            np.copyto(param._data, value)
            param._version_counter[0] += 1

    def _evaluate(self, closure):
        with grad_mode.enable_grad():
            loss = closure()
        return loss, float(loss)

    def _directional_evaluate(self, closure, x, t, d):
        """Loss and flat gradient at ``x + t d``; the parameters are put back to ``x`` afterwards."""
        self._add_grad(t, d)
        _, loss = self._evaluate(closure)
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # ----------------------------------------------------------------- step
    def step(self, closure: Callable[[], Tensor]) -> Tensor:
        """Run up to ``max_iter`` L-BFGS iterations; returns the loss of the first ``closure()`` call."""
        if not callable(closure):
            raise TypeError(
                "LBFGS.step() needs a closure that re-evaluates the model and returns the loss, e.g. "
                "def closure(): optimizer.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); return loss"
            )
        with grad_mode.no_grad():
            return self._step(closure)

    def _step(self, closure):
        group = self.param_groups[0]
        lr = float(group["lr"])
        max_iter = group["max_iter"]
        max_eval = group["max_eval"]
        tolerance_grad = group["tolerance_grad"]
        tolerance_change = group["tolerance_change"]
        history_size = group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, loss = self._evaluate(closure)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max(initial=0.0) <= tolerance_grad:
            return orig_loss

        d = _array(state.get("d"))
        t = state.get("t")
        old_dirs = [_array(value) for value in state.get("old_dirs", [])]
        old_stps = [_array(value) for value in state.get("old_stps", [])]
        ro = list(state.get("ro", []))
        H_diag = state.get("H_diag")
        prev_flat_grad = _array(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(np.dot(y, s))
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / float(np.dot(y, y))
                d = _two_loop_direction(flat_grad, old_dirs, old_stps, ro, H_diag)

            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr
            else:
                t = lr

            gtd = float(np.dot(flat_grad, d))
            if gtd > -tolerance_change:  # not a descent direction: nothing more to gain
                break

            if group["line_search_fn"] == "strong_wolfe":
                x_init = self._clone_param()

                def objective(x, step_size, direction):
                    return self._directional_evaluate(closure, x, step_size, direction)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    objective, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                ls_func_evals = 0
                opt_cond = False
                if n_iter != max_iter:
                    _, loss = self._evaluate(closure)
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1

            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = Tensor._make(d)
        state["t"] = float(t)
        state["old_dirs"] = [Tensor._make(value) for value in old_dirs]
        state["old_stps"] = [Tensor._make(value) for value in old_stps]
        state["ro"] = ro
        state["H_diag"] = float(H_diag)
        state["prev_flat_grad"] = Tensor._make(prev_flat_grad)
        state["prev_loss"] = float(prev_loss)
        return orig_loss

    # ---------------------------------------------------------- state dicts
    def _load_state_value(self, value, param, key, index):
        """L-BFGS keeps flat vectors (not shaped like the parameter) and lists of them."""
        if isinstance(value, (list, tuple)):
            return [self._load_state_value(item, param, key, index) for item in value]
        if isinstance(value, (Tensor, np.ndarray)) and key != "step":
            array = value._data if isinstance(value, Tensor) else value
            dtype = self._flat_dtype() if array.dtype.kind == "f" else array.dtype
            return Tensor._make(np.array(array, dtype=dtype, copy=True))
        return _cast_state(value, param, key, index, type(self).__name__)


def _array(value):
    return value._data if isinstance(value, Tensor) else value


def _two_loop_direction(flat_grad, old_dirs, old_stps, ro, H_diag):
    """``-H g`` by the L-BFGS two-loop recursion over the stored pairs."""
    q = -flat_grad
    alphas = [0.0] * len(old_dirs)
    for i in range(len(old_dirs) - 1, -1, -1):
        alphas[i] = float(np.dot(old_stps[i], q)) * ro[i]
        q -= alphas[i] * old_dirs[i]
    r = q * H_diag
    for i in range(len(old_dirs)):
        beta = float(np.dot(old_dirs[i], r)) * ro[i]
        r += (alphas[i] - beta) * old_stps[i]
    return r


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``
    (Nocedal & Wright eq. 3.59); the middle of the bounds when the cubic has no minimum."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step ``t`` along ``d`` meeting the strong Wolfe conditions (bracketing, then zoom by cubic
    interpolation); returns ``(f_new, g_new, t, evaluations)``."""
    d_norm = float(np.abs(d).max())
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = float(np.dot(g_new, d))

    # Bracketing phase: find an interval that contains a point meeting the conditions.
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f, bracket_g = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f, bracket_g = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        previous = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = previous, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(np.dot(g_new, d))
        ls_iter += 1

    if ls_iter == max_ls:  # reached the evaluation budget: take the best of the start and here
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # Zoom phase: shrink the bracket until a point meets the conditions.
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])

        # A point too close to an end of the bracket makes little progress: move it inwards.
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(np.dot(g_new, d))
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals
