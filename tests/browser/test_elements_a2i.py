"""A2I's review elements in a real Chromium: the worker's decisions on Textract key-value pairs
and Rekognition moderation labels, answered under the integration's key as A2I's output shows."""

from __future__ import annotations

import html
import json
from pathlib import Path

from playwright.sync_api import Page, expect

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TEXTRACT_KEY = "AWS/Textract/AnalyzeDocument/Forms/V1"
REKOGNITION_KEY = "AWS/Rekognition/DetectModerationLabels/Image/V3"


def box(left: float, top: float) -> dict:
    return {"BoundingBox": {"Width": 0.2, "Height": 0.05, "Left": left, "Top": top}}


# As Textract's AnalyzeDocument returns them (PascalCase); the VALUE block's text is in its words.
BLOCKS = [
    {
        "BlockType": "KEY_VALUE_SET",
        "Confidence": 91.5,
        "Geometry": box(0.1, 0.1),
        "Id": "key-name",
        "Relationships": [{"Type": "VALUE", "Ids": ["value-name"]}],
        "EntityTypes": ["KEY"],
        "Text": "Name",
    },
    {
        "BlockType": "KEY_VALUE_SET",
        "Geometry": box(0.4, 0.1),
        "Id": "value-name",
        "Relationships": [{"Type": "CHILD", "Ids": ["w1", "w2"]}],
        "EntityTypes": ["VALUE"],
    },
    {"BlockType": "WORD", "Id": "w1", "Text": "Ana"},
    {"BlockType": "WORD", "Id": "w2", "Text": "Silv"},
    {
        "BlockType": "KEY_VALUE_SET",
        "Id": "key-date",
        "Relationships": [{"Type": "VALUE", "Ids": ["value-date"]}],
        "EntityTypes": ["KEY"],
        "Text": "Date",
    },
    {"BlockType": "KEY_VALUE_SET", "Id": "value-date", "EntityTypes": ["VALUE"], "Text": "x"},
]
KEYS = [
    {"importantFormKey": "Name", "importantFormKeyAliases": ["Full name"]},
    {"importantFormKey": "Address", "importantFormKeyAliases": ["Addr."]},
]


def textract_template() -> str:
    return f"""
<crowd-form>
  <crowd-textract-analyze-document
    src="/image.svg"
    initial-value="{html.escape(json.dumps(BLOCKS))}"
    header="Review the key-value pairs listed on the right and correct them if they don't match."
    no-key-edit
    no-geometry-edit
    keys="{html.escape(json.dumps(KEYS))}"
    block-types="['KEY_VALUE_SET']">
    <short-instructions header="Instructions"><p>Correct the values.</p></short-instructions>
    <full-instructions header="Instructions"><p>Correct the values.</p></full-instructions>
  </crowd-textract-analyze-document>
</crowd-form>
"""


def moderation_template() -> str:
    return """
<crowd-form>
  <crowd-rekognition-detect-moderation-labels
    categories='[
        { name: "Gore", parentName: "Violence", },
        { name: "Weapons", parentName: "", },
    ]'
    src="/image.svg"
    header="Review the image and choose all applicable categories."
    exclusion-category="{ text: 'None of the above' }">
    <short-instructions header="Instructions"><p>Choose all that apply.</p></short-instructions>
    <full-instructions header="Instructions"></full-instructions>
  </crowd-rekognition-detect-moderation-labels>
</crowd-form>
"""


def open_task(page: Page, url: str) -> None:
    page.goto(url)
    page.evaluate("window.gtemuCrowd.ready")


def answers(task_site) -> list[dict]:
    return [json.loads(s.task_answers)[0] for s in task_site.submissions]


def submitted(page: Page) -> None:
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()


def test_textract_review_corrects_rejects_and_adds_pairs(page, task_site):
    open_task(page, task_site.page_url(textract_template()))
    name = page.get_by_role("group", name="Name", exact=True)
    value = name.get_by_role("textbox", name="Value")
    expect(value).to_have_value("Ana Silv")  # the VALUE block's words
    expect(name.get_by_role("textbox", name="Key")).to_have_count(0)  # no-key-edit
    value.click()
    expect(page.locator("crowd-textract-analyze-document .box.key.active")).to_have_count(1)
    value.fill("Ana Silva")
    page.get_by_role("group", name="Date").get_by_role("checkbox").check()
    page.get_by_role("textbox", name="Value, if the document has it").fill("1 Main St")
    page.get_by_role("button", name="Submit").click()
    submitted(page)

    [answer] = answers(task_site)
    assert list(answer) == [TEXTRACT_KEY]
    blocks = answer[TEXTRACT_KEY]["blocks"]
    assert [(b["id"], b["entityTypes"], b["text"]) for b in blocks] == [
        ("key-name", ["KEY"], "Name"),
        ("value-name", ["VALUE"], "Ana Silva"),
        ("gtemu-key-1", ["KEY"], "Address"),
        ("gtemu-value-1", ["VALUE"], "1 Main St"),
    ]
    first = blocks[0]
    assert list(first)[:5] == ["blockType", "id", "relationships", "entityTypes", "text"]
    assert first["relationships"] == [{"type": "VALUE", "ids": ["value-name"]}]
    assert first["geometry"]["boundingBox"]["left"] == 0.1 and first["confidence"] == 91.5
    assert blocks[2]["relationships"] == [{"type": "VALUE", "ids": ["gtemu-value-1"]}]


def test_moderation_labels_chosen_or_excluded(page, task_site):
    open_task(page, task_site.page_url(moderation_template()))
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("crowd-rekognition-detect-moderation-labels .error")).to_have_text(
        "Please choose the categories that apply, or None of the above."
    )
    assert task_site.submissions == []
    page.get_by_role("checkbox", name="Gore").check()
    page.keyboard.press("Control+Enter")
    submitted(page)
    assert answers(task_site) == [
        {REKOGNITION_KEY: {"moderationLabels": [{"name": "Gore", "parentName": "Violence"}]}}
    ]

    task_site.submissions.clear()
    open_task(page, task_site.page_url(moderation_template()))
    weapons = page.get_by_role("checkbox", name="Weapons")
    weapons.check()
    exclusion = page.get_by_role("button", name="None of the above")
    exclusion.click()
    expect(exclusion).to_have_attribute("aria-pressed", "true")
    expect(weapons).to_be_disabled()
    expect(weapons).not_to_be_checked()
    page.get_by_role("button", name="Submit").click()
    submitted(page)
    assert answers(task_site) == [{REKOGNITION_KEY: {"moderationLabels": []}}]


def test_a2i_pages_are_axe_clean(page, task_site):
    for body in (textract_template(), moderation_template()):
        open_task(page, task_site.page_url(body))
        page.add_script_tag(path=str(AXE))
        results = page.evaluate("axe.run(document)")
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == []
