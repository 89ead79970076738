"""Label verification: workers judge an earlier job's labels (boxes, a label map) with a verdict.

`consolidate_label_verification` is the built-in ACS entry point of the verification task types
(`VerificationBoundingBox`, `VerificationSemanticSegmentation`): whatever the earlier label was,
each worker answers with a single-choice classifier, so the consolidation is the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from consolidation._payload import batch_ids, collect_answers, common_metadata, element_answer
from consolidation.multiclass import DawidSkene
from consolidation.output import reported_confidence

LABEL_VERIFICATION = "groundtruth/label-verification"
#: Where a worker's comment may sit, first match wins (`workerComment` is what the classifier
#: posts for its `worker-comment` region).
_COMMENT_KEYS = ("workerComment", "comment", "comments", "feedback")


def consolidate_label_verification(
    batch: Sequence[Mapping[str, Any]],
    *,
    label_categories: Sequence[str],
    label_attribute_name: str,
    job_name: str,
    workers_per_object: int | None,
    now: datetime,
    evidence: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """ACS response of a label-verification job: one verdict per object from workers' judgements.

    Each worker answers with a classifier (`{"<name>": {"label": "<verdict>"}}`); the verdicts
    are consolidated by Dawid–Skene as a single-label job. A worker's comment is the first
    non-empty string under `workerComment`/`comment`/`comments`/`feedback`, in the classifier's
    object or at the top level of the answer; `worker-feedback` lists them when any worker
    commented.
    """
    answers = collect_answers([*(evidence or []), *batch])
    index_of = {label: k for k, label in enumerate(label_categories)}
    verdicts = [index_of.get((element_answer(content, "label") or {}).get("label"), -1)
                for content in answers.contents]
    verdict = np.asarray(verdicts, dtype=np.int64)
    objects = np.asarray(answers.objects, dtype=np.int64)
    workers = np.asarray(answers.workers, dtype=np.int64)
    known = verdict >= 0
    model = DawidSkene(n_iter=0 if workers_per_object == 1 else 100)
    model.fit(objects[known], workers[known], verdict[known], n_classes=len(label_categories),
              n_objects=len(answers.object_ids), n_workers=len(answers.worker_ids))
    predicted = model.predict()
    known_per_object = np.bincount(objects[known], minlength=len(answers.object_ids))
    row_of = {object_id: row for row, object_id in enumerate(answers.object_ids)}
    # Answers grouped by object once (answer indices ascending within each object).
    order = np.argsort(objects, kind="stable")
    bounds = np.searchsorted(objects[order], np.arange(len(answers.object_ids) + 1))
    answers_by_object = np.split(order, bounds[1:-1])
    response = []
    for object_id in batch_ids(batch):
        obj = row_of[object_id]
        if known_per_object[obj] == 0:
            continue  # no answer names a known verdict
        label = int(predicted[obj])
        common = common_metadata(job_name, LABEL_VERIFICATION, now)
        metadata: dict[str, Any] = {
            "class-name": label_categories[label],
            "confidence": reported_confidence(float(model.posteriors_[obj, label]),
                                              int(known_per_object[obj])),
            "type": common["type"],
            "job-name": common["job-name"],
            "human-annotated": common["human-annotated"],
            "creation-date": common["creation-date"],
        }
        comments = [
            comment for answer in answers_by_object[obj]
            if (comment := _comment(answers.contents[answer]))
        ]
        if comments:
            metadata["worker-feedback"] = [{"comment": comment} for comment in comments]
        content = {label_attribute_name: label, f"{label_attribute_name}-metadata": metadata}
        response.append({"datasetObjectId": object_id,
                         "consolidatedAnnotation": {"content": content}})
    return response


def _comment(content: Mapping[str, Any]) -> str | None:
    holders = [content, *(value for value in content.values() if isinstance(value, Mapping))]
    for holder in holders:
        for key in _COMMENT_KEYS:
            value = holder.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None
