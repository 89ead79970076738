"""Many simulated workers at once over the workers' JSON API, and the checks of the outcome.

Used by `test_load.py` (small) and by `benchmarks/reliability.py` (2,000 objects, 50 workers).
Each worker is a thread with its own HTTP session. It takes tasks and answers them; some of its
answers are sent twice in a row (a retry), some twice at the same moment (a double click), and
some are sent again with a different answer (which must be refused with 409 and change nothing).
Meanwhile an AWS API client reads the job over and over.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from emulator.commands.demo import (
    LABEL_ATTRIBUTE,
    clients,
    create_job,
    create_team,
    read_output,
    upload_inputs,
    wait_for_end,
)

ANSWER_ELEMENT = "crowd-image-classifier-multi-select"
RETRY_SHARE = 0.2
DOUBLE_CLICK_SHARE = 0.1
CHANGED_MIND_SHARE = 0.05


@dataclass
class LoadReport:
    job_name: str
    objects: int
    workers: int
    workers_per_object: int
    seconds: float = 0.0
    accepted: int = 0  # answers acknowledged the first time they were sent
    repeats: int = 0  # repeated sends of an acknowledged answer (retries, double clicks)
    refused_changes: int = 0  # different answers for a submitted task, refused with 409
    api_reads: int = 0  # DescribeLabelingJob + ListLabelingJobs pairs made during the run
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    handed: list[tuple[str, str, str]] = field(default_factory=list)  # task, worker, object
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def submissions_per_second(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0

    def note(self, response: requests.Response, expected: tuple[int, ...], what: str) -> bool:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code in expected:
                return True
            self.errors.append(f"{what}: HTTP {response.status_code} {response.text[:200]}")
            return False


def start_job(endpoint: str, job_name: str, objects: int, workers_per_object: int = 3) -> None:
    """A multi-label job over the bundled pictures, all objects in one wave of at most 1,000."""
    sagemaker, s3 = clients(endpoint)
    uris = upload_inputs(s3, objects)
    team = create_team(sagemaker, f"team-{job_name}")
    create_job(sagemaker, uris, team, workers_per_object, job_name=job_name,
               TaskTimeLimitInSeconds=3600)


def run_load(
    ui_url: str,
    endpoint: str,
    *,
    objects: int,
    workers: int,
    job_name: str,
    seed: int = 0,
    timeout: float = 600.0,
    token: str = "",
) -> LoadReport:
    """Create the job, work it with `workers` concurrent workers until it ends."""
    start_job(endpoint, job_name, objects)
    report = LoadReport(job_name, objects, workers, 3)
    deadline = time.monotonic() + timeout
    threads = [
        threading.Thread(
            target=_work,
            args=(ui_url, job_name, f"worker-{index:02d}", random.Random(seed * 1000 + index),
                  report, deadline, token),
            name=f"load-worker-{index}",
        )
        for index in range(workers)
    ]
    done = threading.Event()
    watcher = threading.Thread(target=_watch_counters, args=(endpoint, report, done),
                               name="load-api-client")
    started = time.perf_counter()
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    return report


def _watch_counters(endpoint: str, report: LoadReport, done: threading.Event) -> None:
    """An API client reading the job while the workers work: its counters only grow and never
    pass the number of objects."""
    sagemaker, _ = clients(endpoint)
    labeled = 0
    while not done.wait(0.1):
        try:
            counters = sagemaker.describe_labeling_job(
                LabelingJobName=report.job_name)["LabelCounters"]
            sagemaker.list_labeling_jobs(MaxResults=10)
        except Exception as error:  # any failure of a read is a finding
            with report.lock:
                report.errors.append(f"API client: {type(error).__name__}: {error}")
            return
        now = counters["TotalLabeled"]
        if now < labeled or now > report.objects or counters["FailedNonRetryableError"]:
            with report.lock:
                report.errors.append(f"API client saw counters {counters} after {labeled}")
        labeled = max(labeled, now)
        with report.lock:
            report.api_reads += 1


def _work(
    ui_url: str,
    job_name: str,
    worker: str,
    rng: random.Random,
    report: LoadReport,
    deadline: float,
    token: str,
) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    api = f"{ui_url}/api/v1"
    while time.monotonic() < deadline:
        response = session.post(f"{api}/jobs/{job_name}/tasks/next", json={"worker": worker})
        if not report.note(response, (200, 204, 410), f"{worker} next"):
            return
        if response.status_code == 410:
            return
        if response.status_code == 204:
            time.sleep(0.02)
            continue
        task = response.json()
        with report.lock:
            report.handed.append((task["taskId"], worker, task["datasetObjectId"]))
        _answer(session, api, worker, task, rng, report)
    with report.lock:
        report.errors.append(f"{worker}: the job did not end in time")


def _answer(
    session: requests.Session,
    api: str,
    worker: str,
    task: dict[str, Any],
    rng: random.Random,
    report: LoadReport,
) -> None:
    categories = task["categories"]
    labels = rng.sample(categories, rng.randint(1, 2))
    body = {"worker": worker, "answer": {ANSWER_ELEMENT: {"labels": labels}}}
    url = f"{api}/tasks/{task['taskId']}/submit"

    def send(payload: dict[str, Any] = body) -> requests.Response:
        # A fresh connection per send, so that parallel sends really are parallel.
        return requests.post(url, json=payload, headers=session.headers)

    draw = rng.random()
    if draw < DOUBLE_CLICK_SHARE:
        responses: list[requests.Response] = []
        clicks = [threading.Thread(target=lambda: responses.append(send())) for _ in range(2)]
        for click in clicks:
            click.start()
        for click in clicks:
            click.join()
        if all(report.note(r, (200,), f"{worker} double submit") for r in responses):
            with report.lock:
                report.accepted += 1
                report.repeats += 1
        return
    if not report.note(session.post(url, json=body), (200,), f"{worker} submit"):
        return
    with report.lock:
        report.accepted += 1
    if draw < DOUBLE_CLICK_SHARE + RETRY_SHARE:
        if report.note(session.post(url, json=body), (200,), f"{worker} retried submit"):
            with report.lock:
                report.repeats += 1
    elif draw < DOUBLE_CLICK_SHARE + RETRY_SHARE + CHANGED_MIND_SHARE:
        other = [label for label in categories if label not in labels][:1]
        changed = {"worker": worker, "answer": {ANSWER_ELEMENT: {"labels": other}}}
        if report.note(session.post(url, json=changed), (409,), f"{worker} changed answer"):
            with report.lock:
                report.refused_changes += 1


# -- checks -----------------------------------------------------------------------------------


def problems_of(report: LoadReport, endpoint: str) -> list[str]:
    """Everything that is not as it must be after the run; empty when all is well."""
    problems = list(report.errors)
    if any(status >= 500 for status in report.statuses):
        problems.append(f"server errors: {dict(report.statuses)}")
    sagemaker, s3 = clients(endpoint)
    described = wait_for_end(sagemaker, report.job_name, timeout=60)
    problems += _check_description(described, report)
    problems += _check_hand_outs(report)
    output = described.get("LabelingJobOutput", {}).get("OutputDatasetS3Uri")
    if output is None:
        return problems + ["the job has no output manifest"]
    prefix = output.rsplit("/manifests/", 1)[0]
    problems += _check_worker_responses(s3, prefix, report)
    problems += _check_consolidation(s3, prefix, report)
    problems += _check_output_manifest(s3, output, report)
    return problems


def _check_description(described: dict[str, Any], report: LoadReport) -> list[str]:
    counters = described["LabelCounters"]
    expected = {
        "TotalLabeled": report.objects,
        "HumanLabeled": report.objects,
        "MachineLabeled": 0,
        "FailedNonRetryableError": 0,
        "Unlabeled": 0,
    }
    problems = []
    if described["LabelingJobStatus"] != "Completed":
        problems.append(f"job status {described['LabelingJobStatus']}")
    if counters != expected:
        problems.append(f"label counters {counters}, expected {expected}")
    return problems


def _check_hand_outs(report: LoadReport) -> list[str]:
    problems = []
    holders: dict[str, set[str]] = defaultdict(set)
    for task_id, worker, _ in report.handed:
        holders[task_id].add(worker)
    shared = [task_id for task_id, workers in holders.items() if len(workers) > 1]
    if shared:
        problems.append(f"{len(shared)} tasks were handed to more than one worker")
    pairs = Counter((worker, obj) for task_id, worker, obj in set(report.handed))
    again = [pair for pair, count in pairs.items() if count > 1]
    if again:
        problems.append(f"{len(again)} objects were handed twice to the same worker")
    expected = report.objects * report.workers_per_object
    if report.accepted != expected:
        problems.append(f"{report.accepted} answers acknowledged, expected {expected}")
    return problems


def _keys(s3: Any, uri_prefix: str) -> list[str]:
    bucket, prefix = uri_prefix.removeprefix("s3://").split("/", 1)
    paginator = s3.get_paginator("list_objects_v2")
    return [
        item["Key"]
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
        for item in page.get("Contents", [])
    ]


def _read_json(s3: Any, bucket: str, key: str) -> Any:
    import json

    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def _check_worker_responses(s3: Any, prefix: str, report: LoadReport) -> list[str]:
    bucket = prefix.removeprefix("s3://").split("/", 1)[0]
    keys = _keys(s3, f"{prefix}/annotations/worker-response/")
    by_object: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        by_object[key.split("/")[-2]].append(key)
    problems = []
    if len(by_object) != report.objects:
        problems.append(f"worker responses for {len(by_object)} objects, not {report.objects}")
    for obj, files in by_object.items():
        if len(files) != 1:
            problems.append(f"object {obj}: {len(files)} worker-response files")
            continue
        workers = [a["workerId"] for a in _read_json(s3, bucket, files[0])["answers"]]
        if len(workers) != report.workers_per_object or len(set(workers)) != len(workers):
            problems.append(f"object {obj}: answers by {workers}")
    return problems


def _check_consolidation(s3: Any, prefix: str, report: LoadReport) -> list[str]:
    bucket = prefix.removeprefix("s3://").split("/", 1)[0]
    base = f"{prefix}/annotations/consolidated-annotation"
    requests_ = _keys(s3, f"{base}/consolidation-request/")
    responses = _keys(s3, f"{base}/consolidation-response/")
    consolidated = Counter(
        str(item["datasetObjectId"])
        for key in requests_
        for item in _read_json(s3, bucket, key)
    )
    problems = []
    if len(requests_) != len(responses):
        problems.append(f"{len(requests_)} consolidation requests, {len(responses)} responses")
    twice = [obj for obj, count in consolidated.items() if count > 1]
    if twice:
        problems.append(f"{len(twice)} objects were consolidated more than once")
    if len(consolidated) != report.objects:
        problems.append(f"{len(consolidated)} objects consolidated, not {report.objects}")
    return problems


def _check_output_manifest(s3: Any, uri: str, report: LoadReport) -> list[str]:
    lines = read_output(s3, uri)
    labeled = [
        line for line in lines
        if LABEL_ATTRIBUTE in line and "failure-reason" not in line[f"{LABEL_ATTRIBUTE}-metadata"]
    ]
    if len(lines) != report.objects or len(labeled) != report.objects:
        return [f"output manifest: {len(lines)} lines, {len(labeled)} labeled"]
    return []


def summary(report: LoadReport, problems: list[str], out: Callable[[str], Any] = print) -> None:
    out(f"{report.objects} objects x {report.workers_per_object} answers, "
        f"{report.workers} concurrent workers: {report.accepted} answers in "
        f"{report.seconds:.1f} s = {report.submissions_per_second:.0f} submissions/s")
    out(f"  repeated sends acknowledged idempotently: {report.repeats}; "
        f"changed answers refused (409): {report.refused_changes}")
    out(f"  HTTP statuses: {dict(sorted(report.statuses.items()))}; "
        f"API reads alongside: {report.api_reads}")
    out(f"  problems: {len(problems)}" + "".join(f"\n    - {p}" for p in problems))
