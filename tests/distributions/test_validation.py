"""Argument validation: ValueError with PyTorch's messages for bad parameters and values; switching it off."""
import pytest

import microtensor as mt
from microtensor.distributions import (
    Bernoulli, Beta, Categorical, Distribution, Exponential, Independent, MultivariateNormal, Normal, Uniform,
)

BAD_PARAMETERS = [
    (lambda: Normal(mt.zeros(2), mt.tensor([1.0, -1.0])), "parameter scale .* GreaterThan\\(lower_bound=0.0\\)"),
    (lambda: Normal(float("nan"), 1.0), "parameter loc .* Real\\(\\)"),
    (lambda: Bernoulli(mt.tensor([0.5, 1.5])), "parameter probs .* Interval\\(lower_bound=0.0, upper_bound=1.0\\)"),
    (lambda: Categorical(mt.tensor([0.2, -0.1])), "parameter probs .* Simplex\\(\\)"),
    (lambda: Uniform(1.0, 0.0), "parameter low .* LessThan\\(upper_bound=0.0\\)"),
    (lambda: Exponential(mt.tensor([0.0])), "parameter rate"),
    (lambda: Beta(1.0, -2.0), "parameter concentration0"),
    (lambda: MultivariateNormal(mt.zeros(2), mt.tensor([[1.0, 2.0], [2.0, 1.0]])), "PositiveDefinite"),
    (lambda: MultivariateNormal(mt.zeros(2), scale_tril=mt.tensor([[1.0, 1.0], [0.0, 1.0]])), "LowerCholesky"),
    (lambda: Bernoulli(), "Either `probs` or `logits` must be specified, but not both."),
    (lambda: Categorical(probs=mt.ones(2), logits=mt.ones(2)), "Either `probs` or `logits`"),
    (lambda: Categorical(mt.tensor(0.3)), "at least one-dimensional"),
    (lambda: MultivariateNormal(mt.tensor(0.0), mt.eye(1)), "loc must be at least one-dimensional"),
    (lambda: MultivariateNormal(mt.zeros(2), mt.eye(2), scale_tril=mt.eye(2)), "Exactly one of"),
    (lambda: Independent(Normal(mt.zeros(2), 1.0), 2), "reinterpreted_batch_ndims <= len"),
]


@pytest.mark.parametrize("make, message", BAD_PARAMETERS)
def test_invalid_parameters_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


BAD_VALUES = [
    (lambda: Normal(0.0, 1.0).log_prob(1.0), "The value argument to log_prob must be a Tensor"),
    (lambda: Normal(mt.zeros(2), 1.0).log_prob(mt.zeros(3)), "not broadcastable with batch_shape\\+event_shape"),
    (lambda: Bernoulli(0.3).log_prob(mt.tensor(0.5)), "within the support \\(Boolean\\(\\)\\)"),
    (lambda: Categorical(mt.ones(3)).log_prob(mt.tensor(3)), "IntegerInterval\\(lower_bound=0, upper_bound=2\\)"),
    (lambda: Uniform(0.0, 1.0).log_prob(mt.tensor(2.0)), "Interval\\(lower_bound=0.0, upper_bound=1.0\\)"),
    (lambda: Exponential(1.0).cdf(mt.tensor(-1.0)), "GreaterThanEq\\(lower_bound=0.0\\)"),
    (lambda: MultivariateNormal(mt.zeros(2), mt.eye(2)).log_prob(mt.zeros(3)), "right-most size of value"),
]


@pytest.mark.parametrize("evaluate, message", BAD_VALUES)
def test_values_outside_the_support_raise_value_error(evaluate, message):
    with pytest.raises(ValueError, match=message):
        evaluate()


def test_validation_can_be_switched_off_per_instance_and_by_default():
    assert Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0
    assert Uniform(0.0, 1.0, validate_args=False).log_prob(mt.tensor(2.0)).item() == float("-inf")
    Distribution.set_default_validate_args(False)
    try:
        assert Bernoulli(mt.tensor(1.5)).probs.item() == 1.5
    finally:
        Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        Distribution.set_default_validate_args("yes")
    with pytest.raises(ValueError, match="scale"):
        Normal(0.0, -1.0)


def test_repr_names_parameters_as_pytorch():
    assert repr(Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(Bernoulli(logits=mt.zeros(3))) == "Bernoulli(logits: microtensor.Size([3]))"
    assert repr(Independent(Normal(mt.zeros(2), 1.0), 1)).startswith("Independent(Normal(")


def test_a_subclass_without_constraints_warns_as_pytorch_instead_of_failing():
    class Coin(Distribution):
        def log_prob(self, value):
            self._validate_sample(value)
            return value * 0

    with pytest.warns(UserWarning, match="does not define `arg_constraints`"):
        coin = Coin(validate_args=True)
    with pytest.warns(UserWarning, match="does not define `support`"):
        coin.log_prob(mt.tensor(1.0))
    assert repr(coin) == "Coin()"
