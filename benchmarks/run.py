"""The benchmark harness: every workload, every available backend, one process, interleaved.

Usage (from the repository root)::

    python -m benchmarks                       # full run: all workloads, 5 repeats
    python benchmarks/run.py                   # the same
    python -m benchmarks --quick               # smoke run in seconds (CI runs it)
    python -m benchmarks --workloads tutorial,digits --repeats 7
    python -m benchmarks --json results.json   # machine-readable results
    python -m benchmarks --markdown benchmarks/RESULTS.md --plot benchmarks/results.png --profile

How it measures: for each workload, every backend's case runs once as a warm-up,
then ``repeats`` rounds run the backends in turn (A B A B ...), so that slow drifts
of a shared machine hit all backends alike. Times are ``time.perf_counter``
wall-clock, divided by the units of work in a run (steps, ops). The table reports
the median, the minimum, the spread ((max - min) / median) and the ratio of medians
against hand-written numpy and against PyTorch (``n/a`` when PyTorch is not
installed). Peak memory and the 1M-op chain run once per backend in a fresh
subprocess, so each backend's ``ru_maxrss`` is its own. Absolute times are noisy on
shared machines; the ratios measured within one run are what count. A progress bar on
stderr (tqdm's when installed) counts the runs of each workload; stdout gets the results.
"""
import argparse
import cProfile
import importlib
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time

import numpy as np

if not __package__:  # ``python benchmarks/run.py``: import the harness's modules as the package (PEP 366)
    _ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if sys.path and os.path.abspath(sys.path[0]) == os.path.join(_ROOT, "benchmarks"):
        sys.path[0] = _ROOT  # instead of the script's own folder, which would make each module a top-level one
    else:
        sys.path.insert(0, _ROOT)
    __package__ = "benchmarks"

from . import _core  # noqa: E402
from ._core import Config, Progress, available_backends, run_probe_subprocess, say  # noqa: E402

WORKLOADS = ("tutorial", "digits", "mlp_large", "deep_chain", "op_overhead", "gpt_block", "cnn_digits")

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


# -------------------------------------------------------------------- machine
def machine_info():
    """Facts that make a results table interpretable: cores, CPU, BLAS, versions."""
    info = {
        "nproc": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
    }
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    if hasattr(os, "sched_getaffinity"):
        info["nproc"] = len(os.sched_getaffinity(0))
    info["blas"] = blas_info()
    info["load_average"] = " ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    try:
        import subprocess

        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=_core.ROOT, capture_output=True,
                                        text=True, timeout=10).stdout.strip() or "?"
    except Exception:
        info["commit"] = "?"
    for name in ("microtensor", "sklearn", "torch"):
        try:
            info[name] = importlib.import_module(name).__version__
        except Exception:  # not installed, or broken mid-development: say so, don't crash
            info[name] = "not installed" if importlib.util.find_spec(name) is None else "import failed"
    return info


def blas_info():
    """numpy's BLAS: name, version, threads and core type, via threadpoolctl or numpy's config."""
    try:
        from threadpoolctl import threadpool_info

        entries = [
            f"{entry.get('internal_api')} {entry.get('version')} ({entry.get('architecture', '?')}, "
            f"{entry.get('num_threads')} threads)"
            for entry in threadpool_info()
            if entry.get("user_api") == "blas" and "numpy" in entry.get("filepath", "")
        ]
        if entries:
            return "; ".join(entries)
    except ImportError:
        pass
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:
        return "unknown"


def gemm_gflops(quick=False, size=2048):
    """Best float32 ``size x size`` matmul throughput in GFLOP/s (2 n^3 flops per product)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    out = np.empty((size, size), dtype=np.float32)
    np.matmul(a, b, out=out)  # warm-up
    best = float("inf")
    for _ in range(2 if quick else 5):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2.0 * size ** 3 / best / 1e9


# ------------------------------------------------------------------ measuring
def measure(module, config, backends, log=say):
    """Run one workload's cases: warm-up, then interleaved repeats. Returns the cases."""
    try:
        cases = module.cases(config, backends)
    except Exception as error:  # a workload that cannot even be set up is reported, not fatal
        log(f"  {module.NAME}: setup failed: {type(error).__name__}: {error}")
        return [], str(error)
    with Progress(len(cases) * (1 + config.repeats), desc=module.NAME) as bar:
        for case in cases:
            bar.step(f"warm-up {case.name} / {case.backend}")
            try:
                case.result = case.run()
            except Exception as error:
                case.error = f"{type(error).__name__}: {error}"
                log(f"  {module.NAME}/{case.name}/{case.backend}: failed in warm-up: {case.error}")
            bar.advance()
        for repeat in range(1, config.repeats + 1):
            for case in cases:
                bar.step(f"repeat {repeat}/{config.repeats} {case.name} / {case.backend}")
                if case.error:
                    bar.advance()
                    continue
                start = time.perf_counter()
                try:
                    case.result = case.run()
                except Exception as error:  # e.g. a NaN check or an op that fails only on later data
                    case.error = f"{type(error).__name__}: {error}"
                    log(f"  {module.NAME}/{case.name}/{case.backend}: failed: {case.error}")
                else:
                    case.times.append((time.perf_counter() - start) / case.per)
                bar.advance()
    return cases, ""


def summarize(values):
    median = statistics.median(values)
    low = min(values)
    spread = (max(values) - low) / median if median > 0 and len(values) > 1 else 0.0
    return median, low, spread


def rows_for(module, cases, config):
    """Table rows (dicts) for one workload's measured cases, with ratios and quality."""
    results = {(case.name, case.backend): case.result for case in cases if not case.error}
    try:
        qualities = module.quality(results, config) if results else {}
    except Exception as error:
        qualities = {key: f"quality check failed: {type(error).__name__}: {error}" for key in results}
    medians = {}
    rows = []
    for case in cases:
        row = {
            "workload": case.workload, "case": case.name, "backend": case.backend, "kind": "time",
            "unit": case.unit, "note": case.note, "error": case.error, "times": case.times,
            "quality": qualities.get((case.name, case.backend), ""),
        }
        if case.times:
            row["median"], row["min"], row["spread"] = summarize(case.times)
            medians[(case.name, case.backend)] = row["median"]
        rows.append(row)
    add_ratios(rows, medians)
    return rows


def add_ratios(rows, medians):
    for row in rows:
        if "median" not in row:
            continue
        numpy_median = medians.get((row["case"], "numpy"))
        torch_median = medians.get((row["case"], "torch"))
        row["ratio_numpy"] = row["median"] / numpy_median if numpy_median else None
        row["ratio_torch"] = row["median"] / torch_median if torch_median else None


def probe_rows(module, config, backends, log=say):
    """Rows from the workload's fresh-subprocess probes (peak memory, the 1M chain)."""
    if not hasattr(module, "probes"):
        return []
    rows, medians = [], {}
    time_medians = {}
    probes = list(module.probes(config, backends))
    results = []
    with Progress(len(probes), desc=f"{module.NAME} probes", unit="probe") as bar:
        for probe, backend in probes:
            bar.step(f"{probe} / {backend} in a fresh subprocess")
            results.append(run_probe_subprocess(module.NAME, probe, backend, config))
            bar.advance()
    for (probe, backend), result in zip(probes, results):
        base = {"workload": module.NAME, "case": probe, "backend": backend, "note": "fresh subprocess, 1 run",
                "error": result.get("error", ""), "times": []}
        if result.get("error"):
            rows.append(dict(base, kind="memory", unit="peak RSS", quality=""))
            continue
        peak = result["peak_rss_mb"]
        quality = f"baseline after imports {result['baseline_rss_mb']:.0f} MiB; +{peak - result['baseline_rss_mb']:.0f} MiB"
        if "total_s" in result:
            total = result["total_s"]
            time_row = dict(base, kind="time", unit=f"{result['length']} ops", median=total, min=total, spread=0.0,
                            quality=result.get("detail", ""))
            time_row["grad"] = result["grad"]
            rows.append(time_row)
            time_medians[(probe, backend)] = total
        rows.append(dict(base, case=probe + " (memory)" if "total_s" in result else probe, kind="memory",
                         unit="peak RSS", median=peak, min=peak, spread=0.0, quality=quality))
        medians[(rows[-1]["case"], backend)] = peak
    add_ratios([r for r in rows if r["kind"] == "memory"], medians)
    add_ratios([r for r in rows if r["kind"] == "time"], time_medians)
    chain_reference = next((r for r in rows if r.get("grad") and r["backend"] == "numpy"), None)
    if chain_reference:
        for row in rows:
            if row.get("grad") and row["backend"] != "numpy":
                error = float(np.max(np.abs(np.subtract(row["grad"], chain_reference["grad"]))))
                row["quality"] += f"; max |grad - grad_numpy| {error:.1e}"
    return rows


# ------------------------------------------------------------------ formatting
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


# ------------------------------------------------------------------ profile
def profile_summary(workload, config, top=15):
    """cProfile of the microtensor case(s) of ``workload``: top ``top`` functions by tottime."""
    module = importlib.import_module(f"benchmarks.{workload}")
    texts = []
    for case in module.cases(config, ["microtensor"]):
        start = time.perf_counter()
        case.run()  # warm-up outside the profile; also sizes the profiled loop to ~1 s
        runs = max(1, int(1.0 / max(time.perf_counter() - start, 1e-6)))
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(runs):
            case.run()
        profiler.disable()
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.strip_dirs().sort_stats("tottime").print_stats(top)
        body = stream.getvalue().strip()
        work = f"{runs} runs of {case.per} {case.unit}" if case.per > 1 else f"{runs} runs of {case.unit}"
        texts.append(f"{workload} / {case.name} (microtensor, {work}):\n{body}")
    return "\n\n".join(texts)


# ------------------------------------------------------------------ main
def run(config, workloads, log=say, probes=True):
    """Measure everything; return a JSON-ready dict."""
    backends, missing = available_backends()
    for backend, reason in missing.items():
        log(f"note: {reason}" + (" (ratio vs torch shows n/a)" if backend == "torch" else ""))
    log(f"backends: {', '.join(backends)}; repeats {config.repeats}{'; quick' if config.quick else ''}")
    with Progress(2, desc="machine facts, GEMM throughput", unit="step") as bar:
        bar.step("versions, BLAS")
        info = machine_info()
        bar.advance()
        bar.step("float32 2048x2048 matmul")
        gemm = gemm_gflops(config.quick)
        bar.advance()
    log(f"GEMM float32 2048x2048: {gemm:.1f} GFLOP/s")
    rows = []
    for name in workloads:
        module = importlib.import_module(f"benchmarks.{name}")
        log(f"{name}: {module.DESCRIPTION}")
        cases, error = measure(module, config, backends, log)
        if error:
            rows.append({"workload": name, "case": "setup", "backend": "-", "kind": "time", "unit": "",
                         "note": "", "error": error, "times": [], "quality": ""})
        rows.extend(rows_for(module, cases, config))
        if probes:
            rows.extend(probe_rows(module, config, backends, log))
    for row in rows:
        if row["workload"] == "mlp_large" and row["case"] == "train step" and "median" in row:
            from .mlp_large import flops_per_step

            achieved = flops_per_step() / row["median"] / 1e9
            row["gflops"] = achieved
            row["gemm_fraction"] = achieved / gemm
            row["quality"] += f"; {achieved:.1f} GFLOP/s = {100 * achieved / gemm:.0f}% of GEMM"
    return {
        "machine": info, "gemm_gflops": gemm, "config": vars(config), "workloads": list(workloads),
        "missing_backends": missing, "rows": rows,
        "targets": [{"text": text, "met": met} for text, met in target_lines(rows)],
    }


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


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and 2 repeats: a smoke run in seconds")
    parser.add_argument("--workloads", default=",".join(WORKLOADS),
                        help=f"comma-separated subset of: {', '.join(WORKLOADS)}")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per case (default 5, quick 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--markdown", metavar="PATH", help="write a RESULTS.md-style report")
    parser.add_argument("--plot", metavar="PATH", help="write a bar chart (PNG) of the ratios to numpy")
    parser.add_argument("--profile", action="store_true",
                        help="print cProfile summaries of the microtensor tutorial and op_overhead runs")
    parser.add_argument("--no-subprocess", action="store_true",
                        help="skip the fresh-subprocess probes (peak memory, the 1M-op chain)")
    args = parser.parse_args(argv)
    workloads = [name.strip() for name in args.workloads.split(",") if name.strip()]
    unknown = [name for name in workloads if name not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args, workloads


def main(argv=None):
    args, workloads = parse_args(sys.argv[1:] if argv is None else argv)
    config = Config(quick=args.quick, repeats=args.repeats or (2 if args.quick else 5), seed=args.seed)
    started = time.perf_counter()
    report = run(config, workloads, probes=not args.no_subprocess)
    print()
    print(text_table(report["rows"]))
    print()
    for item in report["targets"]:
        print(item["text"])
    profiles = None
    if args.profile:
        sections = []
        for workload in ("tutorial", "op_overhead"):
            profile_config = Config(quick=True, repeats=1, seed=args.seed) if not args.quick else config
            try:
                sections.append(profile_summary(workload, profile_config))
            except Exception as error:
                sections.append(f"{workload}: profiling failed: {type(error).__name__}: {error}")
        from .op_overhead import layer_costs, layer_costs_text
        from .tutorial import step_costs, step_costs_text
        sections.append(layer_costs_text(layer_costs()))
        sections.append(step_costs_text(step_costs()[0]))
        profiles = "\n\n".join(sections)
        print()
        print(profiles)
    if args.plot:
        plot(report["rows"], args.plot)
    if args.markdown:
        write_markdown(report, args.markdown, chart=args.plot, profiles=profiles)
    report["elapsed_s"] = time.perf_counter() - started
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1, default=float)
    print(f"\ndone in {report['elapsed_s']:.1f} s")
    errors = [row for row in report["rows"] if row["error"]]
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
