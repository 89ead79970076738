"""One gtemu instance's own state: its clock, ids, Lambda registry, engine factory and UI URL.

Every `GtemuServer` and every `GroundTruth` (the pytest fixture's object) owns a `Runtime`;
two of them in one process do not share their clocks, ids, registered Lambdas or engines.
Code deep inside the emulator (the engine asking for "now", moto's request handlers asking
for the state of an account) finds the runtime it works for with `current()`: the server
activates its runtime around each request and in its pump thread, `GroundTruth` around its
own calls and its boto3 clients' calls, the `groundtruth` fixture for the whole test.

Outside any of these (plain `moto.mock_aws()` with `import emulator`), `current()` answers
the process's default runtime, which is what such code used before runtimes existed. Lambdas
registered there (outside any instance) are seen by every instance, as a fallback after its own.
"""

from __future__ import annotations

import contextlib
import contextvars
import random
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from emulator.clock import Clock, RealClock, VirtualClock

if TYPE_CHECKING:
    from emulator.jobs.engine import JobEngine
    from emulator.workforce import WorkforceModel

T = TypeVar("T")
Handler = Callable[[dict, Any], Any]
EngineFactory = Callable[[str, str, "WorkforceModel"], "JobEngine"]

#: Port 9 (discard) on the loopback interface: nothing listens, nothing leaves the machine.
UNREACHABLE_ENDPOINT = "http://127.0.0.1:9"


class Ids:
    """Random ids that a durable `gtemu serve` can draw again, identically, when it replays its
    journal: in-memory mode draws from an unpredictable seed; the journal re-seeds before
    every recorded change."""

    def __init__(self) -> None:
        self._random = random.Random(secrets.randbits(128))

    def seed(self, value: str) -> None:
        self._random.seed(value)

    def token_hex(self, nbytes: int = 16) -> str:
        return f"{self._random.getrandbits(nbytes * 8):0{nbytes * 2}x}"

    def choice(self, options: Sequence[T]) -> T:
        return self._random.choice(options)


class LambdaRegistry:
    """Python handlers registered with `register_lambda`, by function ARN."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()

    def register(self, arn: str, handler: Handler) -> None:
        if not callable(handler):
            raise TypeError("handler must be callable as handler(event, context)")
        with self._lock:
            self._handlers[arn] = handler

    def unregister(self, arn: str) -> None:
        with self._lock:
            self._handlers.pop(arn, None)

    def get(self, arn: str) -> Handler | None:
        with self._lock:
            return self._handlers.get(arn)

    def arns(self) -> list[str]:
        with self._lock:
            return sorted(self._handlers)


class Runtime:
    """The clock, ids, Lambda registry, engine factory and URLs of one gtemu instance.

    `scope` names the runtime's share of moto's (process-wide) SageMaker backends: each
    account and region holds one gtemu state per scope. A fresh runtime gets a scope of its
    own; a durable server uses a fixed one so that its snapshots find their jobs again.
    """

    def __init__(self, clock: Clock | None = None, *, scope: str | None = None) -> None:
        self.clock: Clock = clock if clock is not None else VirtualClock()
        self.ids = Ids()
        self.lambdas = LambdaRegistry()
        self.scope = scope or f"runtime-{secrets.token_hex(8)}"
        #: Makes each account and region's job engine; None: the plain in-memory `JobEngine`.
        self.engine_factory: EngineFactory | None = None
        #: The worker UI's address (for HumanTaskUi URLs); None without a worker UI.
        self.worker_ui_url: str | None = None
        #: Where Lambda-API functions' AWS SDK is pointed: the server's own endpoint.
        self.lambda_endpoint_url: str | None = None

    def __repr__(self) -> str:
        return f"Runtime({self.scope}, clock={type(self.clock).__name__})"

    @contextlib.contextmanager
    def activated(self) -> Iterator[Runtime]:
        """Make this the runtime `current()` answers in this thread (and context) while the
        block runs."""
        token = _current.set(self)
        try:
            yield self
        finally:
            _reset(token)

    def enter(self) -> contextvars.Token[Runtime]:
        """Make this the current runtime until `leave(token)`: `activated()` split in two, for
        hooks that start and end in different callbacks (a boto3 call's events)."""
        return _current.set(self)

    def leave(self, token: contextvars.Token[Runtime]) -> None:
        _reset(token)

    def activate(self) -> None:
        """Make this the current runtime for the rest of this context (a thread of its own,
        or a test): what `activated()` does without an end."""
        _current.set(self)

    def wsgi(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        """`app` answering every request (and streaming its response) in this runtime."""
        return _ActivatingApp(app, self)

    def lambda_handler(self, arn: str) -> Handler | None:
        """The handler registered for `arn` in this runtime, else one registered outside any
        instance (in the default runtime: a test module's `register_lambda` at import time),
        which every runtime of the process sees."""
        handler = self.lambdas.get(arn)
        if handler is None and self is not _DEFAULT:
            handler = _DEFAULT.lambdas.get(arn)
        return handler

    def make_engine(self, account_id: str, region: str, workforce: WorkforceModel) -> JobEngine:
        from emulator.jobs.engine import JobEngine

        return (self.engine_factory or JobEngine)(account_id, region, workforce)


def real_time_runtime(*, scope: str | None = None) -> Runtime:
    """A runtime on wall-clock time (what `gtemu serve` uses)."""
    return Runtime(RealClock(), scope=scope)


class _ActivatingApp:
    def __init__(self, app: Callable[..., Iterable[bytes]], runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        with self.runtime.activated():
            body = self.app(environ, start_response)
        return _ActivatingBody(body, self.runtime)


class _ActivatingBody:
    """A response body that is produced (streamed) in the runtime of its request."""

    def __init__(self, body: Iterable[bytes], runtime: Runtime) -> None:
        self._body = body
        self._iterator: Iterator[bytes] | None = None
        self._runtime = runtime

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        with self._runtime.activated():
            if self._iterator is None:
                self._iterator = iter(self._body)
            return next(self._iterator)

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            with self._runtime.activated():
                close()


# The process's default runtime answers where no instance activated its own (plain
# `mock_aws()` use). It is created once and never replaced; instances never write to it.
_DEFAULT = Runtime(scope="default")
_current: contextvars.ContextVar[Runtime] = contextvars.ContextVar("gtemu_runtime")


def _reset(token: contextvars.Token[Runtime]) -> None:
    try:
        _current.reset(token)
    except ValueError:  # ended in another context (a test framework's teardown): put it back
        if token.old_value is contextvars.Token.MISSING:
            _current.set(_DEFAULT)
        else:
            _current.set(token.old_value)


def current() -> Runtime:
    """The runtime of the gtemu instance this code runs for (the default one outside any)."""
    return _current.get(_DEFAULT)


def default() -> Runtime:
    return _DEFAULT
