"""Whatever bytes a manifest holds, initialization either reads objects or fails the job with a
FailureReason naming the manifest; it never crashes (docs/engine.md#the-input-manifest,
docs/engine.md#input-failures)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.jobs.inputs import InputError, read_manifest
from emulator.jobs.s3 import S3Store
from emulator.testing import groundtruth_session

URI = "s3://gtemu-test/fuzz/manifest.jsonl"
TASK_TYPES = ["ImageMultiClassMultiLabel", "TextMultiClass", "Custom"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
lines = st.one_of(
    st.binary(max_size=60),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(
        st.sampled_from(["source-ref", "source", "$x", "k"]),
        st.text(max_size=12) | st.just("s3://b/k"),
        max_size=3,
    ).map(lambda value: json.dumps(value).encode()),
)


def test_any_manifest_is_read_or_rejected_with_its_uri():
    with groundtruth_session() as gt:
        store = S3Store(gt.account_id)
        gt.put_object(URI, b"")

        @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(st.lists(lines, max_size=6), st.sampled_from(TASK_TYPES))
        def check(manifest_lines: list[bytes], task_type: str) -> None:
            gt.put_object(URI, b"\n".join(manifest_lines))
            try:
                objects = read_manifest(store, URI, task_type)
            except InputError as error:
                assert error.reason.startswith("ClientError: ")
                assert URI in error.reason
                return
            assert objects
            for entry in objects:
                assert isinstance(entry.line, dict)
                assert "source-ref" in entry.line or "source" in entry.line
                assert not any(key.startswith("$") for key in entry.line)

        check()
