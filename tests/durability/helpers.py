"""Small helpers the durability tests share."""

from __future__ import annotations

from emulator.server import GtemuServer


def worker_headers(server: GtemuServer) -> dict[str, str]:
    """The header that the workers' JSON API (`/api/v1`) requires: the server's worker token."""
    return {"Authorization": f"Bearer {server.worker_token}"}
