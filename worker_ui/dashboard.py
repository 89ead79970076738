"""The job dashboard (`/dashboard/`): every job of the emulator, and a page per job with its
status, counters, progress over time, answers per worker, agreement between workers, the
distribution of consolidated confidences and links to its output files (docs/portal.md).

It reads the job's public description (`LabelingJob.describe()`) and the job's documented output
files in S3 (docs/engine.md#output-layout): worker-response files give the answers, workers and
submission times (docs/engine.md#worker-response-files), consolidation-response files the
consolidated labels and confidences (docs/engine.md#consolidation-response-files). Nothing comes
from engine internals, so the dashboard shows what a user of the real service could compute from the
same files.
A streaming job also shows its SQS queue (the messages waiting in it, as SQS reports them) and
what came in over its input topic.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import combinations
from typing import Any

from flask import Blueprint, Response, current_app, render_template
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from emulator import moto_adapter
from emulator.jobs.s3 import parse_uri
from emulator.jobs.streaming import stream_status
from emulator.state import GroundTruthState, all_states
from worker_ui import charts
from worker_ui.media import signer_of

blueprint = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")

MAX_HEATMAP_WORKERS = 12
MAX_LINKS_PER_FOLDER = 200
_WORKER_RESPONSE = "annotations/worker-response/"
_CONSOLIDATION_RESPONSE = "annotations/consolidated-annotation/consolidation-response/"


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    last_modified: datetime
    body: bytes


@dataclass
class WorkerAnswer:
    dataset_object_id: str
    worker_id: str
    submitted: datetime | None
    labels: frozenset[str] | None  # None: the answer holds no classification output


@dataclass
class JobReport:
    """What the job's output files say."""

    answers: list[WorkerAnswer] = field(default_factory=list)
    consolidated: dict[str, frozenset[str]] = field(default_factory=dict)
    consolidated_at: list[datetime] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    files: list[StoredFile] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


# -- reading the output files ------------------------------------------------------------------


def output_files(account_id: str, output_prefix: str) -> list[StoredFile]:
    """Every object under the job's output prefix (`s3://bucket/path/<job name>`), by key."""
    try:
        bucket_name, prefix = parse_uri(output_prefix.rstrip("/") + "/")
    except ValueError:
        return []
    return [StoredFile(key, stored.size, stored.last_modified, bytes(stored.value))
            for key, stored in moto_adapter.s3_objects(account_id, bucket_name, prefix)]


def answer_labels(content: Any) -> frozenset[str] | None:
    """The labels an answer chose: an element output `{"labels": [...]}` or `{"label": ...}`."""
    if not isinstance(content, dict):
        return None
    for value in content.values():
        if isinstance(value, dict):
            if isinstance(value.get("labels"), list):
                return frozenset(str(label) for label in value["labels"])
            if isinstance(value.get("label"), str):
                return frozenset([value["label"]])
    return None


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%f"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def read_report(account_id: str, output_prefix: str, attribute: str) -> JobReport:
    report = JobReport(files=output_files(account_id, output_prefix))
    base = parse_uri(output_prefix.rstrip("/") + "/")[1]
    for stored in report.files:
        relative = stored.key[len(base):]
        try:
            if relative.startswith(_WORKER_RESPONSE):
                _read_worker_response(report, relative, json.loads(stored.body))
            elif relative.startswith(_CONSOLIDATION_RESPONSE):
                _read_consolidation(report, json.loads(stored.body), attribute, stored)
        except (ValueError, TypeError, AttributeError, KeyError):
            report.unreadable.append(relative)
    report.answers.sort(key=lambda a: a.submitted or datetime.min.replace(tzinfo=timezone.utc))
    return report


def _read_worker_response(report: JobReport, relative: str, document: Any) -> None:
    # annotations/worker-response/iteration-<k>/<datasetObjectId>/<timestamp>.json
    dataset_object_id = relative.split("/")[3]
    for answer in document["answers"]:
        report.answers.append(
            WorkerAnswer(
                dataset_object_id,
                str(answer["workerId"]),
                _parse_time(answer.get("submissionTime")),
                answer_labels(answer.get("answerContent")),
            )
        )


def _read_consolidation(
    report: JobReport, elements: Any, attribute: str, stored: StoredFile
) -> None:
    for element in elements:
        content = element["consolidatedAnnotation"]["content"]
        metadata = content.get(f"{attribute}-metadata") or {}
        value = content.get(attribute)
        labels: frozenset[str] | None = None
        if isinstance(metadata.get("class-map"), dict) and isinstance(value, list):
            labels = frozenset(str(metadata["class-map"].get(str(i), i)) for i in value)
            report.confidences.extend(float(c) for c in metadata.get("confidence-map", {}).values())
        elif "class-name" in metadata:
            labels = frozenset([str(metadata["class-name"])])
            if isinstance(metadata.get("confidence"), int | float):
                report.confidences.append(float(metadata["confidence"]))
        if labels is not None:
            report.consolidated[str(element["datasetObjectId"])] = labels
        moment = _parse_time(metadata.get("creation-date")) or stored.last_modified
        report.consolidated_at.append(moment.replace(tzinfo=moment.tzinfo or timezone.utc))


def label_counts(label_sets: Iterable[frozenset[str] | None]) -> list[tuple[str, float]]:
    """(label, how many of the sets hold it), most frequent first, then by name."""
    counts: Counter[str] = Counter()
    for labels in label_sets:
        counts.update(labels or ())
    return [(label, float(n)) for label, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]


# -- agreement ----------------------------------------------------------------------------------


def jaccard(first: frozenset[str], second: frozenset[str]) -> float:
    if not first and not second:
        return 1.0
    return len(first & second) / len(first | second)


def pairwise_agreement(
    answers: list[WorkerAnswer], workers: list[str]
) -> list[list[float | None]]:
    """Mean Jaccard agreement of each pair of workers over the items both answered."""
    by_object: dict[str, dict[str, frozenset[str]]] = defaultdict(dict)
    for answer in answers:
        if answer.labels is not None:
            by_object[answer.dataset_object_id][answer.worker_id] = answer.labels
    sums: dict[tuple[str, str], list[float]] = defaultdict(list)
    for chosen in by_object.values():
        for first, second in combinations(sorted(chosen), 2):
            score = jaccard(chosen[first], chosen[second])
            sums[(first, second)].append(score)
            sums[(second, first)].append(score)
    matrix: list[list[float | None]] = []
    for row in workers:
        values: list[float | None] = []
        for column in workers:
            scores = sums.get((row, column))
            values.append(1.0 if row == column else (sum(scores) / len(scores) if scores else None))
        matrix.append(values)
    return matrix


def agreement_with_consolidated(report: JobReport) -> dict[str, float]:
    """Per worker: mean Jaccard agreement of their answers with the consolidated labels."""
    scores: dict[str, list[float]] = defaultdict(list)
    for answer in report.answers:
        consolidated = report.consolidated.get(answer.dataset_object_id)
        if answer.labels is not None and consolidated is not None:
            scores[answer.worker_id].append(jaccard(answer.labels, consolidated))
    return {worker: sum(values) / len(values) for worker, values in scores.items()}


# -- views --------------------------------------------------------------------------------------


def _job_rows() -> list[dict[str, Any]]:
    rows = []
    for state in all_states():
        for job in state.jobs.jobs():
            description = job.describe()
            rows.append({
                "name": job.name,
                "account_id": state.account_id,
                "region": state.region,
                "status": description["LabelingJobStatus"],
                "counters": description["LabelCounters"],
                "created": description["CreationTime"],
                "title": description["HumanTaskConfig"].get("TaskTitle", ""),
                "stream": stream_status(job),  # streaming jobs: queue depth, objects received
            })
    return sorted(rows, key=lambda row: row["created"], reverse=True)


@blueprint.get("/")
def index() -> str:
    return render_template("dashboard/index.html", jobs=_job_rows())


def _find(account_id: str, region: str, job_name: str) -> tuple[GroundTruthState, Any]:
    for state in all_states():
        if (state.account_id, state.region) == (account_id, region):
            job = state.jobs.find_job(job_name)
            if job is not None:
                return state, job
    raise NotFound(f"No labeling job {job_name} in account {account_id}, region {region}.")


@blueprint.get("/<account_id>/<region>/<job_name>")
def job_page(account_id: str, region: str, job_name: str) -> str:
    state, job = _find(account_id, region, job_name)
    description = job.describe()
    prefix = description["OutputConfig"]["S3OutputPath"].rstrip("/") + "/" + job.name
    report = read_report(account_id, prefix, description["LabelAttributeName"])
    return render_template(
        "dashboard/job.html",
        job=description,
        account_id=account_id,
        region=region,
        output_prefix=prefix,
        report=report,
        charts=_charts(description, report),
        # With one worker per item there is no pair of answers to agree or disagree.
        show_agreement=description["HumanTaskConfig"]["NumberOfHumanWorkersPerDataObject"] > 1,
        files=_file_links(account_id, prefix, report.files),
        stream=stream_status(job),
    )


def _charts(description: dict[str, Any], report: JobReport) -> dict[str, Markup]:
    counters = description["LabelCounters"]
    per_worker: dict[str, int] = defaultdict(int)
    for answer in report.answers:
        per_worker[answer.worker_id] += 1
    workers = sorted(per_worker, key=lambda w: (-per_worker[w], w))
    answered = [(a.submitted, float(i + 1)) for i, a in enumerate(report.answers) if a.submitted]
    labeled_times = sorted(report.consolidated_at)
    consolidated = [(moment, float(i + 1)) for i, moment in enumerate(labeled_times)]
    with_consolidated = agreement_with_consolidated(report)
    shown = workers[:MAX_HEATMAP_WORKERS]
    answers_per_label = label_counts(a.labels for a in report.answers)
    items_per_label = label_counts(report.consolidated.values())
    return {
        "counters": charts.bar_chart(
            [(name, float(counters[name])) for name in counters],
            title="Label counters",
            label_width=190,
        ),
        "progress": charts.line_chart(
            [charts.Series("answers submitted", answered),
             charts.Series("items consolidated", consolidated)],
            title="Progress over time",
        ),
        "answers_per_label": charts.bar_chart(
            answers_per_label, title="Answers choosing each label"
        ),
        "items_per_label": charts.bar_chart(
            items_per_label, title="Consolidated items with each label"
        ),
        "per_worker": charts.bar_chart(
            [(worker, float(per_worker[worker])) for worker in workers],
            title="Answers per worker",
        ),
        "pairwise": charts.heatmap(
            shown,
            pairwise_agreement(report.answers, shown),
            title="Pairwise agreement between workers (mean Jaccard over shared items)",
        ),
        "with_consolidated": charts.bar_chart(
            [(worker, round(with_consolidated[worker], 3)) for worker in workers
             if worker in with_consolidated],
            title="Agreement of each worker with the consolidated label (mean Jaccard)",
            maximum=1.0,
        ),
        "confidences": charts.histogram(
            report.confidences, title="Consolidated confidences"
        ),
    }


@dataclass
class FileFolder:
    """Output files of one folder (worker responses: one folder per iteration)."""

    name: str
    files: list[dict[str, Any]] = field(default_factory=list)
    more: int = 0  # files not linked, beyond MAX_LINKS_PER_FOLDER


def _folder_of(path: str) -> str:
    parts = path.split("/")
    if path.startswith(_WORKER_RESPONSE):
        return "/".join(parts[:3])  # annotations/worker-response/iteration-<k>
    return "/".join(parts[:-1])


def _file_links(account_id: str, output_prefix: str, files: list[StoredFile]) -> list[FileFolder]:
    """The output files by folder, each with a signed media URL
    (docs/templates.md#media-urls-worker_uimediapy)."""
    signer = signer_of(current_app)
    bucket, base = parse_uri(output_prefix.rstrip("/") + "/")
    folders: dict[str, FileFolder] = {}
    for stored in files:
        path = stored.key[len(base):]
        folder = folders.setdefault(_folder_of(path), FileFolder(_folder_of(path)))
        if len(folder.files) >= MAX_LINKS_PER_FOLDER:
            folder.more += 1
            continue
        folder.files.append({
            "path": path,
            "uri": f"s3://{bucket}/{stored.key}",
            "size": stored.size,
            "url": signer.url_for_object(bucket, stored.key, account_id=account_id),
        })
    return list(folders.values())


@blueprint.after_request
def _no_framing(response: Response) -> Response:
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@blueprint.errorhandler(NotFound)
def _not_found(error: NotFound) -> tuple[str, int]:
    return render_template("dashboard/error.html", message=error.description), 404
