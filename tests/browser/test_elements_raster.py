"""crowd-semantic-segmentation and crowd-instance-segmentation in a real Chromium: brush,
eraser, polygon fill, keys and undo; the answer is AWS's documented shape and its label map is a
plain-base64 PNG at the image's natural size with no blended colours (decoded with Pillow)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import Page, expect

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WIDTH, HEIGHT = 240, 160


def image_data_url() -> str:
    """A photo stand-in: a gradient the size of a small image (its natural size matters)."""
    x = np.linspace(0, 255, WIDTH, dtype=np.uint8)
    pixels = np.stack(np.broadcast_arrays(x[None, :], x[::-1][None, :], 128 + 0 * x[None, :]), -1)
    pixels = np.repeat(pixels, HEIGHT, axis=0)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def template(tag: str, name: str, extra: str = "") -> str:
    return f"""
<crowd-form>
  <{tag} name="{name}" src="{image_data_url()}"
    header="Please label each of the requested objects in this image"
    labels="['Cat', 'Dog', 'Bird']" {extra}>
    <full-instructions header="Segmentation Instructions">
      <p>Paint every animal with its label.</p>
    </full-instructions>
    <short-instructions><p>Use the tools to label the requested items</p></short-instructions>
  </{tag}>
</crowd-form>
"""


def open_task(page: Page, url: str, tag: str) -> None:
    page.set_viewport_size({"width": 1100, "height": 700})
    page.goto(url)
    page.evaluate("window.gtemuCrowd.ready")
    page.wait_for_function(f"document.querySelector('{tag}').map !== null")


def posted(task_site) -> dict:
    expect_ok = [json.loads(s.task_answers) for s in task_site.submissions]
    assert len(expect_ok) == 1
    return expect_ok[0][0]


def submit(page: Page) -> None:
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()


def to_screen(page: Page, tag: str, x: float, y: float) -> tuple[float, float]:
    """Screen position of image pixel (x, y)."""
    box = page.locator(f"{tag} .overlay").bounding_box()
    return box["x"] + (x + 0.5) * box["width"] / WIDTH, box["y"] + (y + 0.5) * box[
        "height"
    ] / HEIGHT


def decode(value: dict) -> np.ndarray:
    data = value["labeledImage"]["pngImageData"]
    assert not data.startswith("data:")
    raw = base64.b64decode(data, validate=True)
    image = Image.open(io.BytesIO(raw))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGBA"))


def colours(pixels: np.ndarray) -> dict[str, int]:
    opaque = pixels[pixels[..., 3] == 255][:, :3]
    found, counts = np.unique(opaque, axis=0, return_counts=True)
    return {
        "#" + "".join(f"{int(v):02x}" for v in colour): int(count)
        for colour, count in zip(found, counts, strict=True)
    }


def test_semantic_segmentation_brush_polygon_eraser_undo(page, task_site):
    tag = "crowd-semantic-segmentation"
    open_task(page, task_site.page_url(template(tag, "annotatedResult")), tag)
    expect(page.get_by_role("radio", name="Brush")).to_be_checked()

    # Dog (the second label, orange in AWS's palette): a brush stroke across the image.
    page.get_by_role("radio", name="Dog").check()
    page.mouse.move(*to_screen(page, tag, 20, 30))
    page.mouse.down()
    page.mouse.move(*to_screen(page, tag, 120, 30), steps=8)
    page.mouse.up()

    # Bird with key 3, polygon tool with P: a triangle closed with Enter.
    page.keyboard.press("3")
    page.keyboard.press("p")
    for x, y in [(150, 90), (230, 90), (190, 150)]:
        page.mouse.click(*to_screen(page, tag, x, y))
    page.keyboard.press("Enter")

    # A stray dot of Cat, then undone with Ctrl+Z.
    page.keyboard.press("1")
    page.keyboard.press("b")
    page.mouse.click(*to_screen(page, tag, 60, 120))
    page.keyboard.press("Control+z")

    # The eraser clears a gap in the Dog stroke.
    page.keyboard.press("e")
    page.mouse.click(*to_screen(page, tag, 70, 30))
    submit(page)

    value = posted(task_site)["annotatedResult"]
    assert list(value) == ["inputImageProperties", "labelMappings", "labeledImage"]
    assert value["inputImageProperties"] == {"height": HEIGHT, "width": WIDTH}
    assert value["labelMappings"] == {"Dog": {"color": "#ff7f0e"}, "Bird": {"color": "#2ca02c"}}
    pixels = decode(value)
    assert pixels.shape == (HEIGHT, WIDTH, 4)
    assert set(np.unique(pixels[..., 3])) <= {0, 255}  # no blended edges
    found = colours(pixels)
    assert set(found) == {"#ff7f0e", "#2ca02c"}
    dog = (pixels[..., :3] == (0xFF, 0x7F, 0x0E)).all(-1) & (pixels[..., 3] == 255)
    assert dog[30, 25] and dog[30, 115] and not dog[30, 70]  # stroke, minus the erased gap
    assert not dog[120, 60] and pixels[120, 60, 3] == 0  # the undone Cat dot
    bird = (pixels[..., :3] == (0x2C, 0xA0, 0x2C)).all(-1)
    assert bird[110, 190] and not bird[95, 152] and not bird[140, 160]
    assert 0.8 < found["#2ca02c"] / (80 * 60 / 2) < 1.2  # the triangle's area


def test_semantic_segmentation_with_the_keyboard_only(page, task_site):
    tag = "crowd-semantic-segmentation"
    open_task(page, task_site.page_url(template(tag, "seg")), tag)
    page.locator(f"{tag} .viewport").focus()
    page.keyboard.press("2")  # Dog
    page.keyboard.press("[")  # brush 8 -> 7
    page.keyboard.down(" ")
    for _ in range(3):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.up(" ")
    # Polygon by keyboard: Space adds points where the cursor is, Enter fills.
    page.keyboard.press("p")
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press(" ")
    for key in ("Shift+ArrowRight", "Shift+ArrowDown", "Shift+ArrowLeft"):
        page.keyboard.press(key)
        page.keyboard.press(key)
        page.keyboard.press(" ")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+Enter")
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()

    value = posted(task_site)["seg"]
    pixels = decode(value)
    assert value["labelMappings"] == {"Dog": {"color": "#ff7f0e"}}
    dog = (pixels[..., :3] == (0xFF, 0x7F, 0x0E)).all(-1) & (pixels[..., 3] == 255)
    # The keyboard cursor starts at the centre (120, 80): a 30-px stroke of radius 7 to the right,
    # then a 20 × 20 square from (150, 90) to (170, 110).
    assert dog[80, 120] and dog[80, 150] and dog[80 + 7, 135] and not dog[80 - 9, 135]
    assert dog[100, 160] and dog[108, 168] and not dog[100, 175] and not dog[115, 160]


def test_initial_value_label_mappings_and_prior_map_are_loaded(page, task_site):
    tag = "crowd-semantic-segmentation"
    prior = np.zeros((HEIGHT, WIDTH, 4), np.uint8)
    prior[10:20, 10:20] = (0x12, 0x34, 0x56, 255)
    buffer = io.BytesIO()
    Image.fromarray(prior, "RGBA").save(buffer, "PNG")
    src = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    initial = json.dumps({"labelMappings": {"Cow": {"color": "#123456"}}, "src": src})
    extra = f"initial-value='{initial}'"
    open_task(page, task_site.page_url(template(tag, "seg", extra)), tag)
    expect(page.get_by_role("radio", name="Cow")).to_be_visible()
    page.wait_for_function(f"document.querySelector('{tag}').map.used().length === 1")
    submit(page)
    value = posted(task_site)["seg"]
    assert value["labelMappings"] == {"Cow": {"color": "#123456"}}
    assert colours(decode(value)) == {"#123456": 100}


def test_instance_segmentation_gives_each_instance_its_colour(page, task_site):
    tag = "crowd-instance-segmentation"
    open_task(page, task_site.page_url(template(tag, "annotatedResult")), tag)
    page.get_by_role("radio", name="Cat").check()
    page.mouse.click(*to_screen(page, tag, 30, 30))
    page.get_by_role("button", name="New instance").click()
    page.mouse.click(*to_screen(page, tag, 90, 30))
    page.keyboard.press("3")  # Bird: its first instance
    page.mouse.click(*to_screen(page, tag, 150, 100))
    expect(page.get_by_role("radio", name="Cat 2")).to_be_visible()
    submit(page)

    value = posted(task_site)["annotatedResult"]
    assert list(value) == ["inputImageProperties", "instances", "labeledImage"]
    assert value["instances"] == [
        {"color": "#1f77b4", "label": "Cat"},
        {"color": "#ff7f0e", "label": "Cat"},
        {"color": "#2ca02c", "label": "Bird"},
    ]
    pixels = decode(value)
    assert pixels.shape == (HEIGHT, WIDTH, 4)
    assert set(colours(pixels)) == {"#1f77b4", "#ff7f0e", "#2ca02c"}
    assert tuple(pixels[30, 30]) == (0x1F, 0x77, 0xB4, 255)
    assert tuple(pixels[100, 150]) == (0x2C, 0xA0, 0x2C, 255)


def test_labels_set_from_script_as_the_custom_labels_sample_does(page, task_site):
    tag = "crowd-instance-segmentation"
    script = f"""<script>
      document.addEventListener('all-crowd-elements-ready', () => {{
        const tool = document.querySelector('{tag}');
        tool.labels = [];
        tool.labels = tool.labels.concat(['Tree']);
      }});
    </script>"""
    open_task(page, task_site.page_url(template(tag, "custom") + script), tag)
    expect(page.get_by_role("radio", name="Tree")).to_be_visible()
    expect(page.get_by_role("radio", name="Cat")).to_have_count(0)


def test_segmentation_page_is_axe_clean(page, task_site):
    tag = "crowd-semantic-segmentation"
    open_task(page, task_site.page_url(template(tag, "seg")), tag)
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document)")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
