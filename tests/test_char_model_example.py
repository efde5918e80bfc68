"""examples/char_model.py: its quick mode trains both models, prints losses and samples and writes the
picture; the text, vocabulary, batches and sampling behave as described."""
import math
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "examples"))

import char_model  # noqa: E402


def test_quick_run_trains_both_models_and_writes_the_picture(tmp_path, capsys):
    import matplotlib.image

    results = char_model.main(["--quick", "--epochs", "1", "--out", str(tmp_path), "--no-show"])
    printed = capsys.readouterr().out
    uniform = math.log(len(results["vocab"]))
    for kind in ("mlp", "transformer"):
        history = results[kind]
        assert len(history["step"]) == len(history["train"]) == len(history["validation"]) >= 2
        assert all(math.isfinite(loss) for loss in history["train"] + history["validation"])
        assert history["train"][0] > uniform - 0.5          # an untrained model is close to a uniform guess
        assert history["train"][-1] < history["train"][0] - 0.3
        step, sample = history["samples"][-1]
        assert step == history["steps"] and sample.startswith(char_model.PROMPT)
        assert len(sample) == len(char_model.PROMPT) + char_model.QUICK["sample_length"]
        assert set(sample) <= set(results["vocab"].chars)
    assert "train" in printed and "validation" in printed and "sample: def " in printed
    image = matplotlib.image.imread(tmp_path / "char_model.png")
    assert image.shape[1] >= 1000 and image.shape[0] >= 500 and image[..., :3].std() > 0.05


def test_text_vocabulary_and_batches():
    text = char_model.load_text(5_000)
    assert len(text) == 5_000 and text == char_model.load_text(5_000)   # the same files, in sorted order
    assert set(text) <= set(map(chr, range(32, 127))) | {"\n"}
    vocab = char_model.Vocabulary(text)
    data = vocab.encode(text)
    assert data.dtype == np.int64 and vocab.decode(data) == text
    starts = np.array([0, 10])
    inputs, targets = char_model.batch("mlp", data, starts, 4)
    np.testing.assert_array_equal(inputs.numpy(), [data[0:4], data[10:14]])
    np.testing.assert_array_equal(targets.numpy(), [data[4], data[14]])
    inputs, targets = char_model.batch("transformer", data, starts, 4)
    np.testing.assert_array_equal(targets.numpy(), [data[1:5], data[11:15]])


def test_sampling_is_reproducible_with_a_seeded_generator():
    import microtensor as mt

    vocab = char_model.Vocabulary(char_model.load_text(2_000))
    mt.manual_seed(0)
    model = char_model.build_transformer(len(vocab), context=8, embed=8, heads=2, layers=1)

    def sample(seed):
        return char_model.generate(model, vocab, "def ", 20, mt.Generator().manual_seed(seed))

    assert sample(1) == sample(1) and sample(1) != sample(2)
    assert len(sample(1)) == 24 and sample(1).startswith("def ")
