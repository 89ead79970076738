"""DescribeHumanTaskUi's `UiTemplate.Url` serves the stored template while the worker UI runs."""

from __future__ import annotations

import urllib.request

import boto3

from emulator.server import GtemuServer

TEMPLATE = "<crowd-form><p>{{ task.input.text }}</p></crowd-form>"


def test_the_template_url_returns_the_stored_content():
    with GtemuServer(port=0, ui_port=0) as server:
        client = boto3.client(
            "sagemaker", endpoint_url=server.endpoint_url, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )
        client.create_human_task_ui(HumanTaskUiName="my-ui", UiTemplate={"Content": TEMPLATE})
        url = client.describe_human_task_ui(HumanTaskUiName="my-ui")["UiTemplate"]["Url"]

        with urllib.request.urlopen(url) as response:
            assert response.read().decode() == TEMPLATE
