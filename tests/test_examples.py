"""Every example runs as a script in a quick mode (Agg, no display) and writes sensible PNGs;
the digits example reaches 97% test accuracy and the moons example separates the moons."""
import json
import os
import re
import subprocess
import sys
import types

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "examples"))

import digits  # noqa: E402
import moons  # noqa: E402


def check_png(path, min_width=400, min_height=250):
    """A decodable PNG of a sensible size with actual content (not one flat colour)."""
    import matplotlib.image

    with open(path, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    image = matplotlib.image.imread(path)
    height, width = image.shape[:2]
    assert width >= min_width and height >= min_height, (width, height)
    assert width <= 4000 and height <= 4000, (width, height)
    assert image[..., :3].std() > 0.05, f"{path} looks blank"
    return width, height


# The quick script runs share one headless interpreter: each script still runs as ``__main__`` from the
# repository root with its own argv, stdout and stderr, but the imports (microtensor, matplotlib,
# scikit-learn: a few seconds) are paid once instead of once per script.
SCRIPT_DRIVER = r"""
import contextlib, io, json, os, runpy, sys, traceback

runs, report = json.loads(sys.argv[1]), sys.argv[2]
results = []
for name, args in runs:
    path = os.path.join("examples", name + ".py")
    sys.argv = [path, *args]
    sys.path[0] = os.path.dirname(os.path.abspath(path))  # what ``python examples/<name>.py`` puts first
    stdout, stderr = io.StringIO(), io.StringIO()
    returncode = 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as exit:
            returncode = exit.code if isinstance(exit.code, int) else (exit.code is not None)
        except BaseException:
            traceback.print_exc()
            returncode = 1
    results.append({"name": name, "returncode": returncode, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()})
with open(report, "w") as handle:
    json.dump(results, handle)
"""


def run_scripts(folder, runs):
    """``python examples/<name>.py args`` for each ``(name, args)`` of ``runs``, from the repository root,
    headless, one after the other in one fresh interpreter; returns ``{name: result}`` (``.stdout``: what the
    script prints, ``.stderr``: its progress bars)."""
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    driver, report = folder / "run_examples.py", folder / "results.json"
    driver.write_text(SCRIPT_DRIVER)
    done = subprocess.run(
        [sys.executable, str(driver), json.dumps(runs), str(report)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, f"the example driver failed:\n{done.stdout}\n{done.stderr}"
    results = {}
    for result in json.loads(report.read_text()):
        assert result["returncode"] == 0, (
            f"examples/{result['name']}.py failed:\n{result['stdout']}\n{result['stderr']}")
        results[result["name"]] = types.SimpleNamespace(stdout=result["stdout"], stderr=result["stderr"])
    return results


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory):
    """The quick runs of the tutorial, digits and moons scripts, each writing its PNGs into its own folder."""
    folder = tmp_path_factory.mktemp("examples")
    outs = {name: folder / name for name in ("tutorial", "digits", "moons")}
    runs = [
        # --show without a display must not block or fail: the PNGs are written either way
        ("tutorial", ["--epochs", "200", "--out", str(outs["tutorial"]), "--show"]),
        ("digits", ["--epochs", "2", "--out", str(outs["digits"]), "--live"]),
        ("moons", ["--epochs", "3", "--out", str(outs["moons"])]),
    ]
    results = run_scripts(folder, runs)
    return {name: (results[name], outs[name]) for name in outs}


def test_tutorial_script_quick(quick_runs):
    done, out_dir = quick_runs["tutorial"]
    out = done.stdout
    assert out.startswith("The tutorial network, 200 epochs")  # the first line comes before the slow work
    for phase in ("hand-written, corrected tanh", "hand-written, tutorial's line", "microtensor autograd"):
        assert re.search(re.escape(phase) + r" *: 100%.*200/200", done.stderr), phase  # tqdm's bar per phase
    corrected = float(re.search(r"corrected tanh derivative \(1 - l2\*\*2\):\s+(\S+)", out).group(1))
    original = float(re.search(r"tutorial's tanh_derivative\(l2\) = 1 - tanh\(l2\)\*\*2:\s+(\S+)", out).group(1))
    assert corrected <= 1e-10 < 1e-3 < original
    autograd_error = float(re.search(r"microtensor autograd:\s+(\S+)", out).group(1))
    original_error = float(re.search(r"hand-written, tutorial's line:\s+(\S+)", out).group(1))
    assert autograd_error < 1e-7 and original_error > 0.1
    assert "Final predictions" in out
    # the fourth run, through mt.compile, ends where eager ends, bit for bit
    assert re.search(r"microtensor through mt.compile: [\d.]+ s .*final weights identical to eager, bit for bit", out)
    check_png(out_dir / "tutorial_loss.png")
    check_png(out_dir / "tutorial_graph.png", min_width=300, min_height=600)


def test_digits_script_quick(quick_runs):
    done, out_dir = quick_runs["digits"]
    assert re.search(r"epoch 2/2 +train loss \d\.\d{4} +test loss \d\.\d{4} +test accuracy", done.stdout)
    assert "after 2 epochs" in done.stdout
    # tqdm's bar on stderr over both epochs' 43 batches, with the running loss; none of it on stdout
    assert re.search(r"training: 100%.*86/86.*epoch 2/2, loss \d\.\d{4}", done.stderr)
    assert "86/86" not in done.stdout
    assert re.search(r"mt.compile: training took [\d.]+ s compiled .*final weights identical, bit for bit", done.stdout)
    check_png(out_dir / "digits.png", min_width=1000, min_height=500)


def test_moons_script_quick(quick_runs):
    done, out_dir = quick_runs["moons"]
    assert done.stdout.startswith("Two moons: one network trained twice, 3 epochs each")
    assert "sigmoid + MSELoss" in done.stdout and "BCEWithLogitsLoss" in done.stdout
    assert re.search(r"BCEWithLogitsLoss: 100%.*3/3", done.stderr)
    check_png(out_dir / "moons.png", min_width=1000, min_height=300)


def test_digits_reaches_97_percent():
    """The full default run: 30 epochs (a few seconds)."""
    result = digits.train(verbose=False)
    assert result["accuracy"] >= 0.97
    history = result["plot"].history
    assert len(history["test_accuracy"][0]) == digits.EPOCHS
    assert history["train_loss"][1][-1] < history["train_loss"][1][0] / 10
    predictions, labels = result["predictions"], result["y_test"]
    assert np.mean(predictions == labels) == result["accuracy"]
    # a stratified split: every class in the test set in proportion
    counts = np.bincount(labels, minlength=10)
    assert counts.min() >= 40 and counts.max() <= 50


def test_digits_grid_shows_every_mistake_up_to_half():
    labels = np.arange(100) % 10
    predictions = labels.copy()
    predictions[[3, 51, 97]] = 0
    chosen = digits.choose_examples(predictions, labels, count=40)
    assert len(chosen) == 40 and set([3, 51, 97]) <= set(chosen.tolist())
    assert np.all(np.diff(chosen) > 0)


def test_moons_both_losses_separate_the_moons():
    results = moons.train()
    for kind in moons.LOSSES:
        assert results[kind]["test_accuracy"][-1] >= 0.95, kind
        assert len(results[kind]["loss"]) == moons.EPOCHS
    trained = [results[kind]["model"][0].weight.detach().numpy() for kind in moons.LOSSES]
    assert not np.array_equal(*trained)  # the losses trained the networks differently ...
    untrained = moons.train(epochs=0)  # ... from the same initial weights
    for (name, a), (_, b) in zip(untrained["mse"]["model"].state_dict().items(),
                                 untrained["bce"]["model"].state_dict().items()):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=name)
    with pytest.raises(ValueError, match="loss must be one of"):
        moons.loss_function("hinge")


def test_example_options():
    import _common

    parser = _common.make_parser("test", epochs=7, live=True)
    args = parser.parse_args([])
    assert args.epochs == 7 and args.show is None and args.live is False
    assert args.out == os.path.join(REPO, "outputs")
    assert parser.parse_args(["--no-show", "--epochs", "3"]).show is False
    with pytest.raises(SystemExit):
        parser.parse_args(["--epochs", "0"])
    assert _common.resolve_show(False) is False and _common.resolve_show(True) is True
    assert parser.parse_args(["--out", "docs"]).out == "docs"
    assert [_common.plural(n, "epoch") for n in (1, 2, 0)] == ["1 epoch", "2 epochs", "0 epochs"]


def test_default_output_folder_is_ignored_by_git():
    """Running an example with its defaults leaves ``git status`` clean: its folder is git-ignored."""
    import _common

    if subprocess.run(["git", "rev-parse"], cwd=REPO, capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    for name in ("tutorial_loss.png", "digits.png", "moons.png", "cnn_digits.png", "char_model.png"):
        path = os.path.relpath(os.path.join(_common.DEFAULT_OUT, name), REPO)
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO).returncode == 0, path
    assert subprocess.run(["git", "check-ignore", "-q", "docs/digits.png"], cwd=REPO).returncode == 1


def test_progress_without_tqdm_prints_plain_lines(monkeypatch, capsys):
    """The examples need only numpy, matplotlib and scikit-learn: without tqdm, progress is plain lines."""
    import _common

    monkeypatch.setitem(sys.modules, "tqdm", None)  # ``import tqdm`` now raises ImportError
    bar = _common.progress(range(3), desc="training", unit="epoch")
    assert isinstance(bar, _common.PlainProgress)
    assert list(bar) == [0, 1, 2]
    _common.say("epoch 3/3 done")
    captured = capsys.readouterr()
    assert captured.out == "epoch 3/3 done\n"
    assert captured.err.strip().splitlines()[-1].startswith("training: epoch 3/3")
    silent = _common.progress(total=5, desc="quiet", enabled=False)
    silent.set_postfix_str("loss 1.0")
    silent.update(5)
    silent.close()
    assert capsys.readouterr().err == ""
