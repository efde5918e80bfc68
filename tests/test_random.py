"""Random numbers: mt.Generator and generator= on every random function, seeding, and the
samplers multinomial / normal / bernoulli and the in-place fills, checked against their
distributions (chi-square and Kolmogorov-Smirnov tests at fixed seeds, scipy.stats)."""
import itertools

import numpy as np
import pytest
from scipy import stats

import microtensor as mt
from microtensor.utils.data import DataLoader, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, random_split

P_MIN = 1e-3  # a fixed seed makes each test deterministic; this only says "the draws fit the law"


def _values(result):
    """Comparable numbers out of whatever a random function returns."""
    if isinstance(result, mt.Tensor):
        return result.numpy().tolist()
    if isinstance(result, list) and result and isinstance(result[0], mt.utils.data.Subset):
        return [list(subset.indices) for subset in result]
    if isinstance(result, list):
        return [_values(item) if isinstance(item, (mt.Tensor, list)) else item for item in result]
    return result


RANDOM_FUNCTIONS = {
    "rand": lambda g: mt.rand(3, generator=g),
    "randn": lambda g: mt.randn(2, 2, generator=g),
    "randint": lambda g: mt.randint(0, 100, (4,), generator=g),
    "randperm": lambda g: mt.randperm(6, generator=g),
    "rand_like": lambda g: mt.rand_like(mt.zeros(3), generator=g),
    "randn_like": lambda g: mt.randn_like(mt.zeros(3), generator=g),
    "randint_like": lambda g: mt.randint_like(mt.zeros(3), 50, generator=g),
    "normal(Tensor, Tensor)": lambda g: mt.normal(mt.zeros(3), mt.ones(3), generator=g),
    "normal(Tensor, float)": lambda g: mt.normal(mt.zeros(3), 2.0, generator=g),
    "normal(float, Tensor)": lambda g: mt.normal(1.0, mt.ones(3), generator=g),
    "normal(float, float, size)": lambda g: mt.normal(0.0, 1.0, (3,), generator=g),
    "bernoulli": lambda g: mt.bernoulli(mt.full((8,), 0.5), generator=g),
    "bernoulli(p=)": lambda g: mt.zeros(8).bernoulli(p=0.5, generator=g),
    "multinomial": lambda g: mt.multinomial(mt.ones(10), 4, generator=g),
    "multinomial(replacement=True)": lambda g: mt.ones(10).multinomial(4, replacement=True, generator=g),
    "uniform_": lambda g: mt.zeros(3).uniform_(-1, 1, generator=g),
    "normal_": lambda g: mt.zeros(3).normal_(0, 1, generator=g),
    "bernoulli_": lambda g: mt.zeros(8).bernoulli_(0.5, generator=g),
    "random_": lambda g: mt.zeros(3, dtype=mt.int64).random_(0, 1000, generator=g),
    "exponential_": lambda g: mt.zeros(3).exponential_(generator=g),
    "nn.init.uniform_": lambda g: mt.nn.init.uniform_(mt.zeros(3), generator=g),
    "nn.init.normal_": lambda g: mt.nn.init.normal_(mt.zeros(3), generator=g),
    "nn.init.xavier_uniform_": lambda g: mt.nn.init.xavier_uniform_(mt.zeros(2, 3), generator=g),
    "nn.init.kaiming_normal_": lambda g: mt.nn.init.kaiming_normal_(mt.zeros(2, 3), generator=g),
    "random_split": lambda g: random_split(range(10), [0.5, 0.5], generator=g),
    "RandomSampler": lambda g: list(RandomSampler(range(8), generator=g)),
    "RandomSampler(replacement=True)": lambda g: list(RandomSampler(range(8), True, 5, generator=g)),
    "SubsetRandomSampler": lambda g: list(SubsetRandomSampler([3, 5, 7, 9], generator=g)),
    "WeightedRandomSampler": lambda g: list(WeightedRandomSampler([1.0, 2.0, 3.0], 6, generator=g)),
    "DataLoader(shuffle=True)": lambda g: list(DataLoader(range(8), batch_size=3, shuffle=True, generator=g)),
}


@pytest.mark.parametrize("name", sorted(RANDOM_FUNCTIONS))
def test_generator_argument_repeats_draws_and_leaves_the_default_alone(name):
    draw = RANDOM_FUNCTIONS[name]
    mt.manual_seed(0)
    default_state = mt.get_rng_state().numpy().copy()
    first = _values(draw(mt.Generator().manual_seed(7)))
    np.testing.assert_array_equal(mt.get_rng_state().numpy(), default_state)  # default untouched
    assert _values(draw(mt.Generator().manual_seed(7))) == first
    other_seeds = [_values(draw(mt.Generator().manual_seed(seed))) for seed in (8, 9, 10)]
    assert any(other != first for other in other_seeds)
    # without generator=, the default generator is used: manual_seed repeats it
    mt.manual_seed(3)
    by_default = _values(draw(None))
    assert not np.array_equal(mt.get_rng_state().numpy(), default_state)
    mt.manual_seed(3)
    assert _values(draw(None)) == by_default


def test_generator_interface():
    g = mt.Generator()
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    assert g.device == mt.device("cpu") and g.device.type == "cpu"
    state = g.get_state()
    assert state.dtype == mt.uint8
    a = mt.randn(4, generator=g)
    g.set_state(state)
    np.testing.assert_array_equal(mt.randn(4, generator=g).numpy(), a.numpy())
    assert mt.manual_seed(11) is mt.default_generator and mt.initial_seed() == 11
    chosen = mt.seed()
    assert mt.initial_seed() == chosen
    with pytest.raises(TypeError, match="int seed"):
        mt.manual_seed(1.5)
    with pytest.raises(TypeError, match="microtensor.Generator"):
        mt.rand(2, generator="seed")
    with pytest.raises(RuntimeError, match="not available"):
        mt.Generator(device="cuda")


# ----------------------------------------------------------------- multinomial
def test_multinomial_with_replacement_follows_the_weights():
    weights = np.array([0.0, 1.0, 2.0, 3.0, 4.0])  # unnormalised, with an impossible category
    draws = mt.multinomial(mt.tensor(weights), 20000, replacement=True, generator=mt.Generator().manual_seed(1))
    assert draws.dtype == mt.int64 and draws.shape == (20000,)
    counts = np.bincount(draws.numpy(), minlength=5)
    assert counts[0] == 0
    expected = 20000 * weights[1:] / weights.sum()
    assert stats.chisquare(counts[1:], expected).pvalue > P_MIN


def test_multinomial_rows_are_separate_distributions():
    rows = np.array([[1.0, 0.0, 3.0], [0.0, 5.0, 5.0]], dtype=np.float32)
    draws = mt.multinomial(mt.tensor(rows), 6000, replacement=True, generator=mt.Generator().manual_seed(2))
    assert draws.shape == (2, 6000)
    for row, sample in zip(rows, draws.numpy()):
        counts = np.bincount(sample, minlength=3)
        assert np.all(counts[row == 0] == 0)
        positive = row > 0
        assert stats.chisquare(counts[positive], 6000 * row[positive] / row.sum()).pvalue > P_MIN


def test_multinomial_without_replacement_draws_ordered_pairs_as_successive_draws():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    trials = 6000
    draws = mt.multinomial(mt.tensor(np.tile(p, (trials, 1))), 2, generator=mt.Generator().manual_seed(3)).numpy()
    assert draws.shape == (trials, 2) and np.all(draws[:, 0] != draws[:, 1])
    pairs = list(itertools.permutations(range(4), 2))
    observed = [np.sum((draws[:, 0] == i) & (draws[:, 1] == j)) for i, j in pairs]
    expected = [trials * p[i] * p[j] / (1 - p[i]) for i, j in pairs]  # P(i first) * P(j | i removed)
    assert stats.chisquare(observed, expected).pvalue > P_MIN


def test_multinomial_without_replacement_takes_zero_weights_last():
    g = mt.Generator().manual_seed(4)
    for _ in range(20):
        draw = mt.multinomial(mt.tensor([0.0, 2.0, 0.0, 1.0, 5.0]), 5, generator=g).tolist()
        assert sorted(draw) == [0, 1, 2, 3, 4] and set(draw[:3]) == {1, 3, 4}
    assert mt.multinomial(mt.zeros(0, 3), 2).shape == (0, 2)


@pytest.mark.parametrize("probs, kwargs, error, match", [
    ([1.0, -1.0], {}, RuntimeError, "inf`, `nan` or element < 0"),
    ([1.0, float("inf")], {}, RuntimeError, "inf`, `nan` or element < 0"),
    ([1.0, float("nan")], {"replacement": True}, RuntimeError, "inf`, `nan` or element < 0"),
    ([0.0, 0.0], {}, RuntimeError, r"sum of probabilities <= 0"),
    ([[1.0, 1.0], [0.0, 0.0]], {"replacement": True}, RuntimeError, r"sum of probabilities <= 0"),
    ([1.0, 1.0], {"num_samples": 3}, RuntimeError, "cannot sample n_sample > prob_dist.size"),
    ([1.0, 1.0], {"num_samples": 0}, RuntimeError, "n_sample <= 0"),
    ([[[1.0]]], {}, RuntimeError, "must be 1 or 2 dim"),
    (1.0, {}, RuntimeError, "must be 1 or 2 dim"),
    ([1, 2], {}, RuntimeError, "floating-point dtypes"),
    ([1.0, 2.0], {"num_samples": 1.5}, TypeError, "num_samples must be an int"),
])
def test_multinomial_errors(probs, kwargs, error, match):
    kwargs = {"num_samples": 1, **kwargs}
    with pytest.raises(error, match=match):
        mt.multinomial(mt.tensor(probs), **kwargs)


def test_multinomial_out():
    out = mt.zeros(3, dtype=mt.int64)
    assert mt.multinomial(mt.ones(5), 3, out=out) is out and len(set(out.tolist())) == 3
    with pytest.raises(RuntimeError, match="Long tensor out"):
        mt.multinomial(mt.ones(5), 3, out=mt.zeros(3))


# ---------------------------------------------------------- normal, bernoulli
def test_normal_forms_have_the_right_moments_shapes_and_dtypes():
    g = mt.Generator().manual_seed(5)
    mean = mt.tensor(np.linspace(-3, 3, 4000).reshape(1000, 4))
    std = mt.tensor([0.5, 1.0, 2.0, 4.0], dtype=mt.float64)
    x = mt.normal(mean, std, generator=g)
    assert x.shape == (1000, 4) and x.dtype == mt.float64  # float32 mean, float64 std promote
    z = (x.numpy() - mean.numpy()) / std.numpy()
    assert stats.kstest(z.ravel(), "norm").pvalue > P_MIN
    y = mt.normal(2.0, 3.0, (4000,), generator=g)
    assert y.dtype == mt.float32 and stats.kstest(y.numpy(), "norm", args=(2.0, 3.0)).pvalue > P_MIN
    assert mt.normal(0.0, 1.0, size=(2, 3), dtype=mt.float64).dtype == mt.float64
    assert mt.normal(mt.zeros(5), 2.0).shape == (5,) and mt.normal(1.0, mt.ones(2, 3)).shape == (2, 3)
    assert mt.normal(mt.zeros(3, 1), mt.ones(4)).shape == (3, 4)
    assert mt.normal(mt.zeros(4), mt.zeros(4)).tolist() == [0.0] * 4


@pytest.mark.parametrize("call, error, match", [
    (lambda: mt.normal(0.0, 1.0), TypeError, "pass size="),
    (lambda: mt.normal(mt.zeros(3), mt.ones(2)), RuntimeError, r"size of tensor a \(3\) must match.*\(2\)"),
    (lambda: mt.normal(mt.zeros(3), -mt.ones(3)), RuntimeError, "std >= 0.0"),
    (lambda: mt.normal(0.0, -1.0, (2,)), RuntimeError, "std >= 0.0, but found std -1"),
    (lambda: mt.normal(mt.zeros(3, dtype=mt.int64), 1.0), NotImplementedError, "floating dtype"),
    (lambda: mt.normal(mt.zeros(3), 1.0, (3,)), TypeError, "float-mean, float-std form"),
    (lambda: mt.normal("0", 1.0, (3,)), TypeError, "mean must be a Tensor or a float"),
])
def test_normal_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_bernoulli_frequencies_follow_each_p():
    p = np.array([0.0, 0.1, 0.5, 0.9, 1.0])
    draws = mt.bernoulli(mt.tensor(np.tile(p, (4000, 1)), dtype=mt.float32), generator=mt.Generator().manual_seed(6)).numpy()
    assert draws.dtype == np.float32 and set(np.unique(draws)) <= {0.0, 1.0}
    ones = draws.sum(axis=0)
    assert ones[0] == 0 and ones[-1] == 4000
    for k, prob in zip(ones[1:4], p[1:4]):
        assert stats.binomtest(int(k), 4000, prob).pvalue > P_MIN
    with_p = mt.zeros(4000, dtype=mt.int64).bernoulli(0.3, generator=mt.Generator().manual_seed(7))
    assert with_p.dtype == mt.int64 and stats.binomtest(int(with_p.sum().item()), 4000, 0.3).pvalue > P_MIN
    assert mt.bernoulli(mt.zeros(3, dtype=mt.float64), p=1.0).tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("call, error, match", [
    (lambda: mt.bernoulli(mt.tensor([0.5, 1.5])), RuntimeError, r"p to be in \[0, 1\]"),
    (lambda: mt.bernoulli(mt.tensor([0.5, float("nan")])), RuntimeError, r"p to be in \[0, 1\]"),
    (lambda: mt.bernoulli(mt.ones(2), -0.1), RuntimeError, r"p to be in \[0, 1\], but got p=-0.1"),
    (lambda: mt.bernoulli(mt.tensor([0, 1])), NotImplementedError, "floating dtype"),
    (lambda: mt.bernoulli(mt.ones(2), p=mt.ones(2)), TypeError, "p must be a float"),
])
def test_bernoulli_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_samples_pass_a_zero_gradient_as_in_pytorch():
    mean = mt.zeros(3, requires_grad=True)
    std = mt.ones(3, requires_grad=True)
    p = mt.full((3,), 0.5, requires_grad=True)
    x = mt.normal(mean, std) + mt.normal(mean, 2.0) + mt.normal(1.0, std) + mt.bernoulli(p)
    assert x.requires_grad
    (grad_mean, grad_std, grad_p) = mt.autograd.grad(x.sum(), (mean, std, p), create_graph=True)
    for grad in (grad_mean, grad_std, grad_p):
        assert grad.tolist() == [0.0, 0.0, 0.0]
    assert not mt.multinomial(p, 2).requires_grad and not mt.normal(0.0, 1.0, (2,)).requires_grad
    assert mt.normal(0.0, 1.0, (2,), requires_grad=True).requires_grad


# -------------------------------------------------------------- in-place fills
def test_in_place_fills_follow_their_distributions():
    g = mt.Generator().manual_seed(8)
    t = mt.empty(5000, dtype=mt.float64)
    assert t.uniform_(-2, 3, generator=g) is t
    assert stats.kstest(t.numpy(), "uniform", args=(-2, 5)).pvalue > P_MIN
    t.normal_(1.5, 0.5, generator=g)
    assert stats.kstest(t.numpy(), "norm", args=(1.5, 0.5)).pvalue > P_MIN
    t.exponential_(4.0, generator=g)
    assert stats.kstest(t.numpy(), "expon", args=(0, 0.25)).pvalue > P_MIN
    t.bernoulli_(0.25, generator=g)
    assert stats.binomtest(int(t.sum().item()), 5000, 0.25).pvalue > P_MIN
    u = mt.empty(5000, 2).bernoulli_(mt.tensor([0.0, 1.0]), generator=g)  # a tensor p broadcasts
    assert u[:, 0].sum().item() == 0 and u[:, 1].sum().item() == 5000
    assert mt.empty(3).uniform_(**{"from": 2.0, "to": 2.0}).tolist() == [2.0] * 3


def test_random_fill_ranges():
    g = mt.Generator().manual_seed(9)
    counts = np.bincount(mt.empty(7000, dtype=mt.int64).random_(3, 10, generator=g).numpy(), minlength=10)
    assert counts[:3].sum() == 0 and stats.chisquare(counts[3:]).pvalue > P_MIN
    assert set(mt.empty(200).random_(4, generator=g).tolist()) == {0.0, 1.0, 2.0, 3.0}  # random_(to)
    assert set(mt.empty(200).random_(to=2, generator=g).tolist()) == {0.0, 1.0}
    small = mt.empty(2000, dtype=mt.int8).random_(generator=g).numpy()
    assert small.min() >= 0 and small.max() == 127  # [0, 127] for int8
    assert mt.empty(50, dtype=mt.int8).random_(100, None, generator=g).numpy().min() >= 100
    wide = mt.empty(2000).random_(generator=g).numpy()
    assert wide.min() >= 0 and wide.max() <= 2 ** 24 and wide.max() > 2 ** 23  # float32 holds integers to 2**24
    assert np.all(wide == np.round(wide))
    flags = mt.empty(100, dtype=mt.bool).random_(generator=g)
    assert flags.dtype == mt.bool and set(flags.tolist()) == {False, True}


@pytest.mark.parametrize("call, error, match", [
    (lambda: mt.zeros(2).uniform_(3, 2), RuntimeError, r"\[from, to\) range, but found from=3 > to=2"),
    (lambda: mt.zeros(2, dtype=mt.int64).uniform_(), NotImplementedError, "floating dtype"),
    (lambda: mt.zeros(2).normal_(0, -1), RuntimeError, "std >= 0.0"),
    (lambda: mt.zeros(2).exponential_(0), RuntimeError, "lambda > 0.0, but found lambda=0"),
    (lambda: mt.zeros(2, dtype=mt.int64).exponential_(), RuntimeError, "dtype must be a floating point"),
    (lambda: mt.zeros(2).bernoulli_(1.5), RuntimeError, r"p to be in \[0, 1\]"),
    (lambda: mt.zeros(3).bernoulli_(mt.tensor([0.5, 0.5])), RuntimeError, "cannot be broadcast"),
    (lambda: mt.zeros(2).random_(6, 3), RuntimeError, "'from' to be less than 'to', but got from=6 >= to=3"),
    (lambda: mt.zeros(2, dtype=mt.uint8).random_(-3, 3), RuntimeError, "out of bounds for uint8"),
    (lambda: mt.zeros(2, dtype=mt.int8).random_(0, 300), RuntimeError, "out of bounds for int8"),
    (lambda: mt.zeros(2).random_(0.5, 3), TypeError, "from must be an int"),
    (lambda: mt.zeros(2).uniform_(0, 1, 2), TypeError, "takes from and to"),
])
def test_in_place_fill_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_in_place_fills_follow_the_in_place_rules():
    leaf = mt.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="uniform_: a leaf Variable that requires grad"):
        leaf.uniform_()
    with mt.no_grad():
        leaf.normal_()  # what nn.init does
    assert leaf.requires_grad and leaf.grad_fn is None and leaf.abs().sum().item() > 0
    version = leaf._version
    with mt.no_grad():
        leaf.exponential_()
    assert leaf._version == version + 1
    x = mt.ones(3, requires_grad=True)
    y = x * 2
    y.uniform_()  # the old values are gone: zero gradient to x
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    x = mt.ones(3, requires_grad=True)
    y = x * 2
    y[1:].bernoulli_(0.5)  # a view: CopySlices keeps the gradient of the untouched element
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 0.0]
    x = mt.ones(3, requires_grad=True)
    s = x.sigmoid()  # saves its output
    s.random_(0, 5)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s.sum().backward()
