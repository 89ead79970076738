"""The task-type catalogue: everything gtemu knows about a Ground Truth task type, in one place.

A task type is one small module here that declares `TASK_TYPE = TaskType(...)` (see
`emulator.tasktypes.base.TaskType`) and is listed in `_MODULES` below. It says once:

- `name` — what follows `PRE-` / `ACS-` in AWS's built-in Lambda ARNs (every region of
  `BUILTIN_ACCOUNTS`);
- `source_key` — where a manifest line holds the data object (`source-ref`, `source`, or None
  for either) and `image` (the object must be an S3 URI);
- `element` — the crowd element of AWS's template for the type (its answer contract and its
  simulated answer are the element's, in `emulator.elements`);
- `needs_label_file` and `label_rules` — CreateLabelingJob's and the label file's rules;
- `pre_annotation(line, job)` — the built-in `PRE-` function (None: the task input is the line);
- `consolidation` — the built-in `ACS-` function, an object with `new_evidence(labels)` and a
  call returning ACS response elements (None: `{}` with `groundtruth/custom` metadata);
- `check_answer(answer, job)` — what the job accepts from a worker (None: any JSON object);
- `check_line(line, job)` — input-line rules beyond the common ones;
- `output_type`, `demo_name`.

Everything else asks the catalogue:

    from emulator import tasktypes
    tasktypes.get("BoundingBox")                    # TaskType or None
    tasktypes.for_job(pre_arn, acs_arn)             # TaskType of a job (Custom if not built-in)
    tasktypes.task_type_name(pre_arn, acs_arn)      # its name, also for types gtemu lacks
    tasktypes.parse_builtin(arn)                    # BuiltinLambda(region, kind, task_type)
    tasktypes.builtin_arns(region, name)            # {"PRE": arn, "ACS": arn}
    tasktypes.for_element(tag), tasktypes.for_demo(name)

`emulator.elements.facts.template_facts(source)` is the one reader of a template's answer
element, its `name`, categories and exclusion category.

To add a type: write `emulator/tasktypes/<type>.py` with `TASK_TYPE`, add it to `_MODULES`,
and describe it in docs/tasktypes.md. Nothing outside this package names a task type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulator.tasktypes import (
    adjustment_bounding_box,
    adjustment_semantic_segmentation,
    bounding_box,
    custom,
    image_multiclass,
    image_multilabel,
    named_entity_recognition,
    passthrough,
    semantic_segmentation,
    text_multiclass,
    text_multilabel,
    verification_bounding_box,
    verification_semantic_segmentation,
)
from emulator.tasktypes.base import JobContext, LabelRules, TaskType, source_key_of

_MODULES = (
    image_multilabel,
    image_multiclass,
    text_multilabel,
    text_multiclass,
    bounding_box,
    verification_bounding_box,
    adjustment_bounding_box,
    semantic_segmentation,
    adjustment_semantic_segmentation,
    verification_semantic_segmentation,
    named_entity_recognition,
    passthrough,
    custom,
)

CUSTOM = "Custom"
#: The type `GroundTruth.upload_inputs` / `create_job` use when none is named.
DEFAULT = "ImageMultiClassMultiLabel"
PASS_THROUGH = "PassThrough"

#: AWS's accounts of the built-in PRE-/ACS- functions, by region.
BUILTIN_ACCOUNTS = {
    "us-east-1": "432418664414",
    "us-east-2": "266458841044",
    "us-west-2": "081040173940",
    "ca-central-1": "918755190332",
    "eu-west-1": "568282634449",
    "eu-west-2": "487402164563",
    "eu-central-1": "203001061592",
    "ap-northeast-1": "477331159723",
    "ap-northeast-2": "845288260483",
    "ap-south-1": "565803892007",
    "ap-southeast-1": "377565633583",
    "ap-southeast-2": "454466003867",
    "us-iso-east-1": "403361949736",
    "us-isob-east-1": "492044955883",
}

#: Every task type AWS has built-in functions for (gtemu implements those in `TASK_TYPES`).
AWS_TASK_TYPES = (
    "BoundingBox",
    "ImageMultiClass",
    "ImageMultiClassMultiLabel",
    "SemanticSegmentation",
    "TextMultiClass",
    "TextMultiClassMultiLabel",
    "NamedEntityRecognition",
    "VideoMultiClass",
    "VideoObjectDetection",
    "VideoObjectTracking",
    "3DPointCloudObjectDetection",
    "3DPointCloudObjectTracking",
    "3DPointCloudSemanticSegmentation",
    "VerificationBoundingBox",
    "AdjustmentBoundingBox",
    "VerificationSemanticSegmentation",
    "AdjustmentSemanticSegmentation",
    "AdjustmentVideoObjectDetection",
    "AdjustmentVideoObjectTracking",
    "Adjustment3DPointCloudObjectDetection",
    "Adjustment3DPointCloudObjectTracking",
    "Adjustment3DPointCloudSemanticSegmentation",
    "PassThrough",
)

#: AWS's own worker UIs (human task UIs in AWS's public account) that jobs of some task types
#: must name in `UiConfig.HumanTaskUiArn`; a task type declares the one it renders
#: (`TaskType.human_task_ui`).
AWS_OWNED_HUMAN_TASK_UIS = (
    "NamedEntityRecognition",
    "PointCloudObjectDetection",
    "PointCloudObjectTracking",
    "PointCloudSemanticSegmentation",
    "VideoObjectDetection",
    "VideoObjectTracking",
)

#: The task types gtemu runs, by name (`Custom` included).
TASK_TYPES: dict[str, TaskType] = {module.TASK_TYPE.name: module.TASK_TYPE for module in _MODULES}

_ARN = re.compile(
    r"^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:(PRE|ACS)-([A-Za-z0-9]+)$"
)


@dataclass(frozen=True)
class BuiltinLambda:
    """A recognised built-in ARN: its region, kind (`PRE`/`ACS`) and task type name."""

    arn: str
    region: str
    kind: str
    task_type: str


def get(name: str) -> TaskType | None:
    """The task type gtemu runs under `name`, or None."""
    return TASK_TYPES.get(name)


def parse_builtin(arn: str | None) -> BuiltinLambda | None:
    """The built-in function an ARN names, or None for any other ARN."""
    if not arn:
        return None
    match = _ARN.match(arn)
    if match is None:
        return None
    _, region, account, kind, task_type = match.groups()
    if BUILTIN_ACCOUNTS.get(region) != account or task_type not in AWS_TASK_TYPES:
        return None
    return BuiltinLambda(arn, region, kind, task_type)


def task_type_name(pre_arn: str | None, acs_arn: str | None) -> str:
    """The job's task type name: the built-in type of the ACS ARN, else of the PRE ARN, else
    `Custom` (also for a built-in type gtemu does not implement)."""
    for arn in (acs_arn, pre_arn):
        builtin = parse_builtin(arn)
        if builtin is not None:
            return builtin.task_type
    return CUSTOM


def for_job(pre_arn: str | None, acs_arn: str | None) -> TaskType | None:
    """The task type of a job's Lambda ARNs; None for a built-in type gtemu does not run."""
    return TASK_TYPES.get(task_type_name(pre_arn, acs_arn))


def for_arn(arn: str | None) -> TaskType | None:
    """The task type whose built-in function `arn` is (None for other ARNs)."""
    builtin = parse_builtin(arn)
    return None if builtin is None else TASK_TYPES.get(builtin.task_type)


def builtin_arns(region: str, name: str) -> dict[str, str]:
    """The built-in PRE and ACS ARNs of task type `name` in `region`."""
    account = BUILTIN_ACCOUNTS[region]
    base = f"arn:aws:lambda:{region}:{account}:function"
    return {"PRE": f"{base}:PRE-{name}", "ACS": f"{base}:ACS-{name}"}


def labels_written_as_ref(name: str) -> bool:
    """Types whose labels are files, so that the label attribute name must end in `-ref`
    (semantic segmentation and its adjustment, video frame object detection and tracking,
    point-cloud tracking); no other type may use such a name."""
    # AWS's one exception: a semantic-segmentation *verification* job writes a verdict, not a
    # file, and its attribute must not end in `-ref`.
    return (
        ("SemanticSegmentation" in name and not name.startswith("Verification"))
        or "VideoObject" in name
        or name.endswith("3DPointCloudObjectTracking")
    )


def has_short_task_time_limit(name: str) -> bool:
    """Image, text and custom types: a task time limit of at most 8 hours (video and point-cloud
    types allow more)."""
    return not ("Video" in name or "3DPointCloud" in name)


def needs_label_file(name: str) -> bool:
    """CreateLabelingJob requires `LabelCategoryConfigS3Uri` for this type."""
    task = TASK_TYPES.get(name)
    return task is not None and task.needs_label_file


def for_element(tag: str) -> TaskType | None:
    """The first task type whose built-in template answers with element `tag`."""
    return next((t for t in TASK_TYPES.values() if t.element == tag), None)


def for_human_task_ui(name: str) -> TaskType | None:
    """The task type whose worker UI is AWS's own human task UI `name` (e.g.
    `NamedEntityRecognition`), or None."""
    return next((t for t in TASK_TYPES.values() if t.human_task_ui == name), None)


def for_demo(name: str) -> TaskType | None:
    """The task type `gtemu demo --task <name>` runs."""
    return next((t for t in TASK_TYPES.values() if t.demo_name == name), None)


def demo_names() -> list[str]:
    return [t.demo_name for t in TASK_TYPES.values() if t.demo_name]


__all__ = [
    "AWS_OWNED_HUMAN_TASK_UIS",
    "AWS_TASK_TYPES",
    "BUILTIN_ACCOUNTS",
    "CUSTOM",
    "DEFAULT",
    "PASS_THROUGH",
    "TASK_TYPES",
    "BuiltinLambda",
    "JobContext",
    "LabelRules",
    "TaskType",
    "builtin_arns",
    "demo_names",
    "for_arn",
    "for_demo",
    "for_human_task_ui",
    "for_element",
    "for_job",
    "get",
    "has_short_task_time_limit",
    "labels_written_as_ref",
    "needs_label_file",
    "parse_builtin",
    "source_key_of",
    "task_type_name",
]
