"""Snapshots of a durable gtemu's whole state, so a restart costs what the state is, not what
its history was.

A snapshot is one file, `DIR/snapshots/snapshot-<seq>.gtemu`: a JSON header line (format
version, the journal entry it reflects, its moment, the body files it needs, a SHA-256 of the
rest) and a pickle of the backends of every moto service in use (`BackendDict._instances`:
S3, SageMaker with gtemu's engines and workforces hanging off it, Cognito, IAM, ...). Pickling
moto's backends is what moto itself suggests for persistence; what does not pickle is handled
here:

* locks are saved as "a lock" and come back new, except the durable lock every engine shares,
  which comes back as the running server's;
* references to a service's `BackendDict` (module-level registries) come back as the live one;
* S3 object bodies (`FakeKey`) over 64 KiB are not put into the pickle but named by their
  content-addressed body file (`DIR/bodies/<sha256>`): the one the object already reads from
  (an upload over 1 MiB), else one its bytes are copied into, in chunks. At start-up such an
  object reads from its body file again (`moto_adapter.BodyFileBuffer`), so an object of any
  size S3 accepts fits and memory stays bounded.

The clock and the id generators need nothing: every journaled change runs on the moment it
recorded and re-seeds the ids from the directory's secret and its sequence number.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import os
import pickle
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from emulator import moto_adapter
from emulator.moto_adapter import BackendDict, FakeKey
from emulator.store import Bodies

SNAPSHOT_FORMAT = 1
INLINE_BODY_LIMIT = 64 * 1024
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
_RLOCK_TYPE = type(threading.RLock())


class SnapshotError(Exception):
    """A snapshot that cannot be used: damaged, or of another format."""


@dataclass(frozen=True)
class SnapshotInfo:
    path: Path
    seq: int
    at: datetime
    bodies: frozenset[str]


def snapshot_paths(snapshot_dir: Path) -> list[Path]:
    """Snapshot files, newest first."""
    if not snapshot_dir.is_dir():
        return []
    return sorted(snapshot_dir.glob("snapshot-*.gtemu"), reverse=True)


live_backend_dicts = moto_adapter.live_backend_dicts


class _Pickler(pickle.Pickler):
    def __init__(self, file: Any, bodies: Bodies, shared: dict[int, str],
                 live: dict[str, BackendDict], cache: dict[tuple[Any, ...], str]) -> None:
        super().__init__(file, protocol=5)
        self.bodies = bodies
        self.shared = shared
        self.cache = cache
        self.refs: set[str] = set()

    def persistent_id(self, obj: Any) -> Any:
        name = self.shared.get(id(obj))
        if name is not None:
            return ("shared", name)
        if isinstance(obj, _LOCK_TYPES):
            return ("lock", isinstance(obj, _RLOCK_TYPE))
        if isinstance(obj, _BodyRef):
            return ("body", obj.ref)
        if isinstance(obj, BackendDict):
            return ("backend-dict", obj.service_name)
        return None

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, FakeKey):
            return self._reduce_key(obj)
        if isinstance(obj, (weakref.WeakValueDictionary, weakref.WeakKeyDictionary)):
            # moto indexes some objects weakly (Lambda functions and layers by ARN); their
            # strong owners are in the same snapshot, so the index is saved as its items.
            return (type(obj), (dict(obj.items()),))
        return NotImplemented

    def _reduce_key(self, key: FakeKey) -> Any:
        state = moto_adapter.key_state(key)
        body: Any
        with moto_adapter.key_bytes(key) as found:
            if found is None:  # moto closed the buffer of a deleted key
                return (_restore_key, (type(key), state, b""))
            buffer, size = found
            if size <= INLINE_BODY_LIMIT:
                body = buffer.read()
            else:
                body = _BodyRef(self._body_file_of(key, buffer, size))
                self.refs.add(body.ref)
        return (_restore_key, (type(key), state, body))

    def _body_file_of(self, key: FakeKey, buffer: Any, size: int) -> str:
        """The body file holding a large object's bytes: the one it reads from, the one a
        single-part upload's MD5 ETag names, or a new copy of its buffer."""
        path = moto_adapter.key_body_file(key)
        if path is not None and path.parent == self.bodies.dir:
            return path.name
        marker = (id(buffer), key.etag, size, key.last_modified)
        ref = self.cache.get(marker) or self.bodies.by_md5.get((key.etag.strip('"'), size))
        if ref is None or not self.bodies.path(ref).exists():
            ref, _ = self.bodies.store_stream(buffer, size)
            self.cache[marker] = ref
        return ref


@dataclass(frozen=True)
class _BodyRef:
    """A body file of a snapshot: saved as a reference, loaded as the file's path."""

    ref: str


def _restore_key(cls: type, state: dict[str, Any], body: bytes | Path) -> FakeKey:
    # Snapshots name this function, so it keeps its name and place; a large object reads from
    # its body file again, as it did before the snapshot: nothing is copied.
    return moto_adapter.restore_key(cls, state, body)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: Any, shared: dict[str, Any], live: dict[str, BackendDict],
                 bodies: Bodies) -> None:
        super().__init__(file)
        self.shared = shared
        self.live = live
        self.bodies = bodies

    def persistent_load(self, pid: Any) -> Any:
        kind = pid[0]
        if kind == "shared":
            return self.shared[pid[1]]
        if kind == "lock":
            return threading.RLock() if pid[1] else threading.Lock()
        if kind == "backend-dict":
            return _backend_dict(pid[1], self.live)
        if kind == "body":
            return self.bodies.path(pid[1])
        raise pickle.UnpicklingError(f"unknown reference {pid!r}")


def _backend_dict(service_name: str, live: dict[str, BackendDict]) -> BackendDict:
    if service_name in live:
        return live[service_name]
    backend_dict = moto_adapter.backend_dict(service_name)
    live[service_name] = backend_dict
    return backend_dict


def write_snapshot(snapshot_dir: Path, bodies: Bodies, seq: int, at: datetime,
                   shared: dict[str, Any], cache: dict[tuple[Any, ...], str]) -> SnapshotInfo:
    """Write the whole state as of journal entry `seq`; the file and every body file it needs
    are on disk (fsynced) when this returns. Callers hold the durable lock."""
    live = live_backend_dicts()
    payload = io.BytesIO()
    pickler = _Pickler(payload, bodies, {id(v): k for k, v in shared.items()}, live, cache)
    with paused_gc():
        pickler.dump({name: dict(backend_dict) for name, backend_dict in live.items()})
    data = payload.getbuffer()
    header = {"gtemu-snapshot": SNAPSHOT_FORMAT, "seq": seq, "at": at.isoformat(),
              "bodies": sorted(pickler.refs)}
    header["sha256"] = _digest(header, data)
    snapshot_dir.mkdir(exist_ok=True)
    path = snapshot_dir / f"snapshot-{seq:012d}.gtemu"
    temporary = path.with_suffix(".incoming")
    with open(temporary, "wb") as handle:
        handle.write(json.dumps(header).encode() + b"\n")
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    descriptor = os.open(snapshot_dir, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return SnapshotInfo(path, seq, at, frozenset(pickler.refs))


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: (un)pickling makes objects by the hundred thousand,
    and each collection would walk all of moto's; the pause makes a load several times faster."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _digest(header: dict[str, Any], data: Any) -> str:
    digest = hashlib.sha256()
    fields = {k: v for k, v in header.items() if k != "sha256"}
    digest.update(json.dumps(fields, sort_keys=True).encode())
    digest.update(data)
    return digest.hexdigest()


def read_header(path: Path) -> tuple[dict[str, Any], bytes]:
    """The header and payload of a snapshot file, checked; SnapshotError if damaged."""
    try:
        with open(path, "rb") as handle:
            line = handle.readline()
            data = handle.read()
    except OSError as error:
        raise SnapshotError(f"cannot read {path}: {error}") from None
    try:
        header = json.loads(line)
        valid = isinstance(header, dict) and header.get("sha256") == _digest(header, data)
    except (ValueError, UnicodeDecodeError):
        valid = False
    if not valid:
        raise SnapshotError(f"{path} is damaged (its checksum does not match)")
    if header.get("gtemu-snapshot") != SNAPSHOT_FORMAT:
        raise SnapshotError(f"{path} has snapshot format {header.get('gtemu-snapshot')}; this "
                            f"gtemu reads format {SNAPSHOT_FORMAT}")
    return header, data


def peek_header(path: Path) -> dict[str, Any] | None:
    """The header of a snapshot without checking the rest (None if unreadable): enough to know
    which body files an older snapshot keeps alive."""
    try:
        with open(path, "rb") as handle:
            header = json.loads(handle.readline())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return header if isinstance(header, dict) else None


def load_snapshot(path: Path, bodies: Bodies, shared: dict[str, Any]) -> SnapshotInfo:
    """Put the state of a snapshot into moto's (empty) backends."""
    header, data = read_header(path)
    for ref in header["bodies"]:
        if not bodies.intact(ref):
            raise SnapshotError(f"{path} needs the body file {bodies.path(ref)}, which is "
                                "missing or damaged")
    live = live_backend_dicts()
    try:
        with paused_gc():
            services = _Unpickler(io.BytesIO(data), shared, live, bodies).load()
            # The loaded state lives as long as the server: keep the collector from walking it
            # again and again (it would, each time enough new objects pile up).
            gc.freeze()
    except Exception as error:  # a snapshot this gtemu cannot read back
        raise SnapshotError(f"{path} cannot be read back ({type(error).__name__}: {error})") \
            from None
    for name, accounts in services.items():
        backend_dict = _backend_dict(name, live)
        moto_adapter.restore_backend_dict(backend_dict, accounts)
    return SnapshotInfo(path, int(header["seq"]), datetime.fromisoformat(header["at"]),
                        frozenset(header["bodies"]))
