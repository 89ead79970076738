"""Templates that loop forever or render gigabytes: a clear error wherever they are rendered,
and the job and its tasks stay usable (issue 7, item 3)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from emulator.testing import GroundTruth
from worker_ui.app import create_app

from .hostile import BOMBS
from .portal import sign_in, start_task


def _render(gt: GroundTruth, content: str) -> dict:
    return gt.sagemaker.render_ui_template(
        UiTemplate={"Content": content},
        Task={"Input": '{"taskObject": "s3://gtemu-test/images/1.jpg"}'},
        RoleArn="arn:aws:iam::123456789012:role/GroundTruth",
    )


@pytest.mark.parametrize("name", list(BOMBS))
def test_render_ui_template_reports_a_render_limit(groundtruth, name):
    response = _render(groundtruth, BOMBS[name])
    assert response["RenderedContent"] == ""
    [error] = response["Errors"]
    assert error["Code"] == "RenderLimitExceeded"
    assert "limit" in error["Message"] or "larger than" in error["Message"] \
        or "longer than" in error["Message"]


def test_a_template_over_the_size_limit_is_a_validation_error(groundtruth):
    with pytest.raises(ClientError) as caught:
        groundtruth.sagemaker.create_human_task_ui(
            HumanTaskUiName="too-big", UiTemplate={"Content": "x" * 128_001}
        )
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert groundtruth.sagemaker.list_human_task_uis()["HumanTaskUiSummaries"] == []


def test_a_bomb_template_shows_the_worker_an_error_and_fails_the_object_not_the_job(
    groundtruth,
):
    gt = groundtruth
    uris = gt.upload_inputs(2, template=BOMBS["nested loops"])
    gt.create_job("bomb", uris, workers_per_object=1)
    gt.engine.pump()
    assert gt.status("bomb") == "InProgress"
    app = create_app({"SECRET_KEY": "hardening-templates", "PROPAGATE_EXCEPTIONS": False})
    client = app.test_client()
    sign_in(client, "ann")

    for _ in range(2):
        task_id = start_task(client, "bomb")
        frame = client.get(f"/tasks/{task_id}/frame")
        assert frame.status_code == 200
        text = frame.get_data(as_text=True)
        assert "This task cannot be shown" in text and "loop iteration limit" in text
        assert len(text) < 10_000
        assert gt.engine.task(task_id).state != "open"  # the worker is not left holding it

    described = gt.describe("bomb")
    assert described["LabelingJobStatus"] == "Completed"
    assert described["LabelCounters"]["FailedNonRetryableError"] == 2
    for line in gt.output_manifest("bomb"):
        reason = line["bomb-metadata"]["failure-reason"]
        assert reason.startswith("ClientError: Task failed to render: [ RenderLimitExceeded")
