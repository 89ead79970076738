"""Fixtures of the SageMaker API tests: boto3 clients under `mock_aws`, a work team and real
inputs in moto's S3."""

from __future__ import annotations

import json
from importlib import resources

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from moto import mock_aws

from .helpers import BUCKET, REGION, create_team


@pytest.fixture
def aws():
    with mock_aws():
        yield


@pytest.fixture
def sm(aws) -> BaseClient:
    return boto3.client("sagemaker", region_name=REGION)


@pytest.fixture
def raw_sm(aws) -> BaseClient:
    """A client that skips botocore's own checks, so the server's validation answers."""
    return boto3.client("sagemaker", region_name=REGION, config=Config(parameter_validation=False))


@pytest.fixture
def s3(aws) -> BaseClient:
    return boto3.client("s3", region_name=REGION)


@pytest.fixture
def team_arn(sm) -> str:
    return create_team(sm, "labelers")


@pytest.fixture
def inputs(s3) -> dict[str, str]:
    """A one-image manifest, a label file and the multi-label template in moto's S3."""
    s3.create_bucket(Bucket=BUCKET)
    fixtures = resources.files("gtemu_fixtures")
    image = fixtures.joinpath("images", "shapes-00.png").read_bytes()
    s3.put_object(Bucket=BUCKET, Key="images/shapes-00.png", Body=image)
    manifest = json.dumps({"source-ref": f"s3://{BUCKET}/images/shapes-00.png"}) + "\n"
    s3.put_object(Bucket=BUCKET, Key="input.manifest", Body=manifest.encode())
    labels = fixtures.joinpath("multilabel", "labels.json").read_bytes()
    s3.put_object(Bucket=BUCKET, Key="labels.json", Body=labels)
    template = fixtures.joinpath("multilabel", "template.liquid.html").read_bytes()
    s3.put_object(Bucket=BUCKET, Key="template.liquid.html", Body=template)
    return {
        "manifest": f"s3://{BUCKET}/input.manifest",
        "labels": f"s3://{BUCKET}/labels.json",
        "template": f"s3://{BUCKET}/template.liquid.html",
        "output": f"s3://{BUCKET}/output",
    }
