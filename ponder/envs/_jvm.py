"""One Java process behind a py4j gateway, which is never left running.

The JVM is started with py4j's `die_on_exit`: it reads its stdin and exits when the pipe
closes, so it dies with the Python process even on SIGKILL. Ctrl-C reaches it through the
shared process group. A `weakref.finalize` kills it when its owner is collected or the
interpreter exits, and `close` kills it at once: nothing in its state is worth a graceful
shutdown that could hang.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess
import weakref
from functools import cache
from typing import Any

from ponder.envs.errors import EnvironmentUnavailable

_JAVA_HINT = "install Java 17 (Debian: apt-get install openjdk-17-jre-headless)"


def _from_py4j(record: logging.LogRecord) -> bool:
    return record.pathname.replace("\\", "/").endswith("py4j/java_gateway.py")


@cache
def _quiet_py4j() -> None:
    """Silence py4j's tracebacks for calls cut short by a dead JVM.

    The caller turns those into one-line errors, so the tracebacks would only bury them.
    py4j logs some of them on the root logger itself, so a filter there drops records made
    in py4j's module; records of every other logger pass through untouched.
    """
    logging.getLogger("py4j").setLevel(logging.CRITICAL)
    logging.getLogger().addFilter(lambda record: not _from_py4j(record))


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


class JavaProcess:
    """A started JVM running `classpath`, with `gateway.jvm` ready to use."""

    def __init__(self, classpath: str, cwd: str) -> None:
        java = shutil.which("java")
        if java is None:
            raise EnvironmentUnavailable(f"no 'java' on PATH: {_JAVA_HINT}")
        from py4j.java_gateway import GatewayParameters, JavaGateway, launch_gateway

        _quiet_py4j()

        try:
            port, process = launch_gateway(
                classpath=classpath, die_on_exit=True, cwd=cwd, return_proc=True, java_path=java
            )
        except Exception as error:
            raise EnvironmentUnavailable(f"Java did not start ({error}): {_JAVA_HINT}") from error
        self.process: subprocess.Popen[bytes] = process
        self._finalizer = weakref.finalize(self, _kill, process)
        self.gateway: Any = JavaGateway(
            gateway_parameters=GatewayParameters(auto_field=True, port=port),
            java_process=process,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def exited(self, within_s: float) -> bool:
        """Whether the JVM has exited or does so within `within_s` seconds."""
        try:
            self.process.wait(timeout=within_s)
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        """Stop the JVM now; any call blocked on it fails in its own thread."""
        if self.process.poll() is None:
            self.process.kill()

    def close(self) -> None:
        """Kill the JVM, reap it and drop the gateway's sockets; safe to call twice."""
        self._finalizer()
        with contextlib.suppress(Exception):  # sockets to a dead JVM may already be gone
            self.gateway.close(keep_callback_server=False, close_callback_server_connections=True)
