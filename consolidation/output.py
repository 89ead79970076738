"""The `content` Ground Truth's built-in ACS returns per object
(docs/consolidation.md#output-rules)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from consolidation.serialization import creation_date

CONFIDENCE_CAP = 0.95

MULTI_LABEL_TYPES = {
    "ImageMultiClassMultiLabel": "groundtruth/image-classification-multilabel",
    "TextMultiClassMultiLabel": "groundtruth/text-classification-multilabel",
}
SINGLE_LABEL_TYPES = {
    "ImageMultiClass": "groundtruth/image-classification",
    "TextMultiClass": "groundtruth/text-classification",
}


def reported_confidence(posterior: float, n_answers: int) -> float:
    """One answer → 0.0; else rounded half up to 2 decimals, capped at 0.95
    (docs/consolidation.md#confidence)."""
    if n_answers <= 1:
        return 0.0
    return min(round_half_up(float(posterior)), CONFIDENCE_CAP)


def round_half_up(value: float) -> float:
    """Two decimals, halves up, judged on the shortest decimal form (0.945 → 0.95)."""
    hundredths = value * 100.0
    if abs(hundredths - math.floor(hundredths) - 0.5) > 1e-6:  # not near a half: float is exact
        return math.floor(hundredths + 0.5) / 100.0
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def job_name_value(job_name: str) -> str:
    return f"labeling-job/{job_name.lower()}"


def multi_label_content(
    *,
    label_attribute_name: str,
    job_name: str,
    output_type: str,
    label_categories: Sequence[str],
    first_selected: Sequence[int],
    posteriors: Sequence[float],
    n_answers: int,
    now: datetime,
    label_threshold: float | None = None,
) -> dict[str, Any]:
    """Multi-label `content`: the labels anyone selected, by confidence then first selection.

    `first_selected` lists label indices in the order they were first selected
    (docs/consolidation.md#output-manifest-lines);
    `posteriors[l]` is the posterior of label *l*. With `label_threshold`, labels whose posterior
    is below it are left out.
    """
    kept = [
        label for label in first_selected
        if label_threshold is None or posteriors[label] >= label_threshold
    ]
    confidences = {label: reported_confidence(posteriors[label], n_answers) for label in kept}
    ordered = sorted(kept, key=lambda label: -confidences[label])  # stable: ties keep order
    metadata = {
        "job-name": job_name_value(job_name),
        "class-map": {str(label): label_categories[label] for label in ordered},
        "human-annotated": "yes",
        "creation-date": creation_date(now),
        "confidence-map": {str(label): confidences[label] for label in ordered},
        "type": output_type,
    }
    return {label_attribute_name: ordered, f"{label_attribute_name}-metadata": metadata}


def single_label_content(
    *,
    label_attribute_name: str,
    job_name: str,
    output_type: str,
    label_categories: Sequence[str],
    label: int,
    posterior: float,
    n_answers: int,
    now: datetime,
) -> dict[str, Any]:
    """Single-label `content`: class index and the `confidence`/`class-name` metadata."""
    metadata = {
        "confidence": reported_confidence(posterior, n_answers),
        "job-name": job_name_value(job_name),
        "class-name": label_categories[label],
        "human-annotated": "yes",
        "creation-date": creation_date(now),
        "type": output_type,
    }
    return {label_attribute_name: label, f"{label_attribute_name}-metadata": metadata}
