"""Under the gtemu pytest plugin, botocore sessions share parsed service models
(docs/engine.md#fast-clients-in-tests), so a client is cheap in every test."""

from __future__ import annotations

import boto3
import botocore.session
from moto import mock_aws

from emulator.boto_models import sharing_service_models


def _loader(session: boto3.Session):
    return session._session.get_component("data_loader")


def test_sessions_of_successive_mock_aws_blocks_share_one_model_loader():
    assert sharing_service_models()  # the plugin turned it on when pytest started
    loaders, models = [], []
    for _ in range(2):
        with mock_aws():  # a new default session each time, as moto does for every test
            client = boto3.client("sagemaker", region_name="us-east-1")
            assert client.list_labeling_jobs()["LabelingJobSummaryList"] == []
            loaders.append(_loader(boto3.DEFAULT_SESSION))
            models.append(loaders[-1].load_service_model("sagemaker", "service-2"))
    assert loaders[0] is loaders[1]
    assert models[0] is models[1]  # parsed once for the process


def test_credentials_and_regions_stay_per_session():
    first = boto3.Session(aws_access_key_id="a", aws_secret_access_key="x",
                          region_name="eu-west-1")
    second = boto3.Session(aws_access_key_id="b", aws_secret_access_key="y",
                           region_name="us-west-2")
    assert _loader(first) is _loader(second)
    assert first.get_credentials().access_key == "a"
    assert second.get_credentials().access_key == "b"
    assert first.client("s3").meta.region_name == "eu-west-1"
    assert second.client("s3").meta.region_name == "us-west-2"


def test_a_session_with_its_own_data_path_gets_its_own_loader(tmp_path, monkeypatch):
    default = botocore.session.get_session().get_component("data_loader")
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    own = botocore.session.get_session().get_component("data_loader")
    assert own is not default
    assert str(tmp_path) in own.search_paths
    assert botocore.session.get_session().get_component("data_loader") is own
