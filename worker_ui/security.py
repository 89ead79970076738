"""The worker side's guards: CSRF tokens, the signed-in worker, per-task submit tokens.

- Every state-changing request of the portal carries the session's CSRF token, as the form
  field `csrf_token` or the header `X-CSRFToken`; `require_csrf()` refuses it otherwise (400).
- The session (Flask's signed cookie, `HttpOnly`, `SameSite=Lax`, see `worker_ui.app`) holds
  who signed in: a user name, how (a Cognito user with a password, or a name only), optionally
  the one work team they chose, and a session id that the server keeps while the session lives.
  Signing out forgets the id on the server, so a copy of the old cookie no longer signs anyone
  in (nor does any cookie from before a restart of the worker UI).
- The task page runs in a sandboxed iframe with an opaque origin, so its submit carries no
  cookie; it proves itself with a task token instead: an HMAC of the task id and the worker id,
  given only to the frame of the worker the task is assigned to.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass

from flask import current_app, request, session
from werkzeug.exceptions import BadRequest

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRFToken"
_CSRF_KEY = "csrf"
_USER_KEY = "worker"
_TEAM_KEY = "team"
_SESSION_ID_KEY = "sid"
_COGNITO_KEY = "cognito"
_LIVE_SESSIONS = "gtemu.sessions"


class CsrfError(BadRequest):
    """A state-changing request without the right CSRF token."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SignedIn:
    """The worker of this session: a user name, the team chosen at sign-in (None: every team
    that admits them), and for a Cognito user the pool they signed in to:
    `(account, region, user pool id)` (None: signed in by name only)."""

    user_name: str
    team_arn: str | None
    cognito_pool: tuple[str, str, str] | None = None


class LiveSessions:
    """The session ids the server has handed out and not yet ended (one set per app)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[str] = set()

    def start(self) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            self._ids.add(session_id)
        return session_id

    def live(self, session_id: object) -> bool:
        with self._lock:
            return isinstance(session_id, str) and session_id in self._ids

    def end(self, session_id: object) -> None:
        with self._lock:
            self._ids.discard(session_id)  # type: ignore[arg-type]


def _live_sessions() -> LiveSessions:
    return current_app.extensions.setdefault(_LIVE_SESSIONS, LiveSessions())


def csrf_token() -> str:
    """The session's CSRF token (made on first use)."""
    token = session.get(_CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[_CSRF_KEY] = token
    return token


def require_csrf() -> None:
    """Raise CsrfError unless the request carries the session's CSRF token."""
    expected = session.get(_CSRF_KEY)
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    if not given:
        raise CsrfError("The request has no CSRF token; reload the page and try again.")
    if not expected or not hmac.compare_digest(str(given), str(expected)):
        raise CsrfError(
            "The CSRF token does not match this session (signed out or expired); "
            "reload the page and try again."
        )


def signed_in() -> SignedIn | None:
    user_name = session.get(_USER_KEY)
    if not isinstance(user_name, str) or not user_name:
        return None
    if not _live_sessions().live(session.get(_SESSION_ID_KEY)):
        return None  # signed out (or the server restarted): the cookie is worth nothing now
    team = session.get(_TEAM_KEY)
    pool = session.get(_COGNITO_KEY)
    cognito = tuple(pool) if isinstance(pool, list) and len(pool) == 3 else None
    return SignedIn(user_name, team if isinstance(team, str) and team else None,
                    cognito)  # type: ignore[arg-type]


def sign_in(user_name: str, team_arn: str | None,
            cognito_pool: tuple[str, str, str] | None = None) -> None:
    """Start a fresh session (a new CSRF token too, so no token survives the sign-in)."""
    end_session()
    session[_USER_KEY] = user_name
    session[_TEAM_KEY] = team_arn or ""
    if cognito_pool is not None:
        session[_COGNITO_KEY] = list(cognito_pool)
    session[_SESSION_ID_KEY] = _live_sessions().start()
    session[_CSRF_KEY] = secrets.token_urlsafe(32)


def end_session() -> None:
    """Forget the session here and on the server."""
    _live_sessions().end(session.get(_SESSION_ID_KEY))
    session.clear()


def sign_out() -> None:
    end_session()


def _task_key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret_bytes = secret.encode() if isinstance(secret, str) else secret
    return hashlib.sha256(b"gtemu task token\0" + secret_bytes).digest()


def task_token(task_id: str, worker_id: str) -> str:
    """The token that lets the frame of `task_id` submit for `worker_id`."""
    message = f"{task_id}\0{worker_id}".encode()
    return hmac.new(_task_key(), message, hashlib.sha256).hexdigest()


def task_token_matches(token: str | None, task_id: str, worker_id: str) -> bool:
    if not token:
        return False
    return hmac.compare_digest(str(token), task_token(task_id, worker_id))
