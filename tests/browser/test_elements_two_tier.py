"""Two-tier classification as AWS's dynamic samples build it: categories set from script, the
classifier's `change` event read through `event.target.value` (the chosen category's name) to
build follow-up checkboxes, and a submit that posts the classifier's answer and the follow-ups."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect

from worker_ui.preview import PreviewSession, PreviewSource, create_preview_app

# Our own template in the samples' style: the classifier's categories come from script, the
# follow-up checkboxes are shown in a crowd-card placed in the classifier's category column,
# and hidden native checkboxes in the light DOM (the ones a submit collects) mirror them.
TWO_TIER_TEMPLATE = """
<crowd-form>
  <crowd-classifier name="topic" categories="['placeholder']" header="What is this text about?">
    <classification-target><p>The match went to extra time before the home side scored.</p>
    </classification-target>
    <full-instructions header="Topics"><p>Pick the main topic.</p></full-instructions>
    <short-instructions><p>Pick the main topic.</p></short-instructions>
  </crowd-classifier>
  <follow-up-answers></follow-up-answers>
</crowd-form>
<script>
  const FOLLOW_UPS = {
    Sport: ['Team sport', 'Result reported'],
    Politics: ['Election', 'Legislation', 'Local'],
    Weather: [],
  };
  document.addEventListener('all-crowd-elements-ready', () => {
    const classifier = document.querySelector('crowd-classifier');
    const column = classifier.shadowRoot.querySelector('.annotation-area .category-picker-wrapper');
    const answers = document.querySelector('follow-up-answers');
    const card = document.createElement('crowd-card');
    card.className = 'follow-ups';
    card.textContent = 'Depending on your choice there may be more questions.';
    customElements.whenDefined('crowd-classifier').then(() => {
      column.insertAdjacentElement('afterend', card);
      classifier.categories = Object.keys(FOLLOW_UPS);
      classifier.addEventListener('change', (event) => {
        const questions = FOLLOW_UPS[event.target.value];
        answers.innerHTML = '';
        if (questions.length === 0) {
          card.textContent = 'There are no more questions.';
          return;
        }
        card.innerHTML = questions.map((q) =>
          `<label><input type="checkbox" value="${q}">${q}</label>`).join('');
        for (const q of questions) {
          const hidden = document.createElement('input');
          hidden.type = 'checkbox';
          hidden.name = 'reasons';
          hidden.value = q;
          hidden.style.display = 'none';
          answers.appendChild(hidden);
        }
        card.querySelectorAll('input').forEach((box) => box.addEventListener('change', (e) => {
          answers.querySelector(`input[value="${e.target.value}"]`).checked = e.target.checked;
        }));
      });
    });
  });
</script>
"""

IMAGE_TWO_TIER_TEMPLATE = TWO_TIER_TEMPLATE.replace(
    '<crowd-classifier name="topic"', '<crowd-image-classifier name="topic" src="/image.svg"'
).replace("</crowd-classifier>", "</crowd-image-classifier>").replace(
    "querySelector('crowd-classifier')", "querySelector('crowd-image-classifier')"
).replace("whenDefined('crowd-classifier')", "whenDefined('crowd-image-classifier')")


def open_task(page: Page, url: str) -> None:
    page.goto(url)
    page.evaluate("window.gtemuCrowd.ready")


def test_choosing_a_category_builds_follow_ups_and_submit_posts_both(page: Page, task_site):
    open_task(page, task_site.page_url(TWO_TIER_TEMPLATE))
    follow_ups = page.locator("crowd-classifier crowd-card.follow-ups")
    expect(page.get_by_role("radio")).to_have_count(3)

    page.get_by_role("radio", name="Politics").check()
    expect(follow_ups.get_by_role("checkbox")).to_have_count(3)
    page.get_by_role("radio", name="Sport").check()  # a new choice replaces the questions
    expect(follow_ups.get_by_role("checkbox")).to_have_count(2)
    assert page.evaluate("document.querySelector('crowd-classifier').value") == "Sport"

    follow_ups.get_by_role("checkbox", name="Result reported").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()

    assert [json.loads(s.task_answers) for s in task_site.submissions] == [[{
        "topic": {"label": "Sport"},
        "reasons": {"Team sport": False, "Result reported": True},
    }]]


def test_a_category_without_follow_ups_says_so(page: Page, task_site):
    open_task(page, task_site.page_url(IMAGE_TWO_TIER_TEMPLATE))
    page.keyboard.press("3")
    expect(page.locator("crowd-image-classifier crowd-card.follow-ups")).to_have_text(
        "There are no more questions."
    )
    page.keyboard.press("Control+Enter")
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    assert json.loads(task_site.submissions[0].task_answers) == [{"topic": {"label": "Weather"}}]


def test_single_choice_value_is_the_category_name_and_its_setter_takes_one(page: Page, task_site):
    open_task(page, task_site.page_url(TWO_TIER_TEMPLATE))
    classifier = "document.querySelector('crowd-classifier')"
    assert page.evaluate(f"{classifier}.value") == ""
    page.evaluate(f"{classifier}.value = 'Weather'")
    expect(page.get_by_role("radio", name="Weather")).to_be_checked()
    assert page.evaluate(f"{classifier}.value") == "Weather"
    page.evaluate(f"{classifier}.value = ''")
    expect(page.get_by_role("radio", name="Weather")).not_to_be_checked()
    assert page.evaluate(f"{classifier}.value") == ""


def test_the_two_tier_template_in_the_preview(page: Page, live_server: Callable[[Flask], str],
                                               tmp_path: Path):
    template = tmp_path / "two-tier.liquid.html"
    # As in AWS's samples, the attribute names the same categories the script sets: the
    # preview checks a submitted label against the template's own `categories`.
    template.write_text(
        '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>\n'
        + TWO_TIER_TEMPLATE.replace("['placeholder']", "['Sport', 'Politics', 'Weather']")
    )
    sample = tmp_path / "input.json"
    sample.write_text('{"text": "The match went to extra time."}')
    session = PreviewSession(PreviewSource(template, input_file=sample))
    page.goto(live_server(create_preview_app(session)) + "/preview/")
    task = page.frame_locator("#task")

    task.get_by_role("radio", name="Politics").check()
    follow_ups = task.locator("crowd-classifier crowd-card.follow-ups")
    follow_ups.get_by_role("checkbox", name="Election").check()
    follow_ups.get_by_role("checkbox", name="Local").check()
    task.get_by_role("button", name="Submit").click()

    answer = page.locator("#answer-json")
    expect(answer).to_be_visible()
    assert json.loads(answer.text_content() or "") == {
        "topic": {"label": "Politics"},
        "reasons": {"Election": True, "Legislation": False, "Local": True},
    }
    expect(page.locator("#answer-checks")).to_contain_text(
        "✓ topic: matches the output contract of <crowd-classifier>"
    )
    page.goto("about:blank")  # leave before the server stops (the page long-polls it)
