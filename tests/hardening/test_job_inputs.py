"""Hostile and broken job inputs (manifests, label files, templates) fail the job with a
FailureReason naming the file, and the line for a manifest; nothing is written and no other
job changes (issue 7, item 3). The expected outcome is computed from the generated input."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.testing import GroundTruth

from .hostile import BAD_MANIFEST_LINES, Line, engine_snapshot

BUCKET = "gtemu-test"
INPUTS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_names = itertools.count()


def _good(index: int, extra: dict) -> Line:
    line = {"source-ref": f"s3://{BUCKET}/images/{index % 5}.jpg", **extra}
    return Line(json.dumps(line).encode(), None)


extras = st.dictionaries(
    st.text(min_size=1, max_size=10).filter(lambda key: not key.startswith("$")
                                            and key not in ("source-ref", "source")),
    st.text(max_size=40) | st.integers() | st.sampled_from(["<script>alert(1)</script>",
                                                             "\u202e", "\x00"]),
    max_size=3,
)
good_lines = st.builds(_good, st.integers(0, 9), extras)
bad_lines = st.sampled_from(BAD_MANIFEST_LINES)
blank_lines = st.sampled_from([Line(b"", None, True), Line(b"   ", None, True),
                               Line(b"\r", None, True)])
manifests = st.lists(st.one_of(good_lines, good_lines, blank_lines, bad_lines), max_size=8)


def _expected_failure(lines: list[Line], uri: str) -> tuple[str, str] | None:
    """How the FailureReason must start and end, or None if the manifest is good."""
    for number, line in enumerate(lines, start=1):
        if line.problem:
            return f"ClientError: {line.problem}", f"({uri}, line {number})."
    if all(line.blank for line in lines):
        return f"ClientError: The input manifest contains no data objects ({uri}).", ""
    return None


@pytest.fixture
def bystander(groundtruth: GroundTruth) -> str:
    """A running job that no broken input of another job may touch."""
    uris = groundtruth.upload_inputs(4, prefix="bystander")
    groundtruth.create_job("bystander", uris, workers_per_object=1)
    task = groundtruth.next_task("bystander", "ann")
    groundtruth.submit(task, {"crowd-image-classifier-multi-select": {"labels": ["cat"]}})
    return engine_snapshot(groundtruth.engine)


def _run_job(gt: GroundTruth, uris: dict[str, str]) -> tuple[str, dict]:
    name = f"inputs-{next(_names)}"
    uris = {**uris, "output": f"s3://{BUCKET}/out/{name}"}
    gt.create_job(name, uris, workers_per_object=1)
    gt.engine.pump()
    return name, gt.describe(name)


def _assert_failed_cleanly(gt: GroundTruth, name: str, described: dict, bystander: str) -> str:
    assert described["LabelingJobStatus"] == "Failed", described["LabelingJobStatus"]
    assert described["LabelCounters"]["TotalLabeled"] == 0
    assert "LabelingJobOutput" not in described
    written = gt.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"out/{name}/")
    assert written.get("KeyCount", 0) == 0, "a failed job wrote output files"
    assert gt.next_task(name, "ann") is None
    others = json.loads(engine_snapshot(gt.engine))
    assert [job for job in others if job["name"] == "bystander"] == [
        job for job in json.loads(bystander) if job["name"] == "bystander"
    ]
    return described["FailureReason"]


@INPUTS
@given(lines=manifests)
def test_a_manifest_runs_or_fails_at_its_first_bad_line(groundtruth, bystander, lines):
    gt = groundtruth
    uris = gt.upload_inputs(1, prefix="manifests")
    uri = gt.put_object(f"s3://{BUCKET}/manifests/m-{next(_names)}.jsonl",
                        b"\n".join(line.raw for line in lines))
    name, described = _run_job(gt, {**uris, "manifest": uri})
    expected = _expected_failure(lines, uri)
    if expected is None:
        assert described["LabelingJobStatus"] == "InProgress", described.get("FailureReason")
        objects = sum(1 for line in lines if not line.blank)
        assert gt.job(name).workteam_summary()["LabelCounters"]["Total"] == objects
        return
    reason = _assert_failed_cleanly(gt, name, described, bystander)
    start, end = expected
    assert reason.startswith(start) and reason.endswith(end), reason


def _label_file_is_valid(document: object) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("labels"), list):
        return False
    entries = document["labels"]
    if not all(isinstance(e, dict) and isinstance(e.get("label"), str) for e in entries):
        return False
    labels = [entry["label"] for entry in entries]
    return (2 <= len(labels) <= 50 and len(set(labels)) == len(labels)
            and all(len(label) <= 256 for label in labels))


label_names = st.text(max_size=6) | st.sampled_from(["x" * 257, "<img src=x onerror=alert(1)>"])
label_documents = st.one_of(
    st.fixed_dictionaries(
        {"labels": st.lists(st.fixed_dictionaries({"label": label_names}), max_size=6)},
        optional={"document-version": st.text(max_size=10)},
    ),
    st.fixed_dictionaries({"labels": st.lists(st.none() | st.integers() | st.text(max_size=4)
                                              | st.fixed_dictionaries({"label": st.integers()}),
                                              max_size=3)}),
    st.none() | st.integers() | st.lists(st.text(max_size=3), max_size=3),
    st.just({"labels": [{"label": f"l{i}"} for i in range(51)]}),
)


@INPUTS
@given(document=st.one_of(label_documents.map(lambda d: json.dumps(d).encode()),
                          st.binary(max_size=40),
                          st.sampled_from([b'{"labels": [{"label": "a"}, {"label": "\xff"}]}',
                                           b"[" * 100_000, b'{"labels": NaN}'])))
def test_a_label_file_runs_or_fails_naming_the_file(groundtruth, bystander, document):
    gt = groundtruth
    uris = gt.upload_inputs(2, prefix="labels")
    uri = gt.put_object(f"s3://{BUCKET}/labels/l-{next(_names)}.json", document)
    name, described = _run_job(gt, {**uris, "labels": uri})
    try:
        valid = _label_file_is_valid(json.loads(document.decode("utf-8")))
    except (ValueError, RecursionError):
        valid = False
    if valid:
        assert described["LabelingJobStatus"] == "InProgress", described.get("FailureReason")
        return
    reason = _assert_failed_cleanly(gt, name, described, bystander)
    assert reason.startswith("ClientError: ") and reason.endswith(f"({uri}).")


liquid_fragments = st.sampled_from(
    ["{%", "%}", "{{", "}}", " for x in (1..3) ", " endfor ", " if ", " endif ", " raw ",
     " endraw ", "task.input", " | ", "'", '"', "<p>", "\n", "x", " assign y = ", " comment "]
)


@INPUTS
@given(source=st.one_of(
    st.lists(liquid_fragments, max_size=14).map("".join).map(str.encode),
    st.sampled_from([b"<p>\xff</p>", ("x" * 128_001).encode()]),
))
def test_a_template_runs_or_fails_naming_the_file(groundtruth, bystander, source):
    gt = groundtruth
    uris = gt.upload_inputs(2, prefix="templates")
    uri = gt.put_object(f"s3://{BUCKET}/templates/t-{next(_names)}.html", source)
    name, described = _run_job(gt, {**uris, "template": uri})
    if described["LabelingJobStatus"] == "InProgress":
        return
    reason = _assert_failed_cleanly(gt, name, described, bystander)
    assert reason.startswith("ClientError: ") and f"({uri}" in reason, reason
    if "not valid Liquid" in reason:
        assert ", line " in reason and ", column " in reason
