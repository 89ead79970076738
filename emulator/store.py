"""The state directory of a durable `gtemu serve`: a journal of changes in SQLite.

One file, `DIR/gtemu.sqlite3` (WAL mode, `synchronous=FULL`), written by one process at a time
(an exclusive lock on `DIR/lock`). Each entry is one state-changing input with the moment it
happened: a mutating request to the AWS endpoint (with its body), a worker-side engine call, or
an engine step that time made due. `emulator.durable` writes and replays it.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

DATABASE_NAME = "gtemu.sqlite3"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    body BLOB
);
"""


class StateDirError(Exception):
    """The state directory cannot be used (another gtemu holds it, or another format)."""


def default_state_dir() -> Path:
    """`$XDG_DATA_HOME/gtemu`, else `~/.local/share/gtemu`."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "gtemu"


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    at: datetime
    kind: str
    data: dict[str, Any]
    body: bytes | None


class Journal:
    """The append-only journal of one state directory. Not thread-safe: callers serialize
    (the durable layer appends under its lock)."""

    def __init__(self, state_dir: str | os.PathLike[str]) -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = _lock_exclusively(self.state_dir / "lock")
        self.path = self.state_dir / DATABASE_NAME
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        version = self.meta("schema", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            self.close()
            raise StateDirError(f"{self.path} has state format {version}; this gtemu reads "
                                f"format {SCHEMA_VERSION}")
        row = self._db.execute("SELECT max(seq) FROM journal").fetchone()
        self.last_seq: int = row[0] or 0

    def meta(self, key: str, default: str | None = None) -> str:
        """The stored value of `key`; stores `default` (else a new random secret) if unset."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return str(row[0])
        value = default if default is not None else secrets.token_hex(32)
        self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
        return value

    def append(self, at: datetime, kind: str, data: dict[str, Any], body: bytes | None) -> int:
        """Commit one entry; it is on disk when this returns."""
        seq = self.last_seq + 1
        self._db.execute(
            "INSERT INTO journal (seq, at, kind, data, body) VALUES (?, ?, ?, ?, ?)",
            (seq, at.isoformat(), kind, json.dumps(data, separators=(",", ":")), body),
        )
        self.last_seq = seq
        return seq

    def entries(self) -> Iterator[Entry]:
        cursor = self._db.execute("SELECT seq, at, kind, data, body FROM journal ORDER BY seq")
        for seq, at, kind, data, body in cursor:
            yield Entry(seq, datetime.fromisoformat(at), kind, json.loads(data), body)

    def close(self) -> None:
        self._db.close()
        self._lock_file.close()


def _lock_exclusively(path: Path) -> TextIO:
    handle = open(path, "a")  # noqa: SIM115  (held open for the lifetime of the journal)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise StateDirError(
            f"{path.parent} is in use by another gtemu serve; give each one its own --state-dir"
        ) from None
    return handle
