"""Entry point of a fresh subprocess that runs one probe and prints its result as JSON.

``python -m benchmarks._probe WORKLOAD PROBE BACKEND [--quick] [--seed N]``. A fresh
process per backend makes ``ru_maxrss`` (peak RSS) that backend's own.
"""
import argparse
import importlib
import json
import sys

from ._core import Config, peak_rss_mb


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks._probe")
    parser.add_argument("workload")
    parser.add_argument("probe")
    parser.add_argument("backend")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    module = importlib.import_module(f"benchmarks.{args.workload}")
    importlib.import_module("numpy")
    if args.backend in ("microtensor", "torch"):
        importlib.import_module(args.backend)
    baseline = peak_rss_mb()  # after imports: the backend's own footprint is what follows
    result = module.run_probe(args.probe, args.backend, Config(quick=args.quick, seed=args.seed))
    result["baseline_rss_mb"] = baseline
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
