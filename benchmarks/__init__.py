"""Side-by-side benchmarks: microtensor vs hand-written numpy (and PyTorch, scikit-learn).

Run every workload for every available backend in one process, interleaved::

    python -m benchmarks                 # the full run (about 4-8 minutes on 2 cores)
    python benchmarks/run.py             # the same
    python -m benchmarks --quick         # a smoke run (seconds; CI runs it)
    python -m benchmarks --workloads tutorial,digits --repeats 7 --json out.json

Modules: ``run`` (the harness, the table, machine facts, GEMM throughput, peak
memory probes), ``numpy_reference`` (the hand-written numpy backends), and one
module per workload (``tutorial``, ``digits``, ``mlp_large``, ``deep_chain``,
``op_overhead``, ``gpt_block``, ``cnn_digits``); the ``mt-compiled`` rows run microtensor's
code through ``mt.compile``. PyTorch is used only if it is installed; it is never a dependency.
"""
