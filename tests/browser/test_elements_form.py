"""Form, layout and feedback elements in a real Chromium: each element's output
(docs/elements.md#elements), validation, reset, and what the layout elements show."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect


def open_task(page: Page, url: str) -> None:
    page.goto(url)
    page.evaluate("window.gtemuCrowd.ready")


def submitted(page: Page) -> None:
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()


def posted_answers(task_site) -> list:
    return [json.loads(s.task_answers) for s in task_site.submissions]


EVERY_CONTROL = """
<crowd-form>
  <crowd-checkbox name="agree" value="yes" checked>I agree</crowd-checkbox>
  <crowd-checkbox name="colors" value="red">Red</crowd-checkbox>
  <crowd-checkbox name="colors" value="blue">Blue</crowd-checkbox>
  <crowd-input name="title" label="Title"></crowd-input>
  <crowd-input name="left-empty" label="Left empty"></crowd-input>
  <crowd-text-area name="notes" label="Notes" rows="2"></crowd-text-area>
  <crowd-radio-group>
    <crowd-radio-button name="btn1" value="yes">Yes</crowd-radio-button>
    <crowd-radio-button name="btn2" value="no">No</crowd-radio-button>
  </crowd-radio-group>
  <crowd-slider name="moved" min="0" max="10" step="1" pin editable></crowd-slider>
  <crowd-slider name="preset" min="0" max="10" value="7"></crowd-slider>
  <crowd-slider name="untouched" min="0" max="10"></crowd-slider>
  <crowd-toggle-button name="urgent" value="urgent">Urgent</crowd-toggle-button>
  <crowd-card heading="A card" image="/image.svg">
    <input name="in-card" aria-label="In card" value="card text">
  </crowd-card>
  <crowd-tabs>
    <crowd-tab header="First"><crowd-input name="tab-one" label="Tab one"></crowd-input></crowd-tab>
    <crowd-tab header="Second">
      <crowd-input name="tab-two" label="Tab two" value="preset two"></crowd-input>
    </crowd-tab>
  </crowd-tabs>
  <input type="text" name="native-text" aria-label="Native text">
  <input type="text" name="native-empty" aria-label="Native empty">
  <input type="hidden" name="native-hidden" value="">
  <input type="hidden" name="native-hidden-empty" value="">
  <input type="checkbox" name="native-box" value="x" aria-label="Native box" checked>
  <input type="radio" name="native-radio" value="a" aria-label="Choice A">
  <input type="radio" name="native-radio" value="b" aria-label="Choice B">
  <select name="native-select" aria-label="Native select">
    <option value="">-</option><option>one</option><option>two</option>
  </select>
  <textarea name="native-area" aria-label="Native area"></textarea>
  <crowd-button form-action="reset">Reset</crowd-button>
</crowd-form>
<script>
  document.querySelector('crowd-form').addEventListener('submit', () => {
    document.querySelector('[name=native-hidden]').value = 'filled in onsubmit';
  });
</script>
"""


def test_every_control_contributes_its_documented_output(page, task_site, page_log):
    open_task(page, task_site.page_url(EVERY_CONTROL))
    page.get_by_role("checkbox", name="Blue").check()
    page.get_by_label("Title").fill("Hello")
    page.get_by_label("Notes").fill("line one\nline two")
    page.get_by_role("radio", name="No").check()
    page.get_by_role("spinbutton", name="moved value").fill("4")
    page.keyboard.press("Tab")
    page.get_by_role("switch", name="Urgent").check()
    page.get_by_role("tab", name="Second").click()
    expect(page.get_by_label("Tab two")).to_be_visible()
    expect(page.get_by_label("Tab one")).to_be_hidden()
    page.get_by_label("Native text").fill("typed")
    page.get_by_label("Choice B").check()
    page.get_by_label("Native select").select_option("two")
    page.get_by_label("Native area").fill("native\ntext")
    page.get_by_role("button", name="Submit").click()
    submitted(page)

    assert posted_answers(task_site) == [
        [
            {
                "agree": {"yes": True},
                "colors": {"red": False, "blue": True},
                "title": "Hello",
                "notes": "line one\nline two",
                "btn1": {"yes": False},
                "btn2": {"no": True},
                "moved": 4,
                "preset": 7,
                "urgent": {"urgent": True},
                "in-card": "card text",
                "tab-two": "preset two",
                "native-text": "typed",
                "native-hidden": "filled in onsubmit",
                "native-hidden-empty": "",
                "native-box": {"x": True},
                "native-radio": {"a": False, "b": True},
                "native-select": "two",
                "native-area": "native\ntext",
            }
        ]
    ]
    assert page_log.blocked_requests == []


def test_radio_buttons_in_a_group_exclude_each_other_and_follow_arrow_keys(page, task_site):
    open_task(page, task_site.page_url(EVERY_CONTROL))
    yes = page.get_by_role("radio", name="Yes")
    no = page.get_by_role("radio", name="No")
    yes.check()
    no.check()
    expect(yes).not_to_be_checked()
    page.keyboard.press("ArrowUp")
    expect(yes).to_be_checked()
    expect(no).not_to_be_checked()
    expect(yes).to_be_focused()


def test_reset_restores_the_initial_values(page, task_site):
    open_task(page, task_site.page_url(EVERY_CONTROL))
    page.get_by_label("Title").fill("Hello")
    page.get_by_role("checkbox", name="I agree").uncheck()
    page.get_by_label("Native text").fill("typed")
    page.get_by_role("button", name="Reset").click()
    expect(page.get_by_label("Title")).to_have_value("")
    expect(page.get_by_role("checkbox", name="I agree")).to_be_checked()
    expect(page.get_by_label("Native text")).to_have_value("")


def test_required_elements_block_the_submit_with_their_message(page, task_site):
    template = """
    <crowd-form>
      <crowd-input name="title" label="Title" required error-message="Give the image a title.">
      </crowd-input>
      <crowd-text-area name="why" label="Why?" required></crowd-text-area>
      <crowd-checkbox name="sure" required>I am sure</crowd-checkbox>
      <crowd-input name="digits" label="Digits only" allowed-pattern="[0-9]"></crowd-input>
      <crowd-tabs>
        <crowd-tab header="Front"><p>Nothing here.</p></crowd-tab>
        <crowd-tab header="Back"><crowd-input name="back" label="Back" required></crowd-input>
        </crowd-tab>
      </crowd-tabs>
    </crowd-form>
    """
    open_task(page, task_site.page_url(template))
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("crowd-input[name=title] .error")).to_have_text("Give the image a title.")
    expect(page.locator("crowd-text-area .error")).to_have_text("This field is required.")
    expect(page.locator("crowd-checkbox .error")).to_have_text("Please check this box to continue.")
    expect(page.get_by_label("Title")).to_be_focused()
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Title").fill("A title")
    page.get_by_label("Why?").fill("Because")
    page.get_by_role("checkbox", name="I am sure").check()
    page.get_by_label("Digits only").press_sequentially("a1b2")
    page.get_by_role("button", name="Submit").click()
    # The one invalid field left sits in a hidden tab: its tab comes to the front.
    expect(page.get_by_role("textbox", name="Back")).to_be_focused()
    page.get_by_role("textbox", name="Back").fill("done")
    page.get_by_role("button", name="Submit").click()
    submitted(page)
    # The page posts in order: had an earlier Submit gone through, its answer would come first.
    expected = {"title": "A title", "why": "Because", "sure": {"on": True}, "digits": "12"}
    assert posted_answers(task_site) == [[{**expected, "back": "done"}]]


def test_layout_and_feedback_elements(page, task_site):
    template = """
    <crowd-form>
      <crowd-button form-action="submit" variant="primary" icon="send">Send it</crowd-button>
      <crowd-button disabled>Disabled</crowd-button>
      <crowd-button href="/image.svg" target="_blank">A link</crowd-button>
      <crowd-modal link-text="See an example"><p>The example.</p></crowd-modal>
      <crowd-alert type="warning" dismissible>Watch out.</crowd-alert>
      <crowd-toast text="Saved!" duration="0"></crowd-toast>
      <span id="target">Target</span><crowd-badge for="target" label="3"></crowd-badge>
      <crowd-icon-button icon="delete" title="Delete it"></crowd-icon-button>
      <crowd-fab label="+" title="Add one"></crowd-fab>
      <crowd-instructions link-text="How to do it" link-type="button">
        <short-summary><p>The summary.</p></short-summary>
        <detailed-instructions><p>The details.</p></detailed-instructions>
        <positive-example><p>A good one.</p></positive-example>
        <negative-example><p>A bad one.</p></negative-example>
      </crowd-instructions>
      <crowd-card heading="Card heading"><p>Card body.</p></crowd-card>
    </crowd-form>
    """
    open_task(page, task_site.page_url(template))
    # The template has its own submit button, so crowd-form does not add one.
    expect(page.locator("crowd-button[form-action=submit]")).to_have_count(1)
    expect(page.get_by_role("button", name="Disabled")).to_be_disabled()
    expect(page.get_by_role("link", name="A link")).to_have_attribute("href", "/image.svg")
    expect(page.get_by_role("button", name="Delete it")).to_be_visible()
    expect(page.get_by_role("button", name="Add one")).to_have_text("+")
    expect(page.get_by_role("heading", name="Card heading")).to_be_visible()
    expect(page.get_by_role("img", name="3")).to_be_visible()

    page.get_by_role("button", name="See an example").click()
    expect(page.get_by_text("The example.")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_text("The example.")).to_be_hidden()

    expect(page.locator("crowd-alert").get_by_role("alert")).to_be_visible()
    expect(page.locator("crowd-alert")).to_contain_text("Watch out.")
    page.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_text("Watch out.")).to_be_hidden()

    expect(page.get_by_text("Saved!")).to_be_hidden()
    page.evaluate("document.querySelector('crowd-toast').open()")
    expect(page.get_by_text("Saved!")).to_be_visible()

    page.get_by_role("button", name="How to do it").click()
    expect(page.get_by_text("The summary.")).to_be_visible()
    page.get_by_role("tab", name="Examples").click()
    expect(page.get_by_text("A good one.")).to_be_visible()
    expect(page.get_by_text("A bad one.")).to_be_visible()
    expect(page.get_by_text("The summary.")).to_be_hidden()
    page.get_by_role("button", name="Close").click()

    page.get_by_role("button", name="Send it").click()
    submitted(page)
    assert posted_answers(task_site) == [[{}]]


def test_basic_layout_puts_form_level_instructions_in_the_side_pane(page, task_site):
    template = """
    <crowd-form>
      <short-instructions>Read the sentence.</short-instructions>
      <full-instructions header="All the rules">Every rule.</full-instructions>
      <p>Is it a question?</p>
      <crowd-checkbox name="question">Question</crowd-checkbox>
    </crowd-form>
    """
    open_task(page, task_site.page_url(template))
    expect(page.locator("crowd-form .awsui-app-layout__navigation")).to_be_visible()
    expect(page.get_by_text("Read the sentence.")).to_be_visible()
    expect(page.get_by_text("Every rule.")).to_be_hidden()
    page.get_by_role("button", name="View full instructions").click()
    expect(page.get_by_role("dialog", name="All the rules")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("checkbox", name="Question").check()
    page.get_by_role("button", name="Submit").click()
    submitted(page)
    assert posted_answers(task_site) == [[{"question": {"on": True}}]]
