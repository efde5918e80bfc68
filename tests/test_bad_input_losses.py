"""Bad input to the losses gets a clear error (issue 11 rows, for the lead to merge into tests/test_bad_input.py).

Each row: what a user did wrong, the call, the exception type, and a pattern the
message must contain (the op, the values or shapes involved, or what to do).
"""
import pytest

import microtensor as mt
import microtensor.nn.functional as F

nn = mt.nn

BAD_LOSS_INPUTS = [
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


@pytest.mark.parametrize("what, call, error, pattern", BAD_LOSS_INPUTS, ids=[row[0] for row in BAD_LOSS_INPUTS])
def test_bad_loss_input_gets_a_clear_error(what, call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
