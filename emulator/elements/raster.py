"""`crowd-semantic-segmentation` and `crowd-instance-segmentation`: answers that carry a label map.

The answer AWS documents for both elements holds the painted label map as a PNG, plain base64 (no
`data:` prefix), at the image's natural size, beside the colour of each label and the image size:

    {"labeledImage": {"pngImageData": "iVBORw0..."},
     "labelMappings": {"Cat": {"color": "#2ca02c"}},          # semantic segmentation
     "instances": [{"color": "#2ca02c", "label": "Cat"}],      # instance segmentation
     "inputImageProperties": {"height": 533, "width": 800}}

A pixel of the map is either unlabelled (fully transparent, or opaque white, the colour Ground
Truth gives its BACKGROUND class) or opaque in exactly one label's (instance's) colour: blended
edges between colours would make the map ambiguous, so they are refused.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, UnidentifiedImageError

from emulator.elements.base import ElementContext, ElementSpec, SimulatedWorker
from emulator.elements.labels import attribute_labels

#: The colours Ground Truth's segmentation tools give labels, in order (d3's category10).
LABEL_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
BACKGROUND_COLOR = "#ffffff"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Image size a simulated worker paints when neither the job nor the truth says.
DEFAULT_SIZE = (64, 48)

SEGMENTATION_ATTRIBUTES = ("header", "initial-value", "labels", "name", "src")
INSTANCE_ATTRIBUTES = ("header", "labels", "name", "src")
REGIONS = ("full-instructions", "short-instructions")


def label_color(index: int) -> str:
    """The colour of the `index`-th label (a distinct colour beyond the first ten)."""
    if index < len(LABEL_COLORS):
        return LABEL_COLORS[index]
    # Spread further labels over the hue circle, away from white and from each other.
    rng = np.random.default_rng(index)
    red, green, blue = (int(v) for v in rng.integers(16, 224, size=3))
    return f"#{red:02x}{green:02x}{blue:02x}"


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def encode_label_map(pixels: np.ndarray) -> str:
    """Plain base64 of an RGBA PNG (height × width × 4, uint8)."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8), "RGBA").save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def decode_label_map(data: Any) -> np.ndarray | str:
    """The RGBA pixels of `labeledImage.pngImageData`, or the message saying why it is refused."""
    if not isinstance(data, str) or not data:
        return "labeledImage.pngImageData must be the label map PNG as a base64 string."
    if data.startswith("data:"):
        return "labeledImage.pngImageData must be plain base64 of a PNG, not a data URL."
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return "labeledImage.pngImageData is not valid base64."
    if not raw.startswith(PNG_SIGNATURE):
        return "labeledImage.pngImageData is not a PNG image."
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            return np.asarray(image.convert("RGBA"))
    except (UnidentifiedImageError, OSError, ValueError) as error:
        return f"labeledImage.pngImageData is not a readable PNG image ({error})."


def _image_size(value: dict[str, Any], context: ElementContext) -> tuple[int, int] | str:
    """(width, height) the map must have: the image's size when the server knows it, and the
    answer's `inputImageProperties`, which must agree with it."""
    properties = value.get("inputImageProperties")
    if not isinstance(properties, dict):
        return "inputImageProperties must be an object with the image's width and height."
    width, height = properties.get("width"), properties.get("height")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (width, height)):
        return "inputImageProperties.width and .height must be positive whole numbers."
    if context.image_size is not None and (width, height) != tuple(context.image_size):
        known_width, known_height = context.image_size
        return (
            f"inputImageProperties says {width}×{height} but the image is "
            f"{known_width}×{known_height}."
        )
    return width, height


def _unknown_pixels(pixels: np.ndarray, colors: list[str]) -> int:
    """How many pixels are neither unlabelled nor opaque in one of `colors`."""
    alpha = pixels[..., 3]
    rgb = pixels[..., :3].astype(np.int32)
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    allowed = [int(c[1:], 16) for c in [*colors, BACKGROUND_COLOR]]
    known = (alpha == 255) & np.isin(packed, allowed)
    return int(np.count_nonzero(~known & (alpha != 0)))


def _check_label_map(
    value: dict[str, Any], context: ElementContext, colors: list[str]
) -> str | None:
    size = _image_size(value, context)
    if isinstance(size, str):
        return size
    labeled = value.get("labeledImage")
    if not isinstance(labeled, dict):
        return "labeledImage must be an object holding pngImageData."
    pixels = decode_label_map(labeled.get("pngImageData"))
    if isinstance(pixels, str):
        return pixels
    height, width = pixels.shape[:2]
    if (width, height) != size:
        return f"The label map is {width}×{height} but the image is {size[0]}×{size[1]}."
    stray = _unknown_pixels(pixels, colors)
    if stray:
        return (
            f"The label map has {stray} pixel(s) whose colour is no label's colour "
            "(blended edges between labels are not allowed)."
        )
    return None


def _bad_color(color: Any) -> bool:
    return not isinstance(color, str) or not _HEX_COLOR.match(color)


def _label_mappings_colors(mappings: Any, labels: list[str] | None) -> list[str] | str:
    """The colours of `labelMappings` (label → {"color": "#rrggbb"}), lower case, or what is
    wrong with it. `labels` None: any label name is allowed."""
    if not isinstance(mappings, dict):
        return 'labelMappings must be an object of label → {"color": "#rrggbb"}.'
    colors = []
    for label, mapping in mappings.items():
        if labels is not None and label not in labels:
            return f"labelMappings names {label!r}, which is not one of the labels {labels}."
        color = mapping.get("color") if isinstance(mapping, dict) else None
        if _bad_color(color):
            return f'labelMappings[{label!r}].color must be a colour like "#1f77b4".'
        colors.append(color.lower())
    if len(set(colors)) != len(colors):
        return "Two labels in labelMappings share one colour."
    return colors


def check_semantic_segmentation(value: Any, context: ElementContext) -> str | None:
    if not isinstance(value, dict):
        return "The segmentation answer must be an object (labeledImage, labelMappings, …)."
    labels = attribute_labels(context.attributes, "labels", context.categories)
    colors = _label_mappings_colors(value.get("labelMappings"), labels)
    if isinstance(colors, str):
        return colors
    return _check_label_map(value, context, colors)


def check_segmentation_start(value: Any, context: ElementContext) -> str | None:
    """`initial-value` of `crowd-semantic-segmentation`: `{labelMappings, src}`, the earlier label
    map and its colours. Its `labelMappings` follow the answer's rules, except that they may name
    labels beyond `labels` (the element offers those too). Without them the element reads the
    earlier map in its default colours, those a job gives its labels in order."""
    if "labelMappings" in value:
        colors = _label_mappings_colors(value["labelMappings"], None)
        if isinstance(colors, str):
            return colors
    source = value.get("src")
    if source is not None and not isinstance(source, str):
        return "src must be the URL of the earlier label map."
    return None


def check_instance_segmentation(value: Any, context: ElementContext) -> str | None:
    if not isinstance(value, dict):
        return "The segmentation answer must be an object (labeledImage, instances, …)."
    instances = value.get("instances")
    if not isinstance(instances, list):
        return 'instances must be a list of {"color": "#rrggbb", "label": "…"}.'
    labels = attribute_labels(context.attributes, "labels", context.categories)
    colors = []
    for number, instance in enumerate(instances, start=1):
        if not isinstance(instance, dict) or _bad_color(instance.get("color")):
            return f'Instance {number} must have a colour like "#1f77b4" and a label.'
        label = instance.get("label")
        if not isinstance(label, str) or (labels is not None and label not in labels):
            return f"Instance {number} has the label {label!r}, which is not one of {labels}."
        colors.append(instance["color"].lower())
    if len(set(colors)) != len(colors):
        return "Two instances share one colour."
    return _check_label_map(value, context, colors)


# --- simulated workers ---------------------------------------------------------------------


def _class_map_from_truth(truth: Any, key_colors: list[str]) -> np.ndarray | None:
    """Index map (0 = unlabelled, i = i-th colour) of a truth answer, or None if unreadable."""
    if not isinstance(truth, dict):
        return None
    pixels = decode_label_map((truth.get("labeledImage") or {}).get("pngImageData"))
    if isinstance(pixels, str):
        return None
    packed = (
        (pixels[..., 0].astype(np.int32) << 16)
        | (pixels[..., 1].astype(np.int32) << 8)
        | pixels[..., 2]
    )
    classes = np.zeros(pixels.shape[:2], dtype=np.int32)
    for index, color in enumerate(key_colors, start=1):
        classes[(packed == int(color[1:], 16)) & (pixels[..., 3] == 255)] = index
    return classes


def _random_blobs(size: tuple[int, int], count: int, rng: np.random.Generator) -> np.ndarray:
    """An index map of a few ellipses (class 1..count), drawn without anti-aliasing."""
    width, height = size
    canvas = Image.new("L", size, 0)
    draw = ImageDraw.Draw(canvas)
    for _ in range(int(rng.integers(1, 4))):
        x0, y0 = rng.integers(0, max(1, width - 2)), rng.integers(0, max(1, height - 2))
        x1 = min(width - 1, x0 + int(rng.integers(2, max(3, width // 2))))
        y1 = min(height - 1, y0 + int(rng.integers(2, max(3, height // 2))))
        draw.ellipse((int(x0), int(y0), int(x1), int(y1)), fill=int(rng.integers(1, count + 1)))
    return np.asarray(canvas, dtype=np.int32)


def _noisy(classes: np.ndarray, count: int, worker: SimulatedWorker) -> np.ndarray:
    """A worker's imperfect copy: each class's outline grows or shrinks by a few pixels (more for
    a worse worker), and now and then a whole region gets another label."""
    rng = worker.rng
    from scipy import ndimage  # imported where used (docs/interfaces.md#startup)

    error = 1.0 - float(np.clip(worker.accuracy, 0.0, 1.0))
    result = classes.copy()
    for index in range(1, count + 1):
        region = classes == index
        if not region.any():
            continue
        steps = int(rng.binomial(4, min(1.0, error * 2)))
        if steps:
            changed = (
                ndimage.binary_dilation(region, iterations=steps)
                if rng.random() < 0.5
                else ndimage.binary_erosion(region, iterations=steps)
            )
            result[region & ~changed] = 0
            result[changed & ~region & (result == 0)] = index
        if count > 1 and rng.random() < error / 2:
            others = [i for i in range(1, count + 1) if i != index]
            result[result == index] = int(rng.choice(others))
    return result


def _pixels(classes: np.ndarray, colors: list[str]) -> np.ndarray:
    palette = np.zeros((len(colors) + 1, 4), dtype=np.uint8)
    for index, color in enumerate(colors, start=1):
        palette[index] = (*hex_to_rgb(color), 255)
    return palette[classes]


def _simulated_map(
    context: ElementContext, worker: SimulatedWorker, truth_colors: list[str], count: int
) -> np.ndarray:
    classes = _class_map_from_truth(worker.truth, truth_colors) if truth_colors else None
    if classes is None:
        size = tuple(context.image_size or DEFAULT_SIZE)
        classes = _random_blobs(size, count, worker.rng) if count else np.zeros(size[::-1], int)
    elif context.image_size is not None and classes.shape[::-1] != tuple(context.image_size):
        # A truth painted at another size is resampled (nearest neighbour keeps labels crisp).
        image = Image.fromarray(classes.astype(np.uint8), "L")
        classes = np.asarray(image.resize(tuple(context.image_size), Image.NEAREST), np.int32)
    return _noisy(classes, count, worker) if count else classes


def simulate_semantic_segmentation(context: ElementContext, worker: SimulatedWorker) -> Any:
    labels = attribute_labels(context.attributes, "labels", context.categories) or []
    colors = [label_color(i) for i in range(len(labels))]
    truth = worker.truth if isinstance(worker.truth, dict) else {}
    truth_mappings = truth.get("labelMappings")
    truth_colors = []
    if isinstance(truth_mappings, dict):
        # Truth colours are read in the order of this element's labels.
        truth_colors = [
            (truth_mappings.get(label) or {}).get("color", "#000001").lower() for label in labels
        ]
    classes = _simulated_map(context, worker, truth_colors, len(labels))
    used = sorted({int(v) for v in np.unique(classes)} - {0})
    height, width = classes.shape
    return {  # the key order of AWS's documented example
        "inputImageProperties": {"height": height, "width": width},
        "labelMappings": {labels[i - 1]: {"color": colors[i - 1]} for i in used},
        "labeledImage": {"pngImageData": encode_label_map(_pixels(classes, colors))},
    }


def simulate_instance_segmentation(context: ElementContext, worker: SimulatedWorker) -> Any:
    labels = attribute_labels(context.attributes, "labels", context.categories) or []
    truth_instances = (
        worker.truth.get("instances") if isinstance(worker.truth, dict) else None
    ) or []
    truth_colors = [str(i.get("color", "#000001")).lower() for i in truth_instances]
    if truth_colors:
        instance_labels = [str(i.get("label")) for i in truth_instances]
    else:
        picks = worker.rng.integers(len(labels), size=3) if labels else []
        instance_labels = [labels[int(i)] for i in picks]
    classes = _simulated_map(context, worker, truth_colors, len(instance_labels))
    colors = [label_color(i) for i in range(len(instance_labels))]
    used = sorted({int(v) for v in np.unique(classes)} - {0})
    height, width = classes.shape
    return {
        "inputImageProperties": {"height": height, "width": width},
        "instances": [{"color": colors[i - 1], "label": instance_labels[i - 1]} for i in used],
        "labeledImage": {"pngImageData": encode_label_map(_pixels(classes, colors))},
    }


SPECS: tuple[ElementSpec, ...] = (
    ElementSpec(
        tag="crowd-semantic-segmentation",
        attributes=SEGMENTATION_ATTRIBUTES,
        required=("name", "src", "labels"),
        # AWS documents `initial-value` as an object: `{labelMappings: {...}, src: '…'}`.
        literal_attributes={"labels": "list", "initial-value": "object"},
        literal_checks={"initial-value": check_segmentation_start},
        regions=REGIONS,
        required_regions=("full-instructions", "short-instructions"),
        answer_nesting="name",
        check_answer=check_semantic_segmentation,
        simulate_answer=simulate_semantic_segmentation,
        docs_anchor="crowd-semantic-segmentation",
        traits={"output": "labeledImage", "image": "src", "task_answer": True},
    ),
    ElementSpec(
        tag="crowd-instance-segmentation",
        attributes=INSTANCE_ATTRIBUTES,
        required=("name", "src", "labels"),
        literal_attributes={"labels": "list"},
        regions=REGIONS,
        required_regions=("full-instructions", "short-instructions"),
        answer_nesting="name",
        check_answer=check_instance_segmentation,
        simulate_answer=simulate_instance_segmentation,
        docs_anchor="crowd-instance-segmentation",
        traits={"output": "labeledImage", "image": "src", "task_answer": True},
    ),
)
