"""How fast the Ground Truth API answers, in-process under mock_aws and over HTTP.

    python benchmarks/api_speed.py [--jobs N]

Measures the model-driven validation of a full CreateLabelingJob request alone, then
CreateLabelingJob, DescribeLabelingJob and a full ListLabelingJobs walk (boto3 paginator, page
size 100) with N jobs, in-process and against `GtemuServer`. Prints medians and 95th percentiles.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import boto3
from moto import mock_aws

from emulator.server import GtemuServer
from emulator.validation import validate_request

ROLE = "arn:aws:iam::123456789012:role/GroundTruthRole"
MEMBER = {"CognitoMemberDefinition": {"UserPool": "us-east-1_p", "UserGroup": "g", "ClientId": "c"}}


def request(name: str, team_arn: str) -> dict:
    return {
        "LabelingJobName": name,
        "LabelAttributeName": "shapes",
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://b/in.manifest"}}},
        "OutputConfig": {"S3OutputPath": "s3://b/out"},
        "RoleArn": ROLE,
        "LabelCategoryConfigS3Uri": "s3://b/labels.json",
        "HumanTaskConfig": {
            "WorkteamArn": team_arn,
            "UiConfig": {"UiTemplateS3Uri": "s3://b/template.html"},
            "PreHumanTaskLambdaArn": (
                "arn:aws:lambda:us-east-1:432418664414:function:PRE-ImageMultiClassMultiLabel"
            ),
            "TaskKeywords": ["Images", "classification"],
            "TaskTitle": "Shapes",
            "TaskDescription": "Select every label that applies",
            "NumberOfHumanWorkersPerDataObject": 3,
            "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": (
                    "arn:aws:lambda:us-east-1:432418664414:function:ACS-ImageMultiClassMultiLabel"
                )
            },
        },
        "Tags": [{"Key": "project", "Value": "shapes"}],
    }


def time_each(action: Callable[[int], object], count: int) -> list[float]:
    samples = []
    for index in range(count):
        started = time.perf_counter()
        action(index)
        samples.append(time.perf_counter() - started)
    return samples


def report(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(
        f"{label:<48} median {statistics.median(ordered) * 1e3:8.2f} ms   p95 {p95 * 1e3:8.2f} ms"
    )


def measure(label: str, sm, jobs: int) -> None:
    team = sm.create_workteam(
        WorkteamName=f"team-{label}", MemberDefinitions=[MEMBER], Description="d"
    )
    team_arn = team["WorkteamArn"]
    report(
        f"{label}: CreateLabelingJob",
        time_each(lambda i: sm.create_labeling_job(**request(f"{label}-{i}", team_arn)), jobs),
    )
    report(
        f"{label}: DescribeLabelingJob",
        time_each(lambda i: sm.describe_labeling_job(LabelingJobName=f"{label}-{i}"), jobs),
    )
    paginator = sm.get_paginator("list_labeling_jobs")

    def walk(_: int) -> None:
        pages = paginator.paginate(PaginationConfig={"PageSize": 100})
        assert sum(len(page["LabelingJobSummaryList"]) for page in pages) >= jobs

    report(f"{label}: ListLabelingJobs, all {jobs} jobs", time_each(walk, 10))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300)
    args = parser.parse_args()
    body = request(
        "validation-only", "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/t"
    )
    report(
        "validate_request(CreateLabelingJob)",
        time_each(lambda _: validate_request("CreateLabelingJob", body), 2000),
    )
    with mock_aws():
        measure("in-process", boto3.client("sagemaker", region_name="us-east-1"), args.jobs)
    with GtemuServer(port=0, ui_port=None) as server:
        client = boto3.client(
            "sagemaker",
            endpoint_url=server.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        measure("server", client, args.jobs)


if __name__ == "__main__":
    main()
