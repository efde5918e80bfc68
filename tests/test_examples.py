"""Every example runs as a script in a quick mode (Agg, no display) and writes sensible PNGs;
the digits example reaches 97% test accuracy and the moons example separates the moons."""
import os
import re
import subprocess
import sys

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


def run_script(name, *args):
    """``python examples/<name>.py args`` from the repository root, headless; returns stdout."""
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, os.path.join("examples", f"{name}.py"), *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"examples/{name}.py failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_tutorial_script_quick(tmp_path):
    # --show without a display must not block or fail: the PNGs are written either way
    out = run_script("tutorial", "--epochs", "200", "--out", str(tmp_path), "--show")
    corrected = float(re.search(r"corrected tanh derivative \(1 - l2\*\*2\):\s+(\S+)", out).group(1))
    original = float(re.search(r"tutorial's tanh_derivative\(l2\) = 1 - tanh\(l2\)\*\*2:\s+(\S+)", out).group(1))
    assert corrected <= 1e-10 < 1e-3 < original
    autograd_error = float(re.search(r"microtensor autograd:\s+(\S+)", out).group(1))
    original_error = float(re.search(r"hand-written, tutorial's line:\s+(\S+)", out).group(1))
    assert autograd_error < 1e-7 and original_error > 0.1
    assert "Final predictions" in out
    check_png(tmp_path / "tutorial_loss.png")
    check_png(tmp_path / "tutorial_graph.png", min_width=300, min_height=600)


def test_digits_script_quick(tmp_path):
    out = run_script("digits", "--epochs", "2", "--out", str(tmp_path), "--live")
    assert re.search(r"epoch 2/2 .*test accuracy", out)
    assert re.search(r"\[=+\] 43/43 +loss \d\.\d{4}", out)  # the progress bar with the running loss
    check_png(tmp_path / "digits.png", min_width=1000, min_height=500)


def test_moons_script_quick(tmp_path):
    out = run_script("moons", "--epochs", "3", "--out", str(tmp_path))
    assert "sigmoid + MSELoss" in out and "BCEWithLogitsLoss" in out
    check_png(tmp_path / "moons.png", min_width=1000, min_height=300)


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
    assert args.out == os.path.join(REPO, "docs")
    assert parser.parse_args(["--no-show", "--epochs", "3"]).show is False
    with pytest.raises(SystemExit):
        parser.parse_args(["--epochs", "0"])
    assert _common.resolve_show(False) is False and _common.resolve_show(True) is True
    assert _common.progress_bar(5, 10, width=10, loss=0.5) == "[=====>    ]  5/10  loss 0.5000"
    assert _common.progress_bar(10, 10, width=10) == "[==========] 10/10  "
