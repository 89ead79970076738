"""The classification elements in a real Chromium: outputs, keyboard, exclusion, validation."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

MULTI_LABEL_TEMPLATE = """
<crowd-form>
  <crowd-image-classifier-multi-select
    name="crowd-image-classifier-multi-select"
    src="/image.svg"
    header="Please identify all classes in image"
    categories="[&#34;Cat&#34;,&#34;Dog&#34;,&#34;Bird &amp; &lt;b&gt;fish&lt;/b&gt;&#34;]"
    {exclusion}>
    <full-instructions header="Multi Label Image classification instructions">
      <p>Choose every class you see.</p>
    </full-instructions>
    <short-instructions><p>Choose every class you see.</p></short-instructions>
  </crowd-image-classifier-multi-select>
</crowd-form>
"""

CLASSIFIER = "crowd-image-classifier-multi-select"


BIRD = "Bird & <b>fish</b>"


def multi_label_page(task_site, exclusion: str = "") -> str:
    return task_site.page_url(MULTI_LABEL_TEMPLATE.replace("{exclusion}", exclusion))


def open_task(page: Page, url: str) -> None:
    page.goto(url)
    page.evaluate("window.gtemuCrowd.ready")


def posted_answers(task_site) -> list:
    return [json.loads(s.task_answers) for s in task_site.submissions]


def submitted(page: Page) -> None:
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()


def test_multi_label_with_clicks_posts_the_mechanical_turk_wire_form(page, task_site, page_log):
    open_task(page, multi_label_page(task_site))
    page.get_by_role("checkbox", name="Cat").check()
    page.get_by_role("checkbox", name="Bird & <b>fish</b>").check()
    page.get_by_role("button", name="Submit").click()
    submitted(page)

    assert posted_answers(task_site) == [[{CLASSIFIER: {"labels": ["Cat", "Bird & <b>fish</b>"]}}]]
    assert task_site.submissions[0].csrf_token == "token-123"
    assert page_log.blocked_requests == []


def test_multi_label_with_number_keys_and_ctrl_enter(page, task_site):
    open_task(page, multi_label_page(task_site))
    expect(page.locator(f"{CLASSIFIER} kbd")).to_have_text(["1", "2", "3"])
    page.keyboard.press("2")
    page.keyboard.press("3")
    page.keyboard.press("3")
    page.keyboard.press("1")
    page.keyboard.press("Enter")  # plain Enter never submits:
    page.keyboard.press("3")
    page.keyboard.press("Control+Enter")
    submitted(page)
    # keys are handled in order, so a submit by Enter would have posted first, without Bird.
    assert posted_answers(task_site) == [[{CLASSIFIER: {"labels": ["Cat", "Dog", BIRD]}}]]


def test_exclusion_category_excludes_the_other_labels(page, task_site):
    exclusion = "exclusion-category=\"{ text: 'None of the above' }\""
    open_task(page, multi_label_page(task_site, exclusion))
    none = page.get_by_role("checkbox", name="None of the above")
    cat = page.get_by_role("checkbox", name="Cat")
    expect(page.locator(f"{CLASSIFIER} .exclusion-category kbd")).to_have_text("4")

    cat.check()
    none.check()
    expect(cat).not_to_be_checked()
    page.keyboard.press("2")  # choosing a category clears the exclusion category
    expect(none).not_to_be_checked()
    page.keyboard.press("4")
    expect(page.get_by_role("checkbox", name="Dog")).not_to_be_checked()
    page.keyboard.press("Control+Enter")
    submitted(page)

    assert posted_answers(task_site) == [[{CLASSIFIER: {"labels": ["None of the above"]}}]]


def test_submitting_nothing_shows_the_message_inline_and_posts_nothing(page, task_site):
    open_task(page, multi_label_page(task_site))
    page.evaluate(
        "window.submitEvents = 0;"
        "document.querySelector('crowd-form').addEventListener('submit', () => submitEvents++)"
    )
    page.get_by_role("button", name="Submit").click()

    message = page.locator(f"{CLASSIFIER} .error")
    expect(message).to_have_text("Please choose at least one category.")
    expect(message).to_have_attribute("role", "alert")
    expect(page.get_by_role("checkbox", name="Cat")).to_be_focused()
    assert page.evaluate("window.submitEvents") == 0

    page.keyboard.press("1")  # choosing clears the message
    expect(message).to_have_text("")
    # A valid submit after it is the only one posted: the page posts in order.
    page.get_by_role("button", name="Submit").click()
    submitted(page)
    assert posted_answers(task_site) == [[{CLASSIFIER: {"labels": ["Cat"]}}]]
    assert page.evaluate("window.submitEvents") == 1


def test_onsubmit_prevent_default_blocks_the_submit(page, task_site):
    template = MULTI_LABEL_TEMPLATE.replace("{exclusion}", "").replace(
        "</crowd-form>",
        """</crowd-form>
        <script>
          document.querySelector('crowd-form').onsubmit = function (event) {
            window.seen = (window.seen || 0) + 1;
            if (!window.allowSubmit) {
              event.preventDefault();
              document.getElementById('warning').hidden = false;
            }
          };
        </script>
        <crowd-alert id="warning" type="error" hidden>Look again.</crowd-alert>""",
    )
    open_task(page, task_site.page_url(template))
    page.keyboard.press("1")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Look again.")).to_be_visible()

    page.evaluate("window.allowSubmit = true")
    page.get_by_role("button", name="Submit").click()
    submitted(page)
    assert page.evaluate("window.seen") == 2
    assert posted_answers(task_site) == [[{CLASSIFIER: {"labels": ["Cat"]}}]]


def test_crowd_form_submit_from_script_validates_and_posts(page, task_site):
    open_task(page, multi_label_page(task_site))
    page.evaluate("document.querySelector('crowd-form').submit()")
    message = page.locator(f"{CLASSIFIER} .error")
    expect(message).to_have_text("Please choose at least one category.")

    page.evaluate(f"document.querySelector('{CLASSIFIER}').value = {{labels: ['Dog']}}")
    page.evaluate("document.querySelector('crowd-form').submit()")
    submitted(page)
    assert posted_answers(task_site) == [[{CLASSIFIER: {"labels": ["Dog"]}}]]


def test_elements_are_defined_after_inline_scripts_and_ready_fires_once(page, task_site):
    template = """
    <script>
      window.log = [];
      window.log.push('inline:' + String(customElements.get('crowd-form') === undefined));
      document.addEventListener('DOMContentLoaded', () => window.log.push('DOMContentLoaded'));
      document.addEventListener('all-crowd-elements-ready', () => {
        const defined = customElements.get('crowd-image-classifier') !== undefined;
        window.log.push('ready:' + String(defined));
      });
      customElements.whenDefined('crowd-form').then(() => window.log.push('defined'));
    </script>
    <crowd-form><crowd-image-classifier name="pet" src="/image.svg" header="Pet?"
      categories="['Cat', 'Dog']"></crowd-image-classifier></crowd-form>
    <script>
      // Set before the element is defined, as templates do.
      document.querySelector('crowd-image-classifier').categories = ['Fox', 'Owl'];
    </script>
    """
    open_task(page, task_site.page_url(template))  # awaits the ready promise, set after the event
    page.wait_for_load_state("load")  # every script of the page has run
    log = page.evaluate("window.log")
    assert log[0] == "inline:true"
    assert log.count("ready:true") == 1
    assert log.index("DOMContentLoaded") < log.index("ready:true")
    assert "defined" in log
    expect(page.get_by_role("radio")).to_have_count(2)
    expect(page.get_by_role("radio", name="Owl")).to_be_visible()


def test_literal_attributes_are_parsed_without_eval(page, task_site):
    template = """
    <crowd-form>
      <crowd-classifier-multi-select name="topics" header="Topics"
        categories="[ 'It\\'s', &quot;Two, three&quot;, /* comment */ 'alert(1)', ]"
        exclusion-category="{ text: 'None', }">
        <classification-target><p>Some text to classify.</p></classification-target>
      </crowd-classifier-multi-select>
      <crowd-classifier name="bad" header="Bad" categories="alert(document.title='x')">
      </crowd-classifier>
    </crowd-form>
    """
    open_task(page, task_site.page_url(template))
    names = page.locator("crowd-classifier-multi-select .category .text").all_inner_texts()
    assert names == ["It's", "Two, three", "alert(1)", "None"]
    expect(page.locator("crowd-classifier .error")).to_contain_text(
        'This task\'s categories cannot be read: unexpected word "alert"'
    )
    assert page.title() != "x"
    parsed = page.evaluate(
        """() => [
          gtemuCrowd.parseLiteral("{a: 1, 'b': [true, null, -2.5e1], \\"c\\": 'x\\\\u0041'}"),
          gtemuCrowd.parseLiteral("{__proto__: {polluted: 1}}").polluted,
          ({}).polluted,
          gtemuCrowd.parseExclusionCategory('None of the above'),
        ]"""
    )
    assert parsed == [{"a": 1, "b": [True, None, -25], "c": "xA"}, None, None, "None of the above"]


def test_single_image_classifier_with_worker_comment(page, task_site):
    template = """
    <crowd-form>
      <crowd-image-classifier name="animal" src="/image.svg" header="Which animal?"
        categories="['Cat', 'Dog', 'Bird']">
        <worker-comment header="Anything odd?" link-text="Add a note" placeholder="Your note">
        </worker-comment>
      </crowd-image-classifier>
    </crowd-form>
    """
    open_task(page, task_site.page_url(template))
    page.keyboard.press("2")
    page.keyboard.press("3")
    expect(page.get_by_role("radio", name="Bird")).to_be_checked()
    expect(page.get_by_role("radio", name="Dog")).not_to_be_checked()
    page.get_by_role("button", name="Add a note").click()
    page.get_by_label("Anything odd?").press_sequentially(
        "Blurry image 2"
    )  # typing, not a shortcut
    page.keyboard.press("Control+Enter")
    submitted(page)
    assert posted_answers(task_site) == [
        [{"animal": {"label": "Bird", "workerComment": "Blurry image 2"}}]
    ]


def test_text_classifiers_with_classification_target(page, task_site):
    template = """
    <crowd-form>
      <crowd-classifier name="sentiment" header="Sentiment?" categories="['Positive', 'Negative']">
        <classification-target><p id="review">I loved it.</p></classification-target>
      </crowd-classifier>
      <crowd-classifier-multi-select name="topics" header="Topics?"
        categories="['Food', 'Service']" exclusion-category="{ text: 'Neither' }">
        <classification-target>Great food, slow service.</classification-target>
      </crowd-classifier-multi-select>
    </crowd-form>
    """
    open_task(page, task_site.page_url(template))
    expect(page.locator("#review")).to_be_visible()
    page.get_by_role("radio", name="Negative").check()
    picker = page.locator("crowd-classifier-multi-select .annotation-area .category-picker-wrapper")
    picker.get_by_role("checkbox", name="Service").check()
    picker.get_by_role("checkbox", name="Food").check()
    page.get_by_role("button", name="Submit").click()
    submitted(page)
    assert posted_answers(task_site) == [
        [{"sentiment": {"label": "Negative"}, "topics": {"labels": ["Food", "Service"]}}]
    ]


def test_shortcuts_can_be_switched_off_for_strict_fidelity(page, task_site):
    url = task_site.page_url(
        MULTI_LABEL_TEMPLATE.replace("{exclusion}", ""),
        head='<meta name="gtemu-shortcuts" content="off">',
    )
    open_task(page, url)
    expect(page.locator(f"{CLASSIFIER} kbd")).to_have_count(0)
    page.keyboard.press("1")
    expect(page.get_by_role("checkbox", name="Cat")).not_to_be_checked()
    page.get_by_role("checkbox", name="Cat").check()
    page.keyboard.press("Control+Enter")
    # The Submit button does submit; events are handled in order, so a Ctrl+Enter submit would
    # have been posted first, without Dog (and would have ended the task).
    page.get_by_role("checkbox", name="Dog").check()
    page.get_by_role("button", name="Submit").click()
    submitted(page)
    assert posted_answers(task_site) == [[{CLASSIFIER: {"labels": ["Cat", "Dog"]}}]]


def test_instructions_pane_and_full_instructions_dialog(page, task_site):
    open_task(page, multi_label_page(task_site))
    pane = page.locator(f"{CLASSIFIER} .awsui-app-layout__navigation")
    expect(pane).to_be_visible()
    short = page.locator("short-instructions")
    expect(short).to_be_visible()
    page.get_by_role("button", name="Hide instructions").click()
    expect(pane).to_be_hidden()
    expect(short).to_be_hidden()
    page.get_by_role("button", name="Show instructions").click()
    expect(pane).to_be_visible()

    page.get_by_role("button", name="View full instructions").click()
    dialog = page.locator(f"{CLASSIFIER} .awsui-modal-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Multi Label Image classification instructions")
    page.keyboard.press("1")  # shortcuts are off while a dialog is open
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("checkbox", name="Cat")).not_to_be_checked()


def test_image_zooms_with_the_wheel_and_pans_by_dragging(page, task_site):
    open_task(page, multi_label_page(task_site))
    panel = page.locator(f"{CLASSIFIER} .image-panel")
    image = panel.locator("img")
    box = panel.bounding_box()
    image_box = image.bounding_box()
    assert box["width"] - image_box["width"] <= 2  # the image fills its panel (inside its border)

    layer = panel.locator(".layer")  # the image and its overlay zoom and pan together

    def transform() -> str:
        return layer.evaluate("layer => layer.style.transform")

    center = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*center)
    page.mouse.wheel(0, -500)
    page.wait_for_function("layer => layer.style.transform !== 'translate(0px, 0px) scale(1)'",
                           arg=layer.element_handle())
    zoomed = image.bounding_box()
    assert zoomed["width"] > image_box["width"] * 2

    before = transform()
    page.mouse.down()
    page.mouse.move(center[0] + 60, center[1] + 30, steps=4)
    page.mouse.up()
    after_drag = image.bounding_box()
    assert transform() != before
    assert round(after_drag["x"] - zoomed["x"]) == 60
    assert round(after_drag["y"] - zoomed["y"]) == 30

    page.get_by_role("button", name="Fit image to panel").click()
    assert transform() == "translate(0px, 0px) scale(1)"


def test_onsubmit_attribute_returning_false_blocks_the_submit(page, task_site):
    template = MULTI_LABEL_TEMPLATE.replace("{exclusion}", "").replace(
        "<crowd-form>",
        '<crowd-form onsubmit="window.tries = (window.tries || 0) + 1; return false">',
    )
    open_task(page, task_site.page_url(template))
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("window.tries === 1")
    # Without the handler the same keys submit: the only answer posted is this later one.
    page.evaluate("document.querySelector('crowd-form').removeAttribute('onsubmit')")
    page.keyboard.press("2")
    page.keyboard.press("Control+Enter")
    submitted(page)
    assert posted_answers(task_site) == [[{CLASSIFIER: {"labels": ["Cat", "Dog"]}}]]
    assert page.evaluate("window.tries") == 1


def test_keyboard_focus_is_visible(page, task_site):
    open_task(page, multi_label_page(task_site))
    page.keyboard.press("1")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
          let element = document.activeElement;
          while (element.shadowRoot && element.shadowRoot.activeElement) {
            element = element.shadowRoot.activeElement;
          }
          const style = getComputedStyle(element);
          return [element.value, style.outlineStyle, style.outlineWidth];
        }"""
    )
    assert focused == ["Dog", "solid", "3px"]
