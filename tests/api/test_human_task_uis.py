"""Human task UIs and RenderUiTemplate through boto3 under mock_aws (docs/api.md#human-task-uis,
docs/api.md#renderuitemplate)."""

from __future__ import annotations

import hashlib
import json
import re

from .helpers import ACCOUNT, REGION, ROLE, error_of, without_metadata

TEMPLATE = """<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-image-classifier-multi-select name="crowd-image-classifier-multi-select"
    src="{{ task.input.taskObject | grant_read_access }}"
    header="{{ task.input.header }}"
    categories="{{ task.input.labels | to_json | escape }}">
  </crowd-image-classifier-multi-select>
</crowd-form>"""
TASK_INPUT = {
    "taskObject": "s3://gt-inputs/images/shapes-00.png",
    "header": "Shapes & colours",
    "labels": ["circle", "red"],
}
UI_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:human-task-ui/multi-label"


def test_create_describe_list_delete(sm):
    arn = sm.create_human_task_ui(HumanTaskUiName="multi-label", UiTemplate={"Content": TEMPLATE})
    assert arn["HumanTaskUiArn"] == UI_ARN
    described = without_metadata(sm.describe_human_task_ui(HumanTaskUiName="multi-label"))
    assert list(described) == [
        "HumanTaskUiArn",
        "HumanTaskUiName",
        "HumanTaskUiStatus",
        "CreationTime",
        "UiTemplate",
    ]
    assert described["HumanTaskUiStatus"] == "Active"
    assert described["UiTemplate"] == {
        "Url": f"gtemu://human-task-ui/{REGION}/{ACCOUNT}/multi-label",
        "ContentSha256": hashlib.sha256(TEMPLATE.encode()).hexdigest(),
    }
    summaries = sm.list_human_task_uis()["HumanTaskUiSummaries"]
    assert summaries == [
        {
            "HumanTaskUiName": "multi-label",
            "HumanTaskUiArn": UI_ARN,
            "CreationTime": described["CreationTime"],
        }
    ]
    assert without_metadata(sm.delete_human_task_ui(HumanTaskUiName="multi-label")) == {}
    assert sm.list_human_task_uis()["HumanTaskUiSummaries"] == []


def test_duplicate_and_unknown_names(sm):
    sm.create_human_task_ui(HumanTaskUiName="multi-label", UiTemplate={"Content": TEMPLATE})
    assert error_of(
        sm.create_human_task_ui, HumanTaskUiName="multi-label", UiTemplate={"Content": "x"}
    ) == ("ResourceInUse", "Human task UI with name multi-label already exists.")
    missing = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:human-task-ui/ghost"
    for call in (sm.describe_human_task_ui, sm.delete_human_task_ui):
        assert error_of(call, HumanTaskUiName="ghost") == (
            "ResourceNotFound",
            f"Could not find human task UI '{missing}'.",
        )


def test_liquid_syntax_error_is_rejected_with_line_and_column(sm):
    code, message = error_of(
        sm.create_human_task_ui,
        HumanTaskUiName="broken",
        UiTemplate={"Content": "<p>ok</p>\n{% for x in %}{% endfor %}"},
    )
    assert code == "ValidationException"
    assert message.startswith("The UI template is not valid: ")
    assert re.search(r"\(line 2, column \d+\)$", message)
    assert sm.list_human_task_uis()["HumanTaskUiSummaries"] == []


def test_uppercase_name_breaks_the_model_pattern(sm):
    code, message = error_of(
        sm.create_human_task_ui, HumanTaskUiName="Multi", UiTemplate={"Content": TEMPLATE}
    )
    assert code == "ValidationException"
    assert message == (
        "1 validation error detected: Value 'Multi' at 'humanTaskUiName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [a-z0-9](-*[a-z0-9])*"
    )


def test_list_sorts_newest_first_by_default_and_pages(sm):
    for name in ["one", "two", "three"]:
        sm.create_human_task_ui(HumanTaskUiName=name, UiTemplate={"Content": TEMPLATE})
    names = [ui["HumanTaskUiName"] for ui in sm.list_human_task_uis()["HumanTaskUiSummaries"]]
    assert names == ["three", "two", "one"]
    pages = sm.get_paginator("list_human_task_uis").paginate(
        SortOrder="Ascending", PaginationConfig={"PageSize": 2}
    )
    paged = [ui["HumanTaskUiName"] for page in pages for ui in page["HumanTaskUiSummaries"]]
    assert paged == ["one", "two", "three"]


def render(sm, **request):
    return without_metadata(sm.render_ui_template(RoleArn=ROLE, **request))


def test_render_inline_template(sm):
    result = render(sm, UiTemplate={"Content": TEMPLATE}, Task={"Input": json.dumps(TASK_INPUT)})
    assert result["Errors"] == []
    html = result["RenderedContent"]
    assert 'header="Shapes &amp; colours"' in html
    assert 'categories="[&#34;circle&#34;,&#34;red&#34;]"' in html
    assert "https://assets.crowd.aws/crowd-html-elements.js" in html
    assert "shapes-00.png" in html


def test_render_a_stored_human_task_ui(sm):
    sm.create_human_task_ui(HumanTaskUiName="multi-label", UiTemplate={"Content": TEMPLATE})
    stored = render(sm, HumanTaskUiArn=UI_ARN, Task={"Input": json.dumps(TASK_INPUT)})
    inline = render(sm, UiTemplate={"Content": TEMPLATE}, Task={"Input": json.dumps(TASK_INPUT)})
    assert stored["Errors"] == [] and stored["RenderedContent"]
    # Signed URLs aside, both render the same page.
    assert stored["RenderedContent"].split("src=")[0] == inline["RenderedContent"].split("src=")[0]


def test_render_errors(sm):
    task = {"Input": json.dumps(TASK_INPUT)}
    assert error_of(
        sm.render_ui_template,
        RoleArn=ROLE,
        Task=task,
        UiTemplate={"Content": TEMPLATE},
        HumanTaskUiArn=UI_ARN,
    ) == ("ValidationException", "Provide exactly one of UiTemplate or HumanTaskUiArn.")
    assert error_of(sm.render_ui_template, RoleArn=ROLE, Task=task) == (
        "ValidationException",
        "Provide exactly one of UiTemplate or HumanTaskUiArn.",
    )
    assert error_of(sm.render_ui_template, RoleArn=ROLE, Task=task, HumanTaskUiArn=UI_ARN) == (
        "ResourceNotFound",
        f"Could not find human task UI '{UI_ARN}'.",
    )
    assert error_of(
        sm.render_ui_template, RoleArn=ROLE, Task={"Input": "[1, 2]"}, UiTemplate={"Content": "x"}
    ) == ("ValidationException", "Task.Input must be a JSON object.")


def test_render_reports_template_problems_in_errors(sm):
    broken = render(
        sm, UiTemplate={"Content": "<p>\n  {% if %}</p>"}, Task={"Input": json.dumps(TASK_INPUT)}
    )
    assert broken["RenderedContent"] == ""
    [error] = broken["Errors"]
    assert error["Code"] == "TemplateSyntaxError"
    assert re.search(r"\(line 2, column \d+\)$", error["Message"])
    bad_uri = render(
        sm,
        UiTemplate={"Content": "<img src='{{ task.input.header | grant_read_access }}'>"},
        Task={"Input": json.dumps(TASK_INPUT)},
    )
    assert bad_uri == {
        "RenderedContent": "",
        "Errors": [
            {
                "Code": "InvalidParameters",
                "Message": '"grant_read_access" input is not a valid S3 URI: "Shapes & colours".',
            }
        ],
    }
