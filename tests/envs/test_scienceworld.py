"""ScienceWorld against its real JVM: gold path, splits, hung and dead JVMs, no leaked java."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ponder.envs import Environment, EnvironmentCrashed, EnvironmentUnavailable, StepTimeout
from ponder.envs.scienceworld import ScienceWorld, ScienceWorldOptions
from tests.envs._java import scienceworld_jvms, wait_gone

TASK = "find-non-living-thing"  # a five-step gold path on variation 0


def test_gold_path_scores_100_and_the_jvm_is_reused_across_episodes() -> None:
    with ScienceWorld(ScienceWorldOptions(task=TASK, variation=0, gold_path=True)) as env:
        assert isinstance(env, Environment)
        first = env.reset()
        pid = env.java_pid
        assert env.task.description in first and "non-living thing" in env.task.description
        assert env.task.id == f"scienceworld/{TASK}/0"
        assert "open door to kitchen" in env.valid_actions()
        wrong = env.step("fly to the moon")
        assert wrong.observation == "No known action matches that input." and not wrong.done
        gold = env.gold_path()
        env.reset()
        for action in gold:
            _, score, done, info = env.step(action)
        assert (score, done, env.won, info["won"]) == (100.0, True, True, True)
        again = env.reset()
        assert env.score == 0.0 and not env.won and "hallway" in again
        assert env.java_pid == pid, "the JVM must be started once per environment"
    assert env.java_pid is None and wait_gone(pid)


def test_variations_of_another_split_are_refused() -> None:
    with ScienceWorld(ScienceWorldOptions(task=TASK, split="test")) as env:
        env.reset()
        test_variations = env.variations()
    assert test_variations and 0 not in test_variations
    wrong_split = ScienceWorldOptions(task=TASK, split="train", variation=test_variations[0])
    with (
        ScienceWorld(wrong_split) as env,
        pytest.raises(EnvironmentUnavailable, match="not in the train split"),
    ):
        env.reset()


def test_unknown_task_is_refused_before_starting_java() -> None:
    with pytest.raises(EnvironmentUnavailable, match=r"unknown task 'boil-the-ocean'.*boil"):
        ScienceWorld(ScienceWorldOptions(task="boil-the-ocean"))
    assert scienceworld_jvms() == []


def test_a_hung_step_times_out_and_the_next_reset_starts_a_new_jvm() -> None:
    with ScienceWorld(ScienceWorldOptions(task=TASK, step_timeout_s=1.0)) as env:
        env.reset()
        frozen = env.java_pid
        assert frozen is not None
        os.kill(frozen, signal.SIGSTOP)  # the JVM stops answering, as a hung simulator does
        started = time.monotonic()
        with pytest.raises(StepTimeout, match="took longer than 1 s; the Java process was stopped"):
            env.step("open door to kitchen")
        assert time.monotonic() - started < 5
        assert wait_gone(frozen)
        env.reset()
        assert env.java_pid not in (None, frozen)
        assert env.step("open door to kitchen").score > 0


def test_a_dead_jvm_is_reported_not_hung_on() -> None:
    with ScienceWorld(ScienceWorldOptions(task=TASK)) as env:
        env.reset()
        pid = env.java_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        assert wait_gone(pid)
        with pytest.raises(EnvironmentCrashed, match="Java process has exited"):
            env.step("open door to kitchen")


def test_an_exception_inside_with_still_stops_the_jvm() -> None:
    pid = None
    with pytest.raises(ZeroDivisionError), ScienceWorld(ScienceWorldOptions(task=TASK)) as env:
        env.reset()
        pid = env.java_pid
        _ = 1 / 0
    assert pid is not None and wait_gone(pid)


_CHILD = textwrap.dedent(
    """
    import sys, time
    from ponder.envs.scienceworld import ScienceWorld, ScienceWorldOptions
    with ScienceWorld(ScienceWorldOptions(task="find-non-living-thing")) as env:
        env.reset()
        print(env.java_pid, flush=True)
        time.sleep(120)
    """
)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "sigkill"])
def test_no_jvm_outlives_its_python_process(signum: int) -> None:
    child = subprocess.Popen([sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        java = int(child.stdout.readline())
        assert scienceworld_jvms(child.pid) == [java]
        child.send_signal(signum)
        child.wait(timeout=30)
        assert wait_gone(java, 15), (
            f"java {java} survived its parent ({signal.Signals(signum).name})"
        )
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
