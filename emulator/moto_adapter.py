"""The one place gtemu touches moto's internals.

gtemu builds on moto's services (S3, SageMaker, Lambda, CloudWatch Logs, ...) and reaches past
their HTTP APIs in a few places: it adds the Ground Truth operations to moto's SageMaker
response class, hangs its own state off moto's SageMaker backend objects, reads S3 objects and
Lambda functions straight from moto's backends, writes Lambda logs, resets and seeds moto,
pickles moto's backend registries for durable snapshots, and lets an S3 object read its bytes
from a durable body file instead of moto's own buffer. Every such reach is a function here,
so a moto release that moves something breaks this module only; `tests/test_moto_canary.py`
checks each thing named here and says which one moved.

moto keeps its backends process-wide (module-level `BackendDict`s), so everything stored in
them — S3 buckets, Lambda functions, IAM roles, Cognito pools, SNS topics, SQS queues,
EventBridge rules, moto's own SageMaker resources — is shared by every gtemu instance in one
process. gtemu's own state hangs off the SageMaker backend per runtime scope
(`gtemu_states`), so jobs, work teams and the workforce are not shared.

Registering the operations needs `SageMakerResponse`, and `import emulator` registers them the
moment moto's SageMaker responses are loaded (`emulator.registration`); so this module imports
them inside the functions that use them, and importing it does not set that off halfway. A moto
module that most uses do not need (Lambda: ~0.4 s, it pulls IAM, ECR, ...; CloudWatch Logs) is
imported inside the function that uses it too; `tests/test_moto_canary.py` checks those imports
as well (docs/interfaces.md#startup).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import io
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import BackendDict
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import camelcase_to_underscores
from moto.moto_api._internal import mock_random
from moto.s3.models import FakeKey, s3_backends
from moto.sagemaker.models import sagemaker_backends

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "ActionResult",
    "BackendDict",
    "BodyFileBuffer",
    "EmptyResult",
    "FakeKey",
    "KnownBody",
    "ServiceException",
    "add_sagemaker_operations",
    "deliver_to_target",
    "event_time",
    "matching_targets",
    "events_backend",
    "random_uuid",
    "request_body_in_file",
    "sagemaker_accounts",
    "sns_backend",
    "sqs_backend",
    "transform_event_input",
    "all_gtemu_states",
    "aws_wsgi_app",
    "backend_dict",
    "gtemu_states",
    "key_body_file",
    "key_bytes",
    "key_state",
    "lambda_function",
    "live_backend_dicts",
    "method_name",
    "put_log_events",
    "reset_backends",
    "restore_backend_dict",
    "restore_key",
    "s3_backend",
    "s3_object",
    "s3_objects",
    "seed_random",
]

# -- SageMaker: our operations on moto's response class -------------------------------------

_MARK = "_gtemu_registered"


def method_name(operation: str) -> str:
    """The `SageMakerResponse` method moto dispatches `operation` to (`CreateLabelingJob` ->
    `create_labeling_job`)."""
    return camelcase_to_underscores(operation)


def add_sagemaker_operations(source: type, operations: tuple[str, ...],
                             shared_operations: tuple[str, ...], helpers: tuple[str, ...]
                             ) -> None:
    """Install `source`'s methods for `operations` (and `helpers`) on moto's
    `SageMakerResponse`, which looks its methods up at call time, so every `mock_aws()` and
    moto's server answer them (idempotent). moto's own methods for `shared_operations` stay
    reachable as `_moto_<name>`. Requests of our operations that moto cannot parse reach our
    methods with no parameters (our validation then reports the bad member)."""
    # Importing it the first time registers (emulator.registration), which calls this function
    # again before the import returns: that call does the work, this one then finds it done.
    from moto.sagemaker.responses import SageMakerResponse

    if getattr(SageMakerResponse, _MARK, False):
        return
    for operation in shared_operations:
        name = method_name(operation)
        setattr(SageMakerResponse, f"_moto_{name}", getattr(SageMakerResponse, name))
    for name in helpers:
        setattr(SageMakerResponse, name, getattr(source, name))
    for operation in operations + shared_operations:
        name = method_name(operation)
        setattr(SageMakerResponse, name, getattr(source, name))
    _tolerate_unparsable_requests(SageMakerResponse, {*operations, *shared_operations})
    setattr(SageMakerResponse, _MARK, True)


def _tolerate_unparsable_requests(response_class: Any, ours: set[str]) -> None:
    """moto parses the request before dispatching it; a member of the wrong JSON type (say, a
    string for an integer sent over HTTP) makes that parse fail with a server error. For our
    operations the parse is deferred: the model-driven validation then reports the member."""
    original = response_class.parse_parameters

    def parse_parameters(self: Any, request: Any) -> None:
        try:
            original(self, request)
        except Exception:
            if self._get_action() not in ours:
                raise
            self.params = {}

    response_class.parse_parameters = parse_parameters


# -- SageMaker: gtemu's state on moto's backend objects --------------------------------------

_STATES = "_gtemu_states"


def gtemu_states(account_id: str, region: str, *, create: bool) -> dict[str, Any] | None:
    """gtemu's states (by runtime scope) kept on moto's SageMaker backend of an account and
    region. `create=False` never creates the backend (an unknown account costs nothing) and
    answers None where there is nothing."""
    if create:
        backend = sagemaker_backends[account_id][region]
    else:
        account_backends = dict.get(sagemaker_backends, account_id)
        backend = None if account_backends is None else dict.get(account_backends, region)
        if backend is None:
            return None
    states = backend.__dict__.get(_STATES)
    if states is None and create:
        states = backend.__dict__.setdefault(_STATES, {})
    return states


def all_gtemu_states() -> Iterator[dict[str, Any]]:
    """gtemu's states (by runtime scope) of every account and region that has some."""
    for account_backends in list(sagemaker_backends.values()):
        for backend in list(account_backends.values()):
            states = backend.__dict__.get(_STATES)
            if states:
                yield states


# -- S3, Lambda, CloudWatch Logs -------------------------------------------------------------


def s3_backend(account_id: str) -> Any:
    """moto's S3 backend of an account (looked up each time: moto resets its backends)."""
    return s3_backends[account_id]["global"]


def s3_object(account_id: str, bucket_name: str, key: str) -> FakeKey | None:
    """The newest version of an S3 object as moto stores it, or None (no bucket, no key,
    a delete marker)."""
    bucket = s3_backend(account_id).buckets.get(bucket_name)
    if bucket is None:
        return None
    stored = bucket.keys.get(key)
    return stored if isinstance(stored, FakeKey) else None


def s3_objects(account_id: str, bucket_name: str, prefix: str) -> list[tuple[str, FakeKey]]:
    """The newest versions of the objects whose keys start with `prefix`, by key."""
    bucket = s3_backend(account_id).buckets.get(bucket_name)
    if bucket is None:
        return []
    found = []
    for key in sorted(k for k in list(bucket.keys.keys()) if k.startswith(prefix)):
        stored = bucket.keys.get(key)
        if isinstance(stored, FakeKey):
            found.append((key, stored))
    return found


@dataclass(frozen=True)
class KnownBody:
    """A request body gtemu has stored as a file, with the MD5 it computed while storing it."""

    path: Path
    size: int
    md5: str


# The body of the request this thread (or task) is running through moto, if gtemu stored it:
# set only around one call into moto, so instances and threads never see each other's.
_REQUEST_BODY: contextvars.ContextVar[KnownBody | None] = contextvars.ContextVar(
    "gtemu_request_body", default=None)
_ADOPT_MARK = "_gtemu_adopts_body_files"
_SAME_ENDS = 64 * 1024  # bytes compared at each end before a value counts as the body file's


@contextlib.contextmanager
def request_body_in_file(body: KnownBody) -> Iterator[None]:
    """Run a request through moto knowing its body. An S3 object (or part) moto makes of exactly
    that body reads its bytes from the body file and takes the MD5 gtemu computed as its ETag.
    Otherwise moto would copy the body into a temporary file of its own and read it all again
    for the ETag (about 1.8 s of CPU per GB). A body moto changes first (aws-chunked uploads,
    which boto3 sends with a checksum) has another size and is left to moto."""
    if not getattr(FakeKey, _ADOPT_MARK, False):
        _adopt_known_bodies()
    token = _REQUEST_BODY.set(body)
    try:
        yield
    finally:
        _REQUEST_BODY.reset(token)


class BodyFileBuffer:
    """The bytes of an S3 object read from a body file, in place of moto's
    `SpooledTemporaryFile`: read-only, and opened for each read, so that neither memory nor open
    files grow with the number of objects. Body files are content-addressed and never change;
    the state directory keeps each one while a journal entry or a kept snapshot names it, and
    every snapshot names the body file of each object that reads from one."""

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        self.size = size
        self.closed = False
        self._position = 0

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file.")  # what moto's buffer raises

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._check_open()
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        self._check_open()
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        self._check_open()
        left = max(0, self.size - self._position)
        wanted = left if size is None or size < 0 else min(size, left)
        if not wanted:
            return b""
        with open(self.path, "rb") as handle:
            handle.seek(self._position)
            data = handle.read(wanted)
        self._position += len(data)
        return data

    def close(self) -> None:
        self.closed = True


def _adopt_known_bodies() -> None:
    """Wrap `FakeKey.value`'s setter, through which moto stores every object and part."""
    stored = FakeKey.value

    def set_value(key: Any, new_value: Any) -> None:
        known = _REQUEST_BODY.get()
        if known is not None and _is_body(new_value, known):
            key._value_buffer.close()
            key._value_buffer = BodyFileBuffer(known.path, known.size)
            key.contentsize = known.size
            if key._etag is None:
                key._etag = known.md5
            return
        if isinstance(key.__dict__.get("_value_buffer"), BodyFileBuffer):
            # A new value for an object that read from a body file: moto's own buffer again.
            key._value_buffer = _moto_buffer(key)
        stored.fset(key, new_value)

    FakeKey.value = property(stored.fget, set_value)  # type: ignore[method-assign,assignment]
    setattr(FakeKey, _ADOPT_MARK, True)


def _is_body(value: Any, known: KnownBody) -> bool:
    """Whether `value` is the request body itself: of its size, and beginning and ending as
    the file does (a value moto made of the body is the body, or shorter when it decoded it)."""
    if not isinstance(value, (bytes, bytearray)) or len(value) != known.size:
        return False
    tail = max(0, known.size - _SAME_ENDS)
    try:
        with open(known.path, "rb") as handle:
            head = handle.read(_SAME_ENDS)
            handle.seek(tail)
            end = handle.read()
    except OSError:
        return False
    return head == bytes(value[:_SAME_ENDS]) and end == bytes(value[tail:])


def key_body_file(key: FakeKey) -> Path | None:
    """The body file an S3 object reads its bytes from, if it reads from one."""
    buffer = key.__dict__.get("_value_buffer")
    return buffer.path if isinstance(buffer, BodyFileBuffer) and not buffer.closed else None


def key_state(key: FakeKey) -> dict[str, Any]:
    """An S3 object's attributes without its buffer and lock (for a snapshot's pickle)."""
    state = key.__dict__.copy()
    state.pop("_value_buffer", None)
    state.pop("lock", None)
    return state


@contextlib.contextmanager
def key_bytes(key: FakeKey) -> Iterator[tuple[Any, int] | None]:
    """An S3 object's buffer at its start and its size, under the object's lock; None when
    moto has closed it (a deleted object)."""
    with key.lock:
        buffer = key._value_buffer
        try:
            size = buffer.seek(0, io.SEEK_END)
            buffer.seek(0)
        except ValueError:
            yield None
            return
        yield buffer, size


def restore_key(cls: type, state: dict[str, Any], body: bytes | Path) -> FakeKey:
    """An S3 object from `key_state`'s attributes, its bytes given or read from a body file."""
    key = cls.__new__(cls)
    key.__dict__.update(state)
    if isinstance(body, Path):
        key._value_buffer = BodyFileBuffer(body, int(state["contentsize"]))
    else:
        key._value_buffer = _moto_buffer(key)
        key._value_buffer.write(body)
    key.lock = threading.Lock()
    return key


def _moto_buffer(key: FakeKey) -> Any:
    """A new, empty buffer of the kind moto keeps an object's bytes in."""
    return tempfile.SpooledTemporaryFile(max_size=key._max_buffer_size)


def lambda_function(account_id: str, region: str, name: str, qualifier: str | None
                    ) -> Any | None:
    """moto's `LambdaFunction` created through the Lambda API, or None."""
    # Imported here: moto's Lambda costs ~0.4 s, which `import emulator` must not pay.
    from moto.awslambda.models import lambda_backends

    # Look without creating: indexing moto's BackendDict would make a backend for any account
    # (the built-in functions' AWS accounts included) as a side effect.
    if account_id not in lambda_backends or region not in lambda_backends[account_id]:
        return None
    try:
        return lambda_backends[account_id][region].get_function(name, qualifier)
    except Exception:  # moto raises its own "not found" errors (and KeyError for a bad region)
        return None


def put_log_events(account_id: str, region: str, group: str, stream: str,
                   events: list[dict[str, Any]]) -> None:
    """Write `events` to a new CloudWatch Logs stream (creating the group if needed)."""
    from moto.logs.models import logs_backends  # imported when used, like Lambda above

    backend = logs_backends[account_id][region]
    if group not in backend.groups:
        backend.create_log_group(group, {})
    backend.create_log_stream(group, stream)
    backend.put_log_events(group, stream, events)


# -- EventBridge, SNS, SQS (imported when first used: most runs never touch them) ------------


def events_backend(account_id: str, region: str) -> Any:
    """moto's EventBridge backend of an account and region."""
    from moto.events.models import events_backends

    return events_backends[account_id][region]


def matching_targets(account_id: str, region: str, event: dict[str, Any]
                     ) -> list[tuple[Any, dict[str, Any]]]:
    """(rule, target) of every enabled rule on the default bus whose pattern matches."""
    bus = events_backend(account_id, region).describe_event_bus("default")
    found = []
    for rule in list(bus.rules.values()):
        if getattr(rule, "state", "ENABLED") != "ENABLED":
            continue
        if not rule.event_pattern.matches_event(event):
            continue
        found.extend((rule, target) for target in list(rule.targets))
    return found


def deliver_to_target(rule: Any, target: dict[str, Any], event: dict[str, Any]) -> None:
    """moto's own delivery of `event` to one target of `rule` (SQS, ...)."""
    single = copy.copy(rule)
    single.targets = [target]
    single.send_to_targets(event)


def event_time(unix_seconds: float) -> str:
    """An event's `time` as EventBridge writes it (ISO 8601, no fractional seconds)."""
    from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp

    return iso_8601_datetime_without_milliseconds(utcfromtimestamp(unix_seconds))


def transform_event_input(*, input_template: Any, input_paths_map: dict[str, Any],
                          event: dict[str, Any]) -> Any:
    """A target's InputTransformer applied to `event`, with moto's own template parser."""
    from moto.events.utils import EventTemplateParser

    return EventTemplateParser.parse(input_template=input_template,
                                     input_paths_map=input_paths_map, event=event)


def sns_backend(account_id: str, region: str) -> Any:
    from moto.sns.models import sns_backends

    return sns_backends[account_id][region]


def sqs_backend(account_id: str, region: str) -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[account_id][region]


def random_uuid() -> str:
    """A UUID from moto's random generator (which a durable server seeds per change)."""
    return str(mock_random.uuid4())


def sagemaker_accounts() -> list[str]:
    """The accounts for which moto holds a SageMaker backend (never creates one)."""
    return list(dict.keys(sagemaker_backends))


# -- moto as a whole: its server app, reset, random ids, backend registries -------------------


def aws_wsgi_app() -> Callable[..., Any]:
    """moto's server application (every service, dispatched by host and path)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def reset_backends() -> None:
    """Empty every moto backend in this process (what `POST /moto-api/reset` does)."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


def seed_random(value: str) -> None:
    """Seed the generator moto draws its ids and ARNs from (process-wide in moto)."""
    mock_random.seed(value)


def live_backend_dicts() -> dict[str, BackendDict]:
    """The BackendDict of every moto service that holds something, by service name."""
    found: dict[str, BackendDict] = {}
    for registry in BackendDict._instances:
        if len(registry):
            found.setdefault(registry.service_name, registry)
    return found


def backend_dict(service_name: str) -> BackendDict:
    """moto's (process-wide) BackendDict of a service."""
    return get_backend(service_name)  # type: ignore[call-overload]


def restore_backend_dict(registry: BackendDict, accounts: dict[str, Any]) -> None:
    """Replace what a BackendDict holds with `accounts` (from a snapshot) and make sure moto
    counts it among the registries it resets."""
    dict.clear(registry)
    dict.update(registry, accounts)
    if registry not in BackendDict._instances:
        BackendDict._instances.append(registry)
