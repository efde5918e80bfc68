"""What the benchmark report says about the machine: CPU, versions, BLAS, and a GEMM speed.

Ratios measured in one process are what the benchmarks compare, but a reader of
``RESULTS.md`` needs the machine beside them: a 2-core VM and a laptop differ in
the overhead-bound workloads far more than in the BLAS-bound ones.
"""
import importlib
import importlib.util
import os
import platform
import time

import numpy as np

from . import _core


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
