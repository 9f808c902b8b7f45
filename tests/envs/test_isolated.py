"""An environment in a child process: a hung step times out, a dead child is reported."""

from __future__ import annotations

import asyncio
import functools
import os
import threading
import time
from pathlib import Path

import pytest

from ponder.envs import EnvironmentCrashed, Pipelined, StepTimeout
from ponder.envs.isolated import IsolatedEnvironment
from tests.envs._toy import Toy, broken


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie still answers kill(0); its state says it is gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_calls_run_in_a_child_and_report_task_score_and_won(tmp_path: Path) -> None:
    marker = tmp_path / "closed"
    with IsolatedEnvironment("toy", functools.partial(Toy, str(marker))) as env:
        assert env.task.id == "toy" and env.pid is None  # nothing started yet
        assert "a toy room" in env.reset()
        child = env.call("pid")
        assert child != os.getpid() and child == env.pid
        assert env.step("look").score == 50.0 and not env.won
        assert env.valid_actions() == ["look", "win"]
        assert env.step("win").done and env.won and env.task.id == "toy/1"
    assert marker.read_text() == "closed" and not _alive(child)


def test_a_hung_step_times_out_kills_the_child_and_the_next_reset_starts_afresh() -> None:
    with IsolatedEnvironment("toy", Toy, step_timeout_s=0.5) as env:
        env.reset()
        first = env.pid
        assert first is not None
        started = time.monotonic()
        with pytest.raises(StepTimeout, match=r"'step' took longer than 0\.5 s"):
            env.step("hang")
        assert time.monotonic() - started < 10
        assert env.pid is None and not _alive(first)
        env.reset()
        assert env.pid not in (None, first) and env.step("win").done


def test_a_child_that_dies_is_reported_as_a_crash_and_can_be_restarted() -> None:
    with IsolatedEnvironment("toy", Toy) as env:
        env.reset()
        with pytest.raises(EnvironmentCrashed, match=r"process died while 'step'.*exit code 9"):
            env.step("die")
        env.reset()
        assert env.step("look").score == 50.0


def test_errors_inside_the_environment_come_back_as_one_line_crashes() -> None:
    with IsolatedEnvironment("toy", Toy) as env:
        env.reset()
        with pytest.raises(EnvironmentCrashed, match="ValueError: the toy cannot do that"):
            env.step("fail")
        assert env.step("look").score == 50.0  # the same child goes on


def test_an_environment_that_cannot_be_built_is_reported_and_leaves_no_child() -> None:
    env = IsolatedEnvironment("toy", broken)
    with pytest.raises(RuntimeError, match="no toy today"):
        env.reset()
    assert env.pid is None
    env.close()


# -- calls begun now and awaited later, on the event loop ------------------------------------


async def test_a_call_awaited_on_the_event_loop_leaves_the_loop_free_and_uses_no_thread() -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    with IsolatedEnvironment("toy", Toy) as env:
        assert isinstance(env, Pipelined)
        env.begin("reset")  # starts the child too: its "started" reply is awaited first
        assert "a toy room" in await env.finish()
        threads = threading.active_count()
        ticker = asyncio.create_task(tick())
        env.begin("step", "wait 0.3")
        assert ticks == 0  # `begin` only wrote the request
        observation, score, done, _ = await env.finish()
        ticker.cancel()
        assert observation == "you wait 0.3" and score == 50.0 and not done
        assert ticks >= 10  # the loop ran other work while the child computed
        assert threading.active_count() == threads
        env.begin("step", "win")
        await env.finish()
        assert env.won and env.score == 100.0


async def test_an_awaited_call_that_hangs_times_out_and_a_dead_child_is_a_crash() -> None:
    with IsolatedEnvironment("toy", Toy, step_timeout_s=0.5) as env:
        env.begin("reset")
        await env.finish()
        first = env.pid
        assert first is not None
        env.begin("step", "hang")
        started = time.monotonic()
        with pytest.raises(StepTimeout, match=r"'step' took longer than 0\.5 s"):
            await env.finish()
        assert time.monotonic() - started < 10
        assert env.pid is None and not _alive(first)
        env.begin("reset")
        await env.finish()
        env.begin("step", "die")
        with pytest.raises(EnvironmentCrashed, match=r"process died while 'step'.*exit code 9"):
            await env.finish()


async def test_an_error_of_a_call_nobody_awaited_is_dropped_and_the_next_call_answers() -> None:
    with IsolatedEnvironment("toy", Toy) as env:
        env.reset()
        env.begin("step", "fail")  # left in flight, as by a cancelled run
        env.begin("step", "look")
        assert (await env.finish())[1] == 50.0
        env.begin("step", "fail")
        assert env.valid_actions() == ["look", "win"]  # the blocking calls drain it too
        env.begin("step", "fail")
        with pytest.raises(EnvironmentCrashed, match="ValueError: the toy cannot do that"):
            await env.finish()


async def test_a_cancelled_await_stops_watching_the_pipe_and_the_reply_is_drained() -> None:
    loop = asyncio.get_running_loop()
    with IsolatedEnvironment("toy", Toy) as env:
        env.reset()
        env.begin("step", "wait 0.3")
        waiting = asyncio.create_task(env.finish())
        await asyncio.sleep(0.05)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        descriptor = env._connection.fileno() if env._connection else -1
        assert not loop.remove_reader(descriptor)  # nothing is left watching it
        env.begin("step", "win")
        assert (await env.finish())[0] == "you win"


async def test_a_loop_that_cannot_watch_pipes_waits_in_a_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def cannot(*_: object) -> None:
        raise NotImplementedError

    monkeypatch.setattr(asyncio.get_running_loop(), "add_reader", cannot)
    with IsolatedEnvironment("toy", Toy, step_timeout_s=0.5) as env:
        env.begin("reset")
        assert "a toy room" in await env.finish()
        env.begin("step", "hang")
        with pytest.raises(StepTimeout, match=r"'step' took longer than 0\.5 s"):
            await env.finish()
