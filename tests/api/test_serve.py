"""`gtemu serve` as a subprocess, driven by boto3 and by the AWS CLI over HTTP."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib import resources

import boto3
import pytest

from emulator.server import GtemuServer, is_loopback

from .helpers import ROLE, job_request

pytestmark = pytest.mark.slow

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class Served:
    def __init__(self, process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
        self.process = process
        self.lines = lines
        self.banner: list[str] = []
        self.pump: threading.Thread | None = None

    def read_banner(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.process.poll() is None, "gtemu serve exited early"
                continue
            self.banner.append(line)
            if line.startswith("Press Ctrl-C"):
                return
        raise AssertionError(f"no banner from gtemu serve: {self.banner}")

    @property
    def endpoint(self) -> str:
        text = "\n".join(self.banner)
        return re.search(r"export AWS_ENDPOINT_URL=(\S+)", text).group(1)

    def rest_of_output(self) -> str:
        remaining = []
        while not self.lines.empty():
            remaining.append(self.lines.get())
        return "\n".join(remaining)


@pytest.fixture
def served() -> Iterator[Served]:
    env = {**os.environ, **CREDENTIALS, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator.cli", "serve", "--port", "0", "--ui-port", "0",
         "--ephemeral"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump_output() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    pump = threading.Thread(target=pump_output, daemon=True)
    pump.start()
    server = Served(process, lines)
    server.pump = pump
    try:
        server.read_banner()
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def aws_cli(endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **CREDENTIALS}
    return subprocess.run(
        ["aws", "--endpoint-url", endpoint, "--output", "json", "sagemaker", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def put_inputs(s3) -> None:
    fixtures = resources.files("gtemu_fixtures")
    s3.create_bucket(Bucket="gt-inputs")
    image = fixtures.joinpath("images", "shapes-00.png").read_bytes()
    s3.put_object(Bucket="gt-inputs", Key="images/shapes-00.png", Body=image)
    manifest = json.dumps({"source-ref": "s3://gt-inputs/images/shapes-00.png"}) + "\n"
    s3.put_object(Bucket="gt-inputs", Key="input.manifest", Body=manifest.encode())
    for key, path in [
        ("labels.json", ("multilabel", "labels.json")),
        ("template.liquid.html", ("multilabel", "template.liquid.html")),
    ]:
        s3.put_object(Bucket="gt-inputs", Key=key, Body=fixtures.joinpath(*path).read_bytes())


def wait_for_status(sm, name: str, wanted: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        described = sm.describe_labeling_job(LabelingJobName=name)
        if described["LabelingJobStatus"] == wanted or time.monotonic() > deadline:
            return described
        time.sleep(0.2)


def test_serve_answers_boto3_and_the_aws_cli_then_stops_on_sigterm(served):
    banner = "\n".join(served.banner)
    assert "export AWS_ACCESS_KEY_ID=testing" in banner
    assert re.search(r"worker UI on http://127\.0\.0\.1:\d+", banner)
    assert "WARNING" not in banner
    endpoint = served.endpoint
    session = boto3.Session(
        **{k.lower(): v for k, v in CREDENTIALS.items() if k != "AWS_DEFAULT_REGION"}
    )
    sm = session.client("sagemaker", endpoint_url=endpoint, region_name="us-east-1")
    s3 = session.client("s3", endpoint_url=endpoint, region_name="us-east-1")

    # boto3: S3 and SageMaker on the same endpoint; the job initializes in real time.
    put_inputs(s3)
    member = {
        "CognitoMemberDefinition": {"UserPool": "us-east-1_p", "UserGroup": "g", "ClientId": "c"}
    }
    team_arn = sm.create_workteam(
        WorkteamName="boto-team", MemberDefinitions=[member], Description="d"
    )["WorkteamArn"]
    sm.create_labeling_job(**job_request("boto-job", team_arn))
    assert wait_for_status(sm, "boto-job", "InProgress")["LabelingJobStatus"] == "InProgress"

    # The AWS CLI: create, list, describe and stop a work team and a labeling job.
    created = aws_cli(
        endpoint,
        "create-workteam",
        "--workteam-name", "cli-team",
        "--description", "Created by the AWS CLI",
        "--member-definitions", json.dumps([member]),
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    cli_team = json.loads(created.stdout)["WorkteamArn"]
    assert cli_team.endswith(":workteam/private-crowd/cli-team")
    described_team = json.loads(
        aws_cli(endpoint, "describe-workteam", "--workteam-name", "cli-team").stdout
    )
    assert described_team["Workteam"]["Description"] == "Created by the AWS CLI"

    request = job_request("cli-job", cli_team)
    result = aws_cli(endpoint, "create-labeling-job", "--cli-input-json", json.dumps(request))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["LabelingJobArn"].endswith(":labeling-job/cli-job")

    listed = json.loads(aws_cli(endpoint, "list-labeling-jobs", "--sort-by", "Name").stdout)
    names = [job["LabelingJobName"] for job in listed["LabelingJobSummaryList"]]
    assert names == ["cli-job", "boto-job"]

    described = json.loads(
        aws_cli(endpoint, "describe-labeling-job", "--labeling-job-name", "cli-job").stdout
    )
    assert described["LabelingJobName"] == "cli-job"
    assert described["RoleArn"] == ROLE
    assert described["HumanTaskConfig"]["MaxConcurrentTaskCount"] == 1000
    assert described["Tags"] == []

    stopped = aws_cli(endpoint, "stop-labeling-job", "--labeling-job-name", "cli-job")
    assert stopped.returncode == 0, stopped.stderr
    assert wait_for_status(sm, "cli-job", "Stopped")["LabelingJobStatus"] == "Stopped"

    # Errors come back with AWS's code and message.
    duplicate = aws_cli(endpoint, "create-labeling-job", "--cli-input-json", json.dumps(request))
    assert duplicate.returncode != 0
    assert "(ResourceInUse)" in duplicate.stderr
    assert "a labeling job with this name already exists" in duplicate.stderr
    missing = aws_cli(endpoint, "describe-workteam", "--workteam-name", "ghost")
    assert "(ValidationException)" in missing.stderr
    assert "The work team 'ghost' does not exist." in missing.stderr

    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=20) == 0
    served.pump.join(timeout=20)  # every line read up to the end of the output
    assert "gtemu serve: stopping" in served.rest_of_output()


def post_json(endpoint: str, operation: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        endpoint,
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"SageMaker.{operation}",
            # moto routes a request to a service by the credential scope of its signature.
            "Authorization": (
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sagemaker/aws4_request, "
                "SignedHeaders=host, Signature=0"
            ),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_in_process_server_and_loopback_check():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    with GtemuServer(port=0, ui_port=None) as server:
        sm = boto3.client(
            "sagemaker",
            endpoint_url=server.endpoint_url,
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        workforce = sm.describe_workforce(WorkforceName="default")["Workforce"]
        assert workforce["WorkforceArn"].startswith("arn:aws:sagemaker:eu-west-1:")
        assert server.environment()["AWS_ENDPOINT_URL"] == server.endpoint_url
        # On the wire, members come in the order of the botocore output shape.
        status, body = post_json(
            server.endpoint_url, "DescribeWorkforce", {"WorkforceName": "default"}
        )
        assert status == 200
        assert list(body["Workforce"]) == [
            "WorkforceName",
            "WorkforceArn",
            "LastUpdatedDate",
            "SourceIpConfig",
            "SubDomain",
            "CreateDate",
            "Status",
            "IpAddressType",
        ]
        # A member of the wrong JSON type is a validation error, not a server error.
        status, body = post_json(server.endpoint_url, "ListWorkteams", {"MaxResults": "ten"})
        assert status == 400
        assert body["__type"] == "ValidationException"
        assert body["Message"] == (
            "1 validation error detected: Value 'ten' at 'maxResults' failed to satisfy "
            "constraint: Member must be of type integer"
        )
    with pytest.raises(RuntimeError):
        _ = server.port
