"""Opening chromadb: embedded on disk by default, a Chroma server when given a URL.

Both kinds of client expose the same API, so everything above this module takes one code
path. Telemetry is switched off in the client settings as well as by ponder's environment
defaults.

An embedded store is a directory that several processes may open. chromadb keeps each
process's vector index in memory, so a process that writes after another process wrote
would persist an index missing the other's records. `Connection` prevents that: writes
take a file lock, bump a generation counter next to the data, and a process that sees a
generation it did not write reopens its client (reloading the index from disk) first.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlparse

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings

from ponder.errors import UsageError
from ponder.memory._locks import WriteLock

URL_ENV = "PONDER_CHROMA_URL"
DEFAULT_PATH = Path(".ponder/memory")
LOCK_FILE = "ponder-write.lock"
GENERATION_FILE = "ponder-write.generation"


def settings() -> Settings:
    return Settings(anonymized_telemetry=False, allow_reset=False)


def resolve_url(url: str | None) -> str | None:
    """Pick the URL: an explicit one, else `PONDER_CHROMA_URL`, else none (embedded mode)."""
    return url or os.environ.get(URL_ENV) or None


def open_http(url: str) -> ClientAPI:
    """Connect to a Chroma server at `http(s)://host:port`."""
    parsed = urlparse(url if "://" in url else f"http://{url}")
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise UsageError(f"chroma URL '{url}' is not of the form http://HOST:PORT")
    ssl = parsed.scheme == "https"
    port = parsed.port or (443 if ssl else 8000)
    try:
        return chromadb.HttpClient(host=parsed.hostname, port=port, ssl=ssl, settings=settings())
    except Exception as error:  # chromadb raises plain Exceptions when the server is down
        raise UsageError(f"cannot reach the Chroma server at {url}: {error}") from error


class Connection:
    """The one client a process holds for a store location, shared by every store object."""

    _shared: ClassVar[dict[str, Connection]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: Path | None, url: str | None) -> None:
        self.url = url
        self.path = path
        self.lock = WriteLock(path / LOCK_FILE if path is not None else None)
        self._collections: dict[str, Collection] = {}
        self._client = self._open()
        self._seen = self._generation()

    @classmethod
    def to(cls, path: Path | str | None = None, url: str | None = None) -> Connection:
        """The shared connection for a directory or server (`PONDER_CHROMA_URL` if neither)."""
        url = resolve_url(url)
        directory = None if url else Path(path if path is not None else DEFAULT_PATH).resolve()
        key = url or str(directory)
        with cls._shared_lock:
            if key not in cls._shared:
                cls._shared[key] = cls(directory, url)
            return cls._shared[key]

    def _open(self) -> ClientAPI:
        if self.url is not None:
            return open_http(self.url)
        assert self.path is not None
        self.path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(self.path), settings=settings())

    @property
    def client(self) -> ClientAPI:
        return self._client

    def collection(self, name: str, opener: Callable[[ClientAPI], Collection]) -> Collection:
        """The named collection, opened by `opener` once per client (and again after a reload)."""
        self.refresh()
        if name not in self._collections:
            self._collections[name] = opener(self._client)
        return self._collections[name]

    def _generation(self) -> int:
        if self.path is None:
            return 0
        try:
            return int((self.path / GENERATION_FILE).read_text() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def refresh(self) -> None:
        """Reload from disk if another process wrote since this one last looked."""
        if self.path is None or self._generation() == self._seen:
            return
        with self.lock.hold():
            self._reload_if_stale()

    def _reload_if_stale(self) -> None:
        current = self._generation()
        if current == self._seen:
            return
        identifier = str(self.path)
        system = SharedSystemClient._identifier_to_system.pop(identifier, None)
        SharedSystemClient._identifier_to_refcount.pop(identifier, None)
        if system is not None:
            system.stop()
        self._collections.clear()
        self._client = self._open()
        self._seen = current

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the write lock on an up-to-date client; publish the write when done."""
        with self.lock.hold():
            if self.path is not None:
                self._reload_if_stale()
            try:
                yield
            finally:
                if self.path is not None:
                    self._seen = self._generation() + 1
                    (self.path / GENERATION_FILE).write_text(str(self._seen))


def open_client(path: Path | str | None = None, url: str | None = None) -> ClientAPI:
    """Open a chromadb client for a store directory or a server URL (`http://host:port`)."""
    return Connection.to(path, url).client
