"""examples/cnn_digits.py: its quick mode runs and writes a sensible picture; the full run
(``MT_SLOW=1``) reaches 98.5% test accuracy."""
import os
import re
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "examples"))

import cnn_digits  # noqa: E402
from tests.conftest import SLOW  # noqa: E402
from tests.test_examples import check_png  # noqa: E402


def test_quick_mode_trains_prints_progress_and_draws_filters_and_mistakes(tmp_path, capsys):
    result = cnn_digits.main(["--quick", "--out", str(tmp_path), "--no-show"])
    assert result["compiled_same"] is True  # the mt.compile run ends where eager ends, bit for bit
    captured = capsys.readouterr()
    out = captured.out
    assert re.search(r"epoch 1/1 +train loss \d\.\d{4} +test loss \d\.\d{4} +test accuracy", out)
    assert "after 1 epoch," in out
    assert re.search(r"training: 100%.*10/10.*epoch 1/1, loss \d\.\d{4}", captured.err)  # tqdm's bar
    assert f"wrote {tmp_path / 'cnn_digits.png'}" in out
    check_png(tmp_path / "cnn_digits.png", min_width=1200, min_height=500)
    assert cnn_digits.first_layer_filters(result["model"]).shape == (16, 3, 3)
    assert result["probabilities"].shape == (len(result["y_test"]), 10)
    np.testing.assert_allclose(result["probabilities"].sum(axis=1), 1.0, rtol=1e-5)
    assert np.array_equal(result["probabilities"].argmax(axis=1), result["predictions"])


def test_random_shifts_move_half_the_digits_by_one_pixel():
    images = np.zeros((400, 1, 8, 8), dtype=np.float32)
    images[:, 0, 3:5, 3:5] = 1.0
    moved = cnn_digits.random_shifts(images, np.random.default_rng(0))
    assert moved.shape == images.shape and np.allclose(moved.sum(axis=(1, 2, 3)), 4.0)
    changed = np.any(moved != images, axis=(1, 2, 3)).mean()
    assert 0.3 < changed < 0.6  # half are picked, and a pick of (0, 0) leaves the digit in place
    for count in (1, 2, 5, 8, 24):
        rows, columns = cnn_digits.grid_shape(count)
        assert rows * columns >= count > (rows - 1) * columns  # room for all, no empty row


@pytest.mark.slow
@pytest.mark.skipif(not SLOW, reason="the full 30-epoch run takes a few seconds; MT_SLOW=1 runs it")
def test_full_run_reaches_98_5_percent():
    result = cnn_digits.train(verbose=False)
    assert result["accuracy"] >= 0.985
    assert result["history"]["train_loss"][-1] < result["history"]["train_loss"][0] / 10
