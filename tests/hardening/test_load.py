"""Concurrent workers over HTTP: exact counts, no duplicates, no errors (issue 7, item 2)."""

from __future__ import annotations

from .load import problems_of, run_load, summary

OBJECTS = 300
WORKERS = 20


def test_twenty_concurrent_workers_label_every_object_exactly_three_times(gtemu):
    report = run_load(gtemu.ui_url, gtemu.endpoint_url, objects=OBJECTS, workers=WORKERS,
                      job_name="load-small", seed=7, timeout=120,
                      token=gtemu.worker_token)
    problems = problems_of(report, gtemu.endpoint_url)
    lines: list[str] = []
    summary(report, problems, lines.append)
    assert problems == [], "\n".join(lines)
    assert report.accepted == OBJECTS * 3
    assert report.repeats > 0 and report.refused_changes > 0 and report.api_reads > 0
    assert len({worker for _, worker, _ in report.handed}) == WORKERS
