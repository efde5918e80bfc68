"""Grad mode is thread-local, and the grad-mode managers decorate functions and generators.

As PyTorch: ``no_grad``, ``enable_grad``, ``inference_mode`` and ``set_grad_enabled``
work as context managers and decorators; a decorated generator runs its body (between
yields) in the decorator's mode while its consumer keeps its own mode; a new thread
starts with grad enabled whatever the starting thread's mode.
"""
import contextlib
import threading

import numpy as np
import pytest

import microtensor as mt

TIMEOUT = 10.0


def _w():
    return mt.tensor(np.array([1.0, 2.0, 3.0]), dtype=mt.float64, requires_grad=True)


def _records(w):
    """Whether grad mode is on, and whether an op on ``w`` records a graph."""
    return mt.is_grad_enabled(), (w * 2).sum().requires_grad


class _Thread:
    """Run ``target`` in a thread; ``join()`` re-raises its exception or returns its result."""

    def __init__(self, target):
        self._result, self._error = None, None
        self._thread = threading.Thread(target=self._run, args=(target,), daemon=True)
        self._thread.start()

    def _run(self, target):
        try:
            self._result = target()
        except BaseException as error:  # handed to the main thread by join()
            self._error = error

    def join(self):
        self._thread.join(TIMEOUT)
        assert not self._thread.is_alive(), "thread did not finish"
        if self._error is not None:
            raise self._error
        return self._result


# ------------------------------------------------------------------- threads
def _held_open_in_a_thread(manager, check_here):
    """Hold ``manager()`` open in thread A while ``check_here()`` runs in thread B and here."""
    w = _w()
    entered, checked = threading.Event(), threading.Event()

    def holder():
        with manager():
            entered.set()
            assert checked.wait(TIMEOUT)
            return _records(w)

    def other():
        assert entered.wait(TIMEOUT)
        return check_here(w)

    a = _Thread(holder)
    try:
        b = _Thread(other)
        from_b = b.join()
        assert entered.wait(TIMEOUT)
        from_main = check_here(w)
    finally:
        checked.set()
    return a.join(), from_b, from_main


def test_no_grad_in_one_thread_leaves_other_threads_recording():
    inside, from_b, from_main = _held_open_in_a_thread(mt.no_grad, _records)
    assert inside == (False, False)
    assert from_b == (True, True)
    assert from_main == (True, True)
    assert mt.is_grad_enabled()


def test_set_grad_enabled_false_in_one_thread_leaves_other_threads_recording():
    inside, from_b, from_main = _held_open_in_a_thread(lambda: mt.set_grad_enabled(False), _records)
    assert inside == (False, False)
    assert from_b == (True, True) and from_main == (True, True)


def test_inference_mode_in_one_thread_leaves_other_threads_recording():
    def check(w):
        return mt.is_inference_mode_enabled(), _records(w)

    inside, from_b, from_main = _held_open_in_a_thread(mt.inference_mode, check)
    assert inside == (False, False)
    assert from_b == (False, (True, True)) and from_main == (False, (True, True))


def test_set_grad_enabled_call_in_a_thread_stays_in_that_thread():
    w = _w()
    switched, checked = threading.Event(), threading.Event()

    def switcher():
        mt.set_grad_enabled(False)
        switched.set()
        assert checked.wait(TIMEOUT)
        return _records(w)

    a = _Thread(switcher)
    try:
        assert switched.wait(TIMEOUT)
        assert _records(w) == (True, True)
    finally:
        checked.set()
    assert a.join() == (False, False)
    assert _records(w) == (True, True)


def test_a_new_thread_starts_with_grad_enabled():
    w = _w()
    with mt.no_grad():
        assert _Thread(lambda: _records(w)).join() == (True, True)
        assert _records(w) == (False, False)
    mt.set_grad_enabled(False)
    try:
        assert _Thread(lambda: _records(w)).join() == (True, True)
    finally:
        mt.set_grad_enabled(True)


def test_backward_in_a_thread_while_another_holds_no_grad():
    w = _w()

    def train():
        loss = (w * w).sum()
        loss.backward()
        return loss.requires_grad

    with mt.no_grad():
        assert _Thread(train).join() is True
    np.testing.assert_allclose(np.asarray(w.grad), [2.0, 4.0, 6.0])


# ---------------------------------------------------------------- generators
GENERATOR_MODES = [
    # (decorator factory, consumer's context, whether the generator body records)
    ("no_grad", lambda: mt.no_grad(), contextlib.nullcontext, False),
    ("no_grad_bare", lambda: mt.no_grad, contextlib.nullcontext, False),
    ("enable_grad", lambda: mt.enable_grad(), mt.no_grad, True),
    ("enable_grad_bare", lambda: mt.enable_grad, mt.no_grad, True),
    ("inference_mode", lambda: mt.inference_mode(), contextlib.nullcontext, False),
    ("set_grad_enabled_false", lambda: mt.set_grad_enabled(False), contextlib.nullcontext, False),
    ("set_grad_enabled_true", lambda: mt.set_grad_enabled(True), mt.no_grad, True),
]


@pytest.mark.parametrize("name, decorator, outer, body_records", GENERATOR_MODES, ids=[m[0] for m in GENERATOR_MODES])
def test_decorated_generator_runs_its_body_in_the_decorators_mode(name, decorator, outer, body_records):
    w = _w()
    seen_inside = []

    with outer():
        consumer_records = mt.is_grad_enabled()

        @decorator()
        def produce(n):
            for i in range(n):
                seen_inside.append(_records(w))
                yield w * (i + 1)
                seen_inside.append(_records(w))

        # Making the decorator (set_grad_enabled sets the mode when built) must not change ours.
        assert mt.is_grad_enabled() == consumer_records
        seen_outside = []
        for out in produce(3):
            seen_outside.append((_records(w), out.requires_grad))
        assert mt.is_grad_enabled() == consumer_records
    assert mt.is_grad_enabled()
    assert seen_inside == [(body_records, body_records)] * 6
    expected_consumer = (consumer_records, consumer_records)
    assert seen_outside == [(expected_consumer, body_records)] * 3


def test_no_grad_generator_passes_send_and_return_value_through():
    w = _w()

    @mt.no_grad()
    def doubler():
        result = None
        while True:
            value = yield result
            if value is None:
                return "done"
            result = value * 2

    gen = doubler()
    assert next(gen) is None
    out = gen.send(w)
    assert not out.requires_grad
    np.testing.assert_array_equal(np.asarray(out), [2.0, 4.0, 6.0])
    assert _records(w) == (True, True)
    with pytest.raises(StopIteration) as stop:
        gen.send(None)
    assert stop.value.value == "done"
    assert mt.is_grad_enabled()


def test_no_grad_generator_closed_early_restores_the_mode():
    w = _w()

    @mt.no_grad()
    def forever():
        while True:
            yield w * 2

    gen = forever()
    assert not next(gen).requires_grad
    gen.close()
    assert _records(w) == (True, True)


def test_no_grad_generator_that_raises_restores_the_mode():
    @mt.no_grad()
    def failing():
        yield 1
        raise ValueError("boom")

    gen = failing()
    next(gen)
    with pytest.raises(ValueError, match="boom"):
        next(gen)
    assert mt.is_grad_enabled()


def test_inference_mode_generator_body_sees_inference_mode():
    w = _w()
    seen = []

    @mt.inference_mode()
    def produce():
        seen.append(mt.is_inference_mode_enabled())
        yield w * 2
        seen.append(mt.is_inference_mode_enabled())

    for out in produce():
        assert not out.requires_grad
        assert not mt.is_inference_mode_enabled()
    assert seen == [True, True]


# ------------------------------------------------------------ function decorators
FUNCTION_MODES = [
    ("no_grad", lambda: mt.no_grad(), contextlib.nullcontext, False),
    ("no_grad_bare", lambda: mt.no_grad, contextlib.nullcontext, False),
    ("enable_grad", lambda: mt.enable_grad(), mt.no_grad, True),
    ("enable_grad_bare", lambda: mt.enable_grad, mt.no_grad, True),
    ("inference_mode", lambda: mt.inference_mode(), contextlib.nullcontext, False),
    ("inference_mode_bare", lambda: mt.inference_mode, contextlib.nullcontext, False),
    ("set_grad_enabled_false", lambda: mt.set_grad_enabled(False), contextlib.nullcontext, False),
    ("set_grad_enabled_true", lambda: mt.set_grad_enabled(True), mt.no_grad, True),
]


@pytest.mark.parametrize("name, decorator, outer, body_records", FUNCTION_MODES, ids=[m[0] for m in FUNCTION_MODES])
def test_decorated_function_runs_in_the_decorators_mode(name, decorator, outer, body_records):
    w = _w()
    with outer():
        caller_records = mt.is_grad_enabled()

        @decorator()
        def step(scale):
            """Docstring kept."""
            return _records(w), w * scale

        assert mt.is_grad_enabled() == caller_records
        inside, out = step(3)
        assert inside == (body_records, body_records)
        assert out.requires_grad == body_records
        assert mt.is_grad_enabled() == caller_records
    assert step.__name__ == "step" and step.__doc__ == "Docstring kept."


def test_decorated_function_that_raises_restores_the_mode():
    @mt.no_grad()
    def failing():
        raise KeyError("boom")

    with pytest.raises(KeyError):
        failing()
    assert mt.is_grad_enabled()


# ------------------------------------------------------------- context managers
def test_inference_mode_context_manager():
    w = _w()
    assert not mt.is_inference_mode_enabled()
    with mt.inference_mode():
        assert mt.is_inference_mode_enabled()
        assert not mt.is_grad_enabled()
        y = w * 2
        assert not y.requires_grad and y.grad_fn is None
    assert not mt.is_inference_mode_enabled()
    assert _records(w) == (True, True)


def test_inference_mode_false_keeps_recording():
    w = _w()
    with mt.inference_mode(False):
        assert not mt.is_inference_mode_enabled()
        assert _records(w) == (True, True)
    with mt.inference_mode(mode=True):
        assert mt.is_inference_mode_enabled()


def test_inference_mode_false_turns_grad_mode_on():
    # inference_mode(False) is "no inference mode, grad mode on", even inside no_grad
    w = _w()
    with mt.no_grad():
        with mt.inference_mode(False):
            assert _records(w) == (True, True)
        assert _records(w) == (False, False)
    with mt.inference_mode():
        with mt.inference_mode(False):
            assert not mt.is_inference_mode_enabled()
            assert _records(w) == (True, True)
        assert mt.is_inference_mode_enabled() and _records(w) == (False, False)


@pytest.mark.parametrize("make", [mt.enable_grad, lambda: mt.set_grad_enabled(True)])
def test_grad_mode_on_inside_inference_mode_still_records_nothing(make):
    w = _w()
    with mt.inference_mode():
        with make():
            assert mt.is_inference_mode_enabled()
            assert _records(w) == (True, False)
            with mt.no_grad():
                assert mt.is_inference_mode_enabled() and _records(w) == (False, False)
            assert _records(w) == (True, False)
        assert mt.is_inference_mode_enabled() and _records(w) == (False, False)
    assert not mt.is_inference_mode_enabled() and _records(w) == (True, True)


@pytest.mark.parametrize("make", [mt.no_grad, mt.enable_grad, mt.inference_mode])
def test_clone_gives_a_new_manager_of_the_same_mode(make):
    original = make()
    copy = original.clone()
    assert copy is not original and type(copy) is type(original)
    with mt.no_grad():
        with copy:
            inside = mt.is_grad_enabled(), mt.is_inference_mode_enabled()
    with mt.no_grad():
        with make():
            assert (mt.is_grad_enabled(), mt.is_inference_mode_enabled()) == inside


def test_set_grad_enabled_as_context_manager_and_as_a_call():
    w = _w()
    with mt.set_grad_enabled(False):
        assert _records(w) == (False, False)
    assert _records(w) == (True, True)
    with mt.no_grad():
        with mt.set_grad_enabled(True):
            assert _records(w) == (True, True)
        assert _records(w) == (False, False)
    mt.set_grad_enabled(False)
    try:
        assert _records(w) == (False, False)
    finally:
        mt.set_grad_enabled(True)
    assert _records(w) == (True, True)


def test_nested_managers_restore_each_level():
    w = _w()
    with mt.no_grad():
        with mt.enable_grad():
            assert _records(w) == (True, True)
            with mt.no_grad():
                assert _records(w) == (False, False)
            assert _records(w) == (True, True)
        assert _records(w) == (False, False)
    assert _records(w) == (True, True)


def test_an_exception_inside_a_manager_restores_the_mode():
    with pytest.raises(ZeroDivisionError):
        with mt.no_grad():
            1 / 0
    assert mt.is_grad_enabled()
    with pytest.raises(ZeroDivisionError):
        with mt.inference_mode():
            1 / 0
    assert mt.is_grad_enabled() and not mt.is_inference_mode_enabled()
