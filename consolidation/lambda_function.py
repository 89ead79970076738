"""The post-annotation (consolidation) Lambda handler (docs/engine.md#the-post-annotation-event).

Deploy the `consolidation` package as the custom annotation-consolidation Lambda of a real
labeling job with the handler `consolidation.lambda_handler`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from consolidation.acs import builtin_consolidation
from consolidation.answers import AnswerFormatError, answer_content

# Optional override of the task type, which is otherwise read from the answers themselves.
TASK_TYPE_VARIABLE = "GTEMU_TASK_TYPE"


def lambda_handler(event: dict[str, Any], context: Any = None) -> list[dict[str, Any]]:
    """Read the batch at `event["payload"]["s3Uri"]` and return the consolidated annotations.

    The fit sees only this batch (docs/consolidation.md#worker-quality-evidence). The task type is
    recognised from the answers (`boundingBoxes`, `entities`, `labeledImage`; else multi- or
    single-label from `labels` or `label`, image or text from `dataObject`); the
    `GTEMU_TASK_TYPE` environment variable (e.g. `ImageMultiClass`, `BoundingBox`,
    `AdjustmentBoundingBox`) overrides it.
    Segmentation label maps are written under `<outputConfig>/consolidated-annotation/output/`.
    """
    items = read_payload(event["payload"]["s3Uri"])
    task_type = os.environ.get(TASK_TYPE_VARIABLE) or infer_task_type(items)
    common = dict(
        label_categories=event.get("labelCategories") or [],
        label_attribute_name=event["labelAttributeName"],
        job_name=event["labelingJobArn"].rsplit("/", 1)[-1],
        workers_per_object=event.get("maxHumanWorkersPerDataObject"),
        now=datetime.now(timezone.utc),
    )
    if task_type == "SemanticSegmentation":
        from consolidation.masks import consolidate_segmentation

        return consolidate_segmentation(items, write_png=_png_writer(event), **common)
    if task_type in _DRAWN_TYPES:
        return _drawn_consolidation(task_type)(items, **common)
    return builtin_consolidation(task_type, items, **common)


_DRAWN_TYPES = ("BoundingBox", "AdjustmentBoundingBox", "VerificationBoundingBox",
                "VerificationSemanticSegmentation", "NamedEntityRecognition")


def _drawn_consolidation(task_type: str):
    # the classification handler does not need them
    from consolidation import boxes, spans, verification

    return {
        "BoundingBox": boxes.consolidate_boxes,
        "AdjustmentBoundingBox": boxes.consolidate_box_adjustment,
        "VerificationBoundingBox": verification.consolidate_label_verification,
        "VerificationSemanticSegmentation": verification.consolidate_label_verification,
        "NamedEntityRecognition": spans.consolidate_entities,
    }[task_type]


def _png_writer(event: Mapping[str, Any]):
    """`write_png` storing each label map as `<outputConfig>/consolidated-annotation/output/
    <datasetObjectId>.png` with boto3."""
    import boto3

    output = str(event.get("outputConfig") or "").rstrip("/")
    if not output.startswith("s3://"):
        raise ValueError("a segmentation consolidation needs the event's outputConfig (s3://…)")
    bucket, _, prefix = output.removeprefix("s3://").partition("/")
    client = boto3.client("s3")

    def write_png(dataset_object_id: str, png: bytes) -> str:
        key = f"{prefix}/consolidated-annotation/output/{dataset_object_id}.png".lstrip("/")
        client.put_object(Bucket=bucket, Key=key, Body=png, ContentType="image/png")
        return f"s3://{bucket}/{key}"

    return write_png


_ANSWER_KEYS = (
    ("boundingBoxes", "BoundingBox"),
    ("entities", "NamedEntityRecognition"),
    ("labeledImage", "SemanticSegmentation"),
)


def infer_task_type(items: Sequence[Mapping[str, Any]]) -> str:
    """`BoundingBox`, `NamedEntityRecognition` or `SemanticSegmentation` by the key an answer
    holds; else `…MultiClassMultiLabel` when answers hold `labels`, `…MultiClass` for `label`.
    (Verification and adjustment answers look like classification and box answers: name
    them with `GTEMU_TASK_TYPE`.)"""
    text = any("content" in (item.get("dataObject") or {}) for item in items)
    prefix = "Text" if text else "Image"
    for item in items:
        for annotation in item.get("annotations") or []:
            try:
                content = answer_content(annotation)
            except AnswerFormatError:
                continue
            for value in content.values():
                for key, task_type in _ANSWER_KEYS:
                    if isinstance(value, Mapping) and key in value:
                        return task_type
                if isinstance(value, Mapping) and "labels" in value:
                    return f"{prefix}MultiClassMultiLabel"
                if isinstance(value, Mapping) and "label" in value:
                    return f"{prefix}MultiClass"
    return f"{prefix}MultiClassMultiLabel"


def read_payload(s3_uri: str) -> list[dict[str, Any]]:
    """The payload file (a JSON array) at an `s3://bucket/key` URI, read with boto3."""
    import boto3  # imported here: the estimators and `gtemu consolidate` do not need it

    bucket, _, key = s3_uri.removeprefix("s3://").partition("/")
    body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return json.loads(body)
