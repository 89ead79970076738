"""`gtemu lint`: each kind of problem, reported at the template line and column it comes from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator.cli import main
from worker_ui.lint import lint_template, load_samples

from .helpers import AWS_MULTI_LABEL, MULTI_LABEL, SINGLE_LABEL, write_project


def lint(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    status = main(["lint", *argv])
    return status, capsys.readouterr().out.splitlines()


def lint_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], template: str, **project: object
) -> tuple[int, list[str]]:
    paths = write_project(tmp_path, template, **project)  # type: ignore[arg-type]
    return lint(
        capsys,
        str(paths["template"]),
        "--manifest",
        str(paths["manifest"]),
        "--labels",
        str(paths["labels"]),
    )


@pytest.mark.parametrize("kind", [MULTI_LABEL, SINGLE_LABEL], ids=["multilabel", "singlelabel"])
def test_the_bundled_templates_are_clean_for_every_manifest_line(kind, capsys):
    status, lines = lint(
        capsys,
        str(kind / "template.liquid.html"),
        "--manifest",
        str(kind / "manifest.jsonl"),
        "--labels",
        str(kind / "labels.json"),
    )
    assert (status, lines) == (0, [])


def test_a_syntax_error_is_reported_at_its_tag(tmp_path, capsys):
    template = AWS_MULTI_LABEL.replace("<crowd-form>", "<crowd-form>{% if task.input.labels %}")
    status, lines = lint_project(tmp_path, capsys, template)
    assert status == 1
    assert lines == [
        f"{tmp_path}/template.liquid.html:2:16: error: Liquid syntax error: "
        "'if' block is never closed: expected {% endif %}"
    ]


def test_a_typo_in_a_variable_is_an_undefined_variable_with_a_suggestion(tmp_path, capsys):
    template = AWS_MULTI_LABEL.replace("task.input.labels", "task.input.lables")
    status, lines = lint_project(tmp_path, capsys, template)
    assert status == 1
    assert (
        f"{tmp_path}/template.liquid.html:7:20: error: task.input.lables is undefined; did you "
        "mean task.input.labels? [sample manifest.jsonl:1, manifest.jsonl:2]"
    ) in lines


def test_grant_read_access_on_something_that_is_not_an_s3_uri(tmp_path, capsys):
    lines_ = [{"source-ref": "s3://bucket/a.png"}, {"source-ref": "/home/me/b.png"}]
    status, lines = lint_project(tmp_path, capsys, AWS_MULTI_LABEL, lines=lines_)
    assert status == 1
    assert (
        f'{tmp_path}/template.liquid.html:5:37: error: "grant_read_access" input is not a valid '
        'S3 URI: "/home/me/b.png". [sample manifest.jsonl:2]'
    ) in lines


def test_an_unknown_crowd_element_gets_a_suggestion(tmp_path, capsys):
    template = AWS_MULTI_LABEL.replace(
        "</crowd-form>", '  <crowd-text-aera name="comment"></crowd-text-aera>\n</crowd-form>'
    )
    status, lines = lint_project(tmp_path, capsys, template)
    assert status == 1
    assert lines == [
        f"{tmp_path}/template.liquid.html:13:3: error: unknown crowd element <crowd-text-aera>; "
        "did you mean <crowd-text-area>? [sample manifest.jsonl:1, manifest.jsonl:2]"
    ]


def test_a_missing_required_attribute_points_at_the_element(tmp_path, capsys):
    template = AWS_MULTI_LABEL.replace('    header="Please identify all classes in image"\n', "")
    status, lines = lint_project(tmp_path, capsys, template)
    assert status == 1
    assert lines == [
        f"{tmp_path}/template.liquid.html:3:3: error: <crowd-image-classifier-multi-select> "
        "requires the attribute 'header' [sample manifest.jsonl:1, manifest.jsonl:2]"
    ]


def test_to_json_without_escape_breaks_the_categories_attribute(tmp_path, capsys):
    template = AWS_MULTI_LABEL.replace("| to_json | escape", "| to_json")
    status, lines = lint_project(tmp_path, capsys, template)
    assert status == 1
    assert lines == [
        f"{tmp_path}/template.liquid.html:7:5: error: 'categories' of "
        "<crowd-image-classifier-multi-select> is not a JSON array after rendering (unexpected "
        "end of text at position 2): '['; to_json inside a double-quoted attribute needs "
        "'| escape' (categories=\"{{ x | to_json | escape }}\") "
        "[sample manifest.jsonl:1, manifest.jsonl:2]"
    ]


def test_javascript_literal_categories_are_accepted(tmp_path, capsys):
    template = AWS_MULTI_LABEL.replace(
        "{{ task.input.labels | to_json | escape }}", "['Cat', 'Dog', ]"
    )
    status, lines = lint_project(tmp_path, capsys, template)
    assert (status, lines) == (0, [])


def test_a_template_without_crowd_form(tmp_path, capsys):
    template = AWS_MULTI_LABEL.replace("<crowd-form>", "<div>").replace("</crowd-form>", "</div>")
    status, lines = lint_project(tmp_path, capsys, template)
    assert status == 1
    assert lines == [
        f"{tmp_path}/template.liquid.html:1:1: error: the template has no <crowd-form>: workers "
        "could not submit an answer [sample manifest.jsonl:1, manifest.jsonl:2]"
    ]


def test_an_entity_annotation_outside_a_crowd_form_brings_its_own_form(tmp_path, capsys):
    # As AWS's NER samples write it: the element alone, with its own Submit button.
    template = (
        '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>\n'
        '<crowd-entity-annotation name="crowd-entity-annotation" header="Highlight"\n'
        '  labels="[{\'label\': \'person\', \'shortDisplayName\': \'per\'}]"\n'
        '  text="{{ task.input.taskObject }}">\n'
        "  <full-instructions header=\"Help\">Label names.</full-instructions>\n"
        "  <short-instructions>Label names.</short-instructions>\n"
        "</crowd-entity-annotation>\n"
    )
    status, lines = lint_project(tmp_path, capsys, template)
    assert not any("no <crowd-form>" in line for line in lines), lines


def test_more_than_ten_single_label_categories_is_only_a_warning(tmp_path, capsys):
    template = (SINGLE_LABEL / "template.liquid.html").read_text()
    labels = [f"class-{number}" for number in range(11)]
    status, lines = lint_project(tmp_path, capsys, template, labels=labels)
    assert status == 0
    assert len(lines) == 1
    assert lines[0].startswith(f"{tmp_path}/template.liquid.html:")
    assert (
        "warning: <crowd-image-classifier> has 11 categories; the element supports up to 10 "
        "(a job accepts more)" in lines[0]
    )


def test_an_unknown_filter_gets_a_suggestion(tmp_path, capsys):
    template = AWS_MULTI_LABEL.replace("| grant_read_access", "| grant_read_acess")
    status, lines = lint_project(tmp_path, capsys, template)
    assert status == 1
    assert lines[0] == (
        f"{tmp_path}/template.liquid.html:5:37: error: unknown filter 'grant_read_acess'; "
        "did you mean 'grant_read_access'?"
    )


def test_json_output_for_ci(tmp_path, capsys):
    template = AWS_MULTI_LABEL.replace("task.input.taskObject", "task.input.taskobject")
    paths = write_project(tmp_path, template)
    status = main(
        [
            "lint",
            str(paths["template"]),
            "--manifest",
            str(paths["manifest"]),
            "--labels",
            str(paths["labels"]),
            "--format",
            "json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert report["samples"] == 2
    undefined = [f for f in report["findings"] if f["code"] == "undefined-variable"]
    assert undefined == [
        {
            "file": str(paths["template"]),
            "line": 5,
            "column": 13,
            "severity": "error",
            "code": "undefined-variable",
            "message": "task.input.taskobject is undefined; did you mean task.input.taskObject?",
            "samples": ["manifest.jsonl:1", "manifest.jsonl:2"],
        }
    ]


def test_a_bad_manifest_line_is_reported_against_the_manifest(tmp_path, capsys):
    paths = write_project(tmp_path)
    paths["manifest"].write_text('{"source-ref": "s3://b/a.png"}\n\n{"source-ref": s3}\n')
    status, lines = lint(
        capsys,
        str(paths["template"]),
        "--manifest",
        str(paths["manifest"]),
        "--labels",
        str(paths["labels"]),
    )
    assert status == 1
    assert lines == [f"{paths['manifest']}:3:16: error: line is not valid JSON: Expecting value"]


def test_without_a_label_file_the_raw_line_is_the_task_input(tmp_path, capsys):
    paths = write_project(tmp_path)
    status, lines = lint(capsys, str(paths["template"]), "--manifest", str(paths["manifest"]))
    assert status == 1
    assert (
        f"{paths['template']}:5:13: error: task.input.taskObject is undefined (the built-in "
        "pre-annotation provides it: give the label file) [sample manifest.jsonl:1, "
        "manifest.jsonl:2]"
    ) in lines


def test_a_users_pre_annotation_function_builds_the_task_input(tmp_path, capsys):
    template = AWS_MULTI_LABEL.replace("task.input.labels", "task.input.classes")
    paths = write_project(tmp_path, template)
    pre = tmp_path / "pre.py"
    pre.write_text(
        "def handler(event, context):\n"
        "    line = event['dataObject']\n"
        "    return {'taskInput': {'taskObject': line['source-ref'], 'classes': ['A', 'B']}}\n"
    )
    status, lines = lint(
        capsys,
        str(paths["template"]),
        "--manifest",
        str(paths["manifest"]),
        "--pre-lambda",
        f"{pre}:handler",
    )
    assert (status, lines) == (0, [])


def test_a_condition_on_an_optional_key_is_a_warning_not_an_error(tmp_path):
    template = AWS_MULTI_LABEL.replace(
        "</crowd-form>",
        "{% if task.input.note %}<p>{{ task.input.note }}</p>{% endif %}\n</crowd-form>",
    )
    paths = write_project(tmp_path, template)
    data = load_samples(manifest=paths["manifest"], labels=paths["labels"])
    findings = lint_template(template, "t.html", data)
    assert [(f.line, f.column, f.severity) for f in findings] == [(13, 7, "warning")]


def test_no_sample_data_checks_the_structure_only(tmp_path, capsys):
    template = AWS_MULTI_LABEL.replace(
        "crowd-image-classifier-multi-select", "crowd-image-clasifier"
    )
    paths = write_project(tmp_path, template)
    status, lines = lint(capsys, str(paths["template"]))
    assert status == 1
    assert lines == [
        f"{paths['template']}:1:1: info: no sample data: render checks skipped (give --manifest "
        "with --labels, or --input)",
        f"{paths['template']}:3:3: error: unknown crowd element <crowd-image-clasifier>; did you "
        "mean <crowd-image-classifier>?",
    ]
