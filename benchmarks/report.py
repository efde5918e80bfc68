"""The benchmark report: the targets, the tables (text and markdown), the chart and ``RESULTS.md``.

``run.py`` measures; this module only formats what it measured. ``TARGETS`` holds the
ratios the issues ask for, and ``target_lines`` says of each whether it was met.
"""
import os

from . import _core


#: The targets set by the issues so far (the stricter one where two disagree): microtensor's median
#: divided by hand-written numpy's (or the raw numpy loop's); a key's third entry names another reference.
TARGETS = {
    ("tutorial", "train"): 2.5,
    ("digits", "train"): 1.5,
    ("mlp_large", "train step"): 1.05,
    ("deep_chain", "100k fwd+bwd"): 5.0,
    ("op_overhead", "tiny op"): 3.0,
    ("op_overhead", "small expr"): 4.0,
    ("mlp_large", "peak memory"): 1.2,
    ("gpt_block", "train step", "torch"): 2.0,  # within 2x of PyTorch eager
    ("cnn_digits", "train"): 1.3,
    ("cnn_digits", "train", "torch"): 1.0,  # faster than PyTorch eager
    # mt.compile (the mt-compiled rows, capture included): a fourth entry names the backend row
    ("tutorial", "train", "numpy", _core.COMPILED): 1.3,
    ("digits", "train", "numpy", _core.COMPILED): 1.1,
    ("mlp_large", "train step", "numpy", _core.COMPILED): 1.02,
    ("cnn_digits", "train", "numpy", _core.COMPILED): 1.1,
}


def format_value(row):
    if "median" not in row:
        return "-", "-"
    if row["kind"] == "memory":
        return f"{row['median']:.0f} MiB", f"{row['min']:.0f} MiB"
    return format_seconds(row["median"]), format_seconds(row["min"])


def format_seconds(seconds):
    """Three significant digits in s, ms or us (rounded first: 0.9996 s is "1 s", not "1e+03 ms")."""
    seconds = float(f"{seconds:.3g}")
    if seconds >= 1.0:
        return f"{seconds:g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"


def format_ratio(value):
    return "n/a" if value is None else f"{value:.2f}x"


def table_cells(row):
    median, low = format_value(row)
    unit = row["unit"]
    quality = row["quality"]
    if row["error"]:
        quality = f"ERROR {row['error']}"
    elif row.get("note"):
        quality = f"{quality} ({row['note']})" if quality else row["note"]
    return [
        row["workload"], row["case"], row["backend"], f"{median} / {unit}" if median != "-" else "-", low,
        f"{100 * row['spread']:.0f}%" if "spread" in row and row["times"] else "-",
        format_ratio(row.get("ratio_numpy")), format_ratio(row.get("ratio_torch")), quality,
    ]


HEADERS = ["workload", "case", "backend", "median", "min", "spread", "vs numpy", "vs torch", "quality"]


def text_table(rows):
    cells = [HEADERS] + [table_cells(row) for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADERS) - 1)]
    lines = []
    for index, line in enumerate(cells):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths)) + "  " + line[-1])
        if index == 0:
            lines.append("  ".join("-" * width for width in widths) + "  " + "-" * 7)
    return "\n".join(lines)


def markdown_table(rows):
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in table_cells(row)) + " |")
    return "\n".join(lines)


def target_lines(rows):
    """(text, met) per target, for microtensor's ratio against numpy (or the backend a key's third entry names)."""
    found = []
    for key, target in TARGETS.items():
        workload, case = key[:2]
        reference = key[2] if len(key) > 2 else "numpy"
        backend = key[3] if len(key) > 3 else "microtensor"
        row = next((r for r in rows if r["workload"] == workload and r["case"] == case
                    and r["backend"] == backend and r.get("ratio_" + reference) is not None), None)
        if row is None:
            continue
        ratio = row["ratio_" + reference]
        met = ratio <= target
        label = "" if backend == "microtensor" else f" ({backend})"
        found.append((f"{workload} / {case}{label}: {ratio:.2f}x {reference} (target <= {target}x): "
                      f"{'met' if met else 'MISSED by ' + format(ratio / target, '.2f') + 'x'}", met))
    return found


# ------------------------------------------------------------------ chart
def plot(rows, path):
    """Bar chart of every backend's ratio to hand-written numpy, per workload case (log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keyed = [r for r in rows if r.get("ratio_numpy") is not None and r["backend"] != "numpy"]
    groups = []
    for row in keyed:
        key = (row["workload"], row["case"])
        if key not in groups:
            groups.append(key)
    backends = [b for b in _core.ALL_BACKENDS + (_core.COMPILED,) if b != "numpy" and any(r["backend"] == b for r in keyed)]
    colors = {"microtensor": "tab:blue", _core.COMPILED: "tab:cyan", "torch": "tab:orange", "sklearn": "tab:green"}
    width = 0.8 / max(len(backends), 1)
    figure, axes = plt.subplots(figsize=(max(8, 1.3 * len(groups)), 4.8))
    for offset, backend in enumerate(backends):
        xs, ys = [], []
        for index, key in enumerate(groups):
            row = next((r for r in keyed if (r["workload"], r["case"]) == key and r["backend"] == backend), None)
            if row is not None:
                xs.append(index + (offset - (len(backends) - 1) / 2) * width)
                ys.append(row["ratio_numpy"])
        bars = axes.bar(xs, ys, width=width, label=backend, color=colors.get(backend))
        if hasattr(axes, "bar_label"):
            axes.bar_label(bars, fmt="%.2g", fontsize=7)
    for index, key in enumerate(groups):
        target = TARGETS.get(key)
        if target:
            axes.hlines(target, index - 0.45, index + 0.45, colors="red", linestyles="dashed",
                        label="target" if index == next(i for i, k in enumerate(groups) if k in TARGETS) else None)
    axes.axhline(1.0, color="black", linewidth=0.8)
    axes.set_yscale("log")
    axes.set_xticks(range(len(groups)))
    axes.set_xticklabels([f"{w}\n{c}" for w, c in groups], fontsize=8)
    axes.set_ylabel("median / hand-written numpy (lower is better)")
    axes.set_title("microtensor benchmarks: ratio to hand-written numpy")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


NOTES_MARKER = "<!-- notes: kept when this file is regenerated -->"


def write_markdown(report, path, chart=None, profiles=None):
    info = report["machine"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `python -m benchmarks --markdown benchmarks/RESULTS.md --plot benchmarks/results.png --profile`"
        f" ({'quick' if report['config']['quick'] else 'full'} run, {report['config']['repeats']} interleaved repeats"
        " after a warm-up). Absolute times are noisy on shared machines: the ratios measured within this one run"
        " are what count.",
        "",
        "## Machine",
        "",
        f"- CPUs: {info['nproc']} x {info['cpu']}",
        f"- BLAS: {info['blas']}; OPENBLAS_CORETYPE={info['OPENBLAS_CORETYPE']}",
        f"- GEMM (float32 2048x2048 matmul): {report['gemm_gflops']:.1f} GFLOP/s",
        f"- Python {info['python']}, numpy {info['numpy']}, microtensor {info['microtensor']}, "
        f"scikit-learn {info['sklearn']}, PyTorch {info['torch']}",
        f"- {info['platform']}; load average at start {info['load_average']} (1, 5, 15 min); "
        f"checkout {info['commit']}",
    ]
    for backend, reason in report["missing_backends"].items():
        lines.append(f"- Skipped backend: {reason}.")
    lines += ["", "## Results", "", markdown_table(report["rows"]), ""]
    if report["targets"]:
        lines += ["## Targets (microtensor median / hand-written numpy median)", ""]
        lines += [f"- {item['text']}" for item in report["targets"]]
        lines.append("")
    if chart:
        lines += ["## Chart", "", f"![ratios to hand-written numpy]({os.path.basename(chart)})", ""]
    if profiles:
        lines += ["## Profiles (cProfile, top 15 by tottime)", "", "```", profiles, "```", ""]
    notes = ""
    if os.path.exists(path):  # keep the hand-written analysis below the marker across regenerations
        with open(path) as handle:
            previous = handle.read()
        if NOTES_MARKER in previous:
            notes = previous[previous.index(NOTES_MARKER):]
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + ("\n" + notes if notes else ""))
