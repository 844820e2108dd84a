"""The collector kept off a built model while it is solved (optimizer.base.heap)."""

from __future__ import annotations

import gc

import pytest

from feedstock.optimizer.base import heap


@pytest.fixture(autouse=True)
def _collector_as_found():
    """Each test starts with the collector on and nothing frozen, and leaves it so."""
    was = gc.isenabled()
    gc.enable()
    gc.unfreeze()
    yield
    gc.unfreeze()
    if was:
        gc.enable()
    else:
        gc.disable()


def test_paused_while_built_then_frozen_then_restored():
    with heap.lasting():
        assert not gc.isenabled()  # building: no pass over the growing model
        model = [[k] for k in range(1000)]  # long-lived containers
        heap.settle()
        assert gc.isenabled()  # young garbage is still collected
        assert gc.get_freeze_count() >= len(model)  # the model is out of the passes
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()


def test_an_inner_solve_leaves_the_outer_ones_model_frozen():
    with heap.lasting():
        heap.settle()
        frozen = gc.get_freeze_count()
        with heap.lasting():
            heap.settle()
        assert gc.get_freeze_count() >= frozen > 0
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_failed_solve_restores_the_collector():
    with pytest.raises(RuntimeError), heap.lasting():
        raise RuntimeError("before the model was built")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_collector_switched_off_stays_off():
    gc.disable()
    with heap.lasting():
        heap.settle()
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_settle_outside_a_solve_freezes_nothing():
    heap.settle()
    assert gc.get_freeze_count() == 0


def test_a_decorated_call_is_one_solve():
    @heap.lasting()
    def solve() -> tuple[bool, int]:
        heap.settle()
        return gc.isenabled(), gc.get_freeze_count()

    enabled, frozen = solve()
    assert enabled and frozen > 0
    assert gc.get_freeze_count() == 0
