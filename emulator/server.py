"""`GtemuServer`: moto's server with the Ground Truth operations, the worker UI, and a pump.

Used by `gtemu serve`, and by tests and other commands that want the whole emulator on real
ports, in-process:

    with GtemuServer(port=0, ui_port=0) as server:
        boto3.client("sagemaker", endpoint_url=server.endpoint_url, ...)
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

import emulator  # noqa: F401  (registers the operations with moto)
from emulator import moto_adapter
from emulator.api.wsgi import RejectUndecodableBodies
from emulator.clock import Clock, RealClock
from emulator.local_guard import LocalRequestGuard, host_names
from emulator.runtime import Runtime
from emulator.state import all_states
from emulator.worker_token import new_token, token_of_state_dir

logger = logging.getLogger(__name__)

PUMP_INTERVAL_SECONDS = 0.2
# How often a server's loop looks whether `shutdown()` was asked for (werkzeug's default: 0.5 s).
SHUTDOWN_POLL_SECONDS = 0.05


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class GtemuServer:
    """The fake AWS endpoint (SageMaker with Ground Truth, S3, ...) and the worker UI.

    Port 0 picks a free port; read `port` / `ui_port` after `start()`. `ui_port=None` runs
    no worker UI. While running, the server's clock is real time and a background thread
    advances every labeling job (`pump()`) every `pump_interval` seconds.

    Each server owns a `Runtime` (`self.runtime`: its clock, ids, registered Lambdas, engines
    and URLs), active in its request and pump threads; two servers in one process keep their
    jobs apart (moto's own resources, such as S3 buckets, stay process-wide).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 5000,
        ui_port: int | None = 8080,
        *,
        pump_interval: float = PUMP_INTERVAL_SECONDS,
        ui_config: dict[str, Any] | None = None,
        state_dir: str | Path | None = None,
        recover: bool = False,
        snapshot_every: int | None | str = "default",
    ) -> None:
        self.host = host
        self._requested_port = port
        self._requested_ui_port = ui_port
        self.pump_interval = pump_interval
        self.ui_config = dict(ui_config or {})
        self._aws_server: BaseWSGIServer | None = None
        self._ui_server: BaseWSGIServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.state_dir = None if state_dir is None else Path(state_dir)
        # A durable server's state is found again by its scope after a restart.
        self.runtime = Runtime(RealClock(), scope=None if state_dir is None else "state-dir")
        self._durability: Any = None
        self.recover = recover  # set damaged state aside instead of refusing to start
        self._snapshot_every = snapshot_every
        self.replayed_changes = 0  # with a state directory: changes replayed at start
        self.replay_seconds = 0.0
        self.worker_token: str | None = None  # the credential of the workers' /api/v1
        self._host_names = host_names(host)  # the Host names both ports answer

    # Addresses

    @property
    def port(self) -> int:
        if self._aws_server is None:
            raise RuntimeError("the server is not running; call start() first")
        return int(self._aws_server.server_address[1])

    @property
    def ui_port(self) -> int | None:
        return None if self._ui_server is None else int(self._ui_server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        return _url(self.host, self.port)

    @property
    def ui_url(self) -> str | None:
        port = self.ui_port
        return None if port is None else _url(self.host, port)

    def environment(self, region: str = "us-east-1") -> dict[str, str]:
        """The environment variables that point AWS SDKs and the AWS CLI at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": region,
        }

    def _own_origins(self) -> set[str]:
        """The origins of gtemu's own pages (the only ones allowed to change state)."""
        ports = [server.server_address[1] for server in (self._aws_server, self._ui_server)
                 if server is not None]
        return {f"http://{name}:{port}" for name in self._host_names for port in ports}

    # Life cycle

    def start(self) -> GtemuServer:
        self._stopping.clear()
        with self.runtime.activated():
            self._start()
        return self

    def _start(self) -> None:
        try:
            aws_app: Any = moto_adapter.aws_wsgi_app()
            if self.state_dir is not None:
                aws_app = self._open_state_dir(aws_app)
            aws_app = self.runtime.wsgi(LocalRequestGuard(
                RejectUndecodableBodies(aws_app), self._host_names, self._own_origins,
                port_kind="aws"))
            self._aws_server = make_server(self.host, self._requested_port, aws_app, threaded=True)
            self._serve_in_thread(self._aws_server, "gtemu-aws")
            # Lambda-API functions run by jobs call back into this server (their AWS SDK).
            self.runtime.lambda_endpoint_url = self.endpoint_url
            if self._requested_ui_port is not None:
                self._start_worker_ui()
        except BaseException:
            self.stop()
            raise
        pump = threading.Thread(target=self._pump_forever, name="gtemu-pump", daemon=True)
        pump.start()
        self._threads.append(pump)

    def _open_state_dir(self, aws_app: Any) -> Any:
        from emulator.durable import open_state_dir
        from emulator.journaling_app import JournalingApp

        options: dict[str, Any] = {"recover": self.recover}
        if self._snapshot_every != "default":
            options["snapshot_every"] = self._snapshot_every
        durability, self.replayed_changes, self.replay_seconds = open_state_dir(
            self.state_dir, aws_app, install_clock=self._install_clock, **options
        )
        self._durability = durability
        self.ui_config.setdefault("SECRET_KEY", durability.ui_secret_key)
        return JournalingApp(aws_app, durability)

    @staticmethod
    def _stored_token(state_dir: Path) -> str:
        from emulator.store import StateDirError, os_error_message

        try:
            token = token_of_state_dir(state_dir, create=True)
        except OSError as error:
            raise StateDirError(os_error_message(state_dir, error)) from None
        assert token is not None
        return token

    def _install_clock(self, clock: Clock) -> None:
        self.runtime.clock = clock

    def _start_worker_ui(self) -> None:
        from worker_ui.app import create_app

        if "WORKER_TOKEN" not in self.ui_config:
            self.ui_config["WORKER_TOKEN"] = (
                new_token() if self.state_dir is None else self._stored_token(self.state_dir))
        self.worker_token = self.ui_config["WORKER_TOKEN"]
        config = {"AWS_ENDPOINT_URL": self.endpoint_url, **self.ui_config}
        app = create_app(config)
        assert self._requested_ui_port is not None
        guarded = self.runtime.wsgi(
            LocalRequestGuard(app, self._host_names, self._own_origins, port_kind="ui"))
        self._ui_server = make_server(self.host, self._requested_ui_port, guarded, threaded=True)
        self._serve_in_thread(self._ui_server, "gtemu-worker-ui")
        self.runtime.worker_ui_url = self.ui_url

    def _serve_in_thread(self, server: BaseWSGIServer, name: str) -> None:
        # `shutdown()` waits for the loop to look at its flag: every 0.05 s instead of the
        # default 0.5 s, so stopping both servers takes a tenth of a second, not a second.
        thread = threading.Thread(target=server.serve_forever, args=(SHUTDOWN_POLL_SECONDS,),
                                  name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _pump_forever(self) -> None:
        self.runtime.activate()  # this thread works for this server only
        while not self._stopping.wait(self.pump_interval):
            for state in list(all_states()):
                try:
                    state.jobs.pump()
                except Exception:  # one broken job must not stop the others' clocks
                    logger.exception("pumping labeling jobs of %s failed", state.region)
            if self._durability is not None:
                self._durability.snapshot_if_due()

    @property
    def set_aside(self) -> list[Path]:
        """What `recover` moved aside at start (damaged snapshots, journal entries)."""
        return [] if self._durability is None else list(self._durability.set_aside)

    def snapshot(self) -> None:
        """Write a snapshot of the state now (and compact the journal); needs a state dir."""
        if self._durability is None:
            raise RuntimeError("this server keeps no state directory")
        with self.runtime.activated():
            self._durability.snapshot()

    def stop(self) -> None:
        self._stopping.set()
        for server in (self._ui_server, self._aws_server):
            if server is not None:
                server.shutdown()
                server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        self._aws_server = self._ui_server = None
        self.runtime.worker_ui_url = None
        self.runtime.lambda_endpoint_url = None
        if self._durability is not None:
            from emulator.durable import close_state_dir

            with self.runtime.activated():
                close_state_dir(self._durability, snapshot=True)
            self._durability = None
        # What this server held is gone with it: kept in the journal (durable) or nowhere
        # (ephemeral), so the next server of the process starts from nothing either way.
        # moto's backends are process-wide: this empties them for every instance.
        moto_adapter.reset_backends()

    def __enter__(self) -> GtemuServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
