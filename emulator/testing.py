"""The Python API for tests: run Ground Truth labeling jobs to completion inside `mock_aws`.

```python
def test_pipeline(groundtruth):           # the pytest fixture: mock_aws + a virtual clock
    gt = groundtruth
    uris = gt.upload_inputs(["s3://shop/a.jpg", "s3://shop/b.jpg"], labels=["cat", "dog"])
    gt.create_job("animals", uris)        # or your own boto3 create_labeling_job call
    final = gt.complete_job("animals", answer=lambda task_input, worker: {
        "crowd-image-classifier-multi-select": {"labels": ["cat"]}})
    assert final["LabelingJobStatus"] == "Completed"
    assert gt.output_manifest("animals")[0]["animals"] == [0]
```
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from emulator import clock, lambdas, tasktypes
from emulator.jobs.engine import INITIALIZE_SETTLE
from emulator.jobs.job import (
    ENDED_STATUSES,
    IN_PROGRESS,
    INITIALIZING,
    STOPPING,
    TERMINAL_STATUSES,
)
from emulator.jobs.run import BATCH_WAIT, JOB_EXPIRY, Task
from emulator.jobs.s3 import S3Store, parse_uri
from emulator.runtime import Runtime

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_BUCKET = "gtemu-test"
DEFAULT_TEAM = "gtemu-team"
DEFAULT_ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/GroundTruthRole"

AnswerFunction = Callable[[Any, str], dict]


def _in_own_runtime(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: GroundTruth, *args: Any, **kwargs: Any) -> Any:
        with self.runtime.activated():
            return method(self, *args, **kwargs)

    return wrapper


def _methods_in_own_runtime(cls: type) -> type:
    """Class decorator: every public method and property runs in the object's own runtime."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or name == "client":
            continue
        if isinstance(member, property) and member.fget is not None:
            setattr(cls, name, property(_in_own_runtime(member.fget)))
        elif callable(member):
            setattr(cls, name, _in_own_runtime(member))
    return cls


@_methods_in_own_runtime
class GroundTruth:
    """Ground Truth for tests, in this process: create jobs, work their tasks, read outputs.

    Use it inside `moto.mock_aws()` (the `groundtruth` fixture does both) on a virtual clock
    (`advance(seconds)` moves it). Worker names are user names of the job's work team; the
    engine derives their `workerId` (docs/engine.md#worker-identities).

    Each object owns a `Runtime` (`self.runtime`: its virtual clock, ids, registered Lambdas
    and engines). Its methods, and the calls made through its `sagemaker` and `s3` clients,
    run in that runtime, so two objects in one process are independent.
    """

    def __init__(self, region_name: str = "us-east-1", account_id: str = DEFAULT_ACCOUNT, *,
                 runtime: Runtime | None = None) -> None:
        self.region_name = region_name
        self.account_id = account_id
        self.runtime = runtime if runtime is not None else Runtime(clock.VirtualClock())
        self.sagemaker = self.client("sagemaker")
        self.s3 = self.client("s3")

    def client(self, service_name: str, **options: Any) -> Any:
        """A boto3 client whose calls run in this object's runtime."""
        made = boto3.client(service_name, region_name=self.region_name, **options)
        runtime = self.runtime

        def enter(context: dict[str, Any], **_: Any) -> None:
            context["gtemu_runtime_token"] = runtime.enter()

        def leave(context: dict[str, Any], **_: Any) -> None:
            token = context.pop("gtemu_runtime_token", None)
            if token is not None:
                runtime.leave(token)

        made.meta.events.register("before-call.*.*", enter)
        made.meta.events.register("after-call.*.*", leave)
        made.meta.events.register("after-call-error.*.*", leave)
        return made

    # -- the emulator's state ------------------------------------------------------------------

    @property
    def state(self) -> Any:
        from emulator.state import state_for

        return state_for(self.account_id, self.region_name)

    @property
    def engine(self) -> Any:
        return self.state.jobs

    def job(self, job_name: str) -> Any:
        job = self.engine.find_job(job_name)
        if job is None:
            raise KeyError(f"No labeling job named {job_name}.")
        return job

    def describe(self, job_name: str) -> dict[str, Any]:
        """DescribeLabelingJob's response members (no ResponseMetadata)."""
        job = self.job(job_name)
        return job.describe(tags=self.state.workforce.tags_of(job.arn))

    def status(self, job_name: str) -> str:
        return self.job(job_name).describe()["LabelingJobStatus"]

    # -- setting up ----------------------------------------------------------------------------

    def create_work_team(
        self, name: str = DEFAULT_TEAM, members: Sequence[str] | None = None
    ) -> str:
        """A private work team (created once; later calls return its ARN)."""
        workforce = self.state.workforce
        for team in workforce.teams():
            if team.name == name:
                return team.arn
        arn = self.sagemaker.create_workteam(
            WorkteamName=name,
            Description="gtemu test workers",
            MemberDefinitions=[
                {
                    "CognitoMemberDefinition": {
                        "UserPool": f"{self.region_name}_gtemuTest",
                        "UserGroup": name,
                        "ClientId": "gtemutestclient0000000000",
                    }
                }
            ],
        )["WorkteamArn"]
        if members is not None:
            workforce.set_team_members(arn, list(members))
        return arn

    def put_object(self, uri: str, body: str | bytes) -> str:
        """Write `body` to `s3://bucket/key`, creating the bucket if needed; returns the URI."""
        bucket, key = parse_uri(uri)
        data = body.encode("utf-8") if isinstance(body, str) else body
        try:
            self.s3.put_object(Bucket=bucket, Key=key, Body=data)
        except ClientError as error:
            # The bucket is made when S3 says it is missing, rather than asked about before
            # every write (a HeadBucket per write doubled the calls of a test's uploads).
            if error.response.get("Error", {}).get("Code") != "NoSuchBucket":
                raise
            self._create_bucket(bucket)
            self.s3.put_object(Bucket=bucket, Key=key, Body=data)
        return uri

    def upload_inputs(
        self,
        sources: Sequence[str | dict[str, Any]] | int,
        labels: Sequence[str] = ("cat", "dog", "bird"),
        *,
        task_type: str = tasktypes.DEFAULT,
        bucket: str = DEFAULT_BUCKET,
        prefix: str = "input",
        template: str | None = None,
    ) -> dict[str, str]:
        """Manifest, label category file and worker template in S3; returns their URIs.

        `sources` are `source-ref` URIs, whole manifest lines (dicts), or a number of
        made-up image URIs. The template defaults to AWS's built-in one for `task_type`.
        """
        if isinstance(sources, int):
            sources = [f"s3://{bucket}/images/{index:05d}.jpg" for index in range(sources)]
        lines = [
            source if isinstance(source, dict) else _source_line(source, task_type)
            for source in sources
        ]
        manifest = "".join(json.dumps(line) + "\n" for line in lines)
        label_file = json.dumps(
            {"document-version": "2018-11-28", "labels": [{"label": label} for label in labels]}
        )
        base = f"s3://{bucket}/{prefix}"
        return {
            "manifest": self.put_object(f"{base}/manifest.jsonl", manifest),
            "labels": self.put_object(f"{base}/labels.json", label_file),
            "template": self.put_object(
                f"{base}/template.liquid.html", template or builtin_template(task_type)
            ),
            "output": f"s3://{bucket}/output",
        }

    def create_job(
        self,
        job_name: str,
        uris: dict[str, str],
        *,
        task_type: str | None = tasktypes.DEFAULT,
        workteam_arn: str | None = None,
        label_attribute_name: str | None = None,
        workers_per_object: int = 3,
        initialize: bool = True,
        **overrides: Any,
    ) -> str:
        """CreateLabelingJob through boto3 with the built-in Lambdas of `task_type` (or
        `task_type=None` for a job without Lambdas); `overrides` replace top-level members
        (`StoppingConditions=...`) or HumanTaskConfig members (`TaskTimeLimitInSeconds=...`).
        Returns the job ARN once the job's inputs are read (`InProgress`, or `Failed` for bad
        inputs); with `initialize=False` the job is left `Initializing`, as a Describe right
        after CreateLabelingJob shows it, until the next step of the virtual clock."""
        team = workteam_arn or self.create_work_team()
        human_task_config: dict[str, Any] = {
            "WorkteamArn": team,
            "UiConfig": {"UiTemplateS3Uri": uris["template"]},
            "TaskTitle": f"{job_name} task",
            "TaskDescription": "Label the data object",
            "NumberOfHumanWorkersPerDataObject": workers_per_object,
            "TaskTimeLimitInSeconds": 300,
        }
        if task_type is not None:
            functions = builtin_lambda_arns(self.region_name, task_type)
            human_task_config["PreHumanTaskLambdaArn"] = functions["PRE"]
            human_task_config["AnnotationConsolidationConfig"] = {
                "AnnotationConsolidationLambdaArn": functions["ACS"]
            }
        request: dict[str, Any] = {
            "LabelingJobName": job_name,
            "LabelAttributeName": label_attribute_name or job_name.lower(),
            "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": uris["manifest"]}}},
            "OutputConfig": {"S3OutputPath": uris.get("output", f"s3://{DEFAULT_BUCKET}/output")},
            "RoleArn": DEFAULT_ROLE,
            "HumanTaskConfig": human_task_config,
        }
        if "labels" in uris:
            request["LabelCategoryConfigS3Uri"] = uris["labels"]
        for key, value in overrides.items():
            if key in _TOP_LEVEL_MEMBERS:
                request[key] = value
            else:
                human_task_config[key] = value
        arn = self.sagemaker.create_labeling_job(**request)["LabelingJobArn"]
        if initialize:
            self.engine.initialize_now(job_name)
        return arn

    def register_lambda(self, arn: str, handler: lambdas.Handler) -> None:
        """Serve a custom pre-annotation or consolidation Lambda with `handler(event, context)`
        (in this object's runtime only)."""
        self.runtime.lambdas.register(arn, handler)

    # -- working tasks step by step ------------------------------------------------------------

    def next_task(self, job_name: str, worker_id: str) -> Task | None:
        """Accept the next task of the job for the worker (a user name of the job's team)."""
        job = self.job(job_name)
        identity = self.state.workforce.worker_identity(job.workteam_arn, worker_id)
        return self.engine.next_task(job.name, identity)

    def submit(self, task: Task, answer: dict[str, Any], *, active_seconds: float | None = None
               ) -> None:
        """Submit the worker's answer; AnswerRejected if it is not valid for the task."""
        self.engine.submit(task.task_id, task.worker_id, answer, active_seconds=active_seconds)

    def decline(self, task: Task) -> None:
        self.engine.decline(task.task_id, task.worker_id)

    def release(self, task: Task) -> None:
        self.engine.release(task.task_id, task.worker_id)

    def advance(self, seconds: float) -> None:
        """Move the virtual clock on and run what became due (time limits, lifetimes, ...)."""
        self.runtime.clock.advance(seconds)
        self.engine.pump()

    def stop_job(self, job_name: str) -> None:
        self.engine.stop_job(job_name)

    def fail_job(self, job_name: str, reason: str) -> None:
        """End the job as `Failed` with `reason` as its FailureReason."""
        self.engine.fail_job(job_name, reason)

    # -- running a job to its end --------------------------------------------------------------

    def complete_job(
        self,
        job_name: str,
        answer: AnswerFunction | None = None,
        workers: int | Sequence[Any] | None = None,
        seed: int = 0,
    ) -> dict[str, Any]:
        """Work every task of the job until it ends; returns the final Describe.

        `answer(task_input, worker_name) -> answer dict` scripts the answers; otherwise
        `workers` answer: a number of simulated noisy workers (seeded by `seed`), objects
        with `.name` and `.answer(task)`, or worker names (answering with `answer` or the
        default answer). With neither, the job's number of workers per object
        answer it with a deterministic, plausible answer. When nobody can take a task, the
        virtual clock moves on to the next thing due (batch flush, lifetime end).

        A streaming job never ends by itself: for one, this returns (still `InProgress`) once
        every object received so far is finished and no message waits in its queue.
        """
        job = self.job(job_name)
        crowd = self._crowd(job, answer, workers, seed)
        engine, workforce = self.engine, self.state.workforce
        identities = [workforce.worker_identity(job.workteam_arn, w.name) for w in crowd]
        while True:
            engine.pump()
            if job.status in TERMINAL_STATUSES or _stream_drained(job):
                return self.describe(job_name)
            worked = job.status not in ENDED_STATUSES and self._one_round(job, crowd, identities)
            if not worked:
                self._move_to_next_event(job)

    def _one_round(self, job: Any, crowd: Sequence[Any], identities: Sequence[Any]) -> bool:
        worked = False
        for worker, identity in zip(crowd, identities, strict=True):
            task = self.engine.next_task(job.name, identity)
            if task is None:
                continue
            self.engine.submit(task.task_id, task.worker_id, worker.answer(task))
            worked = True
        return worked

    def _move_to_next_event(self, job: Any) -> None:
        if job.status == STOPPING:
            job.describe()  # seen `Stopping`: it settles on the next engine step
            return
        due = _next_due(job)
        if due is None:
            raise RuntimeError(
                f"Labeling job {job.name} is {job.status} and nothing more can happen: "
                "no worker can take a task and nothing is due."
            )
        wait = max((due - clock.now()).total_seconds(), 0.0) + 0.001
        self.advance(wait)

    def _crowd(
        self, job: Any, answer: AnswerFunction | None, workers: int | Sequence[Any] | None,
        seed: int,
    ) -> list[Any]:
        from emulator import simulate

        if isinstance(workers, int) or workers is None:
            count = workers if isinstance(workers, int) else job.workers_per_object
            if answer is None and isinstance(workers, int):
                return list(simulate.simulated_crowd(count, seed=seed))
            names = [f"worker-{index}" for index in range(1, count + 1)]
        else:
            if answer is None and not any(isinstance(worker, str) for worker in workers):
                return list(workers)
            names = [getattr(worker, "name", str(worker)) for worker in workers]
        if answer is None:
            return [DefaultWorker(name, seed) for name in names]
        return [simulate.ScriptedWorker(name, answer) for name in names]

    # -- reading outputs -----------------------------------------------------------------------

    def read_bytes(self, uri: str) -> bytes:
        return S3Store(self.account_id).read(uri)

    def read_text(self, uri: str) -> str:
        return self.read_bytes(uri).decode("utf-8")

    def read_json(self, uri: str) -> Any:
        return json.loads(self.read_text(uri))

    def read_lines(self, uri: str) -> list[dict[str, Any]]:
        """A JSON Lines object (manifests) as a list of dicts."""
        return [json.loads(line) for line in self.read_text(uri).splitlines() if line.strip()]

    def output_manifest(self, job_name: str) -> list[dict[str, Any]]:
        """The job's `output.manifest`, one dict per line."""
        job = self.job(job_name)
        return self.read_lines(job.output_manifest_uri)

    def output_files(self, job_name: str) -> list[str]:
        """Keys of every object the job wrote under its output prefix, sorted."""
        job = self.job(job_name)
        bucket, prefix = parse_uri(job.output_prefix + "/")
        keys: list[str] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(keys)

    def _create_bucket(self, bucket: str) -> None:
        if self.region_name == "us-east-1":
            self.s3.create_bucket(Bucket=bucket)
        else:
            self.s3.create_bucket(
                Bucket=bucket,
                CreateBucketConfiguration={"LocationConstraint": self.region_name},
            )


class DefaultWorker:
    """Answers every task the same deterministic, plausible way: a seeded choice of 1-3 labels
    (one for single-label tasks) per object, the same for every worker; for custom templates a
    perfect answer of each element the registry knows (V2 ranking, Q&A, ...), else `{}`."""

    def __init__(self, name: str, seed: int = 0) -> None:
        self.name = name
        self.seed = seed

    def answer(self, task: Any) -> dict:
        import random

        from emulator import simulate

        registered = simulate.registry_answer(
            task,
            worker_id=self.name,
            rng=random.Random(f"{self.seed}/{task.dataset_object_id}"),
            accuracy=1.0,
            strict=False,
        )
        if registered is not None:
            return registered
        categories = task.categories or (
            task.input.get("labels") if isinstance(task.input, dict) else None
        )
        if not categories:
            return {}
        element = simulate.answer_element_of(task)
        if not element.classifier:  # shapes: the same seeded drawing from every worker
            import numpy as np

            from emulator.elements import SimulatedWorker

            rng = np.random.default_rng(list(f"{self.seed}/{task.dataset_object_id}".encode()))
            worker = SimulatedWorker(rng, 1.0, self.name)
            return simulate.element_answer(task, element, worker)
        truth = simulate.Truth(seed=self.seed)
        labels = truth.labels_for(task, list(categories), multi_label=element.multi_label)
        return element.wrap(labels)


_TOP_LEVEL_MEMBERS = (
    "LabelingJobName",
    "LabelAttributeName",
    "InputConfig",
    "OutputConfig",
    "RoleArn",
    "LabelCategoryConfigS3Uri",
    "StoppingConditions",
    "LabelingJobAlgorithmsConfig",
    "HumanTaskConfig",
    "Tags",
)


def _stream_drained(job: Any) -> bool:
    """A streaming job with nothing left to do until a new message arrives."""
    run = job.run
    if run is None or run.stream is None or job.status != IN_PROGRESS:
        return False
    return (
        run.wave_open == 0
        and not run.pending
        and run.next_queued >= len(run.eligible)
        and run.stream.queue_depth() == 0
    )


def _next_due(job: Any) -> datetime | None:
    """The next moment at which something can happen to the job without a worker."""
    run = job.run
    if job.status == INITIALIZING:
        return job.creation_time + INITIALIZE_SETTLE
    if run is None:
        return None
    candidates: list[datetime] = []
    if run.pending_since is not None:
        candidates.append(run.pending_since + BATCH_WAIT)
    if run.wave_deadline is not None:
        candidates.append(run.wave_deadline)
    open_deadlines = [t.deadline for t in run.open_task_of.values()]
    if open_deadlines:
        candidates.append(min(open_deadlines))
    if not run.inputs.streaming:
        candidates.append(job.creation_time + JOB_EXPIRY)
    now = clock.now()
    future = [moment for moment in candidates if moment >= now]
    return min(future) if future else None


def builtin_lambda_arns(region: str, task_type: str) -> dict[str, str]:
    """The built-in PRE and ACS ARNs of `task_type` in `region`."""
    return tasktypes.builtin_arns(region, task_type)


def builtin_template(task_type: str) -> str:
    """A worker template like AWS's built-in one for `task_type` (the default type's template
    for a type that has none)."""
    task = tasktypes.get(task_type)
    template = task.template if task is not None else None
    return template or tasktypes.TASK_TYPES[tasktypes.DEFAULT].template or ""


def _source_line(source: str, task_type: str) -> dict[str, Any]:
    task = tasktypes.get(task_type)
    return {task.source_key if task is not None and task.source_key else "source-ref": source}


@contextlib.contextmanager
def groundtruth_session(region_name: str = "us-east-1") -> Iterator[GroundTruth]:
    """`moto.mock_aws()` with the Ground Truth operations and a fresh runtime (virtual clock,
    empty Lambda registry), active for the block: what the `groundtruth` pytest fixture
    yields. Code in the block that asks for the current runtime (`emulator.register_lambda`,
    boto3 clients of its own) gets this one."""
    from moto import mock_aws

    import emulator  # noqa: F401  (registers the operations with moto)

    with mock_aws():
        gt = GroundTruth(region_name=region_name)
        with gt.runtime.activated():
            yield gt
