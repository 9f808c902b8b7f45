"""The embodied graph's environment driver: steps sent early, collected later, caught up."""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest

from ponder.envs import EnvironmentCrashed, EnvTask, Step
from ponder.envs.base import ClosingContext
from ponder.envs.isolated import IsolatedEnvironment
from ponder.graphs._env_driver import EnvironmentDriver, Position
from tests.envs._toy import Toy


class Recorder(ClosingContext):
    """Counts commands since the last reset; `crash` raises like a dead simulator.

    While `gate` is clear, a step waits for it after announcing it has started, so a test
    can hold a step in flight.
    """

    name = "recorder"

    def __init__(self) -> None:
        self.log: list[str] = []
        self.moves: list[str] = []
        self.started = threading.Event()
        self.gate = threading.Event()
        self.gate.set()

    @property
    def task(self) -> EnvTask:
        return EnvTask("recorder/1", "send commands")

    @property
    def score(self) -> float:
        return float(len(self.moves))

    @property
    def won(self) -> bool:
        return False

    def reset(self) -> str:
        self.log.append("reset")
        self.moves = []
        return "start"

    def step(self, action: str) -> Step:
        self.started.set()
        assert self.gate.wait(10), "the test never opened the gate"
        self.log.append(action)
        if action == "crash":
            raise EnvironmentCrashed("recorder: the simulator died")
        self.moves.append(action)
        return Step(f"after {' '.join(self.moves)}", self.score, False, {})

    def valid_actions(self) -> list[str]:
        return ["a", "b"]

    def close(self) -> None:
        pass


async def test_send_returns_once_the_step_has_begun_and_collect_returns_its_result() -> None:
    env = Recorder()
    driver = EnvironmentDriver(env)
    await driver.reset(1)
    env.gate.clear()
    driver.send("a")
    # The worker is inside `step` already, and `send` did not wait for it to finish.
    assert env.started.is_set() and env.log == ["reset"]
    env.gate.set()
    result = await driver.collect(1, [], "a")
    assert result.observation == "after a"
    assert driver.position == Position(1, 1)


async def test_a_fresh_driver_replays_the_episode_before_sending_again() -> None:
    """A resumed run: the checkpoint says 'b' was sent after 'a', but this process sent none."""
    env = Recorder()
    driver = EnvironmentDriver(env)
    result = await driver.collect(2, ["a"], "b")
    assert env.log == ["reset", "a", "b"]
    assert result.observation == "after a b"
    assert driver.position == Position(2, 2)


async def test_catch_up_is_free_when_the_environment_is_already_there() -> None:
    env = Recorder()
    driver = EnvironmentDriver(env)
    await driver.reset(1)
    driver.send("a")
    await driver.collect(1, [], "a")
    await driver.catch_up(1, ["a"])
    assert env.log == ["reset", "a"]


async def test_a_step_that_crashes_in_flight_fails_when_collected() -> None:
    env = Recorder()
    driver = EnvironmentDriver(env)
    await driver.reset(1)
    driver.send("crash")
    with pytest.raises(EnvironmentCrashed, match="simulator died"):
        await driver.collect(1, [], "crash")
    # The position is unknown now, so the next catch-up starts from a reset.
    await driver.catch_up(1, [])
    assert env.log == ["reset", "crash", "reset"]


async def test_reset_waits_for_a_step_nobody_collects(caplog: pytest.LogCaptureFixture) -> None:
    env = Recorder()
    driver = EnvironmentDriver(env)
    await driver.reset(1)
    env.gate.clear()
    driver.send("crash")
    loop = asyncio.get_running_loop()
    loop.call_later(0.05, env.gate.set)
    await driver.reset(2)
    # The step finished before the reset began, and its error was not reported as lost.
    assert env.log == ["reset", "crash", "reset"]
    assert driver.position == Position(2, 0)
    gc.collect()  # an unretrieved error is logged when its future is collected
    assert "exception was never retrieved" not in caplog.text


async def test_a_second_send_before_collecting_is_refused() -> None:
    driver = EnvironmentDriver(Recorder())
    await driver.reset(1)
    driver.send("a")
    with pytest.raises(AssertionError, match="collect the step in flight"):
        driver.send("b")
    await driver.collect(1, [], "a")


async def test_every_call_of_one_environment_runs_on_one_thread_of_its_own() -> None:
    threads: set[str] = set()

    class Tracing(Recorder):
        def reset(self) -> str:
            threads.add(threading.current_thread().name)
            return super().reset()

        def step(self, action: str) -> Step:
            threads.add(threading.current_thread().name)
            return super().step(action)

    driver = EnvironmentDriver(Tracing())
    await driver.reset(1)
    await driver.valid_actions()
    for number, command in enumerate("ab", start=1):
        driver.send(command)
        await driver.collect(1, list("ab"[: number - 1]), command)
    await driver.catch_up(2, ["a"])
    driver.close()
    (name,) = threads
    assert name.startswith("ponder-recorder")


async def test_a_world_behind_a_pipe_is_driven_from_the_event_loop_with_no_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with IsolatedEnvironment("toy", Toy) as env:
        driver = EnvironmentDriver(env)
        threads = threading.active_count()
        assert "a toy room" in await driver.reset(1)
        driver.send("wait 0.3")
        flight = driver._in_flight
        assert flight is not None and not flight.result.done()  # sent, not waited for
        result = await driver.collect(1, [], "wait 0.3")
        assert result == Step("you wait 0.3", 50.0, False, {})
        assert await driver.valid_actions() == ["look", "win"]
        driver.send("win")
        assert (await driver.collect(1, ["wait 0.3"], "win")).done and env.won
        # A step left in flight when the run stops is neither awaited nor reported as lost.
        driver.send("fail")
        driver.close()
        assert threading.active_count() == threads
    await asyncio.sleep(0)
    gc.collect()
    assert "exception was never retrieved" not in caplog.text
