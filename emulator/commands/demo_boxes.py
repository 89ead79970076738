"""The pictures and the score of `gtemu demo --task bounding-box`.

Pictures are drawn with Pillow from a seed: one to three squares and circles on a plain
background, each with its true box, so that the consolidated boxes can be scored against the
truth (matched by label at an intersection over union of at least 0.5).
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from typing import Any, TextIO

from PIL import Image, ImageDraw

BOX_LABELS = ("circle", "square")
PICTURE_SIZE = (240, 180)
IMAGE_PREFIX = "box-images/"
MATCH_IOU = 0.5
_COLOURS = ((214, 69, 65), (46, 134, 193), (39, 174, 96), (243, 156, 18))


@dataclass
class BoxPicture:
    name: str
    png: bytes
    #: The answer a perfect worker gives: `{"boundingBoxes": [...], "inputImageProperties"}`.
    truth: dict[str, Any]


def box_pictures(count: int, seed: int) -> list[BoxPicture]:
    """`count` seeded pictures with their true boxes."""
    rng = random.Random(f"boxes/{seed}")
    width, height = PICTURE_SIZE
    pictures = []
    for index in range(count):
        image = Image.new("RGB", PICTURE_SIZE, (245, 245, 240))
        draw = ImageDraw.Draw(image)
        boxes: list[dict[str, Any]] = []
        for _ in range(rng.randint(1, 3)):
            side = rng.randint(24, 64)
            for _attempt in range(20):  # place it clear of the shapes already drawn
                left, top = rng.randint(2, width - side - 2), rng.randint(2, height - side - 2)
                if all(_iou((left, top, side, side), _xywh(box)) == 0 for box in boxes):
                    break
            label = rng.choice(BOX_LABELS)
            outline = (left, top, left + side - 1, top + side - 1)
            colour = rng.choice(_COLOURS)
            if label == "circle":
                draw.ellipse(outline, fill=colour)
            else:
                draw.rectangle(outline, fill=colour)
            boxes.append({"height": side, "label": label, "left": left, "top": top,
                          "width": side})
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        truth = {"boundingBoxes": boxes,
                 "inputImageProperties": {"height": height, "width": width}}
        pictures.append(BoxPicture(f"boxes-{index:03d}.png", buffer.getvalue(), truth))
    return pictures


def upload_box_inputs(
    s3: Any, bucket: str, objects: int, seed: int, template: str
) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Pictures, manifest, label file and template in S3; returns their URIs and the truth by
    picture name."""
    s3.create_bucket(Bucket=bucket)
    pictures = box_pictures(objects, seed)
    for picture in pictures:
        s3.put_object(Bucket=bucket, Key=IMAGE_PREFIX + picture.name, Body=picture.png,
                      ContentType="image/png")
    manifest = "".join(
        json.dumps({"source-ref": f"s3://{bucket}/{IMAGE_PREFIX}{picture.name}"}) + "\n"
        for picture in pictures
    )
    labels = json.dumps({"document-version": "2018-11-28",
                         "labels": [{"label": label} for label in BOX_LABELS]})
    inputs = {
        "manifest": ("input/bounding-box/manifest.jsonl", manifest),
        "labels": ("input/bounding-box/labels.json", labels),
        "template": ("input/bounding-box/template.liquid.html", template),
    }
    for key, body in inputs.values():
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))
    uris = {name: f"s3://{bucket}/{key}" for name, (key, _) in inputs.items()}
    return uris, {picture.name: picture.truth for picture in pictures}


def _xywh(box: dict[str, Any]) -> tuple[float, float, float, float]:
    return box["left"], box["top"], box["width"], box["height"]


def _iou(first: tuple, second: tuple) -> float:
    (x1, y1, w1, h1), (x2, y2, w2, h2) = first, second
    overlap_w = max(0.0, min(x1 + w1, x2 + w2) - max(x1, x2))
    overlap_h = max(0.0, min(y1 + h1, y2 + h2) - max(y1, y2))
    overlap = overlap_w * overlap_h
    union = w1 * h1 + w2 * h2 - overlap
    return overlap / union if union > 0 else 0.0


@dataclass
class BoxScore:
    true_boxes: int = 0
    output_boxes: int = 0
    matched: int = 0
    iou_sum: float = 0.0

    @property
    def precision(self) -> float:
        return self.matched / max(self.output_boxes, 1)

    @property
    def recall(self) -> float:
        return self.matched / max(self.true_boxes, 1)

    @property
    def mean_iou(self) -> float:
        return self.iou_sum / max(self.matched, 1)


def score_picture(output: list[dict[str, Any]], truth: list[dict[str, Any]]) -> list[float]:
    """IoUs of the output boxes matched to true boxes of the same label (greedy, best first)."""
    pairs = sorted(
        ((_iou(_xywh(o), _xywh(t)), i, j) for i, o in enumerate(output)
         for j, t in enumerate(truth) if o["label"] == t["label"]),
        reverse=True,
    )
    used_output, used_truth, matched = set(), set(), []
    for iou, i, j in pairs:
        if iou < MATCH_IOU or i in used_output or j in used_truth:
            continue
        used_output.add(i)
        used_truth.add(j)
        matched.append(iou)
    return matched


def print_box_results(
    out: TextIO, lines: list[dict], truth: dict[str, dict[str, Any]], attribute: str
) -> BoxScore:
    """One row per picture: true and consolidated box counts and the matched boxes' IoU."""
    score = BoxScore()
    print(f"{'picture':<16} {'true boxes':>10} {'output':>7} {'matched':>8}  mean IoU", file=out)
    for line in lines:
        picture = line["source-ref"].rsplit("/", 1)[-1]
        true = truth.get(picture, {}).get("boundingBoxes", [])
        metadata = line.get(f"{attribute}-metadata", {})
        if "failure-reason" in metadata:
            print(f"{picture:<16} failed: {metadata['failure-reason'][:50]}", file=out)
            score.true_boxes += len(true)
            continue
        class_map = metadata.get("class-map", {})
        output = [
            {**box, "label": class_map.get(str(box["class_id"]), "?")}
            for box in line.get(attribute, {}).get("annotations", [])
        ]
        matched = score_picture(output, true)
        score.true_boxes += len(true)
        score.output_boxes += len(output)
        score.matched += len(matched)
        score.iou_sum += sum(matched)
        mean = f"{sum(matched) / len(matched):.2f}" if matched else "-"
        print(f"{picture:<16} {len(true):>10} {len(output):>7} {len(matched):>8}  {mean}",
              file=out)
    return score
