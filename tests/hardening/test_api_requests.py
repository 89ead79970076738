"""Broken request bodies sent straight to the fake AWS endpoint over HTTP: an AWS
ValidationException, never a 500, and no change (issue 7, item 3)."""

from __future__ import annotations

import pytest
import requests

from emulator.commands.demo import clients

OPERATIONS = [
    "CreateLabelingJob", "DescribeLabelingJob", "ListLabelingJobs", "StopLabelingJob",
    "CreateWorkteam", "CreateHumanTaskUi", "RenderUiTemplate",
]
BODIES = [b"[" * 100_000, b"{not json", b'{"a": ' * 5_000 + b"1" + b"}" * 5_000, b"null", b"[]",
          b'{"WorkteamName": "\xff\xfe"}']
HEADERS = {
    "Content-Type": "application/x-amz-json-1.1",
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sagemaker/"
                     "aws4_request, SignedHeaders=host, Signature=0",
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_broken_body_is_a_validation_exception(gtemu, operation):
    sagemaker, _ = clients(gtemu.endpoint_url)
    before = sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]
    for body in BODIES:
        response = requests.post(gtemu.endpoint_url + "/", data=body,
                                 headers={**HEADERS, "X-Amz-Target": f"SageMaker.{operation}"})
        assert response.status_code == 400, (body[:20], response.text[:200])
        error = response.json()
        assert error["__type"] == "ValidationException"
        assert error["Message"] in ("The request body is not valid JSON.",
                                    "The request body must be a JSON object.",
                                    "The request body is not valid UTF-8.")
    assert sagemaker.list_labeling_jobs()["LabelingJobSummaryList"] == before
    assert sagemaker.list_workteams()["Workteams"] == []
