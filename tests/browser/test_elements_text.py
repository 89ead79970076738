"""crowd-entity-annotation in a real Chromium: highlighting with the mouse and the keyboard,
labels, the overlap rule, initial-value, its own form (AWS documents it as self-contained) and
the answer in AWS's documented shape with offsets in Unicode code points."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TAG = "crowd-entity-annotation"
# The rocket is one code point but two UTF-16 units: offsets after it tell the two apart.
TEXT = "Jane Doe \U0001f680 joined Example Corp on 4 May 2021."
LABELS = (
    "[{'label': 'person', 'shortDisplayName': 'per', 'fullDisplayName': 'Person'},"
    " {'label': 'date', 'shortDisplayName': 'dat', 'fullDisplayName': 'Date'},"
    " {'label': 'company', 'shortDisplayName': 'com', 'fullDisplayName': 'Company'}]"
)


def element(extra: str = "", inner: str = "", name: str = "crowd-entity-annotation") -> str:
    return f"""
<{TAG} name="{name}" header="Highlight parts of the text below"
  labels="{LABELS}" text="{TEXT}" {extra}>
  <full-instructions header="Named entity recognition instructions">
    <p>Highlight names, dates and companies.</p>
  </full-instructions>
  <short-instructions>Apply labels to words or phrases.</short-instructions>
  {inner}
</{TAG}>
"""


def open_task(page: Page, url: str) -> None:
    page.goto(url)
    page.evaluate("window.gtemuCrowd.ready")


def posted(task_site) -> dict:
    answers = [json.loads(s.task_answers) for s in task_site.submissions]
    assert len(answers) == 1
    return answers[0][0]


def char(page: Page, index: int):
    return page.locator(f"{TAG} .text span[data-i='{index}']")


def drag_over(page: Page, start: int, end: int) -> None:
    """Drags from the code point `start` to the code point `end - 1`."""
    first = char(page, start).bounding_box()
    last = char(page, end - 1).bounding_box()
    page.mouse.move(first["x"] + 1, first["y"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(last["x"] + last["width"] - 1, last["y"] + last["height"] / 2, steps=5)
    page.mouse.up()


def code_points(fragment: str) -> tuple[int, int]:
    start = TEXT.index(fragment)  # Python indexes code points
    return start, start + len(fragment)


def test_mouse_and_keyboard_highlights_post_code_point_offsets(page, task_site):
    open_task(page, task_site.page_url(element()))
    expect(page.get_by_role("radio", name="Person")).to_be_checked()

    # Person: a mouse drag over "Jane Doe".
    drag_over(page, *code_points("Jane Doe"))
    expect(page.get_by_role("button", name="Remove Person: Jane Doe")).to_be_attached()

    # Company: the keyboard. A click places the caret before "Example", Ctrl+Shift+Right twice
    # selects two words, key 3 chooses Company and labels the selection.
    example, _ = code_points("Example Corp")
    box = char(page, example).bounding_box()
    page.mouse.click(box["x"] + 1, box["y"] + box["height"] / 2)
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")
    expect(page.locator(f"{TAG} .selection-status")).to_contain_text("Example Corp")
    page.keyboard.press("3")

    # Date: choose the label first, then select with Shift+arrows and press Enter.
    page.get_by_role("radio", name="Date").check()
    date, date_end = code_points("4 May 2021")
    box = char(page, date).bounding_box()
    page.mouse.click(box["x"] + 1, box["y"] + box["height"] / 2)
    for _ in range(date_end - date):
        page.keyboard.press("Shift+ArrowRight")
    page.locator(f"{TAG} .text").press("Enter")

    page.get_by_role("button", name="Submit").click()
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    answer = posted(task_site)
    assert answer == {
        "crowd-entity-annotation": {
            "entities": [
                {"endOffset": 8, "label": "person", "startOffset": 0},
                {"endOffset": 30, "label": "company", "startOffset": 18},
                {"endOffset": 44, "label": "date", "startOffset": 34},
            ]
        }
    }
    entities = answer["crowd-entity-annotation"]["entities"]
    assert [TEXT[e["startOffset"] : e["endOffset"]] for e in entities] == [
        "Jane Doe",
        "Example Corp",
        "4 May 2021",
    ]
    assert list(entities[0]) == ["endOffset", "label", "startOffset"]


def test_overlap_rule_relabel_and_remove(page, task_site):
    initial = "[{label: 'company', startOffset: 18, endOffset: 30}]"
    open_task(page, task_site.page_url(element(f'initial-value="{initial}"')))
    remove_company = page.get_by_role("button", name="Remove Company: Example Corp")
    expect(remove_company).to_be_attached()

    # Part of a labelled span ("Corp on") is refused with a message; nothing changes.
    drag_over(page, *code_points("Corp on"))
    expect(page.locator(f"{TAG} .error")).to_have_text(
        "A highlight may hold whole labelled spans but not part of one."
    )
    # A highlight holding the whole span is allowed (nesting).
    drag_over(page, *code_points("joined Example Corp"))
    expect(page.get_by_role("button", name="Remove Person: joined Example Corp")).to_be_attached()
    expect(page.locator(f"{TAG} .error")).to_have_text("")

    # A click on labelled text selects its span; a label key changes its label.
    corp = char(page, code_points("Example")[0]).bounding_box()
    page.mouse.click(corp["x"] + 2, corp["y"] + corp["height"] / 2)
    page.keyboard.press("2")
    expect(page.get_by_role("button", name="Remove Date: Example Corp")).to_be_attached()
    expect(remove_company).to_have_count(0)

    # Removing with the × on the label tag.
    page.get_by_role("button", name="Remove Person: joined Example Corp").click()
    page.keyboard.press("Control+Enter")
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    assert posted(task_site) == {
        "crowd-entity-annotation": {
            "entities": [{"endOffset": 30, "label": "date", "startOffset": 18}]
        }
    }


def test_inside_crowd_form_with_the_samples_additional_question(page, task_site):
    """Inside a crowd-form it answers like any element; standalone, AWS's sample appends more
    questions to its inner form (`shadowRoot.querySelector('crowd-form').form`)."""
    inner = (
        '<div id="additionalQuestions"><h3>What is the overall subject?</h3>'
        '<crowd-radio-group><crowd-radio-button name="tech" value="tech">Technology'
        "</crowd-radio-button></crowd-radio-group></div>"
    )
    script = f"""<script>
      document.addEventListener('all-crowd-elements-ready', () => {{
        document.querySelector('{TAG}').shadowRoot.querySelector('crowd-form').form
          .appendChild(additionalQuestions);
      }});
    </script>"""
    open_task(page, task_site.page_url(element(inner=inner, name="ner") + script))
    page.get_by_role("radio", name="Technology").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    assert posted(task_site) == {"ner": {"entities": []}, "tech": {"tech": True}}

    task_site.submissions.clear()
    note = "<crowd-input name='note' value='x'></crowd-input>"
    body = f"<crowd-form>{element(name='ner')}{note}</crowd-form>"
    open_task(page, task_site.page_url(body))
    expect(page.get_by_role("button", name="Submit")).to_have_count(1)
    drag_over(page, *code_points("Jane"))
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    assert posted(task_site) == {
        "ner": {"entities": [{"endOffset": 4, "label": "person", "startOffset": 0}]},
        "note": "x",
    }


def test_entity_page_is_axe_clean(page, task_site):
    initial = "[{label: 'company', startOffset: 18, endOffset: 30}]"
    open_task(page, task_site.page_url(element(f'initial-value="{initial}"')))
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document)")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
