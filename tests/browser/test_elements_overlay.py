"""The `overlay` of crowd-image-classifier in a real Chromium: an earlier job's boxes and label
maps drawn over the image, following zoom and pan; show/hide; bad overlays; the answer."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from emulator.elements.facts import overlay_problem

# The test site's image is 400 x 300: a #88aabb background with a #ffcc33 disc.
IMAGE_SIZE = (400, 300)
IMAGE_BACKGROUND = (0x88, 0xAA, 0xBB)
BOXES = [
    {"label": "bird", "left": 40, "top": 30, "width": 100, "height": 60},
    {"label": "cat", "left": 250, "top": 200, "width": 120, "height": 80},
]
BOX_OVERLAY = (
    "{ boundingBox: { labels: ['bird', 'cat'], value: ["
    + ", ".join(
        "{{ height: {height}, label: '{label}', left: {left}, top: {top}, "
        "width: {width} }}".format(**box) for box in BOXES
    )
    + ", ] }, }"
)
CAT, DOG, STRAY = (0x2C, 0xA0, 0x2C), (0x2A, 0xCF, 0x59), (0x12, 0x34, 0x56)
CLASSIFIER = "crowd-image-classifier"


def template(overlay: str, quote: str = '"') -> str:
    return f"""
<crowd-form>
  <crowd-image-classifier name="verdict" src="/image.svg" header="Are the labels right?"
    categories="['good', 'bad']" overlay={quote}{overlay}{quote}>
    <full-instructions header="Judging">Judge the labels.</full-instructions>
    <short-instructions>Judge the labels.</short-instructions>
    <worker-comment header="What is wrong?" link-text="Add a comment"></worker-comment>
  </crowd-image-classifier>
</crowd-form>
"""


def label_map_url() -> str:
    """An earlier job's label map: white background, a cat and a dog rectangle, and a colour
    that is no label's (it must not be shown)."""
    image = Image.new("RGB", IMAGE_SIZE, (255, 255, 255))
    image.paste(CAT, (50, 40, 150, 120))
    image.paste(DOG, (200, 150, 300, 250))
    image.paste(STRAY, (320, 20, 380, 80))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def map_overlay(kind: str = "semanticSegmentation") -> str:
    # AWS's documented shape, with its quoted keys and trailing comma.
    return (
        f'{{ "{kind}": {{ "labels": ["Cat", "Dog"], "labelMappings": {{ '
        '"Cat": { "color": "#2ca02c" }, "Dog": { "color": "#2acf59" } }, '
        f'"src": "{label_map_url()}", }} }}'
    )


def open_task(page: Page, task_site, overlay: str, quote: str = '"') -> None:
    page.goto(task_site.page_url(template(overlay, quote)))
    page.evaluate("window.gtemuCrowd.ready")
    page.wait_for_function(
        "() => document.querySelector('crowd-image-classifier').shadowRoot"
        ".querySelector('img').naturalWidth > 0")


def image_to_page(page: Page, x: float, y: float) -> tuple[float, float]:
    """The page position of image pixel (x, y), wherever zoom and pan have put the image
    (the image is shown with `object-fit: contain` inside its zoomed element)."""
    return tuple(page.evaluate(
        """([x, y]) => {
          const img = document.querySelector('crowd-image-classifier').shadowRoot
            .querySelector('img');
          const r = img.getBoundingClientRect();
          const s = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);
          return [r.left + (r.width - img.naturalWidth * s) / 2 + x * s,
                  r.top + (r.height - img.naturalHeight * s) / 2 + y * s];
        }""",
        [x, y],
    ))


def screen_pixel(page: Page, x: float, y: float) -> tuple[int, int, int]:
    """The colour on screen at page position (x, y) (the viewport, at device scale 1)."""
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    return shot.getpixel((int(x), int(y)))


def assert_boxes_at_their_image_coordinates(page: Page) -> None:
    drawn = page.locator(f"{CLASSIFIER} .overlay .box")
    expect(drawn).to_have_count(len(BOXES))
    for index, box in enumerate(BOXES):
        rect = drawn.nth(index).bounding_box()
        left, top = image_to_page(page, box["left"], box["top"])
        right, bottom = image_to_page(page, box["left"] + box["width"], box["top"] + box["height"])
        assert abs(rect["x"] - left) < 1 and abs(rect["y"] - top) < 1
        assert abs(rect["x"] + rect["width"] - right) < 1
        assert abs(rect["y"] + rect["height"] - bottom) < 1


def posted(task_site) -> list:
    return [json.loads(s.task_answers) for s in task_site.submissions]


def test_bounding_boxes_are_drawn_at_their_image_coordinates_and_follow_zoom(page, task_site):
    open_task(page, task_site, BOX_OVERLAY)
    assert_boxes_at_their_image_coordinates(page)
    labels = page.locator(f"{CLASSIFIER} .overlay .box-label")
    expect(labels).to_have_text(["bird", "cat"])
    colors = [box.evaluate("b => getComputedStyle(b).borderTopColor")
              for box in page.locator(f"{CLASSIFIER} .overlay .box").all()]
    assert colors[0] != colors[1]  # a colour per label
    legend = page.get_by_role("list", name="Overlay labels")
    expect(legend.locator("li")).to_have_text(["bird", "cat"])
    swatches = [s.evaluate("s => getComputedStyle(s).backgroundColor")
                for s in legend.locator(".swatch").all()]
    assert swatches == colors

    zoom_in = page.get_by_role("button", name="Zoom in")
    zoom_in.click()
    zoom_in.click()
    assert_boxes_at_their_image_coordinates(page)
    panel = page.locator(f"{CLASSIFIER} .image-panel").bounding_box()
    page.mouse.move(panel["x"] + 200, panel["y"] + 200)
    page.mouse.down()
    page.mouse.move(panel["x"] + 260, panel["y"] + 230, steps=4)
    page.mouse.up()
    assert_boxes_at_their_image_coordinates(page)
    # The outline keeps its width on screen at every zoom.
    width = page.locator(f"{CLASSIFIER} .overlay .box").first.evaluate(
        "b => b.getBoundingClientRect().width - b.clientWidth * "
        "(b.getBoundingClientRect().width / b.offsetWidth)")
    assert 3 < width < 5  # two borders of 2 screen pixels


def test_the_o_key_and_the_checkbox_show_and_hide_the_overlay(page, task_site):
    open_task(page, task_site, BOX_OVERLAY)
    box = page.locator(f"{CLASSIFIER} .overlay .box").first
    shown = page.get_by_role("checkbox", name="Show overlay")
    expect(box).to_be_visible()
    expect(page.locator(f"{CLASSIFIER} .shortcuts-hint")).to_contain_text("O shows or hides")
    page.keyboard.press("o")
    expect(box).to_be_hidden()
    expect(shown).not_to_be_checked()
    page.keyboard.press("o")
    expect(box).to_be_visible()
    shown.uncheck()
    expect(box).to_be_hidden()
    shown.check()
    expect(box).to_be_visible()


@pytest.mark.parametrize("kind", ["semanticSegmentation", "instanceSegmentation"])
def test_a_label_map_shows_its_label_colours_and_not_its_background(page, task_site, kind):
    open_task(page, task_site, map_overlay(kind), quote="'")
    page.wait_for_function(
        "() => document.querySelector('crowd-image-classifier').shadowRoot"
        ".querySelector('.overlay canvas[data-ready]') !== null")
    canvas_pixel = """([x, y]) => Array.from(document.querySelector('crowd-image-classifier')
        .shadowRoot.querySelector('.overlay canvas').getContext('2d')
        .getImageData(x, y, 1, 1).data)"""
    assert page.evaluate(canvas_pixel, [100, 80]) == [*CAT, 255]
    assert page.evaluate(canvas_pixel, [250, 200]) == [*DOG, 255]
    assert page.evaluate(canvas_pixel, [200, 20])[3] == 0  # the white background
    assert page.evaluate(canvas_pixel, [350, 50])[3] == 0  # a colour that is no label's
    legend = page.get_by_role("list", name="Overlay labels")
    expect(legend.locator("li")).to_have_text(["Cat", "Dog"])

    # On screen, at full opacity: the label colours over the image, the image elsewhere.
    page.locator(f"{CLASSIFIER} .overlay-alpha").fill("100")
    for zoomed in (False, True):
        if zoomed:
            page.get_by_role("button", name="Zoom in").click()
        assert screen_pixel(page, *image_to_page(page, 100, 80)) == CAT
        assert screen_pixel(page, *image_to_page(page, 250, 200)) == DOG
        assert screen_pixel(page, *image_to_page(page, 200, 20)) == IMAGE_BACKGROUND
        assert screen_pixel(page, *image_to_page(page, 350, 50)) == IMAGE_BACKGROUND
    # Half opacity blends the label into the image.
    page.locator(f"{CLASSIFIER} .overlay-alpha").fill("50")
    blended = screen_pixel(page, *image_to_page(page, 100, 80))
    assert blended not in (CAT, IMAGE_BACKGROUND)
    page.keyboard.press("o")
    assert screen_pixel(page, *image_to_page(page, 100, 80)) == IMAGE_BACKGROUND


@pytest.mark.parametrize(
    ("overlay", "message"),
    [
        ("{ boundingBox: { value: [ } }", "cannot be read"),
        ("{ polygon: { labels: ['a'] } }", '"polygon" is not an overlay gtemu knows'),
        ("['bird', 'cat']", "must be an object"),
        ("{ boundingBox: { value: [{ label: 'cat', left: 1 }] } }", 'needs a number "top"'),
        ("{ semanticSegmentation: { labelMappings: { a: { color: '#ff0000' } } } }",
         'needs "src"'),
    ],
)
def test_an_overlay_that_cannot_be_drawn_shows_a_message_and_the_task_still_works(
    page, task_site, overlay, message
):
    # Lint reads the overlay by the element's rules: it reports the same problem.
    assert message in overlay_problem(overlay)
    open_task(page, task_site, overlay)
    alert = page.locator(f"{CLASSIFIER} .overlay-error")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("This task's overlay cannot be shown")
    expect(alert).to_contain_text(message)
    page.get_by_role("radio", name="bad").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    assert posted(task_site) == [[{"verdict": {"label": "bad"}}]]


def test_a_label_map_that_cannot_be_loaded_shows_a_message(page, task_site, page_log):
    page_log.allow("404 \\(NOT FOUND\\)")
    overlay = map_overlay().replace(label_map_url(), "/no-such-map/image.png")
    open_task(page, task_site, overlay, quote="'")
    expect(page.locator(f"{CLASSIFIER} .overlay-error")).to_have_text(
        "The overlay's label map could not be loaded.")


def test_the_answer_is_the_classifiers_own_with_an_overlay(page, task_site):
    open_task(page, task_site, BOX_OVERLAY)
    page.get_by_role("radio", name="bad").check()
    page.get_by_role("button", name="Add a comment").click()
    page.get_by_role("textbox", name="What is wrong?").fill("the cat box is too low")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    assert posted(task_site) == [[{"verdict": {"label": "bad",
                                               "workerComment": "the cat box is too low"}}]]


def test_the_multi_select_image_classifier_draws_the_overlay_too(page, task_site):
    multi = "crowd-image-classifier-multi-select"
    body = template(BOX_OVERLAY).replace("crowd-image-classifier", multi)
    page.goto(task_site.page_url(body))
    page.evaluate("window.gtemuCrowd.ready")
    tool = page.locator(multi)
    expect(tool.locator(".overlay .box")).to_have_count(2)
    expect(tool.locator(".overlay .box").first).to_be_visible()
    page.get_by_role("checkbox", name="good").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    assert posted(task_site) == [[{"verdict": {"labels": ["good"]}}]]
