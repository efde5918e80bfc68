"""How a tensor prints: ``tensor([1., 2.], requires_grad=True)``, laid out as PyTorch lays it out.

One width for every element, chosen from the values (``_ElementFormat``):

* floats that are all whole numbers print as ``2.`` (*integer mode*);
* otherwise with ``precision`` decimals (4 by default): ``2.5000``;
* either switches to scientific notation, ``1.2346e+05``, when the largest and smallest
  non-zero magnitudes are more than 1000 apart, the largest is above 1e8, or (not whole)
  the smallest is below 1e-4. ``set_printoptions(sci_mode=...)`` can force it on or off.

Rows are wrapped so a line stays within ``linewidth`` (80) characters, and a tensor of
more than ``threshold`` (1000) elements shows only ``edgeitems`` (3) at each end of every
dim, with ``...`` between.
"""
import math

import numpy as np

from . import _dtypes

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_PROFILES = {
    "default": _DEFAULTS,
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}
OPTIONS = dict(_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set how tensors print, as ``torch.set_printoptions``: ``precision`` decimals, summarise above
    ``threshold`` elements showing ``edgeitems`` per end, ``linewidth`` characters per line, a
    ``profile`` (``"default"``, ``"short"``, ``"full"``), and ``sci_mode`` True/False/None (automatic)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        OPTIONS.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            OPTIONS[name] = value
    OPTIONS["sci_mode"] = sci_mode


class _ElementFormat:
    """The one format and width shared by every element of a tensor (from the values it will show)."""

    def __init__(self, values):
        self.floating = values.dtype.kind == "f"
        self.integer_mode = True
        self.scientific = False
        self.width = 1
        precision = OPTIONS["precision"]
        if not self.floating:
            self.width = max((len(str(value)) for value in values.reshape(-1).tolist()), default=1)
            return
        flat = values.reshape(-1)
        shown = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)  # float16 would overflow 1e8
        if shown.size == 0:
            return
        smallest, largest = np.abs(shown).min(), np.abs(shown).max()
        self.integer_mode = bool(np.all(shown == np.ceil(shown)))
        spread = largest / smallest > 1000.0 or largest > 1.0e8
        self.scientific = spread if self.integer_mode else spread or smallest < 1.0e-4
        if OPTIONS["sci_mode"] is not None:
            self.scientific = OPTIONS["sci_mode"]
        if self.scientific:
            texts = [f"{value:.{precision}e}" for value in shown.tolist()]
        elif self.integer_mode:
            texts = [f"{value:.0f}." for value in shown.tolist()]
        else:
            texts = [f"{value:.{precision}f}" for value in shown.tolist()]
        self.width = max(len(text) for text in texts)

    def __call__(self, value):
        if not self.floating:
            text = str(value)
        elif self.scientific:
            text = f"{value:.{OPTIONS['precision']}e}"
        elif self.integer_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{OPTIONS['precision']}f}"
        return text.rjust(self.width)


def _edges(data, edgeitems):
    """The elements a summarised print shows: ``edgeitems`` at each end of every dim."""
    if data.ndim == 0:
        return data
    if data.shape[0] > 2 * edgeitems:
        data = np.concatenate([data[:edgeitems], data[-edgeitems:]]) if edgeitems else data[:0]
    return np.stack([_edges(row, edgeitems) for row in data]) if data.ndim > 1 and len(data) else data


def _vector(values, indent, summarize, element):
    edgeitems = OPTIONS["edgeitems"]
    per_line = max(1, int((OPTIONS["linewidth"] - indent) // (element.width + 2)))  # ", " after each
    if summarize and not edgeitems:
        texts = ["..."]
    elif summarize and len(values) > 2 * edgeitems:
        texts = ([element(v) for v in values[:edgeitems].tolist()] + [" ..."]
                 + [element(v) for v in values[-edgeitems:].tolist()])
    else:
        texts = [element(v) for v in values.tolist()]
    lines = [", ".join(texts[start:start + per_line]) for start in range(0, len(texts), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(data, indent, summarize, element):
    if data.ndim == 0:
        return element(data.item())
    if data.ndim == 1:
        return _vector(data, indent, summarize, element)
    edgeitems = OPTIONS["edgeitems"]
    if summarize and len(data) > 2 * edgeitems:
        rows = ([_nested(data[i], indent + 1, summarize, element) for i in range(edgeitems)] + ["..."]
                + [_nested(data[i], indent + 1, summarize, element) for i in range(len(data) - edgeitems, len(data))])
    else:
        rows = [_nested(row, indent + 1, summarize, element) for row in data]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _with_suffixes(text, suffixes, indent):
    """``text`` and ``, suffix`` for each suffix, moved to a new line where it would pass the line width."""
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > OPTIONS["linewidth"]:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(tensor):
    data = tensor._data
    prefix = "tensor("
    suffixes = []
    if data.size == 0:
        body = "[]"
        if data.ndim != 1:
            suffixes.append(f"size={data.shape}")
        if data.dtype != _dtypes.get_default_dtype():  # nothing to tell an empty int64 tensor's dtype by
            suffixes.append(f"dtype=microtensor.{data.dtype}")
    else:
        if not OPTIONS["edgeitems"]:  # no element is shown, so PyTorch tells the shape (even when not summarised)
            suffixes.append(f"size={data.shape}")
        if data.dtype not in (_dtypes.get_default_dtype(), _dtypes.int64, _dtypes.bool):
            suffixes.append(f"dtype=microtensor.{data.dtype}")
        if data.dtype == np.float16:
            data = data.astype(np.float32)
        summarize = data.size > OPTIONS["threshold"]
        element = _ElementFormat(_edges(data, OPTIONS["edgeitems"]) if summarize else data)
        body = _nested(data, len(prefix), summarize, element)
    if tensor.grad_fn is not None:
        suffixes.append(f"grad_fn=<{tensor.grad_fn.name()}>")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, len(prefix))
