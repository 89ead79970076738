"""timeSpentInSeconds follows the rule docs/workers.md states: the smaller of the seconds from
accepting to submitting and the worker's claimed activeSeconds (when given)."""

from __future__ import annotations

import pytest

ANSWER = {"crowd-image-classifier-multi-select": {"labels": ["cat"]}}


def time_spent_of(gt, job: str) -> dict[str, float]:
    keys = [k for k in gt.output_files(job) if "/worker-response/" in k]
    return {
        answer["workerId"]: answer["timeSpentInSeconds"]
        for key in keys
        for answer in gt.read_json(f"s3://gtemu-test/{key}")["answers"]
    }


@pytest.mark.parametrize(
    ("open_seconds", "active_seconds", "recorded"),
    [
        (0.002, 30, 0.002),  # claims more than the task was open: capped at the open time
        (45, 30, 30),  # claims less: the claim
        (45, None, 45),  # no claim: the open time
    ],
)
def test_time_spent_is_the_smaller_of_open_time_and_the_claim(
    groundtruth, open_seconds, active_seconds, recorded
):
    gt = groundtruth
    gt.create_job("timing", gt.upload_inputs(1), workers_per_object=1)
    task = gt.next_task("timing", "ann")
    gt.advance(open_seconds)
    gt.submit(task, ANSWER, active_seconds=active_seconds)
    gt.advance(60)
    assert time_spent_of(gt, "timing") == {task.worker_id: pytest.approx(recorded, abs=1e-3)}
