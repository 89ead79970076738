"""Body files of a state directory: content-addressed, checked at start, their MD5 kept beside."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
import requests
from moto import mock_aws

from emulator import moto_adapter
from emulator.commands.demo import clients
from emulator.server import GtemuServer
from emulator.store import Bodies

BODY = b"an S3 object too large for a journal row " * 1000


def _stored(state_dir: Path) -> str:
    ref, size = Bodies(state_dir).store_stream(io.BytesIO(BODY), None)
    assert (ref, size) == (hashlib.sha256(BODY).hexdigest(), len(BODY))
    return ref


def test_a_restart_finds_an_object_by_its_etag_from_the_kept_md5(tmp_path: Path) -> None:
    ref = _stored(tmp_path)
    restarted = Bodies(tmp_path)  # a new process knows nothing yet
    assert restarted.intact(ref)
    etag = hashlib.md5(BODY).hexdigest()
    assert restarted.by_md5 == {(etag, len(BODY)): ref}
    assert (tmp_path / "bodies" / f"{ref}.md5").read_text().split() == [etag, str(len(BODY))]


def test_a_missing_or_damaged_md5_file_is_computed_again(tmp_path: Path) -> None:
    ref = _stored(tmp_path)
    md5_file = tmp_path / "bodies" / f"{ref}.md5"
    etag = hashlib.md5(BODY).hexdigest()
    for damage in (None, "not an md5\n", f"{'0' * 32} {len(BODY) + 1}\n"):
        if damage is None:
            md5_file.unlink()
        else:
            md5_file.write_text(damage)
        restarted = Bodies(tmp_path)
        assert restarted.intact(ref)
        assert restarted.by_md5 == {(etag, len(BODY)): ref}
        assert md5_file.read_text().split() == [etag, str(len(BODY))]


def test_a_damaged_body_is_found_whatever_its_md5_file_says(tmp_path: Path) -> None:
    ref = _stored(tmp_path)
    body = tmp_path / "bodies" / ref
    body.write_bytes(BODY[:-1] + b"!")
    assert not Bodies(tmp_path).intact(ref)


def test_keeping_some_bodies_keeps_their_md5_files_and_drops_the_rest(tmp_path: Path) -> None:
    kept = _stored(tmp_path)
    bodies = Bodies(tmp_path)
    other, _ = bodies.store_stream(io.BytesIO(b"another body"), None)
    bodies.keep_only({kept})
    assert sorted(p.name for p in (tmp_path / "bodies").iterdir()) == [kept, f"{kept}.md5"]
    assert other not in {p.name for p in (tmp_path / "bodies").iterdir()}


LARGE = bytes(range(256)) * 8192  # 2 MiB: over the journal's inline limit, so a body file


def test_an_object_made_of_a_body_file_reads_from_it_and_takes_its_md5(tmp_path: Path) -> None:
    # A deliberately wrong MD5 shows whose ETag the object got: moto's own would be the real one.
    path = tmp_path / "body"
    path.write_bytes(LARGE)
    told = moto_adapter.KnownBody(path, len(LARGE), "0" * 32)
    other_start = b"!" + LARGE[1:]
    other_end = LARGE[:-1] + b"!"
    with mock_aws():
        backend = moto_adapter.s3_backend(moto_adapter.DEFAULT_ACCOUNT_ID)
        backend.create_bucket("known-bodies", "us-east-1")
        with moto_adapter.request_body_in_file(told):
            made_of_it = backend.put_object("known-bodies", "same", LARGE)
            others = {
                "other start": backend.put_object("known-bodies", "start", other_start),
                "other end": backend.put_object("known-bodies", "end", other_end),
                "other size": backend.put_object("known-bodies", "short", LARGE[:-1]),
            }
        others["outside"] = backend.put_object("known-bodies", "after", LARGE)
        assert moto_adapter.key_body_file(made_of_it) == path
        assert made_of_it.etag == f'"{"0" * 32}"'
        assert (made_of_it.size, made_of_it.value) == (len(LARGE), LARGE)
        for name, key in others.items():
            assert moto_adapter.key_body_file(key) is None, name
            assert key.etag == f'"{hashlib.md5(key.value).hexdigest()}"', name
        # A copy of it is moto's own object again, with the same bytes.
        backend.copy_object(made_of_it, "known-bodies", "copy")
        copied = moto_adapter.s3_object(moto_adapter.DEFAULT_ACCOUNT_ID, "known-bodies", "copy")
        assert moto_adapter.key_body_file(copied) is None
        assert copied.value == LARGE


def test_an_object_of_a_body_file_reads_ranges_and_is_closed_with_its_key(tmp_path: Path) -> None:
    path = tmp_path / "body"
    path.write_bytes(LARGE)
    buffer = moto_adapter.BodyFileBuffer(path, len(LARGE))
    assert buffer.seek(0, io.SEEK_END) == len(LARGE)
    assert buffer.seek(-3, io.SEEK_CUR) == len(LARGE) - 3
    assert buffer.read() == LARGE[-3:] and buffer.read() == b""
    buffer.seek(10)
    assert (buffer.read(5), buffer.tell()) == (LARGE[10:15], 15)
    buffer.close()
    with pytest.raises(ValueError):
        buffer.read()


def test_large_uploads_and_parts_read_from_their_body_files_across_a_restart(
        tmp_path: Path) -> None:
    etag = f'"{hashlib.md5(LARGE).hexdigest()}"'
    parts = [bytes([n]) * (5 * 1024 * 1024) for n in (1, 2)]  # S3's smallest part size
    parts_etag = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    account = moto_adapter.DEFAULT_ACCOUNT_ID
    with GtemuServer(port=0, ui_port=0, state_dir=tmp_path) as server:
        _, s3 = clients(server.endpoint_url)
        s3.create_bucket(Bucket="big")
        url = s3.generate_presigned_url("put_object", Params={"Bucket": "big", "Key": "plain"})
        assert requests.put(url, data=LARGE).headers["ETag"] == etag
        # boto3 adds a checksum (a header over http; aws-chunked over https, where moto decodes
        # the body first and keeps it itself, as the test above shows)
        assert s3.put_object(Bucket="big", Key="boto3", Body=LARGE,
                             ChecksumAlgorithm="CRC32")["ETag"] == etag
        upload = s3.create_multipart_upload(Bucket="big", Key="parts")["UploadId"]
        sent = [{"PartNumber": number, "ETag": s3.upload_part(
            Bucket="big", Key="parts", UploadId=upload, PartNumber=number, Body=part)["ETag"]}
            for number, part in enumerate(parts, start=1)]
        s3.complete_multipart_upload(Bucket="big", Key="parts", UploadId=upload,
                                     MultipartUpload={"Parts": sent})
        plain = moto_adapter.s3_object(account, "big", "plain")
        assert moto_adapter.key_body_file(plain).parent == tmp_path / "bodies"
    with GtemuServer(port=0, ui_port=0, state_dir=tmp_path) as server:  # from its snapshot
        _, s3 = clients(server.endpoint_url)
        for key in ("plain", "boto3"):
            assert s3.head_object(Bucket="big", Key=key)["ETag"] == etag
            assert s3.get_object(Bucket="big", Key=key)["Body"].read() == LARGE
        assert s3.head_object(Bucket="big", Key="parts")["ETag"] == f'"{parts_etag}-2"'
        assert s3.get_object(Bucket="big", Key="parts")["Body"].read() == b"".join(parts)
        # Still read from the body file of the upload, which was not copied again.
        plain = moto_adapter.s3_object(account, "big", "plain")
        assert moto_adapter.key_body_file(plain).parent == tmp_path / "bodies"
        same_bytes = [p for p in (tmp_path / "bodies").iterdir()
                      if p.suffix != ".md5" and p.read_bytes() == LARGE]
        assert len(same_bytes) == 1
