"""``x[i:j]`` on a tensor that records nothing takes a short path (``unrecorded_view``); it must
build exactly the tensor the reference path (``GetItem.apply``) builds."""
import numpy as np
import pytest

import microtensor as mt
from microtensor.ops.index_plans import basic_index
from microtensor.ops.indexing import GetItem, unrecorded_view

INDICES = [slice(0, 2), slice(1, None), slice(None, None, 2), slice(3, 3), 0, -1, (1, slice(None)),
           (slice(None), 1), (0, 0), (slice(0, 1), slice(None, None, -1))]


def same_view_tensor(fast, reference, base):
    assert fast._data.shape == reference._data.shape and fast._data.dtype == reference._data.dtype
    np.testing.assert_array_equal(fast._data, reference._data)
    assert fast._data.strides == reference._data.strides
    assert np.may_share_memory(fast._data, base._data) == np.may_share_memory(reference._data, base._data)
    assert fast._grad_fn is None and reference._grad_fn is None
    assert fast._requires_grad == reference._requires_grad
    assert (fast._view is None) == (reference._view is None)
    if fast._view is not None:
        assert fast._view[0] is reference._view[0] is base
        assert fast._view[1] == reference._view[1]
        assert fast._view[2:] == reference._view[2:]
        assert fast._counter is reference._counter is base._version_counter


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_short_path_equals_getitem_apply(index):
    base = mt.tensor(np.arange(12.0).reshape(4, 3))
    basic = basic_index(index, base.shape)
    assert basic is not None
    same_view_tensor(unrecorded_view(base, basic), GetItem.apply(base, basic), base)


@pytest.mark.parametrize("index", INDICES[:4], ids=repr)
def test_short_path_under_no_grad_equals_getitem_apply(index):
    base = mt.ones(4, 3, requires_grad=True)
    basic = basic_index(index, base.shape)
    with mt.no_grad():
        fast, reference = unrecorded_view(base, basic), GetItem.apply(base, basic)
        same_view_tensor(fast, reference, base)
        if fast._view is not None:  # made under no_grad: writes through it are checked later
            assert fast._view[3] == reference._view[3] == "no_grad"


def test_indexing_uses_it_and_views_still_follow_in_place_changes():
    base = mt.zeros(4)
    view = base[1:3]
    assert view._view is not None and view._view[0] is base
    view.add_(1)  # writes through the view
    np.testing.assert_array_equal(base._data, [0.0, 1.0, 1.0, 0.0])
    w = mt.ones(4, requires_grad=True)
    base.mul_(w)  # the base joins the graph: the view's history follows it
    view.sum().backward()
    np.testing.assert_array_equal(w.grad._data, [0.0, 1.0, 1.0, 0.0])


def test_positions_short_path_equals_index_apply():
    from microtensor.ops.indexing import Index

    base = mt.tensor(np.arange(12.0).reshape(4, 3))
    positions = mt.tensor([3, 0, 0, 2])
    fast, reference = base[positions], Index.apply(base, (positions._data,))
    assert fast._data.tobytes() == reference._data.tobytes() and fast._data.shape == reference._data.shape
    assert fast._view is None and reference._view is None and fast._grad_fn is None
    assert not np.may_share_memory(fast._data, base._data)
