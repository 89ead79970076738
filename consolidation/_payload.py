"""Reading payload items for the consolidation of drawn and written answers (boxes, masks, spans).

Shared by `boxes`, `masks` and `spans`: every one of them indexes objects and workers the same
way, finds its element's answer by the key it holds (whatever `name` the template gave the
element), and writes the metadata keys common to every output line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from consolidation.answers import AnswerFormatError, object_sort_key, payload_answers
from consolidation.output import job_name_value
from consolidation.serialization import creation_date

__all__ = [
    "AnswerFormatError", "Answers", "collect_answers", "element_answer", "common_metadata",
    "object_sort_key",
]


@dataclass
class Answers:
    """Every answer of a fit, flat: answer *a* is `workers[a]` on object `objects[a]`.

    `object_ids` / `worker_ids` give the index of each; `contents[a]` is the answer object;
    `items[k]` is the payload item of object *k* (the last one seen).
    """

    object_ids: list[str] = field(default_factory=list)
    worker_ids: list[str] = field(default_factory=list)
    objects: list[int] = field(default_factory=list)
    workers: list[int] = field(default_factory=list)
    contents: list[dict[str, Any]] = field(default_factory=list)
    items: list[Mapping[str, Any]] = field(default_factory=list)


def collect_answers(items: Iterable[Mapping[str, Any]]) -> Answers:
    """Index payload items; an object seen twice (a batch inside the evidence) counts once."""
    answers = Answers()
    object_row: dict[str, int] = {}
    worker_row: dict[str, int] = {}
    for item in items:
        dataset_object_id, pairs = payload_answers(item)
        if dataset_object_id in object_row:
            continue
        row = object_row[dataset_object_id] = len(answers.object_ids)
        answers.object_ids.append(dataset_object_id)
        answers.items.append(item)
        for worker_id, content in pairs:
            worker = worker_row.setdefault(worker_id, len(worker_row))
            if worker == len(answers.worker_ids):
                answers.worker_ids.append(worker_id)
            answers.objects.append(row)
            answers.workers.append(worker)
            answers.contents.append(content)
    return answers


def element_answer(content: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """The first top-level object of an answer that holds `key` (any element `name`)."""
    for value in content.values():
        if isinstance(value, dict) and key in value:
            return value
    return None


def common_metadata(job_name: str, output_type: str, now: datetime) -> dict[str, str]:
    """The metadata every output line carries, by key (callers order them as AWS prints)."""
    return {
        "type": output_type,
        "human-annotated": "yes",
        "creation-date": creation_date(now),
        "job-name": job_name_value(job_name),
    }


def batch_ids(batch: Sequence[Mapping[str, Any]]) -> list[str]:
    """The distinct `datasetObjectId`s of a batch, in batch order."""
    return list(dict.fromkeys(str(item["datasetObjectId"]) for item in batch))
