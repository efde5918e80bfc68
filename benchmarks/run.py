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

from ._core import Config, Progress, available_backends, run_probe_subprocess, say  # noqa: E402
from .machine import gemm_gflops, machine_info  # noqa: E402
from .report import plot, target_lines, text_table, write_markdown  # noqa: E402

WORKLOADS = ("tutorial", "digits", "mlp_large", "deep_chain", "op_overhead", "gpt_block", "cnn_digits")


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
