"""The one place gtemu touches moto's internals.

gtemu builds on moto's services (S3, SageMaker, Lambda, CloudWatch Logs, ...) and reaches past
their HTTP APIs in a few places: it adds the Ground Truth operations to moto's SageMaker
response class, hangs its own state off moto's SageMaker backend objects, reads S3 objects and
Lambda functions straight from moto's backends, writes Lambda logs, resets and seeds moto, and
pickles moto's backend registries for durable snapshots. Every such reach is a function here,
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
import functools
import inspect
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
from moto.s3.models import FakeKey, S3Backend, s3_backends
from moto.sagemaker.models import sagemaker_backends

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "ActionResult",
    "BackendDict",
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
    "lambda_function",
    "live_backend_dicts",
    "method_name",
    "put_log_events",
    "reset_backends",
    "restore_backend_dict",
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
_ETAG_MARK = "_gtemu_known_etag"
_SAME_START = 64 * 1024  # bytes compared before the known MD5 stands in for moto's


@contextlib.contextmanager
def request_body_in_file(body: KnownBody) -> Iterator[None]:
    """Run a request through moto knowing its body: an S3 object moto makes from exactly that
    body takes the MD5 gtemu computed while storing it as its ETag, where moto would read the
    whole object again to compute it (about 1.8 s of CPU per GB). A body moto changes first
    (aws-chunked uploads, which boto3 sends with a checksum) has another size and is left to
    moto."""
    if not getattr(S3Backend, _ETAG_MARK, False):
        _take_known_etags()
    token = _REQUEST_BODY.set(body)
    try:
        yield
    finally:
        _REQUEST_BODY.reset(token)


def _take_known_etags() -> None:
    original = S3Backend.put_object
    signature = inspect.signature(original)

    @functools.wraps(original)
    def put_object(self: Any, *args: Any, **kwargs: Any) -> Any:
        known = _REQUEST_BODY.get()
        if known is not None:
            call = signature.bind(self, *args, **kwargs)
            value = call.arguments["value"]
            if (call.arguments.get("etag") is None and call.arguments.get("multipart") is None
                    and isinstance(value, (bytes, bytearray)) and len(value) == known.size
                    and _starts_like(value, known.path)):
                call.arguments["etag"] = known.md5
                return original(*call.args, **call.kwargs)
        return original(self, *args, **kwargs)

    S3Backend.put_object = put_object  # type: ignore[method-assign]
    setattr(S3Backend, _ETAG_MARK, True)


def _starts_like(value: bytes | bytearray, path: Path) -> bool:
    """Whether `value` begins as the file does (equal sizes already hold: the file is the
    request body and the value moto made of it)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(_SAME_START) == bytes(value[:_SAME_START])
    except OSError:
        return False


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
