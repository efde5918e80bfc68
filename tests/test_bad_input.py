"""Bad input gets a clear error: the table of what was tried and what it gets.

Each row: what a user did wrong, the call, the exception type, and a pattern the
message must contain (the op, the shapes or values involved, or what to do).
The table continues, in the same form, in ``test_bad_input_ops.py`` (core ops and creation)
and ``test_bad_input_validation.py`` (optimizer and scheduler arguments, custom Functions,
numpy arrays given to layers, a missing matplotlib).
``python -m pytest tests/test_bad_input.py -v`` prints the table as it runs;
``python tests/test_bad_input.py`` prints each message in full.
"""
import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F

nn = mt.nn


def _leaf(*shape):
    return mt.ones(*shape, requires_grad=True)


def _backward_twice():
    x = _leaf(2)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _saved_tensor_modified():
    x = _leaf(2)
    h = x * 2
    y = (h * h).sum()
    h.add_(1)
    y.backward()


def _optimizer_after_shape_change():
    w = mt.zeros(3, requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = mt.ones(3)
    opt.step()
    w.data = np.zeros(4, dtype=np.float32)
    w.grad = mt.ones(4)
    opt.step()


def _load_state_dict_missing_key():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    state = model.state_dict()
    del state["2.bias"]
    model.load_state_dict(state)


def _load_state_dict_unexpected_key():
    model = nn.Linear(2, 3)
    state = model.state_dict()
    state["extra"] = mt.zeros(1)
    model.load_state_dict(state)


def _load_state_dict_wrong_shape():
    nn.Linear(2, 3).load_state_dict(nn.Linear(2, 4).state_dict())


def _load_a_pickle(tmp_path):
    import pickle

    path = tmp_path / "model.npz"
    path.write_bytes(pickle.dumps({"w": [1, 2, 3]}))
    mt.load(path)


def _load_a_truncated_file(tmp_path):
    path = tmp_path / "model.npz"
    mt.save({"w": mt.ones(100)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    mt.load(path)


def _save_unsupported_object(tmp_path):
    mt.save({"layer": {"fn": lambda x: x}}, tmp_path / "x.npz")


# (what the user did, call, exception, pattern in the message)
BAD_INPUTS = [
    # shapes
    ("add tensors of clashing shapes", lambda: mt.ones(2, 3) + mt.ones(4), RuntimeError, r"add.*\(2, 3\).*\(4,\)"),
    ("multiply clashing shapes", lambda: mt.ones(3) * mt.ones(2), RuntimeError, r"mul.*\(3,\).*\(2,\)"),
    ("matmul inner sizes differ", lambda: mt.ones(2, 3) @ mt.ones(4, 5), RuntimeError,
     r"matmul: cannot multiply \(2, 3\) by \(4, 5\): inner sizes 3 and 4 differ"),
    ("matmul with a 0-d tensor", lambda: mt.matmul(mt.tensor(1.0), mt.ones(2)), RuntimeError, r"at least 1D"),
    ("mm of a 3-d tensor", lambda: mt.mm(mt.ones(2, 2, 2), mt.ones(2, 2)), RuntimeError, r"mm"),
    ("reshape to a wrong size", lambda: mt.ones(6).reshape(4, 2), RuntimeError, r"shape '\[4, 2\]' is invalid for input of size 6"),
    ("cat of mismatched shapes", lambda: mt.cat([mt.ones(2, 3), mt.ones(2, 4)], dim=0), RuntimeError, r"cat.*\(2, 3\).*\(2, 4\)"),
    ("stack of mismatched shapes", lambda: mt.stack([mt.ones(2), mt.ones(3)]), RuntimeError, r"stack.*\[2\] at entry 0 and \[3\] at entry 1"),
    ("expand to an incompatible shape", lambda: mt.ones(3).expand(2, 4), RuntimeError, r"expand"),
    ("permute with a non-permutation", lambda: mt.ones(2, 3).permute(0, 0), RuntimeError, r"permute"),
    ("linear layer fed the wrong width", lambda: nn.Linear(3, 2)(mt.ones(4, 5)), RuntimeError, r"5.*3|3.*5"),
    ("mse_loss with mismatched shapes", lambda: F.mse_loss(mt.ones(3), mt.ones(4)), ValueError, r"target size \(4,\).*input size \(3,\)"),
    ("gradient of the wrong shape to backward", lambda: (_leaf(2) * 2).backward(mt.ones(3)), RuntimeError, r"Mismatch in shape"),
    ("assign .grad of a different shape", lambda: setattr(_leaf(2), "grad", mt.ones(3)), RuntimeError, r"different size"),
    ("in-place add with a broadcast-enlarging operand", lambda: mt.ones(3).add_(mt.ones(2, 3)), RuntimeError, r"add_"),
    # dims and indices
    ("sum over a dim out of range", lambda: mt.ones(2, 3).sum(dim=2), IndexError, r"Dimension out of range.*\[-2, 1\].*2"),
    ("softmax over a dim out of range", lambda: mt.softmax(mt.ones(2, 3), dim=-3), IndexError, r"Dimension out of range"),
    ("max over a dim out of range", lambda: mt.ones(2).max(dim=1), IndexError, r"Dimension out of range"),
    ("transpose a dim out of range", lambda: mt.ones(2, 3).transpose(0, 5), IndexError, r"Dimension out of range"),
    ("unsqueeze a dim out of range", lambda: mt.ones(2).unsqueeze(3), IndexError, r"Dimension out of range"),
    ("index past the end", lambda: mt.ones(3)[5], IndexError, r"5.*3|3.*5"),
    ("size of a missing dim", lambda: mt.ones(3).size(1), IndexError, r"Dimension out of range"),
    ("max of an empty tensor", lambda: mt.zeros(0).max(), RuntimeError, r"max"),
    # dtypes and gradients
    ("requires_grad on an int tensor", lambda: mt.tensor([1, 2], requires_grad=True), RuntimeError, r"floating point"),
    ("requires_grad on a bool tensor", lambda: mt.zeros(2, dtype=mt.bool).requires_grad_(), RuntimeError, r"floating point"),
    ("mean of an int tensor", lambda: mt.tensor([1, 2]).mean(), RuntimeError, r"mean.*Long|floating point"),
    ("backward on a tensor that does not require grad", lambda: mt.ones(2).sum().backward(), RuntimeError,
     r"does not require grad"),
    ("backward on a non-scalar without gradient", lambda: (_leaf(2) * 2).backward(), RuntimeError,
     r"implicitly created only for scalar outputs"),
    ("backward twice through a freed graph", _backward_twice, RuntimeError, r"retain_graph=True"),
    ("a saved tensor modified in place", _saved_tensor_modified, RuntimeError, r"modified by an inplace operation"),
    ("in-place op on a leaf that requires grad", lambda: _leaf(2).add_(1), RuntimeError,
     r"leaf Variable that requires grad.*no_grad"),
    ("int tensor += float", lambda: mt.tensor([1, 2]).add_(0.5), RuntimeError, r"can't be cast"),
    ("negate a bool tensor", lambda: -mt.tensor([True]), RuntimeError, r"logical_not|~"),
    ("gradcheck in float32", lambda: mt.autograd.gradcheck(lambda t: t * 2, (_leaf(2),)), RuntimeError, r"float64"),
    ("item of a many-element tensor", lambda: mt.ones(3).item(), RuntimeError, r"3 elements"),
    ("numpy() of a tensor that requires grad", lambda: _leaf(2).numpy(), RuntimeError, r"detach\(\)"),
    ("truth value of a many-element tensor", lambda: bool(mt.ones(2)), RuntimeError, r"ambiguous"),
    ("a string as tensor data", lambda: mt.tensor("abc"), TypeError, r"tensor"),
    ("ragged nested lists", lambda: mt.tensor([[1.0, 2.0], [3.0]]), ValueError, r"tensor"),
    ("an unknown dtype", lambda: mt.zeros(2, dtype="complex64"), TypeError, r"complex64"),
    ("a non-CPU device", lambda: mt.zeros(2, device="cuda"), RuntimeError, r"CPU only"),
    ("negative dimension in zeros", lambda: mt.zeros(-1), RuntimeError, r"negative dimension"),
    ("gelu with an unknown approximation", lambda: F.gelu(mt.ones(2), approximate="fast"), ValueError, r"tanh"),
    # losses
    ("cross_entropy target out of range", lambda: F.cross_entropy(mt.zeros(2, 3), mt.tensor([0, 3])), IndexError, r"3"),
    ("cross_entropy negative target", lambda: F.cross_entropy(mt.zeros(2, 3), mt.tensor([0, -2])), IndexError, r"-2"),
    ("cross_entropy with float targets", lambda: F.cross_entropy(mt.zeros(2, 3), mt.tensor([0.0, 1.0])), TypeError,
     r"int64|Long|integer"),
    ("nll_loss target out of range", lambda: F.nll_loss(mt.zeros(2, 3), mt.tensor([5, 0])), IndexError, r"5"),
    ("binary_cross_entropy with probabilities above 1", lambda: F.binary_cross_entropy(mt.tensor([1.5]), mt.tensor([1.0])),
     (RuntimeError, ValueError), r"1\.5|between 0 and 1|\[0, 1\]"),
    ("binary_cross_entropy with negative probabilities",
     lambda: F.binary_cross_entropy(mt.tensor([-0.1]), mt.tensor([0.0])), (RuntimeError, ValueError), r"0 and 1|\[0, 1\]"),
    ("a loss with an unknown reduction", lambda: F.mse_loss(mt.ones(2), mt.ones(2), reduction="avg"), ValueError, r"avg"),
    ("dropout probability above 1", lambda: nn.Dropout(1.5), ValueError, r"1\.5"),
    # optimizers and modules
    ("optimizer with no parameters", lambda: mt.optim.SGD([], lr=0.1), ValueError, r"empty parameter list"),
    ("negative learning rate", lambda: mt.optim.Adam([_leaf(1)], lr=-1.0), ValueError, r"-1"),
    ("optimizer step after a parameter changed shape", _optimizer_after_shape_change, RuntimeError, r"\(3,\).*\(4,\)|\(4,\).*\(3,\)"),
    ("load_state_dict with a missing key", _load_state_dict_missing_key, RuntimeError, r"Missing key\(s\).*2\.bias"),
    ("load_state_dict with an unexpected key", _load_state_dict_unexpected_key, RuntimeError, r"Unexpected key\(s\).*extra"),
    ("load_state_dict with a wrong shape", _load_state_dict_wrong_shape, RuntimeError, r"weight.*\(4, 2\).*\(3, 2\)|size mismatch"),
    ("TensorDataset of different lengths",
     lambda: mt.utils.data.TensorDataset(mt.ones(3), mt.ones(4)), ValueError, r"3.*4|4.*3"),
    # losses at the edges (issue 11)
    ("binary_cross_entropy with a target above 1",
     lambda: F.binary_cross_entropy(mt.tensor([0.5]), mt.tensor([2.0])), RuntimeError,
     r"binary_cross_entropy.*target should be between 0 and 1.*2\.0"),
    ("binary_cross_entropy with a negative target",
     lambda: nn.BCELoss()(mt.tensor([0.5, 0.5]), mt.tensor([1.0, -1.0])), RuntimeError,
     r"target should be between 0 and 1.*-1\.0"),
    ("binary_cross_entropy with a nan target",
     lambda: F.binary_cross_entropy(mt.tensor([0.5]), mt.tensor([float("nan")])), RuntimeError,
     r"target should be between 0 and 1.*nan"),
    ("cross_entropy with an integer target of the input's shape",
     lambda: F.cross_entropy(mt.zeros(2, 3), mt.zeros(2, 3, dtype=mt.int64)), RuntimeError,
     r"cross_entropy.*\(2, 3\).*class probabilities.*floating point.*int64.*target\.float\(\).*\(2,\)"),
    ("cross_entropy with probability targets and ignore_index",
     lambda: F.cross_entropy(mt.zeros(2, 3), mt.full((2, 3), 1 / 3), ignore_index=1), RuntimeError,
     r"cross_entropy.*ignore_index=1 is not supported for floating point"),
    ("cross_entropy with probability targets of the wrong class count",
     lambda: F.cross_entropy(mt.zeros(2, 3), mt.full((2, 4), 0.25)), RuntimeError,
     r"cross_entropy.*input.s shape \(2, 3\); got shape \(2, 4\)"),
    ("cross_entropy with probability targets and a wrong weight",
     lambda: F.cross_entropy(mt.zeros(2, 3), mt.full((2, 3), 1 / 3), weight=mt.ones(4)), RuntimeError,
     r"cross_entropy.*weight.*3 classes.*\(4,\)"),
    ("cross_entropy with a float class-index target",
     lambda: F.cross_entropy(mt.zeros(2, 3), mt.tensor([0.0, 1.0])), TypeError,
     r"integer dtype.*\.long\(\).*probability targets.*input's shape \(2, 3\)"),
]

FILE_INPUTS = [
    ("mt.load of a pickle file", _load_a_pickle, Exception, r"pickle"),
    ("mt.load of a truncated file", _load_a_truncated_file, Exception, r"model\.npz"),
    ("mt.save of an unsupported object", _save_unsupported_object, TypeError, r"fn"),
]


@pytest.mark.parametrize("what, call, error, pattern", BAD_INPUTS, ids=[row[0] for row in BAD_INPUTS])
def test_bad_input_gets_a_clear_error(what, call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


@pytest.mark.parametrize("what, call, error, pattern", FILE_INPUTS, ids=[row[0] for row in FILE_INPUTS])
def test_bad_file_gets_a_clear_error(what, call, error, pattern, tmp_path):
    with pytest.raises(error, match=pattern):
        call(tmp_path)


def test_the_table_is_long_enough():
    assert len(BAD_INPUTS) + len(FILE_INPUTS) >= 40


if __name__ == "__main__":
    for what, call, error, _ in BAD_INPUTS:
        try:
            call()
        except Exception as caught:  # noqa: BLE001 - printing the table
            print(f"- {what}\n    {type(caught).__name__}: {caught}\n")
