"""Payload items in Ground Truth's shape, for the consolidation tests."""

from __future__ import annotations

import json
from datetime import datetime

NOW = datetime(2024, 5, 1, 10, 15, 30, 123456)
ANIMALS = ["cat", "dog", "bird"]
MULTI_ELEMENT = "crowd-image-classifier-multi-select"
SINGLE_ELEMENT = "crowd-image-classifier"


def multi_item(object_id, answers, element=MULTI_ELEMENT):
    """`answers`: (workerId, [labels]) pairs in submission order."""
    return _item(object_id, [(worker, {element: {"labels": labels}}) for worker, labels in answers])


def single_item(object_id, answers, element=SINGLE_ELEMENT):
    """`answers`: (workerId, label) pairs in submission order."""
    return _item(object_id, [(worker, {element: {"label": label}}) for worker, label in answers])


def _item(object_id, answers):
    return {
        "datasetObjectId": str(object_id),
        "dataObject": {"s3Uri": f"s3://bucket/images/{object_id}.jpg"},
        "annotations": [
            {
                "workerId": worker,
                "annotationData": {"content": json.dumps(content, separators=(",", ":"))},
            }
            for worker, content in answers
        ],
    }
