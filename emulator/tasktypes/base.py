"""The shape of one task type in the catalogue (see the package docstring)."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from emulator.elements.facts import TemplateFacts

SOURCE_REF = "source-ref"
SOURCE = "source"


@dataclass(frozen=True)
class LabelRules:
    """How many label categories the job's label file must hold."""

    minimum: int
    maximum: int | None = None

    def problem(self, count: int, task_type: str) -> str | None:
        """The FailureReason text (without the file) when `count` breaks the rule."""
        if self.maximum is not None and not self.minimum <= count <= self.maximum:
            return (
                f"Task type {task_type} requires between {self.minimum} and {self.maximum} "
                f"label categories; found {count}"
            )
        if count < self.minimum:
            return (
                f"Task type {task_type} requires at least {self.minimum} label "
                f"categor{'y' if self.minimum == 1 else 'ies'}; found {count}"
            )
        return None


@dataclass(frozen=True)
class JobContext:
    """What a task type's hooks may know of the job an object belongs to."""

    label_attribute_name: str
    labels: Sequence[str]
    #: The worker template's answer element, as `emulator.elements.facts` reads it.
    facts: TemplateFacts = field(default_factory=TemplateFacts)
    #: Reads an S3 object's bytes (for checks that need an image's size); None offline.
    read_object: Callable[[str], bytes] | None = None
    #: Image sizes read so far, by URI (kept by the job so that each image is read once).
    image_sizes: dict[str, tuple[int, int] | None] = field(default_factory=dict)

    def image_size(self, uri: Any) -> tuple[int, int] | None:
        """(width, height) of the image at `uri`, read with Pillow; None when it cannot be
        read (no reader, no such object, not an image)."""
        if not isinstance(uri, str) or self.read_object is None:
            return None
        if uri not in self.image_sizes:
            self.image_sizes[uri] = _read_image_size(self.read_object, uri)
        return self.image_sizes[uri]


def _read_image_size(read_object: Callable[[str], bytes], uri: str) -> tuple[int, int] | None:
    from PIL import Image, UnidentifiedImageError

    try:
        data = read_object(uri)
    except Exception:  # no such bucket or key: the answer's own image size is used
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None


class Consolidation(Protocol):
    """A built-in consolidation: what the engine calls for the ACS ARN of a task type.

    One whose labels are files (semantic segmentation's label maps) sets `writes_files = True`
    and is also called with `write_file(name, data) -> S3 URI`, which writes
    `annotations/consolidated-annotation/output/<name>` of the job's output, and
    `read_file(uri) -> bytes` (an earlier job's label maps, for adjustment).
    """

    def new_evidence(self, labels: Sequence[str]) -> Any:
        """State kept from batch to batch (worker quality evidence), or None."""

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
        """The ACS response elements for the payload items of `batch`."""


#: (data object line, job) -> `{"taskInput": ..., "isHumanAnnotationRequired": bool}`.
PreAnnotation = Callable[[dict[str, Any], JobContext], dict[str, Any]]
#: (whole posted answer, job, the object's input line) -> None if the job accepts it, else the
#: worker's message.
AnswerCheck = Callable[[Mapping[str, Any], JobContext, dict[str, Any]], "str | None"]
#: (input line, job) -> None, or what is wrong with the line (FailureReason without the place).
LineCheck = Callable[[dict[str, Any], JobContext], "str | None"]


class PerBatchConsolidation:
    """Adapter from the engine's call to a `consolidation` entry point that fits worker quality
    on each batch alone (boxes, entities): no evidence is kept between batches."""

    def __init__(self, function: Callable[..., list[dict[str, Any]]]) -> None:
        self.function = function

    def new_evidence(self, labels: Sequence[str]) -> None:
        return None

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
        return self.function(
            batch,
            label_categories=label_categories,
            label_attribute_name=label_attribute_name,
            job_name=job_name,
            workers_per_object=workers_per_object,
            now=now,
        )


@dataclass(frozen=True)
class TaskType:
    """One Ground Truth task type, declared once.

    `name` is what follows `PRE-` / `ACS-` in the built-in Lambda ARNs.
    """

    name: str
    #: Key of the data object in a manifest line: "source-ref", "source", or None for
    #: whichever the line has ("source-ref" first).
    source_key: str | None = None
    #: The crowd element AWS's own template for the type uses (None: any template).
    element: str | None = None
    #: CreateLabelingJob requires `LabelCategoryConfigS3Uri`.
    needs_label_file: bool = False
    label_rules: LabelRules | None = None
    #: The `type` of the output metadata (None: whatever the consolidation writes).
    output_type: str | None = None
    #: Name in `gtemu demo --task` (None: no demo).
    demo_name: str | None = None
    #: Built-in pre-annotation; None hands the task the manifest line itself.
    pre_annotation: PreAnnotation | None = None
    #: Built-in consolidation; None writes `{}` with `groundtruth/custom` metadata.
    consolidation: Consolidation | None = None
    #: The job's answer contract; None accepts any JSON object.
    check_answer: AnswerCheck | None = None
    #: Checks of each input line beyond the common ones.
    check_line: LineCheck | None = None
    #: The image task types: `source-ref` (or an s3:// `source`) must be an S3 URI.
    image: bool = False
    #: A text type whose line may name an S3 object holding the text (`source-ref`): the
    #: worker is shown that object's text.
    text_from_s3: bool = False
    #: Answers are drawn on the image: its size is read (Pillow) for checks and workers.
    reads_image_size: bool = False
    #: A worker template in the style of AWS's own for the type (tests, demos, `GroundTruth`).
    template: str | None = None
    #: The name of AWS's own worker UI for the type (`arn:aws:sagemaker:<region>:394669845002:
    #: human-task-ui/<name>`), which a job may name instead of a template; gtemu renders
    #: `template` for it.
    human_task_ui: str | None = None

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # A task type is a declaration, not state: a snapshot of a job names its type and
        # restores the catalogue's own object (its functions are closures pickle cannot carry).
        from emulator import tasktypes

        return tasktypes.get, (self.name,)

    def source_of(self, line: Mapping[str, Any]) -> str:
        """Which key of `line` holds the data object."""
        return source_key_of(line, self.source_key)


def source_key_of(line: Mapping[str, Any], declared: str | None) -> str:
    """The key of `line` that holds the data object, for a type that declares `declared`.

    An image type (`source-ref`) also takes a line whose `source` is an s3:// URI and that has
    no `source-ref`, as AWS's own example notebooks write them.
    """
    if declared == SOURCE_REF:
        source = line.get(SOURCE)
        if SOURCE_REF not in line and isinstance(source, str) and source.startswith("s3://"):
            return SOURCE
        return SOURCE_REF
    if declared == SOURCE and SOURCE in line:
        return SOURCE
    return SOURCE_REF if SOURCE_REF in line else SOURCE
