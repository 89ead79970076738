"""Signed media URLs: what `grant_read_access` gives a worker, served from moto's S3."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from emulator.clock import VirtualClock
from emulator.runtime import Runtime
from worker_ui.app import create_app
from worker_ui.liquid import parse_template, render_task
from worker_ui.media import MediaGrant, media_url_function, signer_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
OTHER_ACCOUNT = "210987654321"


@pytest.fixture
def clock() -> Iterator[VirtualClock]:
    virtual = VirtualClock()
    with Runtime(virtual).activated():
        yield virtual


@pytest.fixture
def s3(clock: VirtualClock) -> Iterator[object]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="inputs")
        client.put_object(Bucket="inputs", Key="images/cat.png", Body=PNG, ContentType="image/png")
        yield client


@pytest.fixture
def app(s3: object) -> Flask:
    return create_app({"TESTING": True, "MEDIA_URL_TTL_SECONDS": 300})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def url_for(app: Flask, bucket: str, key: str) -> str:
    return media_url_function(app)(bucket, key)


def test_a_rendered_template_links_an_image_the_worker_can_load(
    app: Flask, client: FlaskClient
) -> None:
    template = parse_template('<img src="{{ task.input.taskObject | grant_read_access }}">')

    html = render_task(
        template, {"taskObject": "s3://inputs/images/cat.png"}, media_url=media_url_function(app)
    )
    url = html.removeprefix('<img src="').removesuffix('">')
    response = client.get(url)

    assert url.startswith("/media/")
    assert response.status_code == 200
    assert response.data == PNG
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_token_is_unchanged_by_html_escaping(app: Flask) -> None:
    url = url_for(app, "inputs", 'odd/it\'s <&> "quoted".png')

    token = url.removeprefix("/media/")
    assert token.replace("-", "").replace("_", "").isalnum()


def test_the_url_expires_after_its_time_to_live(
    app: Flask, client: FlaskClient, clock: VirtualClock
) -> None:
    url = url_for(app, "inputs", "images/cat.png")

    clock.advance(299)
    assert client.get(url).status_code == 200
    clock.advance(2)
    response = client.get(url)

    assert response.status_code == 403
    assert "expired" in response.text


def test_an_altered_token_is_refused(app: Flask, client: FlaskClient) -> None:
    url = url_for(app, "inputs", "images/cat.png")
    flipped = url[:-5] + ("A" if url[-5] != "A" else "B") + url[-4:]

    response = client.get(flipped)

    assert response.status_code == 403
    assert "not valid" in response.text


def test_a_token_cannot_be_rewritten_to_open_another_object(
    app: Flask, client: FlaskClient
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket="inputs", Key="secret.txt", Body=b"secret")
    token = url_for(app, "inputs", "images/cat.png").removeprefix("/media/")
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    payload, mac = raw[:-32], raw[-32:]
    account, bucket, _, expires = json.loads(payload)
    forged_payload = json.dumps([account, bucket, "secret.txt", expires], separators=(",", ":"))
    forged = base64.urlsafe_b64encode(forged_payload.encode() + mac).decode().rstrip("=")

    response = client.get(f"/media/{forged}")

    assert response.status_code == 403
    assert b"secret" not in response.data


def test_a_url_signed_by_another_server_is_refused(client: FlaskClient) -> None:
    other_app = create_app({"TESTING": True, "SECRET_KEY": "another server"})
    url = url_for(other_app, "inputs", "images/cat.png")

    assert client.get(url).status_code == 403


def test_a_missing_object_is_404_and_a_missing_bucket_too(app: Flask, client: FlaskClient) -> None:
    missing_key = client.get(url_for(app, "inputs", "images/dog.png"))
    missing_bucket = client.get(url_for(app, "no-such-bucket", "images/cat.png"))

    assert missing_key.status_code == 404
    assert "s3://inputs/images/dog.png" in missing_key.text
    assert missing_bucket.status_code == 404


def test_the_url_is_good_only_in_its_own_account(app: Flask, client: FlaskClient) -> None:
    other_account_url = media_url_function(app, account_id=OTHER_ACCOUNT)(
        "inputs", "images/cat.png"
    )

    assert client.get(other_account_url).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/",
        "/media/../app.py",
        "/media/..%2F..%2Fetc%2Fpasswd",
        "/media/%2e%2e/worker_ui/media.py",
        "/media/not-a-token",
        "/media/" + "A" * 40,
    ],
)
def test_paths_that_are_not_tokens_reach_nothing(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code in (403, 404)
    assert b"import" not in response.data and b"root:" not in response.data


def test_traversal_like_keys_are_just_s3_keys(app: Flask, client: FlaskClient) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(
        Bucket="inputs", Key="../../etc/passwd", Body=b"an S3 object", ContentType="text/plain"
    )

    response = client.get(url_for(app, "inputs", "../../etc/passwd"))
    missing = client.get(url_for(app, "inputs", "../pyproject.toml"))

    assert response.data == b"an S3 object"
    assert missing.status_code == 404


def test_content_type_is_the_objects_or_guessed_from_the_key(
    app: Flask, client: FlaskClient
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket="inputs", Key="untyped/photo.jpg", Body=b"jpeg bytes")
    s3.put_object(Bucket="inputs", Key="untyped/blob", Body=b"bytes")
    s3.put_object(
        Bucket="inputs", Key="doc.txt", Body=b"hi", ContentType="text/plain; charset=utf-8"
    )

    assert client.get(url_for(app, "inputs", "untyped/photo.jpg")).mimetype == "image/jpeg"
    assert client.get(url_for(app, "inputs", "untyped/blob")).mimetype == "application/octet-stream"
    assert client.get(url_for(app, "inputs", "doc.txt")).content_type == "text/plain; charset=utf-8"


def test_an_html_object_is_sandboxed_away_from_the_worker_ui(
    app: Flask, client: FlaskClient
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(
        Bucket="inputs", Key="page.html", Body=b"<script>steal()</script>", ContentType="text/html"
    )

    response = client.get(url_for(app, "inputs", "page.html"))

    assert response.headers["Content-Security-Policy"] == "sandbox"


def test_range_requests_serve_part_of_the_object(app: Flask, client: FlaskClient) -> None:
    response = client.get(url_for(app, "inputs", "images/cat.png"), headers={"Range": "bytes=0-7"})

    assert response.status_code == 206
    assert response.data == PNG[:8]


def test_the_signer_lives_on_the_app_and_reads_its_config(app: Flask) -> None:
    signer = signer_of(app)
    grant = signer.verify(url_for(app, "inputs", "k").removeprefix("/media/"))

    assert signer.ttl_seconds == 300
    assert isinstance(grant, MediaGrant)
    assert (grant.account_id, grant.bucket, grant.key) == ("123456789012", "inputs", "k")


def test_an_app_without_the_media_blueprint_says_so() -> None:
    with pytest.raises(RuntimeError, match="register worker_ui.media.blueprint"):
        media_url_function(Flask("bare"))
