"""The collector kept off a built model while it is solved (optimizer.base.heap)."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from feedstock.optimizer.base import heap


@pytest.fixture(autouse=True)
def _collector_as_found():
    """Each test starts with the collector on and nothing frozen, and leaves it so."""
    was = gc.isenabled()
    gc.enable()
    gc.unfreeze()
    gc.collect()  # no stale flag from an earlier test's solve matters: nothing to free
    yield
    gc.unfreeze()
    if was:
        gc.enable()
    else:
        gc.disable()


class _Model:
    """A stand-in for a Pyomo model: objects that refer to each other (a cycle)."""

    def __init__(self) -> None:
        self.parts = [{"model": self} for _ in range(100)]


def test_paused_while_built_then_frozen_then_restored():
    with heap.lasting():
        assert not gc.isenabled()  # building: no pass over the growing model
        model = [[k] for k in range(1000)]  # long-lived containers
        heap.settle()
        assert gc.isenabled()  # young garbage is still collected
        assert gc.get_freeze_count() >= len(model)  # the model is out of the passes
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()


def test_the_next_solve_frees_the_model_the_last_one_dropped():
    """A model is freed only by a full collection; the next solve runs one before it freezes."""

    @heap.lasting()
    def solve() -> weakref.ref:
        model = _Model()
        heap.settle()
        return weakref.ref(model)  # the model is dropped when the solve returns

    first = solve()
    second = solve()
    assert first() is None  # collected by the second solve before it froze anything
    with heap.lasting():
        assert second() is None


def test_a_solve_inside_a_solve_leaves_the_collector_to_the_outer_one():
    with heap.lasting():
        with heap.lasting():  # leaves before it settles (a failed check, say)
            pass
        assert not gc.isenabled()  # still the outer solve's build
        heap.settle()
        frozen = gc.get_freeze_count()
        with pytest.raises(ValueError), heap.lasting():
            raise ValueError("an inner solve that failed")
        assert gc.isenabled()
        assert 0 < gc.get_freeze_count() <= frozen  # (frozen objects freed only lower it)
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()


def test_a_solve_in_another_thread_leaves_the_collector_alone():
    seen: dict[str, object] = {}
    started, release = threading.Event(), threading.Event()

    def other() -> None:
        with heap.lasting():
            started.set()
            release.wait(10)
            built = [[k] for k in range(1000)]  # its model: frozen, it would add 1,000
            heap.settle()  # not the owner: no freeze
            seen["frozen"], seen["built"] = gc.get_freeze_count(), len(built)

    with heap.lasting():
        heap.settle()
        frozen = gc.get_freeze_count()
        thread = threading.Thread(target=other)
        thread.start()
        started.wait(10)
        assert gc.isenabled()  # the other solve did not switch it off
        release.set()
        thread.join(10)
        # nor froze anything more (frozen objects freed meanwhile only lower the count)
        assert seen["frozen"] <= frozen
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


def test_a_hosts_own_freeze_is_left_alone():
    kept = [[k] for k in range(100)]
    gc.freeze()  # as a server does before it forks
    frozen = gc.get_freeze_count()
    with heap.lasting():
        assert gc.isenabled()
        heap.settle()
        assert gc.get_freeze_count() <= frozen  # nothing more frozen
    assert len(kept) <= gc.get_freeze_count() <= frozen  # and the host's not unfrozen


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
