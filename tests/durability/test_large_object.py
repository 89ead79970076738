"""An S3 object over 1e9 bytes is kept across a kill -9 and across a snapshot."""

from __future__ import annotations

import os
from pathlib import Path

import requests

from emulator.commands.demo import clients

from .crash import ServeProcess

SIZE = 1_000_000_001


def _head(server: ServeProcess) -> dict:
    _, s3 = clients(server.endpoint)
    return s3.head_object(Bucket="big", Key="huge.bin")


def test_an_object_over_a_gigabyte_survives_kill_9_and_a_snapshot(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    body = tmp_path / "huge.bin"
    with open(body, "wb") as handle:  # sparse: a gigabyte of zeros takes no disk space
        handle.truncate(SIZE - 5)
        handle.seek(SIZE - 5)
        handle.write(b"tail!")
    server = ServeProcess(state_dir).start()
    try:
        _, s3 = clients(server.endpoint)
        s3.create_bucket(Bucket="big")
        url = s3.generate_presigned_url("put_object", Params={"Bucket": "big", "Key": "huge.bin"},
                                        ExpiresIn=3600)
        with open(body, "rb") as stream:  # streamed from the file, never held in this process
            put = requests.put(url, data=stream, headers={"Content-Length": str(SIZE)})
        assert put.status_code == 200, put.text[:500]
        etag = put.headers["ETag"]
        # Acknowledged: the body is a file of the state directory, not a row of the journal.
        assert any(p.stat().st_size == SIZE for p in (state_dir / "bodies").iterdir())
        server.kill()
        server.start()  # the journal brings it back
        assert (_head(server)["ContentLength"], _head(server)["ETag"]) == (SIZE, etag)
        server.stop(timeout=300)  # a clean stop writes a snapshot (the body stays a body file)
        assert list((state_dir / "snapshots").glob("snapshot-*.gtemu"))
        server.start()
        assert server.replayed == 0
        head = _head(server)
        assert (head["ContentLength"], head["ETag"]) == (SIZE, etag)
        tail = clients(server.endpoint)[1].get_object(Bucket="big", Key="huge.bin",
                                                      Range=f"bytes={SIZE - 5}-")
        assert tail["Body"].read() == b"tail!"
        snapshot_sizes = [p.stat().st_size for p in (state_dir / "snapshots").iterdir()]
        assert max(snapshot_sizes) < 10_000_000  # the body is not inside the snapshot
    finally:
        server.stop()
        os.sync()
