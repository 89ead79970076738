"""Crowd-element checks on rendered pages, through the Python API that the CLI and preview use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from worker_ui.lint import (
    LiteralSyntaxError,
    Sample,
    SampleData,
    lint_template,
    load_samples,
    parse_literal,
)

TEXT_TEMPLATE = """\
<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-classifier name="sentiment" categories="['Positive', 'Negative']"
    header="What is the sentiment?">
    <classification-target>{{ task.input.source }}</classification-target>
  </crowd-classifier>
{{ extra }}
</crowd-form>
"""


def findings_for(template: str, task_input: object) -> list[tuple[int, int, str, str]]:
    data = SampleData(samples=[Sample("input.json", task_input)])
    return [
        (f.line, f.column, f.severity, f.message) for f in lint_template(template, "t.html", data)
    ]


def with_extra(markup: str) -> str:
    return TEXT_TEMPLATE.replace("{{ extra }}", markup)


def test_a_text_classification_template_with_an_input_file_is_clean(tmp_path: Path):
    (tmp_path / "input.json").write_text(json.dumps({"source": "I love it"}))
    data = load_samples(input_file=tmp_path / "input.json")
    assert [s.task_input for s in data.samples] == [{"source": "I love it"}]
    assert lint_template(with_extra(""), "t.html", data) == []


def test_an_exclusion_category_that_is_not_an_object_literal():
    template = with_extra(
        '<crowd-classifier-multi-select name="topics" header="Topics" categories="[\'a\', \'b\']"'
        ' exclusion-category="{ text: None }"></crowd-classifier-multi-select>'
    )
    assert findings_for(template, {"source": "x"}) == [
        (
            7,
            86,
            "error",
            "'exclusion-category' of <crowd-classifier-multi-select> is not valid (unexpected word "
            "\"None\" at position 9); write it as { text: 'None of the above' }",
        )
    ]


def test_two_answer_elements_with_one_name_overwrite_each_other():
    template = with_extra('<crowd-input name="sentiment" label="Why?"></crowd-input>')
    assert findings_for(template, {"source": "x"}) == [
        (
            7,
            14,
            "warning",
            "<crowd-input> name 'sentiment' is used by another element too: one answer overwrites "
            "the other",
        )
    ]


def test_elements_written_by_a_loop_point_at_the_tag_in_the_template():
    template = with_extra(
        "{% for q in task.input.questions %}\n"
        '  <crowd-slider name="q{{ forloop.index }}"></crowd-slider>\n'
        '  <crowd-sliderr name="x{{ forloop.index }}"></crowd-sliderr>\n'
        "{% endfor %}"
    )
    found = findings_for(template, {"source": "x", "questions": ["a", "b", "c"]})
    assert found == [
        (9, 3, "error", "unknown crowd element <crowd-sliderr>; did you mean <crowd-slider>?")
    ]


def test_the_segmentation_elements_are_checked_like_any_element():
    template = with_extra(
        '<crowd-instance-segmentation name="p" src="x" labels="[]"></crowd-instance-segmentation>'
    )
    assert findings_for(template, {"source": "x"}) == [
        (7, 1, "warning", f"<crowd-instance-segmentation> should contain <{region}>")
        for region in ("full-instructions", "short-instructions")
    ]


def test_an_external_script_is_listed_because_it_cannot_load_offline():
    template = with_extra('<script src="https://cdn.example.com/lib.js"></script>')
    assert findings_for(template, {"source": "x"}) == [
        (7, 9, "info", "loads https://cdn.example.com/lib.js, which cannot load offline")
    ]


def test_a_pre_annotation_function_that_fails_is_reported_on_its_line(tmp_path: Path):
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text('{"source": "a"}\n{"source": "b"}\n')
    pre = tmp_path / "pre.py"
    pre.write_text(
        "def handler(event, context):\n"
        "    if event['dataObject']['source'] == 'b':\n"
        "        raise ValueError('no b please')\n"
        "    return {'taskInput': event['dataObject'], 'isHumanAnnotationRequired': 'False'}\n"
    )
    data = load_samples(manifest=manifest, pre_lambda=f"{pre}:handler")
    assert [(s.name, s.skipped) for s in data.samples] == [("manifest.jsonl:1", True)]
    assert [f.format() for f in data.findings] == [
        f"{manifest}:2:1: error: the pre-annotation function raised ValueError: no b please"
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("['Cat', \"Dog\", ]", ["Cat", "Dog"]),
        ("{ text: 'None of the above' }", {"text": "None of the above"}),
        ('["a\\u0027b"] // a comment', ["a'b"]),
        ("[1, -2.5, 0x10, true, null]", [1, -2.5, 16, True, None]),
    ],
)
def test_attribute_literals_are_read_like_the_crowd_elements_read_them(text, value):
    assert parse_literal(text) == value


@pytest.mark.parametrize("text", ["[", "['a' 'b']", "[a]", "{text 'x'}", "[] x"])
def test_broken_attribute_literals_are_errors(text):
    with pytest.raises(LiteralSyntaxError):
        parse_literal(text)


def test_grant_read_access_on_a_web_url_that_is_not_s3_is_a_warning():
    template = with_extra('<img alt="" src="{{ task.input.url | grant_read_access }}">')
    assert findings_for(template, {"source": "x", "url": "https://example.com/a.png"}) == [
        (
            7,
            13,
            "warning",
            "grant_read_access was given 'https://example.com/a.png', which is not an S3 "
            "object: the URL is used unchanged",
        )
    ]


def test_a_template_that_does_not_load_the_crowd_elements_script():
    template = with_extra("").replace(
        '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>\n', ""
    )
    assert findings_for(template, {"source": "x"}) == [
        (
            1,
            1,
            "warning",
            "the template does not load https://assets.crowd.aws/crowd-html-elements.js: its crowd "
            "elements will not work",
        )
    ]


def test_empty_and_repeated_categories():
    template = with_extra("").replace(
        "['Positive', 'Negative']", "{{ task.input.labels | to_json | escape }}"
    )
    assert findings_for(template, {"source": "x", "labels": []}) == [
        (3, 38, "error", "<crowd-classifier> has no categories: workers cannot answer")
    ]
    assert findings_for(template, {"source": "x", "labels": ["a", "b", "a"]}) == [
        (3, 38, "warning", "<crowd-classifier> lists a category more than once: ['a']")
    ]
