"""What a web page can send to `gtemu serve` (a foreign Origin, `Content-Type: text/plain`, no
signature) neither creates, updates nor invokes a Lambda function."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import zipfile

import boto3
import pytest

from emulator.server import GtemuServer

ROLE_NAME = "PageRole"
MARKER_CODE = """
import os

def handler(event, context):
    open(os.environ["MARKER"], "w").write("ran")
    return {"ran": True}
"""


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("page.py", source)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server():
    with GtemuServer(port=0) as running:
        session = boto3.session.Session(aws_access_key_id="testing",
                                        aws_secret_access_key="testing", region_name="us-east-1")
        running.lambdas = session.client("lambda", endpoint_url=running.endpoint_url)
        iam = session.client("iam", endpoint_url=running.endpoint_url)
        running.role = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
        yield running


def _page_request(server, method: str, path: str, body: dict, **headers: str) -> int:
    """A request as a page's `fetch(url, {method, body, mode: "no-cors"})` sends it."""
    request = urllib.request.Request(
        server.endpoint_url + path, data=json.dumps(body).encode(), method=method,
        headers={"Content-Type": "text/plain;charset=UTF-8", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _function_names(server) -> list[str]:
    return [f["FunctionName"] for f in server.lambdas.list_functions()["Functions"]]


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {},  # text/plain alone: what a page sends without asking
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
])
def test_a_page_cannot_create_a_function(server, tmp_path, headers):
    body = {"FunctionName": "from-page", "Runtime": "python3.11", "Role": server.role,
            "Handler": "page.handler", "Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}
    status = _page_request(server, "POST", "/2015-03-31/functions", body, **headers)
    assert status == 403
    assert "from-page" not in _function_names(server)


def test_a_page_can_neither_invoke_nor_update_a_function(server, tmp_path):
    marker = tmp_path / "ran.txt"
    server.lambdas.create_function(
        FunctionName="victim", Runtime="python3.11", Role=server.role, Handler="page.handler",
        Code={"ZipFile": _zip(MARKER_CODE)}, Environment={"Variables": {"MARKER": str(marker)}})
    before = server.lambdas.get_function(FunctionName="victim")["Configuration"]["CodeSha256"]

    origin = {"Origin": "https://evil.example"}
    assert _page_request(server, "POST", "/2015-03-31/functions/victim/invocations",
                         {"x": 1}, **origin) == 403
    assert _page_request(server, "PUT", "/2015-03-31/functions/victim/code",
                         {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}) == 403
    assert _page_request(server, "PUT", "/2015-03-31/functions/victim/configuration",
                         {"Handler": "other.handler"}, **origin) == 403
    assert _page_request(server, "DELETE", "/2015-03-31/functions/victim", {}, **origin) == 403

    function = server.lambdas.get_function(FunctionName="victim")["Configuration"]
    assert function["CodeSha256"] == before
    assert function["Handler"] == "page.handler"
    assert not marker.exists()
