"""The worker token: the credential the workers' JSON API (`/api/v1`) asks of every caller.

`gtemu serve` makes one per state directory (`DIR/worker-token`, readable by its owner only)
and prints it at start; `--ephemeral` servers make one per run. `gtemu work` finds it by itself
in the same state directory, or takes `--token` / `$GTEMU_WORKER_TOKEN`. Clients send it as
`Authorization: Bearer <token>`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TOKEN_FILE = "worker-token"
TOKEN_ENV = "GTEMU_WORKER_TOKEN"


def new_token() -> str:
    # Hex: a URL-safe token starts with "-" one time in 64, and `gtemu work --token -x...`
    # then reads it as a flag; hex is also selected whole by a double click.
    return secrets.token_hex(32)


def token_of_state_dir(state_dir: str | os.PathLike[str], *, create: bool = False) -> str | None:
    """The token kept in `state_dir` (made there, owner-only, if `create` and missing)."""
    path = Path(state_dir) / TOKEN_FILE
    try:
        token = path.read_text().strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    if not create:
        return None
    token = new_token()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(token + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return token


def authorization_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
