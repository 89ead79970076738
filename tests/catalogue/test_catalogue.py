"""The task-type catalogue and the one template-facts reader: the engine, lint, the preview's
answer check, the worker API and the simulated workers agree on every template fact."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from emulator import lambdas, tasktypes
from emulator.elements.facts import template_facts
from emulator.jobs.validation import AnswerRejected
from emulator.simulate import find_answer_element
from worker_ui.lint import (
    Sample,
    SampleData,
    check_answer,
    lint_template,
    load_samples,
    scan_page,
)
from worker_ui.worker_api import answer_element_for

LABELS = ["cat", "dog"]

# Every way AWS's docs and samples write the exclusion category, and what it means.
EXCLUSION_FORMS = [
    ("{ text: 'None of these' }", "None of these"),
    ('{ "text": "None of these" }', "None of these"),
    ("{text:'None of these'}", "None of these"),
    ("None of these", "None of these"),
    ("'None of these'", "None of these"),
    ("{ text: None }", None),  # unreadable: no exclusion category (lint reports an error)
    ("", None),
]


def _template(exclusion: str) -> str:
    attribute = exclusion
    quoted = attribute.replace('"', "&quot;")
    return (
        '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>\n'
        '<crowd-form><crowd-image-classifier-multi-select name="choice" '
        'src="{{ task.input.taskObject | grant_read_access }}" header="Pick" '
        'categories="{{ task.input.labels | to_json | escape }}" '
        f'exclusion-category="{quoted}">'
        "<full-instructions>x</full-instructions><short-instructions>x</short-instructions>"
        "</crowd-image-classifier-multi-select></crowd-form>\n"
    )


def _engine_accepts(gt, template: str, label: str) -> bool:
    uris = gt.upload_inputs(["s3://gtemu-test/images/a.jpg"], labels=LABELS, template=template)
    name = f"excl-{abs(hash((template, label))) % 10**8}"
    gt.create_job(name, uris, workers_per_object=1)
    task = gt.next_task(name, "alice")
    try:
        gt.submit(task, {"choice": {"labels": [label]}})
    except AnswerRejected:
        return False
    return True


def _lint_accepts(template: str, label: str) -> bool:
    sample = Sample("a", {"taskObject": "https://example.com/a.jpg", "labels": LABELS})
    from worker_ui.lint import TemplateLinter

    check = TemplateLinter(template).check_sample(sample, categories=LABELS)
    checks = check_answer({"choice": {"labels": [label]}}, check.page, categories=LABELS)
    return all(c.ok for c in checks)


@pytest.mark.parametrize(("form", "meaning"), EXCLUSION_FORMS)
def test_engine_and_lint_read_every_exclusion_form_alike(groundtruth, form, meaning):
    template = _template(form)
    assert template_facts(template).exclusion_category == meaning
    engine = _engine_accepts(groundtruth, template, "None of these")
    assert engine == _lint_accepts(template, "None of these") == (meaning is not None)
    # A category of the job is accepted by both whatever the exclusion says.
    assert _lint_accepts(template, "cat")


def test_lint_reports_the_unreadable_exclusion_form_the_engine_ignores():
    data = SampleData(samples=[Sample("a", {"taskObject": "s3://b/a.jpg", "labels": LABELS})])
    findings = lint_template(_template("{ text: None }"), "t.html", data)
    assert [f.code for f in findings if f.severity == "error"] == ["invalid-exclusion-category"]
    clean = lint_template(_template("None of these"), "t.html", data)
    assert not [f for f in clean if f.code == "invalid-exclusion-category"]


# -- pre-annotation replies ------------------------------------------------------------------

PRE_ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-pre"
REPLIES = [True, False, "true", "false", "FALSE", "True", None, "no", 0, 1]


def _reply(value):
    reply = {"taskInput": {"taskObject": "s3://b/a.jpg", "labels": LABELS}}
    if value is not None:
        reply["isHumanAnnotationRequired"] = value
    return reply


def _engine_outcome(gt, value) -> str:
    """`human`, `skipped` or `failed` for one object whose pre-annotation replies `value`."""
    name = f"pre-{abs(hash(repr(value))) % 10**8}"
    arn = f"{PRE_ARN}-{name}"
    gt.register_lambda(arn, lambda event, context: _reply(value))
    uris = gt.upload_inputs(1, labels=LABELS, prefix=name)
    gt.create_job(name, uris, task_type=tasktypes.DEFAULT, workers_per_object=1,
                  PreHumanTaskLambdaArn=arn)
    gt.engine.pump()
    job = gt.job(name)
    data_object = job.run.objects[0]
    return {"open": "human", "skipped": "skipped", "failed": "failed"}[data_object.state]


def _lint_outcome(tmp_path, value) -> str:
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text('{"source-ref": "s3://b/a.jpg"}\n', encoding="utf-8")
    module = tmp_path / f"pre_{abs(hash(repr(value)))}.py"
    module.write_text(
        f"def handler(event, context):\n    return {_reply(value)!r}\n", encoding="utf-8"
    )
    data = load_samples(manifest=manifest, pre_lambda=f"{module}:handler")
    if data.findings:
        return "failed"
    return "skipped" if data.samples[0].skipped else "human"


@pytest.mark.parametrize("value", REPLIES, ids=repr)
def test_engine_and_lint_agree_on_when_pre_annotation_asks_for_a_human(
    groundtruth, tmp_path, value
):
    assert _engine_outcome(groundtruth, value) == _lint_outcome(tmp_path, value)


def test_pre_annotation_reply_reading():
    assert lambdas.pre_annotation_reply(_reply(None))[1] is True
    assert lambdas.pre_annotation_reply(_reply("false"))[1] is False
    with pytest.raises(ValueError, match="must be a boolean"):
        lambdas.pre_annotation_reply(_reply("no"))


# -- the answer element ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(tasktypes.TASK_TYPES))
def test_every_built_in_template_names_its_element_alike_everywhere(name):
    task = tasktypes.get(name)
    if task.template is None:
        return
    facts = template_facts(task.template)
    assert facts.tag == task.element
    assert find_answer_element(task.template).tag == task.element
    worker_task = SimpleNamespace(template=task.template)
    job = SimpleNamespace(pre_lambda_arn=None, acs_lambda_arn=None)
    assert answer_element_for(worker_task, job).tag == task.element
    page = scan_page(task.template)
    assert [e.tag for e in page.named_elements()][0] == task.element


@pytest.mark.parametrize("name", ["TextMultiClass", "TextMultiClassMultiLabel",
                                  "ImageMultiClass", "ImageMultiClassMultiLabel"])
def test_the_worker_api_names_the_task_types_element_when_the_template_does_not(name):
    arns = tasktypes.builtin_arns("eu-west-1", name)
    job = SimpleNamespace(pre_lambda_arn=arns["PRE"], acs_lambda_arn=arns["ACS"])
    element = answer_element_for(SimpleNamespace(template="<crowd-form></crowd-form>"), job)
    assert element.tag == tasktypes.get(name).element
    if name.startswith("Text"):
        assert "image" not in element.tag


def test_the_facts_reader_takes_the_first_answer_element_and_its_name():
    html = (
        '<crowd-form><crowd-input name="note"></crowd-input>'
        "<crowd-classifier categories=\"['a', 'b']\" header=h></crowd-classifier>"
        '<crowd-image-classifier name="second"></crowd-image-classifier></crowd-form>'
    )
    facts = template_facts(html)
    assert (facts.tag, facts.name, facts.categories) == ("crowd-classifier", "crowd-classifier",
                                                          ["a", "b"])
    assert template_facts("<p>nothing</p>").tag is None


# -- the catalogue ---------------------------------------------------------------------------


@pytest.mark.parametrize("region", sorted(tasktypes.BUILTIN_ACCOUNTS))
def test_every_regions_built_in_arns_name_their_task_type(region):
    for name, task in tasktypes.TASK_TYPES.items():
        if name == tasktypes.CUSTOM:
            continue
        arns = tasktypes.builtin_arns(region, name)
        assert tasktypes.for_arn(arns["PRE"]) is task
        assert tasktypes.for_arn(arns["ACS"]) is task
        assert tasktypes.for_job(arns["PRE"], arns["ACS"]) is task
        assert tasktypes.parse_builtin(arns["ACS"]).region == region


def test_lookups_by_name_element_and_demo():
    assert tasktypes.for_job(None, None) is tasktypes.get("Custom")
    assert tasktypes.for_job(PRE_ARN, None) is tasktypes.get("Custom")
    assert tasktypes.get("PassThrough").pre_annotation is None
    assert tasktypes.for_element("crowd-classifier") is tasktypes.get("TextMultiClass")
    assert tasktypes.for_demo("multilabel") is tasktypes.get("ImageMultiClassMultiLabel")
    unsupported = tasktypes.builtin_arns("us-east-1", "VideoObjectTracking")["ACS"]
    assert tasktypes.parse_builtin(unsupported).task_type == "VideoObjectTracking"
    assert tasktypes.for_arn(unsupported) is None
    for task in tasktypes.TASK_TYPES.values():
        assert task.name in tasktypes.AWS_TASK_TYPES or task.name == tasktypes.CUSTOM
        assert not task.needs_label_file or task.label_rules is not None


# -- boxes -----------------------------------------------------------------------------------


def test_the_box_templates_lint_clean_and_name_their_element():
    from emulator.tasktypes.templates import adjustment_template

    line = {
        "source-ref": "s3://b/a.png",
        "boxes": {"image_size": [{"width": 100, "height": 80, "depth": 3}],
                  "annotations": [{"class_id": 0, "left": 1, "top": 2, "width": 3, "height": 4}]},
        "boxes-metadata": {"class-map": {"0": "cat"}, "type": "groundtruth/object-detection"},
    }
    task_input = {"taskObject": "s3://b/a.png", "labels": LABELS, "manifestLine": line}
    for template in (tasktypes.get("BoundingBox").template, adjustment_template("boxes"),
                     tasktypes.get("VerificationBoundingBox").template.replace(
                         "bounding-box", "boxes")):
        data = SampleData(samples=[Sample("a", task_input)], categories=LABELS)
        findings = [f for f in lint_template(template, "t.html", data) if f.severity == "error"]
        assert findings == []


def test_lint_and_the_engine_apply_the_same_box_contract():
    from worker_ui.lint import TemplateLinter

    template = tasktypes.get("BoundingBox").template
    sample = Sample("a", {"taskObject": "https://example.com/a.png", "labels": LABELS})
    page = TemplateLinter(template).check_sample(sample, categories=LABELS).page
    job = tasktypes.JobContext("boxes", LABELS, template_facts(template))
    box_type = tasktypes.get("BoundingBox")
    for box, ok in [
        ({"label": "cat", "left": 1, "top": 1, "width": 5, "height": 5}, True),
        ({"label": "cow", "left": 1, "top": 1, "width": 5, "height": 5}, False),
        ({"label": "cat", "left": 1, "top": 1, "width": -5, "height": 5}, False),
        ({"label": "cat", "left": 90, "top": 1, "width": 50, "height": 5}, False),
    ]:
        answer = {"boundingBox": {"boundingBoxes": [box],
                                  "inputImageProperties": {"width": 100, "height": 80}}}
        engine_ok = box_type.check_answer(answer, job, {"source-ref": "s3://b/a.png"}) is None
        lint_ok = all(c.ok for c in check_answer(answer, page, categories=LABELS))
        assert engine_ok == lint_ok == ok, box


def test_lint_builds_the_task_input_of_the_templates_task_type(tmp_path):
    from emulator.tasktypes.templates import adjustment_template
    from worker_ui.lint import TemplateLinter

    line = {
        "source-ref": "s3://b/a.png",
        "boxes": {"image_size": [{"width": 100, "height": 80, "depth": 3}],
                  "annotations": [{"class_id": 1, "left": 1, "top": 2, "width": 3, "height": 4}]},
        "boxes-metadata": {"class-map": {"1": "dog"}, "type": "groundtruth/object-detection"},
    }
    manifest = tmp_path / "output.manifest"
    manifest.write_text(json.dumps(line) + "\n", encoding="utf-8")
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"labels": [{"label": x} for x in LABELS]}), encoding="utf-8")
    template = adjustment_template("boxes")
    data = load_samples(manifest=manifest, labels=labels, template=template)
    assert data.samples[0].task_input == {
        "taskObject": "s3://b/a.png", "labels": LABELS, "manifestLine": line}
    check = TemplateLinter(template).check_sample(data.samples[0], categories=LABELS)
    assert [f for f in check.findings if f.severity == "error"] == []
    assert "{ label: &#34;dog&#34;, left: 1, top: 2, width: 3, height: 4 }" in check.html
    # A classification template keeps the classification task input.
    classifier = tasktypes.get("ImageMultiClass").template
    data = load_samples(manifest=manifest, labels=labels, template=classifier)
    assert data.samples[0].task_input == {"taskObject": "s3://b/a.png", "labels": LABELS}
