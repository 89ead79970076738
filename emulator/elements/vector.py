"""The vector-annotation elements: `crowd-bounding-box`, `crowd-polygon`, `crowd-keypoint`,
`crowd-line` and `crowd-polyline`.

All five draw labelled shapes on one image and answer alike, under their `name`:

    {"<name>": {"<shapes>": [...], "inputImageProperties": {"height": H, "width": W}}}

where `<shapes>` is `boundingBoxes` (`label`, `left`, `top`, `width`, `height`), `polygons`
(`label`, `vertices` of at least 3 `{x, y}`), `keypoints` (`label`, `x`, `y`), `lines` (`label`,
exactly 2 `vertices`) or `polylines` (`label`, 2 or more `vertices`). Coordinates are whole pixels
of the image's natural size with 0,0 at its top-left corner. When the element was given an
`initial-value`, the answer also carries `initialValueModified` (a boolean).

A shape is refused when its label is not one of the element's `labels` (or of the job's label
categories, when the job has them), when a box has no area, or when any part of it lies outside
the image (the size the server knows, else the posted `inputImageProperties`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from emulator.elements.base import ElementContext, ElementSpec, SimulatedWorker

#: Image size a simulated worker assumes when neither the server nor the truth knows it.
DEFAULT_IMAGE_SIZE = (800, 600)

_REGIONS = ("full-instructions", "short-instructions")
_QUOTED = re.compile(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`""")


# Reading the element's context


def label_options(ctx: ElementContext) -> list[str] | None:
    """The labels a shape may carry: the element's `labels` attribute (a JSON or JavaScript list
    of strings), narrowed to the job's categories when the job has them. None when neither says
    (any label goes)."""
    from_attribute = _labels_attribute(ctx.attributes.get("labels"))
    if ctx.categories is None:
        return from_attribute
    categories = [str(category) for category in ctx.categories]
    if from_attribute is None:
        return categories
    return [label for label in from_attribute if label in categories]


def _labels_attribute(text: str | None) -> list[str] | None:
    if text is None or not text.strip():
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, list):
        return [_label_text(item) for item in parsed]
    # A JavaScript literal (`['Cat', 'Dog']`, `[{label: 'Cat'}]`): its quoted strings are the
    # labels, whatever the quoting style (the crowd elements read it with a full parser).
    labels = []
    for match in _QUOTED.finditer(text):
        raw = next(group for group in match.groups() if group is not None)
        labels.append(re.sub(r"\\(.)", r"\1", raw))
    return labels


def _label_text(item: Any) -> str:
    if isinstance(item, dict):
        item = item.get("label", item.get("text", item.get("name")))
    return item if isinstance(item, str) else json.dumps(item)


def _image_size(value: Any, ctx: ElementContext) -> tuple[int, int] | None:
    if ctx.image_size is not None:
        return ctx.image_size
    properties = value.get("inputImageProperties") if isinstance(value, dict) else None
    if isinstance(properties, dict):
        width, height = properties.get("width"), properties.get("height")
        if _is_whole(width) and _is_whole(height):
            return int(width), int(height)
    return None


def _is_whole(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and float(value).is_integer()


# Shape kinds


Shape = dict[str, Any]


@dataclass(frozen=True)
class ShapeKind:
    """What differs between the five elements: the answer key, one shape's check, and how a
    simulated worker moves or invents a shape."""

    tag: str
    key: str
    noun: str
    #: Message for a malformed shape (None when the shape's geometry is valid).
    check_geometry: Callable[[Shape, tuple[int, int] | None], str | None]
    jitter: Callable[[Shape, np.random.Generator, float, tuple[int, int]], Shape]
    invent: Callable[[np.random.Generator, tuple[int, int]], Shape]


def _point_problem(point: Any, size: tuple[int, int] | None, where: str) -> str | None:
    if not isinstance(point, dict):
        return f"{where} must be an object with x and y"
    for axis in ("x", "y"):
        if not _is_whole(point.get(axis)):
            return f"{where} needs a whole-number {axis} (pixels)"
    if size is not None:
        width, height = size
        if not (0 <= point["x"] <= width and 0 <= point["y"] <= height):
            return f"{where} ({point['x']}, {point['y']}) is outside the {width}×{height} image"
    return None


def _vertices_problem(
    shape: Shape, size: tuple[int, int] | None, least: int, most: int | None = None
) -> str | None:
    vertices = shape.get("vertices")
    if not isinstance(vertices, list):
        return "needs a list of vertices"
    if len(vertices) < least or (most is not None and len(vertices) > most):
        wanted = f"exactly {least}" if most == least else f"at least {least}"
        return f"needs {wanted} vertices, not {len(vertices)}"
    for index, vertex in enumerate(vertices):
        problem = _point_problem(vertex, size, f"vertex {index + 1}")
        if problem:
            return problem
    return None


def _box_problem(box: Shape, size: tuple[int, int] | None) -> str | None:
    for key in ("left", "top", "width", "height"):
        if not _is_whole(box.get(key)):
            return f"needs a whole-number {key} (pixels)"
    if box["width"] <= 0 or box["height"] <= 0:
        return f"has no area (width {box['width']}, height {box['height']})"
    if box["left"] < 0 or box["top"] < 0:
        return f"starts outside the image (left {box['left']}, top {box['top']})"
    if size is not None:
        width, height = size
        right, bottom = box["left"] + box["width"], box["top"] + box["height"]
        if right > width or bottom > height:
            return f"ends at ({right}, {bottom}), outside the {width}×{height} image"
    return None


def _clamp(value: float, low: int, high: int) -> int:
    return int(min(max(round(value), low), high))


def _jitter_box(box: Shape, rng: np.random.Generator, noise: float, size: tuple[int, int]) -> Shape:
    width, height = size
    spread = noise * np.array([box["width"], box["height"], box["width"], box["height"]])
    left, top, right, bottom = (
        np.array(
            [box["left"], box["top"], box["left"] + box["width"], box["top"] + box["height"]], float
        )
        + rng.normal(0.0, 1.0, 4) * spread
    )
    left, right = _clamp(left, 0, width - 1), _clamp(right, 0, width)
    top, bottom = _clamp(top, 0, height - 1), _clamp(bottom, 0, height)
    return _box(box["label"], left, top, max(right - left, 1), max(bottom - top, 1))


def _box(label: str, left: int, top: int, width: int, height: int) -> Shape:
    # AWS's element writes a box's keys in alphabetical order.
    return {
        "height": int(height),
        "label": label,
        "left": int(left),
        "top": int(top),
        "width": int(width),
    }


def _invent_box(rng: np.random.Generator, size: tuple[int, int]) -> Shape:
    width, height = size
    box_width = int(rng.integers(max(width // 10, 1), max(width // 3, 2)))
    box_height = int(rng.integers(max(height // 10, 1), max(height // 3, 2)))
    left = int(rng.integers(0, max(width - box_width, 0) + 1))
    top = int(rng.integers(0, max(height - box_height, 0) + 1))
    return _box("", left, top, box_width, box_height)


def _extent(points: list[dict[str, Any]]) -> float:
    xs = [point["x"] for point in points]
    ys = [point["y"] for point in points]
    return max(max(xs) - min(xs), max(ys) - min(ys), 1)


def _jitter_points(
    points: list[dict[str, Any]], rng: np.random.Generator, sigma: float, size: tuple[int, int]
) -> list[dict[str, int]]:
    width, height = size
    moved = np.array([[p["x"], p["y"]] for p in points], float)
    moved += rng.normal(0.0, sigma, moved.shape)
    return [{"x": _clamp(x, 0, width), "y": _clamp(y, 0, height)} for x, y in moved]


def _jitter_vertices(
    shape: Shape, rng: np.random.Generator, noise: float, size: tuple[int, int]
) -> Shape:
    sigma = noise * _extent(shape["vertices"])
    vertices = _jitter_points(shape["vertices"], rng, sigma, size)
    return {"label": shape["label"], "vertices": vertices}


def _jitter_keypoint(
    point: Shape, rng: np.random.Generator, noise: float, size: tuple[int, int]
) -> Shape:
    # A keypoint has no extent of its own: its noise is relative to the image.
    sigma = noise * 0.1 * min(size)
    (moved,) = _jitter_points([point], rng, sigma, size)
    return {"label": point["label"], "x": moved["x"], "y": moved["y"]}


def _random_point(rng: np.random.Generator, size: tuple[int, int]) -> dict[str, int]:
    width, height = size
    return {"x": int(rng.integers(0, width + 1)), "y": int(rng.integers(0, height + 1))}


def _invent_polygon(rng: np.random.Generator, size: tuple[int, int]) -> Shape:
    # A star-shaped polygon (vertices at increasing angles around a centre) never crosses itself.
    width, height = size
    count = int(rng.integers(3, 8))
    radius = max(min(width, height) / 8, 2)
    cx = rng.uniform(radius, max(width - radius, radius))
    cy = rng.uniform(radius, max(height - radius, radius))
    angles = np.sort(rng.uniform(0, 2 * math.pi, count))
    radii = rng.uniform(0.5, 1.0, count) * radius
    vertices = [
        {"x": _clamp(cx + r * math.cos(a), 0, width), "y": _clamp(cy + r * math.sin(a), 0, height)}
        for a, r in zip(angles, radii, strict=True)
    ]
    return {"label": "", "vertices": vertices}


def _invent_line(rng: np.random.Generator, size: tuple[int, int]) -> Shape:
    return {"label": "", "vertices": [_random_point(rng, size), _random_point(rng, size)]}


def _invent_polyline(rng: np.random.Generator, size: tuple[int, int]) -> Shape:
    count = int(rng.integers(2, 6))
    return {"label": "", "vertices": [_random_point(rng, size) for _ in range(count)]}


def _invent_keypoint(rng: np.random.Generator, size: tuple[int, int]) -> Shape:
    return {"label": "", **_random_point(rng, size)}


KINDS: dict[str, ShapeKind] = {
    kind.tag: kind
    for kind in (
        ShapeKind(
            "crowd-bounding-box", "boundingBoxes", "box", _box_problem, _jitter_box, _invent_box
        ),
        ShapeKind(
            "crowd-polygon",
            "polygons",
            "polygon",
            lambda shape, size: _vertices_problem(shape, size, 3),
            _jitter_vertices,
            _invent_polygon,
        ),
        ShapeKind(
            "crowd-keypoint",
            "keypoints",
            "keypoint",
            lambda shape, size: _point_problem(shape, size, "the point"),
            _jitter_keypoint,
            _invent_keypoint,
        ),
        ShapeKind(
            "crowd-line",
            "lines",
            "line",
            lambda shape, size: _vertices_problem(shape, size, 2, 2),
            _jitter_vertices,
            _invent_line,
        ),
        ShapeKind(
            "crowd-polyline",
            "polylines",
            "polyline",
            lambda shape, size: _vertices_problem(shape, size, 2),
            _jitter_vertices,
            _invent_polyline,
        ),
    )
}


# The answer contract


def check_vector_answer(kind: ShapeKind, value: Any, ctx: ElementContext) -> str | None:
    """None for a valid answer of `kind`'s element, else a message naming the shape at fault."""
    if not isinstance(value, dict):
        return f"The {kind.tag} answer must be an object with {kind.key} and inputImageProperties."
    properties = value.get("inputImageProperties")
    if not isinstance(properties, dict) or not all(
        _is_whole(properties.get(axis)) and properties[axis] > 0 for axis in ("width", "height")
    ):
        return (
            f"The {kind.tag} answer needs inputImageProperties with the image's width and "
            "height in pixels."
        )
    if "initialValueModified" in value and not isinstance(value["initialValueModified"], bool):
        return f"The {kind.tag} answer's initialValueModified must be true or false."
    shapes = value.get(kind.key)
    if not isinstance(shapes, list):
        return f"The {kind.tag} answer needs a list of {kind.key}."
    size = _image_size(value, ctx)
    labels = label_options(ctx)
    for index, shape in enumerate(shapes):
        name = f"{kind.noun.capitalize()} {index + 1}"
        if not isinstance(shape, dict):
            return f"{name} of {kind.key} must be an object."
        label = shape.get("label")
        if not isinstance(label, str):
            return f"{name} needs a label."
        if labels is not None and label not in labels:
            allowed = ", ".join(f'"{option}"' for option in labels) or "none"
            return f'{name} has the label "{label}", which is not one of the labels ({allowed}).'
        problem = kind.check_geometry(shape, size)
        if problem:
            return f'{name} ("{label}") {problem}.'
    return None


# Simulated workers


def simulate_vector_answer(
    kind: ShapeKind, ctx: ElementContext, worker: SimulatedWorker
) -> dict[str, Any]:
    """A valid answer of `kind`'s element. With `worker.truth` (a perfect answer of the same
    shape) the worker copies it with noise that grows as `worker.accuracy` falls: jittered
    coordinates, missed shapes, spurious shapes, wrong labels. Without truth it draws one to
    three plausible shapes anywhere in the image."""
    rng = worker.rng
    size = _simulation_size(ctx, worker.truth)
    labels = label_options(ctx) or _truth_labels(kind, worker.truth) or ["object"]
    error = min(max(1.0 - float(worker.accuracy), 0.0), 1.0)
    shapes: list[Shape] = []
    truth_shapes = _truth_shapes(kind, worker.truth)
    if truth_shapes is None:
        for _ in range(int(rng.integers(1, 4))):
            shapes.append({**kind.invent(rng, size), "label": str(rng.choice(labels))})
    else:
        for shape in truth_shapes:
            if rng.random() < 0.5 * error:
                continue  # missed
            moved = kind.jitter(shape, rng, 0.1 * error + 0.01, size)
            if len(labels) > 1 and rng.random() < 0.3 * error:
                others = [label for label in labels if label != shape["label"]]
                moved["label"] = str(rng.choice(others))
            elif moved["label"] not in labels:
                moved["label"] = str(rng.choice(labels))
            shapes.append(moved)
        for _ in range(int(rng.poisson(0.5 * error))):
            shapes.append({**kind.invent(rng, size), "label": str(rng.choice(labels))})
    answer = {
        kind.key: [_ordered(shape) for shape in shapes],
        "inputImageProperties": {"height": size[1], "width": size[0]},
    }
    return dict(sorted(answer.items()))


def _ordered(shape: Shape) -> Shape:
    # AWS's elements write keys in alphabetical order (height, label, left, top, width).
    return dict(sorted(shape.items()))


def _simulation_size(ctx: ElementContext, truth: Any) -> tuple[int, int]:
    if ctx.image_size is not None:
        return ctx.image_size
    if isinstance(truth, dict):
        size = _image_size(truth, ElementContext(tag=ctx.tag, attributes={}))
        if size is not None:
            return size
    return DEFAULT_IMAGE_SIZE


def _truth_shapes(kind: ShapeKind, truth: Any) -> list[Shape] | None:
    if not isinstance(truth, dict) or not isinstance(truth.get(kind.key), list):
        return None
    return [shape for shape in truth[kind.key] if isinstance(shape, dict)]


def _truth_labels(kind: ShapeKind, truth: Any) -> list[str]:
    shapes = _truth_shapes(kind, truth) or []
    return sorted({shape["label"] for shape in shapes if isinstance(shape.get("label"), str)})


# The specs


def _spec(kind: ShapeKind, attributes: tuple[str, ...]) -> ElementSpec:
    return ElementSpec(
        tag=kind.tag,
        attributes=attributes,
        required=("name", "src", "labels"),
        # `initial-value`: the shapes, or an object holding them under the answer key (the
        # form AWS documents for the line elements).
        literal_attributes={
            name: kind
            for name, kind in (
                ("labels", "list"), ("initial-value", "list or object"), ("label-colors", "list")
            )
            if name in attributes
        },
        regions=_REGIONS,
        required_regions=_REGIONS,
        answer_nesting="name",
        check_answer=lambda value, ctx: check_vector_answer(kind, value, ctx),
        simulate_answer=lambda ctx, worker: simulate_vector_answer(kind, ctx, worker),
        docs_anchor="vector-annotation-boxes-polygons-keypoints-lines-polylines",
        traits={"output": kind.key, "image": "src", "task_answer": True},
    )


_COMMON = ("header", "initial-value", "labels", "name", "src")

SPECS: tuple[ElementSpec, ...] = (
    _spec(KINDS["crowd-bounding-box"], _COMMON),
    _spec(KINDS["crowd-polygon"], _COMMON),
    _spec(KINDS["crowd-keypoint"], _COMMON),
    # AWS documents label colours for the line elements only.
    _spec(KINDS["crowd-line"], (*_COMMON, "label-colors")),
    _spec(KINDS["crowd-polyline"], (*_COMMON, "label-colors")),
)
