"""The workers' JSON API (`/api/v1/`): list jobs, take the next task, submit, decline, release.

Used by `gtemu work` (simulated workers) and by anyone scripting workers against
`gtemu serve`; docs/workers.md documents it. It talks to the job engine through its worker-side
interface (`state_for(account, region).jobs`), never to moto.

Every error is JSON `{"message": ...}` with a 4xx status; a malformed request changes nothing.
"""

from __future__ import annotations

import functools
import hmac
import math
import re
from datetime import datetime, timezone
from typing import Any

import botocore.session
from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from emulator import tasktypes
from emulator.jobs.engine import AnswerRejected, TaskConflict
from emulator.jobs.job import ENDED_STATUSES
from emulator.jobs.streaming import stream_status
from emulator.simulate import AnswerElement, find_answer_element
from emulator.simulate_elements import crowd_elements, render_page
from emulator.state import find_state

blueprint = Blueprint("worker_api", __name__, url_prefix="/api/v1")

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
MAX_WORKER_NAME = 128
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@blueprint.errorhandler(ApiError)
def _api_error(error: ApiError) -> tuple[Response, int]:
    return jsonify(message=error.message), error.status


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[Response, int]:
    if isinstance(error, RequestEntityTooLarge):
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return jsonify(message=f"The request body is larger than the limit of {limit} bytes."), 413
    return jsonify(message=error.description or error.name), error.code or 400


@blueprint.before_request
def _require_worker_token() -> tuple[Response, int] | None:
    """Every call needs the server's worker token (docs/workers.md): without it anyone who can
    reach the port, or a web page in the user's browser, could act as any worker."""
    expected = current_app.config.get("WORKER_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if expected and scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), str(expected).encode()):
        return None
    message = ("The workers' API needs the worker token of this gtemu serve: send "
               "'Authorization: Bearer <token>' (gtemu serve prints it; gtemu work reads it from "
               "the state directory, or takes --token or $GTEMU_WORKER_TOKEN).")
    if given:
        message = "The worker token is wrong. " + message
    return jsonify(message=message), 401


@blueprint.route("/<path:unknown>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def _unknown_endpoint(unknown: str) -> tuple[Response, int]:
    message = f"No endpoint {request.method} {request.path} (see docs/workers.md)."
    return jsonify(message=message), 404


# -- requests -------------------------------------------------------------------------------


def _body() -> dict[str, Any]:
    if not request.data:
        return {}
    body = request.get_json(force=True, silent=True)  # None also when nested too deeply
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


def _field(body: dict[str, Any], name: str, default: str | None = None) -> str | None:
    value = body.get(name, request.args.get(name, default))
    if value is not None and not isinstance(value, str):
        raise ApiError(400, f'"{name}" must be a string.')
    return value


def _worker_name(body: dict[str, Any]) -> str:
    name = _field(body, "worker")
    if not name or not name.strip():
        raise ApiError(400, 'A "worker" (the worker\'s user name) is required.')
    if len(name) > MAX_WORKER_NAME:
        raise ApiError(400, f'"worker" must be at most {MAX_WORKER_NAME} characters.')
    if not name.isprintable() or _has_surrogate(name):
        raise ApiError(400, '"worker" must be printable Unicode text.')
    return name


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _engine_and_workforce(body: dict[str, Any]) -> tuple[Any, Any] | tuple[None, None]:
    """The engine and workforce of the request's account and region; (None, None) where gtemu
    holds no labeling resources (no engine is made for a look-up)."""
    account = _field(body, "account", DEFAULT_ACCOUNT)
    region = _field(body, "region", DEFAULT_REGION)
    if not _ACCOUNT.match(account or ""):
        raise ApiError(400, f'"account" must be a 12-digit AWS account id, got "{account}".')
    if not _REGION.match(region or ""):
        raise ApiError(400, f'"region" is not an AWS region name: "{region}".')
    if region not in _sagemaker_regions():
        raise ApiError(400, f'"region" {region} has no SageMaker in gtemu.')
    state = find_state(account or "", region or "")
    if state is None:
        return None, None
    return state.jobs, state.workforce


@functools.cache
def _sagemaker_regions() -> frozenset[str]:
    """The regions of SageMaker, from botocore's endpoint data (as moto's backends use)."""
    session = botocore.session.get_session()
    return frozenset(region for partition in session.get_available_partitions()
                     for region in session.get_available_regions("sagemaker", partition))


# -- responses ------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _open_tasks(job: Any) -> list[Any]:
    run = getattr(job, "run", None)
    if run is None:
        return []
    return [task for task in list(run.open_task_of.values()) if task.state == "open"]


def job_listing(job: Any) -> dict[str, Any]:
    """What a worker sees of a job: its task, its state and how much is left."""
    description = job.describe()
    counters = description["LabelCounters"]
    team_counters = job.workteam_summary()["LabelCounters"]
    task_config = description["HumanTaskConfig"]
    listing = {
        "name": job.name,
        "arn": job.arn,
        "status": job.status,
        "title": task_config.get("TaskTitle", ""),
        "description": task_config.get("TaskDescription", ""),
        "workteamArn": job.workteam_arn,
        "workersPerObject": task_config["NumberOfHumanWorkersPerDataObject"],
        "taskTimeLimitInSeconds": task_config["TaskTimeLimitInSeconds"],
        "total": team_counters["Total"],
        "labeled": counters["TotalLabeled"],
        "failed": counters["FailedNonRetryableError"],
        "pending": team_counters["PendingHuman"],
        "creationTime": _iso(job.creation_time),
    }
    # Tasks other workers hold come back to the queue at their time limit: say how many and
    # when the first does, so a worker with nothing to do knows what it is waiting for.
    held = _open_tasks(job)
    listing["heldTasks"] = len(held)
    listing["firstHeldTaskReturns"] = _iso(min(t.deadline for t in held)) if held else None
    if description.get("FailureReason"):
        listing["failureReason"] = description["FailureReason"]
    output = description.get("LabelingJobOutput")
    if output:
        listing["outputDatasetS3Uri"] = output["OutputDatasetS3Uri"]
    stream = stream_status(job)  # streaming jobs: objects received, messages waiting
    if stream is not None:
        listing["stream"] = {"received": stream["received"], "queued": stream["queue_depth"]}
    return listing


def answer_element_for(task: Any, job: Any) -> AnswerElement | None:
    """The crowd element whose answer the task expects, from the template, else the element of
    the job's task type (the catalogue's)."""
    template = task.template
    source = template if isinstance(template, str) else getattr(template, "source", None)
    element = find_answer_element(source)
    if element is not None:
        return element
    task_type = tasktypes.for_job(job.pre_lambda_arn, job.acs_lambda_arn)
    if task_type is None or task_type.element is None:
        return None
    return AnswerElement(task_type.element, task_type.element)


def page_elements_json(task: Any) -> list[dict[str, Any]] | None:
    """The crowd elements of the task's rendered page (tag and attribute values), so that a
    simulated worker can answer any template built from known elements; None for a classifier
    page (answered from `answerElement`) or a page that cannot be rendered."""
    template = task.template
    source = template if isinstance(template, str) else getattr(template, "source", "")
    if find_answer_element(source) is not None:
        return None
    page = render_page(template, task.input)
    return None if page is None else [e.to_json() for e in crowd_elements(page)]


def task_json(task: Any, job: Any, worker_id: str) -> dict[str, Any]:
    element = answer_element_for(task, job)
    body = {
        "taskId": task.task_id,
        "jobName": task.job_name,
        "datasetObjectId": str(task.dataset_object_id),
        "input": task.input,
        "categories": task.categories,
        "deadline": _iso(task.deadline),
        "answerElement": {"tag": element.tag, "name": element.name} if element else None,
        "elements": page_elements_json(task),
        "workerId": worker_id,
    }
    image_size = getattr(task, "image_size", None)
    if image_size:  # box tasks: simulated workers keep their boxes inside the image
        body["imageSize"] = {"width": image_size[0], "height": image_size[1]}
    return body


# -- routes ---------------------------------------------------------------------------------


@blueprint.get("/jobs")
def list_jobs() -> Response:
    """Jobs whose work team lets the worker in, newest first."""
    body: dict[str, Any] = {}
    worker = _worker_name(body)
    engine, workforce = _engine_and_workforce(body)
    if engine is None:
        return jsonify(jobs=[])
    jobs = [job for job in engine.jobs() if workforce.team_allows(job.workteam_arn, worker)]
    jobs.sort(key=lambda job: job.creation_time, reverse=True)
    return jsonify(jobs=[job_listing(job) for job in jobs])


@blueprint.post("/jobs/<job_name>/tasks/next")
def next_task(job_name: str) -> Response | tuple[Response, int] | tuple[str, int]:
    body = _body()
    worker = _worker_name(body)
    engine, workforce = _engine_and_workforce(body)
    job = None if engine is None else engine.find_job(job_name)
    if job is None:
        raise ApiError(404, f"No labeling job named {job_name}.")
    if not workforce.team_allows(job.workteam_arn, worker):
        raise ApiError(403, f"Worker {worker} is not a member of the job's work team.")
    if job.status in ENDED_STATUSES:
        return jsonify(message=f"Labeling job {job.name} has ended.", status=job.status), 410
    identity = workforce.worker_identity(job.workteam_arn, worker)
    task = engine.next_task(job.name, identity)
    if task is None:
        if job.status in ENDED_STATUSES:
            return jsonify(message=f"Labeling job {job.name} has ended.", status=job.status), 410
        return "", 204
    return jsonify(task_json(task, job, identity.worker_id))


def _task_action(task_id: str) -> tuple[dict[str, Any], str, Any]:
    """The request body, the worker's id for this task's team, and the engine."""
    body = _body()
    worker = _worker_name(body)
    engine, workforce = _engine_and_workforce(body)
    if engine is None:
        raise ApiError(404, f"No task {task_id}.")
    task = engine.task(task_id)
    job = engine.find_job(task.job_name) if task is not None else None
    if job is None:
        raise ApiError(404, f"No task {task_id}.")
    return body, workforce.worker_identity(job.workteam_arn, worker).worker_id, engine


@blueprint.post("/tasks/<task_id>/submit")
def submit(task_id: str) -> Response:
    answer = _body().get("answer")
    if not isinstance(answer, dict):
        raise ApiError(400, 'The "answer" must be a JSON object (the crowd-form output).')
    active_seconds = _body().get("activeSeconds")
    if active_seconds is not None and (
        isinstance(active_seconds, bool)
        or not isinstance(active_seconds, int | float)
        or not 0 <= active_seconds < math.inf  # NaN and Infinity are not JSON numbers
    ):
        raise ApiError(400, '"activeSeconds" must be a non-negative number.')
    _, worker_id, engine = _task_action(task_id)
    try:
        engine.submit(task_id, worker_id, answer, active_seconds=active_seconds)
    except AnswerRejected as error:
        raise ApiError(400, error.message) from None
    except TaskConflict as error:
        raise ApiError(409, error.message) from None
    return jsonify(status="accepted")


@blueprint.post("/tasks/<task_id>/decline")
def decline(task_id: str) -> Response:
    return _hand_back(task_id, "decline", "declined")


@blueprint.post("/tasks/<task_id>/release")
def release(task_id: str) -> Response:
    return _hand_back(task_id, "release", "released")


def _hand_back(task_id: str, action: str, status: str) -> Response:
    """Decline or release: the task goes back to the engine (docs/engine.md#task-assignment)."""
    _, worker_id, engine = _task_action(task_id)
    try:
        getattr(engine, action)(task_id, worker_id)
    except TaskConflict as error:
        raise ApiError(409, error.message) from None
    return jsonify(status=status)
