"""Shared pieces of the hostile-input tests: a snapshot of everything a rejection must leave
alone, and the check that a refusal is a clean one."""

from __future__ import annotations

import json
from dataclasses import dataclass
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


# -- catalogues of hostile input, shared by the tests and benchmarks/reliability.py -----------

# Worker-post bodies that no JSON parser or validator should turn into a server error.
HOSTILE_BODIES = [
    b"[" * 50_000,
    b'{"worker": "ann", "answer": ' + b'{"a":' * 20_000 + b"1" + b"}" * 20_001,
    b'{"worker": "ann", "answer": {"x": {"labels": ["cat"]}}, "activeSeconds": NaN}',
    b'{"worker": "ann", "answer": {"x": {"labels": [1e999]}}}',
    b'{"worker": "\\ud800", "answer": {}}',
    b'{"worker": "ann", "worker": "bob", "answer": {}}',
    b"\xef\xbb\xbf{}",
    b"null",
]

# Templates that loop forever or render gigabytes.
BOMBS = {
    "nested loops": "{% for a in (1..100000) %}{% for b in (1..100000) %}x{% endfor %}{% endfor %}",
    "doubling string": "{% assign s = 'xxxxxxxx' %}"
                       "{% for a in (1..60) %}{% assign s = s | append: s %}{% endfor %}{{ s }}",
    "huge output": "{% for a in (1..100000) %}{{ task.input.taskObject }}"
                   "{{ task.input.taskObject }}{% endfor %}" * 20,
    "slow loop": "{% for b in (1..5000000) %}{% if b == 0 %}{% endif %}{% endfor %}",
}


@dataclass(frozen=True)
class Line:
    """One manifest line and the FailureReason it causes."""

    raw: bytes
    problem: str | None  # the start of the FailureReason this line causes; None: a good line
    blank: bool = False


BAD_MANIFEST_LINES = [
    Line(b'{"source-ref": "s3://gtemu-test/\xff.jpg"}', "The input manifest is not valid UTF-8"),
    Line(b"{not json}", "Line is not a valid JSON object"),
    Line(b'{"source-ref": "s3://gtemu-test/a.jpg"', "Line is not a valid JSON object"),
    Line(b'{"source-ref": NaN}', "Line is not a valid JSON object"),
    Line(b"[1, 2]", "Line is not a valid JSON object"),
    Line(b'"s3://gtemu-test/a.jpg"', "Line is not a valid JSON object"),
    Line(b"null", "Line is not a valid JSON object"),
    Line(b"[" * 100_001, "Line is longer than 100000 characters"),
    Line(b"[" * 50_000, "Line is not a valid JSON object"),
    Line(b'{"$oid": 1, "source-ref": "s3://gtemu-test/a.jpg"}', 'Attribute names cannot begin'),
    Line(json.dumps({"source-ref": "s3://gtemu-test/a.jpg", "pad": "x" * 100_001}).encode(),
         "Line is longer than 100000 characters"),
    Line(json.dumps({"source-ref": "s3://gtemu-test/a.jpg", "pad": "x" * 20_001}).encode(),
         'Attribute "pad" is longer than 20000 characters'),
    Line(b'{"name": "no source"}', 'Line has no "source-ref" or "source" key'),
    Line(b'{"source": "text only"}', 'Line has no "source-ref" key'),
    Line(b'{"source-ref": 5}', '"source-ref" is not an S3 URI'),
    Line(b'{"source-ref": "https://example.com/a.jpg"}', '"source-ref" is not an S3 URI'),
]
