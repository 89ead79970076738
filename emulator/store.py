"""The state directory of a durable `gtemu serve`: a checksummed journal, snapshots, bodies.

    DIR/gtemu.sqlite3     the journal (SQLite, WAL, synchronous=FULL) and a few settings
    DIR/snapshots/        snapshots of the whole state (emulator.snapshot), newest last
    DIR/bodies/<sha256>   request and S3 object bodies too large for a journal row
    DIR/bodies/<sha256>.md5   the body's MD5 and size (a cache: see `Bodies`)
    DIR/worker-token      the credential of the workers' API (emulator.worker_token)
    DIR/lock              held exclusively by the one gtemu serve using DIR

Each journal entry is one state-changing input with the moment it happened, what it answered
(`result`) and a checksum over all of it. `emulator.durable` writes and replays it.

Every way the directory can be unusable (another gtemu holds it, another format, an empty,
truncated or foreign database file, a read-only directory, a full disk) is a `StateDirError`
with a one-line message that says what to do.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, TextIO

DATABASE_NAME = "gtemu.sqlite3"
SCHEMA_VERSION = "2"
BODIES_DIR = "bodies"
SNAPSHOTS_DIR = "snapshots"
_CHUNK = 1024 * 1024
MD5_SUFFIX = ".md5"
_MD5_HEX = re.compile(r"[0-9a-f]{32}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    body BLOB,
    body_ref TEXT,
    result TEXT,
    checksum TEXT
);
"""
_COLUMNS = "seq, at, kind, data, body, body_ref, result, checksum"


class StateDirError(Exception):
    """The state directory cannot be used; the message says why and what to do."""


class DamagedDatabase(StateDirError):
    """The journal file is damaged (truncated, overwritten); `--recover` salvages it."""


def default_state_dir() -> Path:
    """`$XDG_DATA_HOME/gtemu`, else `~/.local/share/gtemu`."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "gtemu"


def recover_hint(state_dir: Path) -> str:
    return f"gtemu serve --state-dir {state_dir} --recover"


def os_error_message(state_dir: Path, error: BaseException) -> str:
    """One line for an OS or SQLite error met while using `state_dir`."""
    code = getattr(error, "errno", None)
    name = getattr(error, "sqlite_errorname", "")
    if code == errno.ENOSPC or name == "SQLITE_FULL":
        return (f"the disk of {state_dir} is full; free some space (gtemu keeps its state "
                "there) and start again")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or name.startswith("SQLITE_READONLY"):
        return (f"cannot write to {state_dir} ({error}); gtemu keeps its state there: make it "
                "writable, or give another --state-dir")
    return f"cannot use {state_dir} ({error})"


def entry_checksum(seq: int, at: str, kind: str, data: str, body: bytes | None,
                   body_ref: str | None, result: str | None) -> str:
    digest = hashlib.sha256()
    for part in (str(seq), at, kind, data, body_ref or "", result or ""):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(body or b"")
    return digest.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Record:
    """What a change journals: its kind, its data, its body (inline or as a body file), and
    what it answered (replay must answer the same)."""

    kind: str
    data: dict[str, Any]
    body: bytes | None = None
    body_ref: str | None = None
    result: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    at: datetime
    kind: str
    data: dict[str, Any]
    body: bytes | None
    body_ref: str | None
    result: str | None
    intact: bool  # the checksum matches (entries of format 1 have none and count as intact)


class Bodies:
    """Content-addressed files (`DIR/bodies/<sha256>`), written and fsynced before use.

    Beside each body, `<sha256>.md5` keeps its MD5 and size: a snapshot finds the body file of
    an S3 object by its ETag (the MD5 of a single-part object) instead of copying the object,
    and a start-up that checks the body needs only the SHA-256 pass then. The file is a cache:
    missing or unreadable, the MD5 is computed again in the same pass."""

    def path(self, ref: str) -> Path:
        return self.dir / ref

    def _md5_path(self, ref: str) -> Path:
        return self.dir / f"{ref}{MD5_SUFFIX}"

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir / BODIES_DIR
        # (MD5 hex, size) -> reference: S3's ETag of a single-part object is its MD5, so a
        # snapshot finds the body file of an object uploaded in one piece without copying it.
        self.by_md5: dict[tuple[str, int], str] = {}
        self.md5_of: dict[str, str] = {}  # reference -> MD5 hex, of the bodies met so far

    def store_stream(self, stream: BinaryIO, length: int | None) -> tuple[str, int]:
        """Copy `length` bytes (None: to the end) of `stream` into a body file, in chunks (memory
        stays bounded whatever the size); returns its reference and size."""
        self.dir.mkdir(exist_ok=True)
        digest = hashlib.sha256()
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        handle = tempfile.NamedTemporaryFile(dir=self.dir, prefix=".incoming-", delete=False)  # noqa: SIM115
        try:
            with handle:
                while length is None or size < length:
                    want = _CHUNK if length is None else min(_CHUNK, length - size)
                    chunk = stream.read(want)
                    if not chunk:
                        break
                    digest.update(chunk)
                    md5.update(chunk)
                    handle.write(chunk)
                    size += len(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            ref = digest.hexdigest()
            os.replace(handle.name, self.path(ref))
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        _fsync_dir(self.dir)
        self._remember_md5(ref, md5.hexdigest(), size)
        return ref, size

    def intact(self, ref: str) -> bool:
        """Whether the body file is there with the content its name promises (one pass, which
        also computes the MD5 when no `.md5` file of the body's size knows it)."""
        path = self.path(ref)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return False
        known = self._known_md5(ref, size)
        digest = hashlib.sha256()
        md5 = None if known else hashlib.md5(usedforsecurity=False)
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                if md5 is not None:
                    md5.update(chunk)
        if digest.hexdigest() != ref:
            return False
        if md5 is None:
            self._note_md5(ref, known, size)
        else:
            self._remember_md5(ref, md5.hexdigest(), size)
        return True

    def _note_md5(self, ref: str, md5: str, size: int) -> None:
        self.by_md5[(md5, size)] = ref
        self.md5_of[ref] = md5

    def _remember_md5(self, ref: str, md5: str, size: int) -> None:
        """Note the MD5 and keep it in the body's `.md5` file."""
        self._note_md5(ref, md5, size)
        try:
            self._md5_path(ref).write_text(f"{md5} {size}\n")
        except OSError:
            pass  # only a cache: the next start computes it again

    def _known_md5(self, ref: str, size: int) -> str | None:
        """The MD5 the `.md5` file keeps for a body of `size` bytes, else None."""
        try:
            md5, kept_size = self._md5_path(ref).read_text().split()
        except (OSError, ValueError):
            return None
        return md5 if _MD5_HEX.fullmatch(md5) and kept_size == str(size) else None

    def keep_only(self, refs: set[str]) -> None:
        if not self.dir.is_dir():
            return
        for path in self.dir.iterdir():
            if path.name.removesuffix(MD5_SUFFIX) not in refs:
                path.unlink(missing_ok=True)


class Journal:
    """The append-only journal of one state directory. Not thread-safe: callers serialize
    (the durable layer appends under its lock)."""

    def __init__(self, state_dir: str | os.PathLike[str]) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / DATABASE_NAME
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            self._lock_file = _lock_exclusively(self.state_dir / "lock")
        except OSError as error:
            raise StateDirError(os_error_message(self.state_dir, error)) from None
        try:
            self._db = self._open()
        except BaseException:
            self._lock_file.close()
            raise
        self.bodies = Bodies(self.state_dir)
        self.snapshot_dir = self.state_dir / SNAPSHOTS_DIR

    def _open(self) -> sqlite3.Connection:
        if self.path.exists() and self.path.stat().st_size == 0:
            raise StateDirError(
                f"{self.path} is empty (0 bytes), so it holds no gtemu state; if you have a "
                "backup, put it back, else move the file away to start afresh")
        try:
            # In WAL mode only another writer can make a write wait, and the state directory's
            # lock keeps other gtemu processes out: a second rides out a tool that briefly
            # holds the database, without keeping a worker's answer waiting for SQLite's 5 s.
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                 timeout=1.0)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(_SCHEMA)
            self._db = db
            version = self.meta("schema", SCHEMA_VERSION)
            if version == "1":  # gtemu's first format: the same rows, without checksums
                for column in ("body_ref TEXT", "result TEXT", "checksum TEXT"):
                    db.execute(f"ALTER TABLE journal ADD COLUMN {column}")
                db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,))
            elif version != SCHEMA_VERSION:
                db.close()
                raise StateDirError(f"{self.path} has state format {version}; this gtemu reads "
                                    f"format {SCHEMA_VERSION}")
            row = db.execute("SELECT max(seq) FROM journal").fetchone()
        except sqlite3.DatabaseError as error:
            raise self.database_error(error) from None
        self.last_seq: int = row[0] or 0
        return db

    def database_error(self, error: sqlite3.DatabaseError) -> StateDirError:
        """The one-line error for an SQLite error of the journal file."""
        text = str(error)
        if "not a database" in text:
            return StateDirError(f"{self.path} is not a gtemu state database ({text}); move it "
                                 "away, or give another --state-dir")
        if "malformed" in text or "corrupt" in text or "disk image" in text:
            return DamagedDatabase(
                f"{self.path} is damaged ({text}); to keep every change that can still be "
                f"read and move the rest aside, run: {recover_hint(self.state_dir)}")
        return StateDirError(os_error_message(self.state_dir, error))

    def meta(self, key: str, default: str | None = None) -> str:
        """The stored value of `key`; stores `default` (else a new random secret) if unset."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return str(row[0])
        value = default if default is not None else secrets.token_hex(32)
        self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
        return value

    def append(self, at: datetime, kind: str, data: dict[str, Any], body: bytes | None, *,
               body_ref: str | None = None, result: str | None = None) -> int:
        """Commit one entry; it is on disk when this returns."""
        seq = self.last_seq + 1
        moment = at.isoformat()
        text = json.dumps(data, separators=(",", ":"))
        checksum = entry_checksum(seq, moment, kind, text, body, body_ref, result)
        self._db.execute(
            f"INSERT INTO journal ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, moment, kind, text, body, body_ref, result, checksum),
        )
        self.last_seq = seq
        return seq

    def entries(self, after: int = 0) -> Iterator[Entry]:
        cursor = self._db.execute(
            f"SELECT {_COLUMNS} FROM journal WHERE seq > ? ORDER BY seq", (after,))
        for seq, at, kind, data, body, body_ref, result, checksum in cursor:
            intact = checksum is None or checksum == entry_checksum(
                seq, at, kind, data, body, body_ref, result)
            try:
                moment = datetime.fromisoformat(at)
                decoded = json.loads(data)
            except (TypeError, ValueError):
                moment, decoded, intact = datetime.min, {}, False
            yield Entry(seq, moment, kind, decoded, body, body_ref, result, intact)

    def first_seq(self) -> int | None:
        return self._db.execute("SELECT min(seq) FROM journal").fetchone()[0]

    def body_refs(self) -> set[str]:
        rows = self._db.execute("SELECT body_ref FROM journal WHERE body_ref IS NOT NULL")
        return {ref for (ref,) in rows}

    def delete_through(self, seq: int) -> None:
        """Drop the entries a snapshot has made unnecessary."""
        self._db.execute("DELETE FROM journal WHERE seq <= ?", (seq,))

    def move_aside(self, from_seq: int, destination: Path) -> int:
        """Move the entries from `from_seq` on into a database file of their own; returns how
        many. They are committed there before they leave the journal."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        aside = sqlite3.connect(destination, isolation_level=None)
        try:
            aside.executescript(_SCHEMA)
            moved = 0
            aside.execute("BEGIN")
            try:
                cursor = self._db.execute(
                    f"SELECT {_COLUMNS} FROM journal WHERE seq >= ? ORDER BY seq", (from_seq,))
                for row in cursor:
                    aside.execute(f"INSERT INTO journal ({_COLUMNS}) VALUES "
                                  "(?, ?, ?, ?, ?, ?, ?, ?)", row)
                    moved += 1
            except sqlite3.DatabaseError:
                pass  # a damaged page: what could be read is set aside, the rest is lost anyway
            aside.execute("COMMIT")
        finally:
            aside.close()
        self._db.execute("DELETE FROM journal WHERE seq >= ?", (from_seq,))
        row = self._db.execute("SELECT max(seq) FROM journal").fetchone()
        self.last_seq = max(row[0] or 0, from_seq - 1)
        return moved

    def close(self) -> None:
        self._db.close()
        self._lock_file.close()


def salvage_database(state_dir: Path, aside_dir: Path) -> None:
    """Rebuild a damaged journal file from the rows that can still be read, in order up to the
    first unreadable one; the damaged file is moved into `aside_dir`."""
    path = state_dir / DATABASE_NAME
    aside_dir.mkdir(parents=True, exist_ok=True)
    rebuilt = state_dir / (DATABASE_NAME + ".rebuilt")
    rebuilt.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(rebuilt, isolation_level=None)
    target.executescript(_SCHEMA)
    try:
        for key, value in source.execute("SELECT key, value FROM meta"):
            target.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        seq = 0
        while True:
            row = source.execute(f"SELECT {_COLUMNS} FROM journal WHERE seq > ? ORDER BY seq "
                                 "LIMIT 1", (seq,)).fetchone()
            if row is None:
                break
            target.execute(f"INSERT INTO journal ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           row)
            seq = row[0]
    except sqlite3.DatabaseError:
        pass  # everything before the damage is kept
    finally:
        source.close()
        target.close()
    for suffix in ("", "-wal", "-shm"):
        damaged = state_dir / (DATABASE_NAME + suffix)
        if damaged.exists():
            os.replace(damaged, aside_dir / damaged.name)
    os.replace(rebuilt, path)
    _fsync_dir(state_dir)


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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
