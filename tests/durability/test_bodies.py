"""Body files of a state directory: content-addressed, checked at start, their MD5 kept beside."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

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
