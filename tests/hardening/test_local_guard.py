"""No web page can drive gtemu: foreign Host names and unsigned browser requests are refused,
while signed SDK and CLI requests work unchanged."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile

import boto3
import pytest
import requests

from emulator.server import GtemuServer

EVIL = "http://evil.example"


def _session(server: GtemuServer):
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                 region_name="us-east-1")


def _s3(server: GtemuServer):
    return _session(server).client("s3", endpoint_url=server.endpoint_url)


def _port(url: str) -> str:
    return url.rsplit(":", 1)[1]


@pytest.mark.parametrize("which", ["endpoint_url", "ui_url"])
def test_a_foreign_host_name_is_refused_on_both_ports(gtemu: GtemuServer, which: str) -> None:
    url = getattr(gtemu, which)
    port = _port(url)
    refused = requests.get(f"{url}/", headers={"Host": f"rebind.evil.example:{port}"})
    assert refused.status_code == 403
    assert "DNS-rebinding" in refused.text and "--host" in refused.text
    for name in ("127.0.0.1", "localhost", "[::1]"):
        assert requests.get(f"{url}/", headers={"Host": f"{name}:{port}"}).status_code != 403


def test_a_rebound_page_cannot_reset_or_upload(gtemu: GtemuServer) -> None:
    s3 = _s3(gtemu)
    s3.create_bucket(Bucket="guarded")
    host = {"Host": f"attacker.example:{_port(gtemu.endpoint_url)}"}
    assert requests.post(f"{gtemu.endpoint_url}/moto-api/reset", headers=host).status_code == 403
    put = requests.put(f"{gtemu.endpoint_url}/guarded/x", data=b"x", headers=host)
    assert put.status_code == 403
    assert "guarded" in [b["Name"] for b in s3.list_buckets()["Buckets"]]  # not reset
    assert s3.list_objects_v2(Bucket="guarded").get("KeyCount") == 0


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL},
    {"Origin": "null"},
    {"Content-Type": "text/plain"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Sec-Fetch-Site": "cross-site"},
])
def test_moto_api_reset_from_a_web_page_is_refused(gtemu: GtemuServer, headers) -> None:
    s3 = _s3(gtemu)
    s3.create_bucket(Bucket="kept-after-reset")
    response = requests.post(f"{gtemu.endpoint_url}/moto-api/reset", headers=headers, data="x")
    assert response.status_code == 403
    assert "web page" in response.text or "unsigned" in response.text
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "kept-after-reset" in names


def test_unsigned_form_upload_is_refused_and_a_presigned_post_works(gtemu: GtemuServer) -> None:
    s3 = _s3(gtemu)
    s3.create_bucket(Bucket="forms")
    unsigned = requests.post(f"{gtemu.endpoint_url}/forms", data={"key": "evil.html"},
                             files={"file": ("evil.html", b"<script>1</script>")})
    assert unsigned.status_code == 403 and "presigned POST" in unsigned.text
    assert s3.list_objects_v2(Bucket="forms").get("KeyCount") == 0
    # A presigned POST (a POST policy signed with SigV4) is how a browser may upload.
    post = s3.generate_presigned_post("forms", "ok.txt")
    signed = requests.post(post["url"], data=post["fields"], files={"file": ("ok.txt", b"ok")},
                           headers={"Origin": EVIL})
    assert signed.status_code in (200, 204), signed.text
    assert s3.get_object(Bucket="forms", Key="ok.txt")["Body"].read() == b"ok"


def test_an_unsigned_put_with_a_foreign_origin_is_refused(gtemu: GtemuServer) -> None:
    s3 = _s3(gtemu)
    s3.create_bucket(Bucket="puts")
    refused = requests.put(f"{gtemu.endpoint_url}/puts/a", data=b"a", headers={"Origin": EVIL})
    assert refused.status_code == 403
    assert s3.list_objects_v2(Bucket="puts").get("KeyCount") == 0
    # A presigned URL is signed: it works from anywhere.
    url = s3.generate_presigned_url("put_object", Params={"Bucket": "puts", "Key": "b"})
    assert requests.put(url, data=b"b", headers={"Origin": EVIL}).status_code == 200
    assert s3.get_object(Bucket="puts", Key="b")["Body"].read() == b"b"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def test_a_web_page_cannot_create_or_invoke_a_lambda(gtemu: GtemuServer) -> None:
    session = _session(gtemu)
    lambdas = session.client("lambda", endpoint_url=gtemu.endpoint_url)
    iam = session.client("iam", endpoint_url=gtemu.endpoint_url)
    role = iam.create_role(RoleName="lambda-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]
    }))["Role"]["Arn"]
    create = json.dumps({"FunctionName": "from-a-page", "Runtime": "python3.12",
                         "Role": role, "Handler": "index.handler",
                         "Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}})
    url = f"{gtemu.endpoint_url}/2015-03-31/functions"
    for headers in ({"Origin": EVIL, "Content-Type": "application/json"},
                    {"Content-Type": "text/plain"}):
        refused = requests.post(url, data=create, headers=headers)
        assert refused.status_code == 403, refused.text
    names = [f["FunctionName"] for f in lambdas.list_functions()["Functions"]]
    assert "from-a-page" not in names
    lambdas.create_function(FunctionName="mine", Runtime="python3.12", Role=role,
                            Handler="index.handler", Code={"ZipFile": _zip()})
    invoke = f"{url}/mine/invocations"
    for headers in ({"Origin": EVIL, "Content-Type": "application/json"},
                    {"Content-Type": "text/plain"}):
        refused = requests.post(invoke, data="{}", headers=headers)
        assert refused.status_code == 403 and "gtemu refuses" in refused.text
    assert "mine" in [f["FunctionName"] for f in lambdas.list_functions()["Functions"]]


def test_the_workers_api_needs_the_token_and_refuses_web_pages(gtemu: GtemuServer) -> None:
    url = f"{gtemu.ui_url}/api/v1/jobs?worker=ann"
    missing = requests.get(url)
    assert missing.status_code == 401 and "worker token" in missing.json()["message"]
    wrong = requests.get(url, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "wrong" in wrong.json()["message"]
    good = {"Authorization": f"Bearer {gtemu.worker_token}"}
    assert requests.get(url, headers=good).status_code == 200
    from_page = requests.get(url, headers={**good, "Origin": EVIL})
    assert from_page.status_code == 403


def test_the_aws_cli_works_against_gtemu_serve(gtemu: GtemuServer, tmp_path) -> None:
    env = {**os.environ, **gtemu.environment(), "AWS_CONFIG_FILE": os.devnull,
           "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    body = tmp_path / "hello.txt"
    body.write_text("hello")

    def aws(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "awscli", *args], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    aws("s3", "mb", "s3://cli-bucket")
    aws("s3", "cp", str(body), "s3://cli-bucket/hello.txt")
    assert "hello.txt" in aws("s3", "ls", "s3://cli-bucket/")
    # The pool and client of the other teams of this account's workforce (gtemu demo's).
    aws("sagemaker", "create-workteam", "--workteam-name", "cli-team", "--description", "d",
        "--member-definitions",
        '[{"CognitoMemberDefinition":{"UserPool":"us-east-1_gtemuDemo","UserGroup":"cli",'
        '"ClientId":"gtemudemoclient0000000000"}}]')
    teams = json.loads(aws("sagemaker", "list-workteams"))["Workteams"]
    assert "cli-team" in [t["WorkteamName"] for t in teams]
