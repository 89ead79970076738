"""The vector-annotation elements in a real Chromium: crowd-bounding-box (draw, select, move,
resize, relabel, delete, undo, zoom, pan, keyboard, initial-value), crowd-polygon, crowd-keypoint,
crowd-line, crowd-polyline, and the block shown for a crowd element gtemu does not implement.

The task site's image is an SVG of 400×300 pixels; answers are in those (natural) pixels."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from worker_ui import assets
from worker_ui.liquid import parse_template, render_task, rewrite_crowd_assets

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
IMAGE = {"height": 300, "width": 400}

TEMPLATE = """
<crowd-form>
  <crowd-{tag}
    name="{name}"
    src="/image.svg"
    header="Mark every cat and dog"
    labels="['Cat', 'Dog']"
    {extra}>
    <full-instructions header="Instructions"><p>Mark each animal.</p></full-instructions>
    <short-instructions><p>Mark each animal.</p></short-instructions>
  </crowd-{tag}>
</crowd-form>
"""


def template(tag: str, name: str = "annotatedResult", extra: str = "") -> str:
    return TEMPLATE.format(tag=tag, name=name, extra=extra)


def open_task(page: Page, url: str, tag: str) -> None:
    page.goto(url)
    page.evaluate("window.gtemuCrowd.ready")
    page.wait_for_function(f"document.querySelector('{tag}').value.inputImageProperties.width > 0")


def at(page: Page, tag: str, x: float, y: float) -> tuple[float, float]:
    """The page position of image pixel (x, y), wherever zoom and pan have put it."""
    return tuple(
        page.evaluate(
            """([tag, x, y]) => {
              const element = document.querySelector(tag);
              const box = element.shadowRoot.querySelector('canvas.upper-canvas')
                .getBoundingClientRect();
              const point = element.toCanvas({x, y});
              return [box.left + point.x, box.top + point.y];
            }""",
            [tag, x, y],
        )
    )


def drag(page: Page, tag: str, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*at(page, tag, *start))
    page.mouse.down()
    middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    page.mouse.move(*at(page, tag, *middle))
    page.mouse.move(*at(page, tag, *end))
    page.mouse.up()


def click(page: Page, tag: str, x: float, y: float) -> None:
    page.mouse.click(*at(page, tag, x, y))


def value(page: Page, tag: str) -> dict:
    return page.evaluate(f"document.querySelector('{tag}').value")


def submit(page: Page, task_site) -> list:
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    return json.loads(task_site.submissions[-1].task_answers)


def near(actual: dict, expected: dict) -> bool:
    """Coordinates placed with the mouse may land a pixel off (screen pixels are coarser than
    the image's at some zooms; a width adds two such errors); labels and keys must match
    exactly."""
    if list(actual) != list(expected):
        return False
    for key, wanted in expected.items():
        got = actual[key]
        if isinstance(wanted, int) and not isinstance(wanted, bool):
            if not isinstance(got, int) or abs(got - wanted) > 2:
                return False
        elif isinstance(wanted, dict):
            if not near(got, wanted):
                return False
        elif isinstance(wanted, list):
            if len(got) != len(wanted):
                return False
            if not all(near(g, w) for g, w in zip(got, wanted, strict=True)):
                return False
        elif got != wanted:
            return False
    return True


def box(label: str, left: int, top: int, width: int, height: int) -> dict:
    return {"height": height, "label": label, "left": left, "top": top, "width": width}


BOX = "crowd-bounding-box"


def test_boxes_drawn_with_the_mouse_post_the_documented_answer(page, task_site, page_log):
    open_task(page, task_site.page_url(template("bounding-box")), BOX)
    expect(page.locator(f"{BOX} .category .text")).to_have_text(["Cat", "Dog"])
    expect(page.locator(f"{BOX} .category kbd")).to_have_text(["1", "2"])
    drag(page, BOX, (50, 60), (150, 160))
    page.keyboard.press("Escape")  # deselect, so that the next number key picks the label to draw
    page.keyboard.press("2")
    drag(page, BOX, (380, 120), (200, 40))  # any direction
    expect(page.locator(f"{BOX} .shapes .shape")).to_have_text(["Box 1: Cat", "Box 2: Dog"])

    answers = submit(page, task_site)
    assert len(answers) == 1 and list(answers[0]) == ["annotatedResult"]
    answer = answers[0]["annotatedResult"]
    # AWS's key order: boundingBoxes, inputImageProperties; a box: height, label, left, top, width.
    expected = {
        "boundingBoxes": [box("Cat", 50, 60, 100, 100), box("Dog", 200, 40, 180, 80)],
        "inputImageProperties": IMAGE,
    }
    assert near(answer, expected), answer
    assert page_log.blocked_requests == []


def test_select_move_resize_relabel_delete_and_undo(page, task_site):
    open_task(page, task_site.page_url(template("bounding-box")), BOX)
    drag(page, BOX, (100, 100), (200, 180))
    drag(page, BOX, (150, 140), (170, 150))  # drag the selected box by its inside
    assert near(value(page, BOX)["boundingBoxes"][0], box("Cat", 120, 110, 100, 80))
    drag(page, BOX, (220, 190), (260, 200))  # bottom-right handle
    assert near(value(page, BOX)["boundingBoxes"][0], box("Cat", 120, 110, 140, 90))
    drag(page, BOX, (120, 155), (100, 155))  # left edge handle
    assert near(value(page, BOX)["boundingBoxes"][0], box("Cat", 100, 110, 160, 90)), json.dumps(
        value(page, BOX)
    )
    page.keyboard.press("2")  # relabel the selected box
    expect(page.locator(f"{BOX} .shapes .shape")).to_have_text(["Box 1: Dog"])
    expect(page.get_by_role("radio", name="Dog")).to_be_checked()

    page.keyboard.press("Delete")
    assert value(page, BOX)["boundingBoxes"] == []
    expect(page.locator(f"{BOX} .empty")).to_be_visible()
    page.keyboard.press("Control+z")
    assert near(value(page, BOX)["boundingBoxes"][0], box("Dog", 100, 110, 160, 90))
    page.keyboard.press("Control+z")  # undo the relabel
    assert value(page, BOX)["boundingBoxes"][0]["label"] == "Cat"
    page.keyboard.press("Control+Shift+z")
    assert value(page, BOX)["boundingBoxes"][0]["label"] == "Dog"

    click(page, BOX, 180, 150)  # a click inside selects the box; Backspace deletes too
    expect(page.locator(f"{BOX} .shapes .shape")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Backspace")
    answer = submit(page, task_site)[0]["annotatedResult"]
    assert answer == {"boundingBoxes": [], "inputImageProperties": IMAGE}


def test_a_click_inside_a_box_selects_it_and_a_drag_there_draws_a_new_one(page, task_site):
    open_task(page, task_site.page_url(template("bounding-box")), BOX)
    drag(page, BOX, (20, 20), (380, 280))
    page.keyboard.press("Escape")
    drag(page, BOX, (100, 100), (150, 130))  # inside the big, unselected box
    boxes = value(page, BOX)["boundingBoxes"]
    assert near(boxes[1], box("Cat", 100, 100, 50, 30)) and len(boxes) == 2
    page.keyboard.press("Escape")
    click(page, BOX, 300, 200)
    expect(page.locator(f"{BOX} .shapes .shape").first).to_have_attribute("aria-pressed", "true")


def test_boxes_with_the_keyboard_only(page, task_site):
    open_task(page, task_site.page_url(template("bounding-box")), BOX)
    canvas = page.locator(f"{BOX} canvas.upper-canvas")
    canvas.focus()
    page.keyboard.press("2")
    page.keyboard.press("Space")  # the keyboard cursor starts at the image's centre (200, 150)
    for _ in range(30):
        page.keyboard.press("Shift+ArrowRight")  # one image pixel each
    for _ in range(20):
        page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Space")
    assert value(page, BOX)["boundingBoxes"] == [box("Dog", 200, 150, 30, 20)]
    page.keyboard.press("Shift+ArrowLeft")  # moves the selected box
    page.keyboard.press("Alt+Shift+ArrowDown")  # resizes it
    assert value(page, BOX)["boundingBoxes"] == [box("Dog", 199, 150, 30, 21)]
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    assert json.loads(task_site.submissions[0].task_answers) == [
        {
            "annotatedResult": {
                "boundingBoxes": [box("Cat", 199, 150, 30, 21)],
                "inputImageProperties": IMAGE,
            }
        }
    ]


def test_zoom_and_pan_keep_answers_in_image_pixels(page, task_site):
    open_task(page, task_site.page_url(template("bounding-box")), BOX)
    zoom_in = page.get_by_role("button", name="Zoom in")
    zoom_in.click()
    zoom_in.click()
    drag(page, BOX, (180, 130), (220, 170))
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Pan", exact=True).click()
    before = at(page, BOX, 200, 150)
    page.mouse.move(*before)
    page.mouse.down()
    page.mouse.move(before[0] + 60, before[1] + 30)
    page.mouse.up()
    after = at(page, BOX, 200, 150)
    assert (round(after[0] - before[0]), round(after[1] - before[1])) == (60, 30)
    assert len(value(page, BOX)["boundingBoxes"]) == 1  # panning draws nothing
    page.get_by_role("button", name="Pan", exact=True).click()
    page.mouse.move(*at(page, BOX, 200, 150))
    page.mouse.wheel(0, -300)  # the wheel zooms around the pointer
    page.get_by_role("button", name="Fit image to panel").click()
    drag(page, BOX, (10, 10), (60, 40))
    boxes = value(page, BOX)["boundingBoxes"]
    assert near(boxes[0], box("Cat", 180, 130, 40, 40)) and near(
        boxes[1], box("Cat", 10, 10, 50, 30)
    )


ADJUSTMENT_TEMPLATE = """
<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-bounding-box
    name="annotatedResult"
    src="{{ task.input.taskObject | grant_read_access }}"
    header="Adjust the boxes"
    labels="{{ task.input.labels | to_json | escape }}"
    initial-value="[
      {% for box in task.input.manifestLine.animals.annotations %}
        {% capture class_id %}{{ box.class_id }}{% endcapture %}
        {% assign label = task.input.manifestLine.animals-metadata.class-map[class_id] %}
        {
          label: {{ label | to_json | escape }},
          left: {{ box.left }},
          top: {{ box.top }},
          width: {{ box.width }},
          height: {{ box.height }},
        },
      {% endfor %}
    ]">
    <full-instructions header="Adjustment"><p>Fix the boxes.</p></full-instructions>
    <short-instructions><p>Fix the boxes.</p></short-instructions>
  </crowd-bounding-box>
</crowd-form>
"""

EARLIER_LINE = {
    "source-ref": "s3://bucket/cats.png",
    "animals": {
        "image_size": [{"width": 400, "height": 300, "depth": 3}],
        "annotations": [
            {"class_id": 1, "left": 40, "top": 30, "width": 100, "height": 80},
            {"class_id": 0, "left": 250, "top": 150, "width": 60, "height": 90},
        ],
    },
    "animals-metadata": {
        "class-map": {"0": "Cat", "1": "Dog"},
        "type": "groundtruth/object-detection",
    },
}


def adjustment_page(task_site) -> str:
    html = render_task(
        parse_template(ADJUSTMENT_TEMPLATE, name="adjust.liquid.html"),
        {
            "taskObject": "s3://bucket/cats.png",
            "labels": ["Cat", "Dog"],
            "manifestLine": EARLIER_LINE,
        },
        media_url=lambda bucket, key: "/image.svg",
    )
    task = "<script>window.GTEMU_TASK = {submitUrl: '/submit', csrfToken: 't', mode: 'submit'};"
    return task_site.page_url(
        f"{task}</script>\n{rewrite_crowd_assets(html, assets.SCRIPT_URL)}", raw=True
    )


def test_initial_value_shows_an_earlier_jobs_boxes_for_adjustment(page, task_site):
    url = adjustment_page(task_site)
    open_task(page, url, BOX)
    expect(page.locator(f"{BOX} .shapes .shape")).to_have_text(["Box 1: Dog", "Box 2: Cat"])
    assert value(page, BOX) == {
        "boundingBoxes": [box("Dog", 40, 30, 100, 80), box("Cat", 250, 150, 60, 90)],
        "initialValueModified": False,
        "inputImageProperties": IMAGE,
    }
    click(page, BOX, 80, 50)  # a click inside box 1 selects it; a drag then moves it
    drag(page, BOX, (80, 50), (90, 60))
    page.keyboard.press("Escape")
    drag(page, BOX, (90, 70), (95, 75))  # inside the unselected box: a new, small box
    answer = submit(page, task_site)[0]["annotatedResult"]
    assert answer["initialValueModified"] is True
    assert list(answer) == ["boundingBoxes", "initialValueModified", "inputImageProperties"]
    assert near(answer["boundingBoxes"][0], box("Dog", 50, 40, 100, 80))
    assert len(answer["boundingBoxes"]) == 3


def test_the_value_property_and_labels_property_work_as_in_awss_samples(page, task_site):
    script = """
    <div id="errorBox"></div>
    <script>
      document.querySelector('crowd-form').onsubmit = function (event) {
        const tool = document.querySelector('crowd-keypoint');
        const points = (tool._submittableValue || tool.value).keypoints;
        if (points.length !== tool.labels.length) {
          event.preventDefault();
          errorBox.innerHTML = '<crowd-alert type="error">Place one point per label.</crowd-alert>';
        }
      };
    </script>"""
    tag = "crowd-keypoint"
    open_task(page, task_site.page_url(template("keypoint") + script), tag)
    click(page, tag, 100, 100)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Place one point per label.")).to_be_visible()
    assert task_site.submissions == []
    page.locator(f"{tag} canvas.upper-canvas").focus()
    page.keyboard.press("2")  # relabels the selected point …
    page.keyboard.press("Escape")
    page.keyboard.press("1")  # … and, with nothing selected, picks the label to place
    click(page, tag, 300, 250)
    answer = submit(page, task_site)[0]["annotatedResult"]
    expected = {
        "inputImageProperties": IMAGE,
        "keypoints": [{"label": "Dog", "x": 100, "y": 100}, {"label": "Cat", "x": 300, "y": 250}],
    }
    assert near(answer, expected), answer


def test_polygon_drawn_closed_edited_and_posted(page, task_site):
    tag = "crowd-polygon"
    open_task(page, task_site.page_url(template("polygon")), tag)
    for point in [(100, 100), (200, 90), (220, 200), (90, 180)]:
        click(page, tag, *point)
    click(page, tag, 100, 100)  # a click on the first vertex closes the polygon
    expect(page.locator(f"{tag} .shapes .shape")).to_have_text(["Polygon 1: Cat"])
    drag(page, tag, (220, 200), (240, 210))  # move a vertex of the selected polygon
    page.keyboard.press("Escape")
    page.keyboard.press("2")
    for point in [(300, 50), (380, 60), (350, 120)]:
        click(page, tag, *point)
    page.keyboard.press("Enter")  # Enter closes it too
    answer = submit(page, task_site)[0]["annotatedResult"]
    # AWS's documented shape: inputImageProperties, then polygons of {label, vertices: [{x, y}]}.
    expected = {
        "inputImageProperties": IMAGE,
        "polygons": [
            {
                "label": "Cat",
                "vertices": [
                    {"x": 100, "y": 100},
                    {"x": 200, "y": 90},
                    {"x": 240, "y": 210},
                    {"x": 90, "y": 180},
                ],
            },
            {
                "label": "Dog",
                "vertices": [{"x": 300, "y": 50}, {"x": 380, "y": 60}, {"x": 350, "y": 120}],
            },
        ],
    }
    assert near(answer, expected), answer


def test_a_polygon_in_progress_blocks_the_submit_until_finished_or_undone(page, task_site):
    tag = "crowd-polygon"
    open_task(page, task_site.page_url(template("polygon")), tag)
    click(page, tag, 100, 100)
    click(page, tag, 150, 100)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(f"{tag} .error")).to_contain_text("Finish the polygon you are drawing")
    assert task_site.submissions == []
    page.locator(f"{tag} canvas.upper-canvas").focus()
    page.keyboard.press("Control+z")  # takes back the last point …
    page.keyboard.press("Escape")  # … and Esc drops the rest
    answer = submit(page, task_site)[0]["annotatedResult"]
    assert answer == {"inputImageProperties": IMAGE, "polygons": []}


def test_line_drawn_by_dragging_and_by_two_clicks(page, task_site):
    tag = "crowd-line"
    open_task(page, task_site.page_url(template("line", name="crowdLine")), tag)
    drag(page, tag, (20, 30), (300, 40))
    page.keyboard.press("Escape")
    page.keyboard.press("2")
    click(page, tag, 50, 250)
    click(page, tag, 350, 200)
    answer = submit(page, task_site)[0]["crowdLine"]
    expected = {
        "inputImageProperties": IMAGE,
        "lines": [
            {"label": "Cat", "vertices": [{"x": 20, "y": 30}, {"x": 300, "y": 40}]},
            {"label": "Dog", "vertices": [{"x": 50, "y": 250}, {"x": 350, "y": 200}]},
        ],
    }
    assert near(answer, expected), answer


def test_polyline_finished_with_enter(page, task_site):
    tag = "crowd-polyline"
    open_task(page, task_site.page_url(template("polyline", name="crowdPolyline")), tag)
    for point in [(30, 200), (120, 260), (300, 180)]:
        click(page, tag, *point)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.keyboard.press("2")
    click(page, tag, 200, 50)
    page.mouse.dblclick(*at(page, tag, 260, 90))  # a double-click ends a polyline
    answer = submit(page, task_site)[0]["crowdPolyline"]
    expected = {
        "inputImageProperties": IMAGE,
        "polylines": [
            {
                "label": "Cat",
                "vertices": [{"x": 30, "y": 200}, {"x": 120, "y": 260}, {"x": 300, "y": 180}],
            },
            {"label": "Dog", "vertices": [{"x": 200, "y": 50}, {"x": 260, "y": 90}]},
        ],
    }
    assert near(answer, expected), answer


def test_line_initial_value_in_the_documented_object_form(page, task_site):
    tag = "crowd-polyline"
    initial = (
        "initial-value=\"{ polylines: [ { label: 'Dog', vertices: [ {x: 10, y: 20}, "
        "{x: 110, y: 120}, {x: 210, y: 20} ] }, { label: 'Horse', vertices: [ {x: 1, y: 1}, "
        "{x: 2, y: 2} ] } ] }\" label-colors=\"['#ff0000', '#0000ff']\""
    )
    open_task(page, task_site.page_url(template("polyline", extra=initial)), tag)
    # A shape whose label is not among `labels` is not drawn (as AWS documents for keypoints).
    assert value(page, tag) == {
        "initialValueModified": False,
        "inputImageProperties": IMAGE,
        "polylines": [
            {
                "label": "Dog",
                "vertices": [{"x": 10, "y": 20}, {"x": 110, "y": 120}, {"x": 210, "y": 20}],
            }
        ],
    }
    expect(page.locator(f"{tag} .swatch").first).to_have_attribute("style", "background:#ff0000")


def test_a_crowd_element_gtemu_does_not_implement_shows_a_block_and_blocks_the_submit(
    page, task_site
):
    body = """
    <crowd-form>
      <crowd-imaginary-widget name="answer" src="/image.svg">
        <short-instructions>Hidden</short-instructions>
      </crowd-imaginary-widget>
    </crowd-form>"""
    page.goto(task_site.page_url(body))
    page.evaluate("window.gtemuCrowd.ready")
    block = page.get_by_role("note")
    expect(block).to_have_text("<crowd-imaginary-widget> is not supported in gtemu")
    expect(block).to_be_visible()
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<crowd-later-thing></crowd-later-thing>')"
    )
    expect(page.get_by_text("<crowd-later-thing> is not supported in gtemu")).to_be_visible()
    page.evaluate("window.sent = 0; document.addEventListener('gtemu:answer', () => window.sent++)")
    page.get_by_role("button", name="Submit").click()
    # The form validates and sends (announcing `gtemu:answer`) within the click's own handler,
    # so this evaluate, run after it, would see a send.
    assert page.evaluate("window.sent") == 0
    assert task_site.submissions == []


def test_the_bounding_box_page_has_no_serious_accessibility_violations(page, task_site):
    open_task(page, task_site.page_url(template("bounding-box")), BOX)
    drag(page, BOX, (50, 60), (150, 160))
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document)")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
