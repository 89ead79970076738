"""Output lines built from pre-serialised pieces are exactly the dict lines through `dumps`."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consolidation.offline import consolidate_source
from consolidation.output import reported_confidence
from consolidation.serialization import dumps
from consolidation.sources import _parse_json
from consolidation.text_lines import reported_hundredths

from .helpers import NOW, multi_item, single_item

# Names that need escaping (Gson's HTML-safe set, quotes, non-ASCII) next to plain ones.
LABELS = ["cat", "<dog> & 'bird'", "a=b", "ünïcødé \"quoted\"", "None"]


def both_outputs(tmp_path, items, *, task="multi-label", manifest=None, **options):
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(items))
    result = consolidate_source(
        str(payload), label_categories=LABELS, task=task, manifest_lines=manifest, now=NOW,
        **options,
    )
    dict_lines = [dumps(line) + "\n" for line in result.lines()]
    dict_confidences = sorted(result.confidences)
    text_lines = list(result.text_lines())
    assert sorted(result.confidences) == dict_confidences
    return dict_lines, text_lines


answer_sets = st.lists(
    st.tuples(
        st.sampled_from(["w1", "w2", "w3", "w4"]),
        st.lists(st.sampled_from([*LABELS, "not a category"]), max_size=4),
    ),
    max_size=5,
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(answer_sets, min_size=1, max_size=8),
    st.sampled_from([None, 0.0, 0.3, 0.5, 0.9]),
)
def test_multi_label_text_lines_equal_the_dict_lines(tmp_path_factory, crowd, threshold):
    items = [multi_item(object_id, answers) for object_id, answers in enumerate(crowd)]
    dict_lines, text_lines = both_outputs(
        tmp_path_factory.mktemp("job"), items, label_threshold=threshold
    )
    assert text_lines == dict_lines


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(
                st.sampled_from(["w1", "w2", "w3"]),
                st.sampled_from([*LABELS, "not a category"]),
            ),
            max_size=4,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_single_label_text_lines_equal_the_dict_lines(tmp_path_factory, crowd):
    items = [single_item(object_id, answers) for object_id, answers in enumerate(crowd)]
    folder = tmp_path_factory.mktemp("job")
    dict_lines, text_lines = both_outputs(folder, items, task="single-label")
    assert text_lines == dict_lines


def test_manifest_lines_keep_their_keys_and_unanswered_lines_pass_through(tmp_path):
    items = [
        multi_item(0, [("w1", ["cat", "a=b"]), ("w2", ["cat"]), ("w3", ["cat"])]),
        multi_item(2, [("w1", ["None"])]),
        multi_item("x-7", [("w2", ["<dog> & 'bird'"]), ("w3", [])]),
    ]
    manifest = [
        {"source-ref": "s3://b/0.jpg", "payload": "payload", "payload-metadata": {"old": 1}},
        {"source-ref": "s3://b/<1>.jpg", "note": "é"},
        {"source-ref": "s3://b/2.jpg", "size": 1.5e3},
    ]
    dict_lines, text_lines = both_outputs(tmp_path, items, manifest=manifest)
    assert text_lines == dict_lines
    assert text_lines[1] == dumps(manifest[1]) + "\n"  # object 1 has no answers: unchanged
    first = json.loads(text_lines[0])
    assert list(first) == ["source-ref", "payload", "payload-metadata"]
    assert first["payload"] == [0, 2]  # the earlier label of the same attribute is replaced


def test_reported_hundredths_round_like_reported_confidence():
    rng = np.random.default_rng(0)
    halves = (np.arange(200) + 0.5) / 100.0  # 0.005, 0.015, ... where rounding is delicate
    values = np.concatenate([rng.random(2000), halves, [0.0, 1.0, 0.945, 0.955, 0.994999]])
    answers = np.where(np.arange(values.size) % 7 == 0, 1, 3)
    expected = [reported_confidence(v, n) for v, n in zip(values.tolist(), answers, strict=True)]
    assert (reported_hundredths(values, answers) / 100.0).tolist() == expected


@pytest.mark.parametrize(
    "body",
    [
        b'{"answers":[]}',
        b'\xef\xbb\xbf{"answers":[]}',
        '{"answers":["é"]}'.encode("utf-16"),
        b' {"answers": [1]} \n',
        b'{"answers":[]} trailing',
        b'{"answers":"\xff"}',
        b"",
    ],
)
def test_response_files_parse_as_json_loads_does(body):
    def outcome(parse):
        try:
            return parse(body)
        except ValueError as error:
            return type(error), str(error)

    assert outcome(_parse_json) == outcome(json.loads)
