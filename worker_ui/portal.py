"""The worker portal: sign in, the jobs of my teams, and a queue of task pages (docs/portal.md).

Only members of the job's work team see its tasks (docs/engine.md#task-assignment): a worker signs
in as a Cognito user of the team's user group (worker_ui.cognito), or by name alone where a team's
group has no users yet (a bannered local convenience, off with --strict-sign-in); the engine derives
the `workerId`. The task page is the portal's chrome (title, description, countdown of the time
limit, Decline, Release, Sign out) around a sandboxed iframe that holds the job's template rendered
with the task input (docs/elements.md#page-assembly). The frame posts its answer to
`/tasks/<id>/submit` (docs/elements.md); the engine stores it before the response; the chrome
then loads the next task in place.

Everything talks to the engine through its worker-side interface (docs/interfaces.md).
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from emulator import clock
from emulator.jobs.engine import AnswerRejected, TaskConflict
from emulator.jobs.job import ENDED_STATUSES, IN_PROGRESS
from emulator.state import GroundTruthState
from worker_ui import cognito, security
from worker_ui.hidden_time import HiddenTime
from worker_ui.liquid import TemplateRenderError, render_task, rewrite_crowd_assets
from worker_ui.media import media_url_function
from worker_ui.teams import (
    TeamChoice,
    WorkerJob,
    admits,
    all_teams,
    jobs_of,
    name_only_teams,
    states,
)

EXTENSION_KEY = "gtemu.portal"
CROWD_SCRIPT_URL = "/crowd/crowd-html-elements.js"
MAX_USER_NAME = 128
_USER_NAME = re.compile(r"^[^\s\x00-\x1f\x7f]{1,128}$")
FRAME_SANDBOX = "allow-scripts allow-forms allow-modals allow-popups allow-downloads"
# By default the task frame keeps the portal's origin, so that the browser caches the crowd
# elements between tasks (an opaque origin gets no cache hits). PORTAL_ISOLATED_FRAME=True gives
# it an opaque origin instead: the template's scripts cannot reach the portal, and the frame's
# submit proves itself with its task token alone (docs/portal.md).
SAME_ORIGIN = "allow-same-origin "
DEFAULT_POLL_SECONDS = 2.0
_PENDING_KEY = "new_password_for"  # a sign-in waiting for Cognito's NEW_PASSWORD_REQUIRED

blueprint = Blueprint(
    "portal",
    __name__,
    template_folder="templates",
    static_folder="static/portal",
    static_url_path="/portal/static",
)


class PortalError(Exception):
    """A request the portal refuses: a 4xx with a message (HTML or JSON)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@blueprint.record_once
def _install(state: Any) -> None:
    state.app.extensions[EXTENSION_KEY] = HiddenTime()


@blueprint.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {"csrf_token": security.csrf_token}


def _hidden_time() -> HiddenTime:
    return current_app.extensions[EXTENSION_KEY]


# -- finding things ---------------------------------------------------------------------------


def _job_for(worker: security.SignedIn, account_id: str, region: str, name: str) -> WorkerJob:
    for state in states():
        if (state.account_id, state.region) != (account_id, region):
            continue
        job = state.jobs.find_job(name)
        if job is None:
            break
        if not admits(state, job.workteam_arn, worker):
            raise PortalError(403, f"{worker.user_name} is not a member of the work team of "
                                   f"labeling job {job.name}.")
        identity = state.workforce.worker_identity(job.workteam_arn, worker.user_name)
        return WorkerJob(state, job, identity.worker_id)
    raise PortalError(404, f"No labeling job {name} in account {account_id}, region {region}.")


@dataclass(frozen=True)
class TaskRef:
    state: GroundTruthState
    job: Any
    task: Any


def _find_task(task_id: str) -> TaskRef:
    for state in states():
        task = state.jobs.task(task_id)
        if task is not None:
            job = state.jobs.find_job(task.job_name)
            if job is not None:
                return TaskRef(state, job, task)
    raise PortalError(404, f"No task {task_id}.")


def _own_task(task_id: str, worker: security.SignedIn) -> TaskRef:
    """The task, if it is assigned to this worker in a team that admits them; else 403/404."""
    ref = _find_task(task_id)
    job = ref.job
    if admits(ref.state, job.workteam_arn, worker):
        identity = ref.state.workforce.worker_identity(job.workteam_arn, worker.user_name)
        if identity.worker_id == ref.task.worker_id:
            return ref
    raise PortalError(403, f"Task {task_id} is not assigned to {worker.user_name}.")


def _require_worker() -> security.SignedIn:
    worker = security.signed_in()
    if worker is None:
        raise PortalError(401, "Please sign in first.")
    return worker


# -- views: sign in and out -------------------------------------------------------------------


@blueprint.get("/")
def sign_in_page() -> Response | str:
    if security.signed_in() is not None:
        return redirect(url_for("portal.job_list"))
    return _sign_in_form(all_teams())


def _sign_in_form(teams: list[TeamChoice], error: str | None = None, **values: str) -> str:
    return render_template(
        "portal/signin.html", teams=teams, name_only=name_only_teams(teams),
        strict=cognito.strict(), error=error, user_name=values.get("user_name", ""),
        team=values.get("team", ""))


@blueprint.post("/signin")
def sign_in() -> Response | tuple[str, int]:
    security.require_csrf()
    user_name = request.form.get("user_name", "").strip()
    password = request.form.get("password", "")
    team_arn = request.form.get("team", "").strip()
    teams = all_teams()
    error = _sign_in_error(user_name, password, team_arn, teams)
    if error is not None:
        return _sign_in_form(teams, error, user_name=user_name, team=team_arn), 400
    if not password:
        security.sign_in(user_name, team_arn or None)
        return redirect(url_for("portal.job_list"))
    chosen = [t for t in teams if not team_arn or t.arn == team_arn]
    groups = [group for t in chosen if (group := t.cognito_group()) is not None]
    try:
        outcome = cognito.sign_in(groups, user_name, password)
    except cognito.SignInRefused as refused:
        return _sign_in_form(teams, refused.message, user_name=user_name, team=team_arn), 401
    if isinstance(outcome, cognito.NewPasswordRequired):
        security.end_session()
        session[_PENDING_KEY] = {"group": list(dataclasses.astuple(outcome.group)),
                                 "user": user_name, "session": outcome.session, "team": team_arn}
        return redirect(url_for("portal.new_password_page"))
    security.sign_in(user_name, team_arn or None, outcome.pool_key)
    return redirect(url_for("portal.job_list"))


def _sign_in_error(user_name: str, password: str, team_arn: str,
                   teams: list[TeamChoice]) -> str | None:
    if not user_name:
        return "Please enter your user name."
    if not _USER_NAME.match(user_name):
        return (f"A user name has 1 to {MAX_USER_NAME} characters and no spaces or control "
                "characters.")
    if not teams:
        return ("No work team exists yet. Create one first (aws sagemaker create-workteam, "
                "see docs/portal.md).")
    team = next((t for t in teams if t.arn == team_arn), None)
    if team_arn and team is None:
        return "That work team does not exist (any more)."
    if password:
        return None
    if cognito.strict():
        return "Please enter your password: this gtemu signs in Cognito users only."
    if team is not None:
        if not team.admits(user_name):
            return (f"{user_name} is not a member of the work team {team.name}; a Cognito user "
                    "signs in with their password.")
        return None
    if not any(t.admits(user_name) for t in teams):
        return (f"{user_name} is not a member of any work team that admits names only; a "
                "Cognito user signs in with their password.")
    return None


@blueprint.get("/signin/new-password")
def new_password_page() -> Response | str:
    pending = session.get(_PENDING_KEY)
    if not isinstance(pending, dict):
        return redirect(url_for("portal.sign_in_page"))
    return render_template("portal/new_password.html", user_name=pending.get("user", ""))


@blueprint.post("/signin/new-password")
def new_password() -> Response | tuple[str, int]:
    security.require_csrf()
    pending = session.get(_PENDING_KEY)
    if not isinstance(pending, dict):
        return redirect(url_for("portal.sign_in_page"))
    password = request.form.get("new_password", "")
    again = request.form.get("confirm_password", "")
    user_name = str(pending["user"])
    if password != again:
        error = "The two passwords are not the same."
        return render_template("portal/new_password.html", user_name=user_name,
                               error=error), 400
    challenge = cognito.NewPasswordRequired(cognito.CognitoGroup(*pending["group"]), user_name,
                                            str(pending["session"]))
    try:
        group = cognito.set_new_password(challenge, password)
    except cognito.SignInRefused as refused:
        return render_template("portal/new_password.html", user_name=user_name,
                               error=refused.message), 400
    security.sign_in(user_name, str(pending.get("team") or "") or None, group.pool_key)
    return redirect(url_for("portal.job_list"))


@blueprint.post("/signout")
def sign_out() -> Response:
    security.require_csrf()
    security.sign_out()
    return redirect(url_for("portal.sign_in_page"))


# -- views: jobs and the queue ----------------------------------------------------------------


@blueprint.get("/jobs")
def job_list() -> Response | str:
    worker = security.signed_in()
    if worker is None:
        return redirect(url_for("portal.sign_in_page"))
    rows = [_job_row(item) for item in jobs_of(worker)]
    return render_template("portal/jobs.html", worker=worker, jobs=rows)


def _job_row(item: WorkerJob) -> dict[str, Any]:
    job = item.job
    config = job.describe()["HumanTaskConfig"]
    counters = job.workteam_summary()["LabelCounters"]
    return {
        "name": job.name,
        "title": config.get("TaskTitle", job.name),
        "description": config.get("TaskDescription", ""),
        "status": job.status,
        "remaining": counters["PendingHuman"],
        "total": counters["Total"],
        "worker_id": item.worker_id,
        "account_id": item.state.account_id,
        "region": item.state.region,
        "workable": job.status == IN_PROGRESS,
    }


@blueprint.post("/jobs/<account_id>/<region>/<job_name>/next")
def next_task(account_id: str, region: str, job_name: str) -> Response:
    """Accept the next task of the job (or get back the one the worker holds)."""
    worker = _require_worker()
    security.require_csrf()
    item = _job_for(worker, account_id, region, job_name)
    identity = item.state.workforce.worker_identity(item.job.workteam_arn, worker.user_name)
    task = item.state.jobs.next_task(item.job.name, identity)
    wants_json = _wants_json()
    if task is None:
        message = _no_task_message(item.job)
        flash(message, "info")
        if wants_json:
            return jsonify(task=None, message=message, jobsUrl=url_for("portal.job_list"))
        return redirect(url_for("portal.job_list"))
    if wants_json:
        return jsonify(task=task_view(TaskRef(item.state, item.job, task)))
    return redirect(url_for("portal.task_page", task_id=task.task_id))


def _no_task_message(job: Any) -> str:
    if job.status in ENDED_STATUSES:
        return f"Labeling job {job.name} has ended ({job.status}); it has no more tasks."
    return f"No task of {job.name} is available for you right now. Try again later."


def task_view(ref: TaskRef) -> dict[str, Any]:
    """What the chrome shows and needs for one task (the page's JSON config)."""
    job, task = ref.job, ref.task
    config = job.describe()["HumanTaskConfig"]
    next_url = url_for(
        "portal.next_task",
        account_id=ref.state.account_id,
        region=ref.state.region,
        job_name=job.name,
    )
    return {
        "taskId": task.task_id,
        "jobName": job.name,
        "title": config.get("TaskTitle", job.name),
        "description": config.get("TaskDescription", ""),
        "datasetObjectId": str(task.dataset_object_id),
        "workerId": task.worker_id,
        "state": task.state,
        "timeLimitSeconds": config["TaskTimeLimitInSeconds"],
        "remainingSeconds": _remaining_seconds(task),
        "pageUrl": url_for("portal.task_page", task_id=task.task_id),
        "frameUrl": url_for("portal.task_frame", task_id=task.task_id),
        "statusUrl": url_for("portal.task_status", task_id=task.task_id),
        "hiddenUrl": url_for("portal.task_hidden", task_id=task.task_id),
        "declineUrl": url_for("portal.decline", task_id=task.task_id),
        "releaseUrl": url_for("portal.release", task_id=task.task_id),
        "nextUrl": next_url,
    }


def _remaining_seconds(task: Any) -> float:
    if task.state != "open":
        return 0.0
    return max(0.0, round((task.deadline - clock.now()).total_seconds(), 3))


@blueprint.get("/tasks/<task_id>")
def task_page(task_id: str) -> Response | str:
    worker = security.signed_in()
    if worker is None:
        return redirect(url_for("portal.sign_in_page"))
    ref = _own_task(task_id, worker)
    ref.state.jobs.pump()
    view = task_view(ref)
    poll = float(current_app.config.get("PORTAL_POLL_SECONDS", DEFAULT_POLL_SECONDS))
    return render_template(
        "portal/task.html",
        worker=worker,
        task=view,
        config_json=_script_json({**view, "pollSeconds": poll}),
        sandbox=_frame_sandbox(),
    )


def _frame_sandbox() -> str:
    if current_app.config.get("PORTAL_ISOLATED_FRAME", False):
        return FRAME_SANDBOX
    return SAME_ORIGIN + FRAME_SANDBOX


@blueprint.get("/tasks/<task_id>/frame")
def task_frame(task_id: str) -> Response:
    """The job's template rendered with the task input, for the chrome's iframe."""
    ref = _own_task(task_id, _require_worker())
    task = ref.task
    config = {
        "submitUrl": url_for("portal.submit", task_id=task_id),
        "csrfToken": security.task_token(task_id, task.worker_id),
        "mode": "work",
    }
    try:
        body = render_task(
            task.template,
            task.input,
            media_url=media_url_function(current_app, account_id=ref.state.account_id),
        )
        html = f"<script>window.GTEMU_TASK = {_script_json(config)};</script>\n"
        html += rewrite_crowd_assets(body, CROWD_SCRIPT_URL)
    except TemplateRenderError as error:
        # The object cannot be shown to anyone: it fails
        # (docs/templates.md#render-errors-at-task-time), the worker moves on.
        ref.state.jobs.fail_render(task_id, f"{error.code}: '{error.message}'")
        html = render_template("portal/frame_error.html", message=error.message)
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        f"sandbox {_frame_sandbox()}; frame-ancestors 'self'"
    )
    return response


@blueprint.get("/tasks/<task_id>/status")
def task_status(task_id: str) -> Response:
    ref = _own_task(task_id, _require_worker())
    ref.state.jobs.pump()
    if ref.task.state != "open":
        _hidden_time().pop(task_id)
    response = jsonify(state=ref.task.state, remainingSeconds=_remaining_seconds(ref.task))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/tasks/<task_id>/hidden")
def task_hidden(task_id: str) -> Response:
    """The chrome reports how long the page was hidden, so that `timeSpentInSeconds` excludes
    it (docs/engine.md#answer-times)."""
    ref = _own_task(task_id, _require_worker())
    security.require_csrf()
    body = request.get_json(silent=True)
    seconds = body.get("seconds") if isinstance(body, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds >= 0:
        raise PortalError(400, 'The body must be {"seconds": <a non-negative number>}.')
    elapsed = (clock.now() - ref.task.accepted_at).total_seconds()
    total = _hidden_time().add(task_id, float(seconds), elapsed)
    return jsonify(hiddenSeconds=round(total, 3))


@blueprint.route("/tasks/<task_id>/submit", methods=["POST", "OPTIONS"])
def submit(task_id: str) -> Response | tuple[Response, int]:
    """The frame's post: `taskAnswers=<JSON of [answer]>` and the task token (docs/elements.md)."""
    if request.method == "OPTIONS":
        return _cors(Response(status=204))
    token = request.headers.get(security.CSRF_HEADER) or request.form.get(security.CSRF_FIELD)
    if not token:
        raise security.CsrfError("The request has no CSRF token; reload the task and try again.")
    ref = _find_task(task_id)
    task = ref.task
    worker = security.signed_in()
    identity = _session_identity(ref, worker) if worker is not None else None
    if not security.task_token_matches(token, task_id, task.worker_id) or (
        identity is not None and identity.worker_id != task.worker_id
    ):
        raise PortalError(403, f"Task {task_id} is not assigned to you, or its token is wrong.")
    answer = _parse_task_answers(request.form.get("taskAnswers"))
    elapsed = (clock.now() - task.accepted_at).total_seconds()
    active_seconds = max(0.0, elapsed - _hidden_time().seconds(task_id, elapsed))
    try:
        ref.state.jobs.submit(task_id, task.worker_id, answer, active_seconds=active_seconds)
    except AnswerRejected as error:
        raise PortalError(400, error.message) from None
    except TaskConflict as error:
        raise PortalError(409, error.message) from None
    _hidden_time().pop(task_id)
    reply: dict[str, Any] = {"status": "accepted", "taskId": task_id}
    if identity is not None:
        # Saves the chrome a round trip: the next task comes with the acknowledgement.
        following = ref.state.jobs.next_task(ref.job.name, identity)
        if following is not None:
            reply["next"] = task_view(TaskRef(ref.state, ref.job, following))
    return _cors(jsonify(reply))


def _session_identity(ref: TaskRef, worker: security.SignedIn) -> Any:
    return ref.state.workforce.worker_identity(ref.job.workteam_arn, worker.user_name)


def _parse_task_answers(raw: str | None) -> dict[str, Any]:
    if raw is None:
        raise PortalError(400, 'The post has no "taskAnswers" field.')
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise PortalError(400, f'"taskAnswers" is not valid JSON: {error}.') from None
    except RecursionError:
        raise PortalError(400, '"taskAnswers" is nested too deeply.') from None
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, dict):
        raise PortalError(
            400, '"taskAnswers" must be a JSON array holding one answer object, [{...}].'
        )
    return value


@blueprint.post("/tasks/<task_id>/decline")
def decline(task_id: str) -> Response:
    """Give the task back for good, then go on with the next one."""
    ref = _own_task(task_id, _require_worker())
    security.require_csrf()
    _task_action(ref, "decline")
    flash("You declined the task; you will not be offered that item again.", "info")
    return _next_task_or_list(ref)


@blueprint.post("/tasks/<task_id>/release")
def release(task_id: str) -> Response:
    """Stop and resume later: the task goes back to the queue, not as a decline."""
    ref = _own_task(task_id, _require_worker())
    security.require_csrf()
    _task_action(ref, "release")
    flash("The task went back to the queue. Resume whenever you like.", "info")
    return redirect(url_for("portal.job_list"))


def _task_action(ref: TaskRef, action: str) -> None:
    try:
        getattr(ref.state.jobs, action)(ref.task.task_id, ref.task.worker_id)
    except TaskConflict as error:
        raise PortalError(409, error.message) from None
    _hidden_time().pop(ref.task.task_id)


def _next_task_or_list(ref: TaskRef) -> Response:
    job = ref.job
    identity = ref.state.workforce.worker_identity(job.workteam_arn, _require_worker().user_name)
    task = ref.state.jobs.next_task(job.name, identity)
    if task is None:
        flash(_no_task_message(job), "info")
        return redirect(url_for("portal.job_list"))
    return redirect(url_for("portal.task_page", task_id=task.task_id))


# -- responses ------------------------------------------------------------------------------


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" or request.is_json


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _cors(response: Response) -> Response:
    """The frame's origin is opaque ("null"): allow its requests to the submit endpoint."""
    if request.headers.get("Origin") == "null":
        response.headers["Access-Control-Allow-Origin"] = "null"
        response.headers["Access-Control-Allow-Methods"] = "POST"
        response.headers["Access-Control-Allow-Headers"] = security.CSRF_HEADER
        response.headers["Access-Control-Max-Age"] = "600"
        response.headers["Vary"] = "Origin"
    return response


def _is_api_request() -> bool:
    path = request.path
    return path.endswith(("/submit", "/status", "/hidden")) or _wants_json()


def _error_response(status: int, message: str) -> tuple[Response | str, int]:
    if _is_api_request():
        return _cors(jsonify(message=message)), status
    if status == 401:
        flash(message, "error")
        return redirect(url_for("portal.sign_in_page")), 302
    page = render_template("portal/error.html", status=status, message=message,
                           worker=security.signed_in())
    return page, status


@blueprint.errorhandler(PortalError)
def _portal_error(error: PortalError) -> tuple[Response | str, int]:
    return _error_response(error.status, error.message)


@blueprint.errorhandler(security.CsrfError)
def _csrf_error(error: security.CsrfError) -> tuple[Response | str, int]:
    return _error_response(400, error.message)


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[Response | str, int]:
    return _error_response(error.code or 400, error.description or error.name)


@blueprint.after_request
def _no_framing(response: Response) -> Response:
    """Portal pages may not be framed by other sites (the task frame sets its own policy)."""
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response

