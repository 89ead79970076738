"""What the four classification task types share: built-in pre-annotation, answer contract,
consolidation. Each type's own module declares it with `classification_type`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from consolidation.acs import builtin_consolidation
from consolidation.answers import AnswerIndex
from consolidation.output import MULTI_LABEL_TYPES, SINGLE_LABEL_TYPES
from emulator.elements.classifiers import check_job_answer
from emulator.tasktypes.base import (
    SOURCE,
    SOURCE_REF,
    JobContext,
    LabelRules,
    TaskType,
    source_key_of,
)

MAX_MULTI_LABEL_CATEGORIES = 50


def classification_pre_annotation(source_key: str):
    """`PRE-<Image|Text>MultiClass[MultiLabel]`: the task input is the object and the labels.

    A line that already carries the job's label attribute (a relabeling job whose input is an
    earlier job's output with the same attribute) needs no human annotation.
    """

    def pre_annotation(line: dict[str, Any], job: JobContext) -> dict[str, Any]:
        if job.label_attribute_name in line:
            return {"taskInput": None, "isHumanAnnotationRequired": False}
        return {
            "taskInput": {
                "taskObject": line.get(source_key_of(line, source_key)),
                "labels": list(job.labels),
            },
            "isHumanAnnotationRequired": True,
        }

    return pre_annotation


class ClassificationConsolidation:
    """Dawid-Skene consolidation of `consolidation.acs`, fitted on the job's answers so far."""

    def __init__(self, task_type: str, multi_label: bool) -> None:
        self.task_type = task_type
        self.multi_label = multi_label

    def new_evidence(self, labels: Sequence[str]) -> AnswerIndex:
        return AnswerIndex(list(labels), multi_label=self.multi_label)

    def __call__(
        self,
        batch: Sequence[Mapping[str, Any]],
        *,
        evidence: Any,
        label_categories: Sequence[str],
        label_attribute_name: str,
        job_name: str,
        workers_per_object: int,
        now: datetime,
    ) -> list[dict[str, Any]]:
        return builtin_consolidation(
            self.task_type,
            batch,
            evidence=evidence,
            label_categories=label_categories,
            label_attribute_name=label_attribute_name,
            job_name=job_name,
            workers_per_object=workers_per_object,
            now=now,
        )


def classification_template(element: str, *, image: bool) -> str:
    """A worker template like AWS's built-in one for a classification element."""
    source = 'src="{{ task.input.taskObject | grant_read_access }}"'
    if not image:
        source = ""
        body = "<classification-target>{{ task.input.taskObject }}</classification-target>"
    else:
        body = ""
    return (
        '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>\n'
        "<crowd-form>\n"
        f'  <{element} name="{element}" {source}\n'
        '    header="Please choose the right categories"\n'
        '    categories="{{ task.input.labels | to_json | escape }}">\n'
        f"    {body}\n"
        '    <full-instructions header="Instructions">Choose carefully.</full-instructions>\n'
        "    <short-instructions>Choose carefully.</short-instructions>\n"
        f"  </{element}>\n"
        "</crowd-form>\n"
    )


def classification_type(
    name: str, *, multi_label: bool, image: bool, element: str, demo_name: str | None = None
) -> TaskType:
    source_key = SOURCE_REF if image else SOURCE

    def check_answer(answer: Mapping[str, Any], job: JobContext, line: Any) -> str | None:
        return check_job_answer(
            answer,
            multi_label=multi_label,
            categories=job.labels,
            exclusion_category=job.facts.exclusion_category if multi_label else None,
        )

    return TaskType(
        name=name,
        source_key=source_key,
        element=element,
        needs_label_file=True,
        label_rules=LabelRules(2, MAX_MULTI_LABEL_CATEGORIES) if multi_label else LabelRules(2),
        output_type=(MULTI_LABEL_TYPES if multi_label else SINGLE_LABEL_TYPES)[name],
        demo_name=demo_name,
        pre_annotation=classification_pre_annotation(source_key),
        consolidation=ClassificationConsolidation(name, multi_label),
        check_answer=check_answer,
        image=image,
        text_from_s3=not image,
        template=classification_template(element, image=image),
    )
