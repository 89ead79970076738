"""Shared pieces of the hostile-input tests: a snapshot of everything a rejection must leave
alone, and the check that a refusal is a clean one."""

from __future__ import annotations

from typing import Any

from consolidation.serialization import dumps


def engine_snapshot(engine: Any) -> str:
    """Every job's status and counters, every task's state and answer, every object's answers,
    and what the jobs wrote: equal snapshots mean nothing changed."""
    jobs = []
    for job in sorted(engine.jobs(), key=lambda job: job.name):
        description = job.describe()
        run = job.run
        tasks = {} if run is None else {
            task_id: [task.worker_id, task.state, task.answer]
            for task_id, task in run.tasks.items()
        }
        objects = [] if run is None else [
            [o.state, [a.worker_id for a in o.answers], sorted(o.open_tasks)] for o in run.objects
        ]
        jobs.append({
            "name": job.name,
            "status": description["LabelingJobStatus"],
            "counters": description["LabelCounters"],
            "tasks": tasks,
            "objects": objects,
        })
    return dumps(jobs)


def s3_snapshot(s3: Any) -> dict[str, str]:
    """Every object of every bucket, by `bucket/key`, with its ETag."""
    listing = {}
    for bucket in s3.list_buckets()["Buckets"]:
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket["Name"]):
            for item in page.get("Contents", []):
                listing[f"{bucket['Name']}/{item['Key']}"] = item["ETag"]
    return listing


def clean_json_refusal(response: Any) -> str | None:
    """Why `response` (a Flask test response) is not a clean refusal: None if it is a 4xx
    with a JSON `message`."""
    if not 400 <= response.status_code < 500:
        return f"HTTP {response.status_code}: {response.get_data(as_text=True)[:300]}"
    body = response.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("message"), str) \
            or not body["message"].strip():
        return f"HTTP {response.status_code} without a JSON message"
    return None
