"""The watchdog fires for a block that outlives its deadline, and only then."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from ponder.envs._watchdog import Watchdog


class Counter:
    def __init__(self) -> None:
        self.calls = 0
        self.fired = threading.Event()

    def __call__(self) -> None:
        self.calls += 1
        self.fired.set()


@pytest.fixture
def counter() -> Counter:
    return Counter()


@pytest.fixture
def watchdog(counter: Counter) -> Iterator[Watchdog]:
    """A watchdog that counts its firings in `counter`; closed after the test."""
    watchdog = Watchdog(counter)
    yield watchdog
    watchdog.close()


def test_a_block_that_outlives_its_deadline_fires_once(
    counter: Counter, watchdog: Watchdog
) -> None:
    with watchdog.guard(0.05):
        assert counter.fired.wait(2.0)
        time.sleep(0.1)  # still inside: it must not fire a second time
    assert watchdog.expired
    assert counter.calls == 1


def test_blocks_that_finish_in_time_never_fire(counter: Counter, watchdog: Watchdog) -> None:
    for _ in range(200):
        with watchdog.guard(0.2):
            pass
    time.sleep(0.4)  # past every deadline armed above
    assert counter.calls == 0
    assert not watchdog.expired


def test_a_short_deadline_after_a_long_one_fires_on_time(
    counter: Counter, watchdog: Watchdog
) -> None:
    """The watcher sleeps towards the long deadline; arming a shorter one must wake it."""
    with watchdog.guard(30.0):
        pass
    started = time.monotonic()
    with watchdog.guard(0.05):
        assert counter.fired.wait(2.0)
    assert time.monotonic() - started < 1.0
    assert counter.calls == 1


def test_a_deadline_armed_while_the_watcher_sleeps_towards_an_older_one_still_fires(
    counter: Counter, watchdog: Watchdog
) -> None:
    """Later deadlines do not wake the watcher; it must find them when it wakes."""
    with watchdog.guard(0.1):
        pass
    with watchdog.guard(0.3):  # later than the watcher's wake-up: no notify
        assert counter.fired.wait(2.0)
    assert counter.calls == 1


def test_it_can_fire_again_after_firing(counter: Counter, watchdog: Watchdog) -> None:
    for round_ in range(2):
        counter.fired.clear()
        with watchdog.guard(0.05):
            assert counter.fired.wait(2.0)
        assert counter.calls == round_ + 1


def test_close_stops_the_thread() -> None:
    watchdog = Watchdog(Counter(), name="watchdog-under-test")
    watchdog.close()
    assert not any(t.name == "watchdog-under-test" for t in threading.enumerate())


def test_rearming_the_same_timeout_does_not_wake_the_watcher_each_time(
    watchdog: Watchdog,
) -> None:
    """A step makes several guarded calls; waking a thread for each costs the episode time."""
    notifications = [0]
    notify = watchdog._cond.notify

    def counting_notify(n: int = 1) -> None:
        notifications[0] += 1
        notify(n)

    watchdog._cond.notify = counting_notify  # type: ignore[method-assign]
    for _ in range(100):
        with watchdog.guard(10.0):
            time.sleep(0.0005)
    assert notifications[0] <= 2
