"""The benchmark harness works (``--quick`` smoke run) and its numpy oracles are right.

No test here looks at a time: only that every workload runs for every backend,
that the report is complete and well-formed, and that the quality checks (numpy
vs microtensor agreement, gradients vs central differences) hold.
"""
import json
import math

import numpy as np
import pytest

import microtensor as mt
from benchmarks import deep_chain, digits, mlp_large, numpy_reference as ref, op_overhead, report, run, tutorial
from benchmarks._core import Config

QUICK = Config(quick=True, repeats=1)
BACKENDS = ["numpy", "microtensor"]


def central_differences(loss, array, eps=1e-6):
    """d loss / d array by central differences (``array`` is perturbed in place and restored)."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        up = loss()
        array[index] = saved - eps
        down = loss()
        array[index] = saved
        grad[index] = (up - down) / (2 * eps)
    return grad


# ------------------------------------------------------------ the numpy oracles
def test_numpy_mlp_gradients_match_central_differences():
    rng = np.random.default_rng(1)
    params = []
    for fan_in, fan_out in ((5, 4), (4, 3), (3, 3)):
        params.extend(ref.linear_init(rng, fan_in, fan_out, np.float64))
    x = rng.standard_normal((6, 5))
    labels = rng.integers(0, 3, size=6)
    _, grads = ref.mlp_gradients(params, x, labels)

    def loss():
        return ref.mlp_gradients(params, x, labels)[0]

    for param, grad in zip(params, grads):
        np.testing.assert_allclose(grad, central_differences(loss, param), rtol=1e-5, atol=1e-8)


def test_numpy_mlp_momentum_step_is_pytorchs_rule():
    rng = np.random.default_rng(2)
    params = list(ref.linear_init(rng, 3, 2, np.float64))
    x, labels = rng.standard_normal((4, 3)), np.array([0, 1, 1, 0])
    model = ref.NumpyMLP(params, lr=0.1, momentum=0.9)
    expected = [p.copy() for p in params]
    velocity = [np.zeros_like(p) for p in params]
    for step in range(3):
        _, grads = ref.mlp_gradients(expected, x, labels)
        for p, v, g in zip(expected, velocity, grads):
            v[...] = g if step == 0 else 0.9 * v + g   # buf = g, then buf = m * buf + g
            p -= 0.1 * v
        model.train_step(x, labels)
    for got, want in zip(model.params, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_tutorial_step_descends_half_squared_error():
    inputs, targets, weights, _ = tutorial.data(1)
    order = np.array([[0, 1, 2, 3]])
    trained, _ = ref.tutorial_train(inputs[:2], targets[:2], weights, order[:, :2], batch_size=2, lr=1.0)
    work = [w.copy() for w in weights]

    def loss():
        hidden = np.tanh(np.maximum(inputs[:2] @ work[0], 0) @ work[1])
        out = 1 / (1 + np.exp(-(hidden @ work[2])))
        return 0.5 * np.sum((out - targets[:2]) ** 2)

    for before, after, w in zip(weights, trained, work):
        np.testing.assert_allclose(before - after, central_differences(loss, w), rtol=1e-5, atol=1e-9)


def test_small_expression_and_chain_gradients():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal(4), rng.standard_normal(4), np.array(0.3)
    _, grad_w, grad_b = ref.small_expression(x, w, b)
    np.testing.assert_allclose(grad_w, central_differences(lambda: ref.small_expression(x, w, b)[0], w), rtol=1e-6)
    np.testing.assert_allclose(grad_b, central_differences(lambda: ref.small_expression(x, w, b)[0], b), rtol=1e-6)

    chain = deep_chain.make_chain(10)   # * 1.01, + 0.1, / 1.01, - 0.1, ... : d/dx = 1.01 ** 3 / 1.01 ** 2
    _, grad = ref.chain_forward_backward(np.ones(3), chain)
    np.testing.assert_allclose(grad, np.full(3, 1.01), rtol=1e-12)


def test_stable_sigmoid_matches_definition_without_overflow():
    z = np.array([-1000.0, -30.0, -1.0, 0.0, 2.0, 1000.0])
    expected = np.array([0.0, 1 / (1 + math.exp(30)), 1 / (1 + math.exp(1)), 0.5, 1 / (1 + math.exp(-2)), 1.0])
    np.testing.assert_allclose(ref.stable_sigmoid(z), expected, rtol=1e-12, atol=1e-300)


# ------------------------------------------------------- microtensor vs numpy
def run_cases(module, config=QUICK, backends=BACKENDS):
    results = {}
    for case in module.cases(config, backends):
        results[(case.name, case.backend)] = case.run()
    return results


def test_tutorial_microtensor_agrees_with_numpy_to_rounding():
    results = run_cases(tutorial)
    assert tutorial.weight_gap(results, "microtensor") < 1e-12
    assert results[("train", "microtensor")][1] == pytest.approx(results[("train", "numpy")][1], rel=1e-9)


def test_digits_microtensor_matches_numpy():
    results = run_cases(digits)
    (predictions, params), (reference_predictions, reference_params) = (
        results[("train", "microtensor")], results[("train", "numpy")])
    assert np.mean(predictions != reference_predictions) <= 0.01
    for got, want in zip(params, reference_params):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, atol=1e-4)
    assert digits.accuracy(results, "numpy", QUICK) > 0.6   # one epoch already learns most digits


def test_mlp_large_gradients_match_numpy_in_float32():
    assert mlp_large.gradient_error("microtensor", QUICK) < 1e-4
    results = run_cases(mlp_large)
    assert results[("train step", "microtensor")] == pytest.approx(results[("train step", "numpy")], rel=1e-3)


def test_deep_chain_and_op_overhead_agree_with_numpy():
    chain = run_cases(deep_chain)
    name = next(iter(chain))[0]
    np.testing.assert_allclose(chain[(name, "microtensor")][1], chain[(name, "numpy")][1], rtol=1e-5)
    overhead = run_cases(op_overhead)
    np.testing.assert_allclose(overhead[("tiny op", "microtensor")], overhead[("tiny op", "numpy")], rtol=1e-6)
    for got, want in zip(overhead[("small expr", "microtensor")], overhead[("small expr", "numpy")]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)



def test_layer_costs_name_each_layer_and_compute_the_same_product():
    rows = op_overhead.layer_costs(count=20, repeats=1)
    assert [layer for layer, _, _ in rows] == [
        "np.multiply(a, b)", "Mul.forward on the arrays", "x * y, nothing recorded", "x * y, recorded",
        "(x * y).sum(), recorded", "its backward, 2 nodes",
    ]
    assert all(micros > 0 and error == 0.0 for _, micros, error in rows)  # every layer gives numpy's result
    text = op_overhead.layer_costs_text(rows)
    assert text.count(" us ") == len(rows)


def test_step_costs_time_every_part_of_the_tutorial_step_and_train_the_same_weights():
    rows, trained = tutorial.step_costs(epochs=3)
    parts = [part for part, _ in rows]
    assert parts == [
        "Linear forward (3->4)", "ReLU forward", "Linear forward (4->4)", "Tanh forward", "Linear forward (4->1)",
        "Sigmoid forward", "MSELoss(reduction='sum')", "0.5 * loss", "zero_grad()", "backward()", "optimizer.step()",
        "whole step, as timed here", "numpy's whole step",
    ]
    micros = dict(rows)
    assert all(value > 0 for value in micros.values())
    assert sum(value for part, value in rows[:-2]) <= micros["whole step, as timed here"]
    inputs, targets, weights, orders = tutorial.data(3)
    expected, _ = tutorial.train_framework(mt, inputs, targets, weights, orders)
    assert all(np.array_equal(a, b) for a, b in zip(trained, expected))  # the instrumented loop is the same training
    assert tutorial.step_costs_text(rows).count(" us") == len(rows)


# ------------------------------------------------------------- the harness
def test_quick_run_produces_a_complete_report(tmp_path, capsys):
    paths = {name: tmp_path / name for name in ("out.json", "chart.png", "RESULTS.md")}
    status = run.main([
        "--quick", "--repeats", "2", "--json", str(paths["out.json"]),
        "--plot", str(paths["chart.png"]), "--markdown", str(paths["RESULTS.md"]),
    ])
    captured = capsys.readouterr()
    printed = captured.out
    # the progress bar counts each workload's runs on stderr (warm-up + 2 repeats per case); stdout has no bar
    assert "tutorial: 100%" in captured.err and "12/12" not in printed and "run/s" not in printed
    report = json.loads(paths["out.json"].read_text())
    errors = [(row["workload"], row["case"], row["backend"], row["error"]) for row in report["rows"] if row["error"]]
    assert errors == [] and status == 0

    seen = {(row["workload"], row["backend"]) for row in report["rows"]}
    for workload in run.WORKLOADS:
        assert {(workload, "numpy"), (workload, "microtensor")} <= seen
    assert ("digits", "sklearn") in seen
    assert ("mlp_large", "microtensor") in {(r["workload"], r["backend"]) for r in report["rows"] if r["kind"] == "memory"}
    for row in report["rows"]:
        assert row["median"] > 0 and math.isfinite(row["median"]) and row["min"] <= row["median"]
        if row["kind"] == "time" and "subprocess" not in row["note"]:
            assert len(row["times"]) == 2
        if row["backend"] == "numpy":
            assert row["ratio_numpy"] == pytest.approx(1.0)
        if row["backend"] not in ("numpy",):
            assert row["ratio_numpy"] == pytest.approx(row["median"] / next(
                r["median"] for r in report["rows"] if (r["workload"], r["case"], r["backend"]) ==
                (row["workload"], row["case"], "numpy")))
        assert row["quality"]
    assert report["gemm_gflops"] > 0 and report["machine"]["nproc"] >= 1
    step = next(r for r in report["rows"] if r["workload"] == "mlp_large" and r["backend"] == "microtensor"
                and r["case"] == "train step")
    assert 0 < step["gemm_fraction"]
    if "torch" in report["missing_backends"]:
        assert all(row["ratio_torch"] is None for row in report["rows"])
        assert "torch is not installed" in printed
    assert "vs numpy" in printed and "| workload |" in paths["RESULTS.md"].read_text()
    assert paths["chart.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_py_works_as_a_script_from_the_repository_root():
    """``python benchmarks/run.py`` (not only ``python -m benchmarks``): the relative imports resolve."""
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for command in (["benchmarks/run.py"], ["-m", "benchmarks"]):
        done = subprocess.run([sys.executable, *command, "--help"], cwd=root, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert "usage: python -m benchmarks" in done.stdout and "--workloads" in done.stdout


def test_progress_without_tqdm_prints_plain_lines_on_stderr(monkeypatch, capsys):
    import sys

    from benchmarks._core import Progress

    monkeypatch.setitem(sys.modules, "tqdm", None)  # ``import tqdm`` now raises ImportError
    with Progress(3, desc="tutorial") as bar:
        for name in ("numpy", "microtensor", "torch"):
            bar.step(f"train / {name}")
            bar.advance()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines()[-1].startswith("tutorial: run 3/3")


def test_unknown_workload_is_a_clear_usage_error(capsys):
    with pytest.raises(SystemExit):
        run.main(["--workloads", "tutorial,nonsense"])
    assert "unknown workload(s) nonsense" in capsys.readouterr().err


def test_times_print_in_plain_units_with_three_digits():
    assert [report.format_seconds(x) for x in (0.9996, 0.0009996, 1.234, 0.0123, 2.5e-6)] == [
        "1 s", "1 ms", "1.23 s", "12.3 ms", "2.5 us"]
