"""NaN, Infinity and -Infinity inside an answer posted to the worker API are refused with a
clear 400: output files must stay strict JSON."""

from __future__ import annotations

import pytest

from .test_worker_api import MULTI, app, aws, client, make_job, take  # noqa: F401  (fixtures)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_in_a_posted_answer_are_refused(aws, client, literal):  # noqa: F811
    job = make_job(aws, objects=1, workers=1)
    task = take(client, job, "ann").get_json()
    answer = f'{{"{MULTI}": {{"labels": ["circle"], "score": {literal}}}}}'
    body = f'{{"worker": "ann", "answer": {answer}}}'
    response = client.post(f"/api/v1/tasks/{task['taskId']}/submit", data=body,
                           content_type="application/json")
    assert response.status_code == 400
    assert "NaN or Infinity" in response.get_json()["message"]
    accepted = client.post(f"/api/v1/tasks/{task['taskId']}/submit",
                           json={"worker": "ann", "answer": {MULTI: {"labels": ["circle"]}}})
    assert accepted.status_code == 200
