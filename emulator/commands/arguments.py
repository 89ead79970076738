"""Argument types shared by the sub-commands (numbers within a range, ports), with argparse's
errors, and the check that a port is free before a server binds it."""

from __future__ import annotations

import argparse
import errno
import math
import socket
import urllib.parse
from collections.abc import Callable

MAX_PORT = 65535


def int_between(low: int, high: float = math.inf) -> Callable[[str], int]:
    """An argparse `type` for an integer in [low, high]."""

    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            bound = f"at least {low}" if high == math.inf else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value

    return parse


def port(text: str) -> int:
    """An argparse `type` for a TCP port: 0 (any free port) to 65535, checked before binding."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a port number, got {text!r}") from None
    if not 0 <= value <= MAX_PORT:
        raise argparse.ArgumentTypeError(
            f"must be a port between 1 and {MAX_PORT} (or 0 for any free port), got {value}"
        )
    return value


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port (0 is never in use). Bound the way
    the servers bind (SO_REUSEADDR), so a port left in TIME_WAIT does not count as busy."""
    if port == 0:
        return False
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.errno == errno.EADDRINUSE  # other errors are the server's to report
    return False


def http_url(text: str) -> str:
    """An argparse `type` for a server's base URL: http:// or https:// and a host."""
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(
            f"must be a URL such as http://127.0.0.1:8080, got {text!r}"
        )
    return text


def host_problem(host: str) -> str | None:
    """Why no server can listen on `host` (None when one can): not an address of this machine,
    or a name that does not resolve. Checked before binding, because the HTTP server library
    exits the process on such an error with a bare message."""
    try:
        infos = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        return str(getattr(error, "strerror", None) or error)
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(address)
        except OSError as error:
            return error.strerror or str(error)
    return None


def probability(text: str) -> float:
    """An argparse `type` for a number in [0, 1]."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value
