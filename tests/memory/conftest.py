"""Fixtures for memory tests: stores on the fake embedder, and a real Chroma server.

The server is started once per session with the `chroma run` command that ships with
chromadb, on a free loopback port, so the server code path is tested for real.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ponder.memory import HashEmbedding, MemoryStore

CHROMA = Path(sys.executable).with_name("chroma")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a Chroma server this session started, stopped when the session ends."""
    executable = str(CHROMA) if CHROMA.exists() else shutil.which("chroma")
    if executable is None:
        pytest.fail("the `chroma` command (shipped with chromadb) is not installed")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("w")
    server = subprocess.Popen(
        [executable, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"chroma server did not start; see {data / 'server.log'}")
            time.sleep(0.2)
    try:
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def hash_store(path: Path, **options: object) -> MemoryStore:
    return MemoryStore.open(path, embedder=HashEmbedding(), **options)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    """An embedded store on the fake embedder."""
    return hash_store(tmp_path / "memory")


@pytest.fixture(params=["embedded", "server"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a conformance test's store lives: a directory, or a fresh collection on the server."""
    if request.param == "server":
        url: str = request.getfixturevalue("chroma_url")
        return url
    return str(tmp_path / "memory")


@pytest.fixture
def any_store(backend: str) -> MemoryStore:
    """The same tests run against every backend (embedded and server)."""
    if backend.startswith("http"):
        return MemoryStore.open(
            url=backend, embedder=HashEmbedding(), collection=f"t-{uuid.uuid4().hex[:12]}"
        )
    return hash_store(Path(backend))
