"""`SemanticSegmentation`: workers paint every pixel of an image with its label
(`crowd-semantic-segmentation`).

Label file: at least one label. Task input: `taskObject` (the image), `labels`, `manifestLine`.
Answer: `{"inputImageProperties", "labelMappings", "labeledImage": {"pngImageData"}}` under any
name, checked against the element's contract and the image's real size. Consolidation: several
workers' label maps pixel by pixel, weighted by estimated worker quality
(`consolidation.masks.consolidate_segmentation`); the consolidated label map is a PNG written to
`annotations/consolidated-annotation/output/<datasetObjectId>_<time>.png` and the output line
holds `"<attribute>-ref": <its URI>` with metadata `internal-color-map`, type
`groundtruth/semantic-segmentation`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from consolidation.masks import SEMANTIC_SEGMENTATION, consolidate_segmentation
from emulator.tasktypes._annotation import check_with_element, element_output
from emulator.tasktypes._boxes import box_pre_annotation
from emulator.tasktypes.base import SOURCE_REF, JobContext, LabelRules, TaskType, source_key_of

ELEMENT = "crowd-semantic-segmentation"

TEMPLATE = """<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>

<crowd-form>
  <crowd-semantic-segmentation
    name="crowd-semantic-segmentation"
    src="{{ task.input.taskObject | grant_read_access }}"
    header="Paint each object in the image with its label"
    labels="{{ task.input.labels | to_json | escape }}"
  >
    <full-instructions header="How to paint labels">
      <ol>
        <li>Choose a label, then paint over every pixel of each object that has it.</li>
        <li>Use the polygon tool for straight edges and the eraser to clean up.</li>
        <li>Zoom in on small objects; leave pixels that belong to no label unpainted.</li>
      </ol>
    </full-instructions>
    <short-instructions>
      <p>Paint every object with its label; leave the rest of the image unpainted.</p>
    </short-instructions>
  </crowd-semantic-segmentation>
</crowd-form>
"""


def check_answer(answer: Mapping[str, Any], job: JobContext, line: dict[str, Any]) -> str | None:
    output = element_output(answer, "labeledImage")
    if output is None:
        return (
            f'The answer has no {ELEMENT} output with "labeledImage", e.g. {{"annotatedResult": '
            '{"inputImageProperties": {"height": 480, "width": 640}, "labelMappings": {"cat": '
            '{"color": "#2ca02c"}}, "labeledImage": {"pngImageData": "<base64 PNG>"}}}.'
        )
    size = job.image_size(line.get(source_key_of(line, SOURCE_REF)))
    return check_with_element(ELEMENT, output, job, image_size=size)


def label_map_name(dataset_object_id: str, now: datetime) -> str:
    """`<datasetObjectId>_<time to the microsecond>.png`, as Ground Truth names label maps."""
    return f"{dataset_object_id}_{now.strftime('%Y-%m-%dT%H:%M:%S.%f')}.png"


class SegmentationConsolidation:
    """Adapter from the engine's call to `consolidate_segmentation`; the engine passes
    `write_file` (it writes beside the other consolidated outputs) and `read_file` (S3 objects
    of the job's account) because `writes_files`."""

    writes_files = True

    def new_evidence(self, labels: Sequence[str]) -> None:
        return None  # worker quality is estimated per batch

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
        write_file: Callable[[str, bytes], str],
        read_file: Callable[[str], bytes] | None = None,
    ) -> list[dict[str, Any]]:
        return consolidate_segmentation(
            batch,
            label_categories=label_categories,
            label_attribute_name=label_attribute_name,
            job_name=job_name,
            workers_per_object=workers_per_object,
            now=now,
            write_png=lambda object_id, png: write_file(label_map_name(object_id, now), png),
        )


TASK_TYPE = TaskType(
    name="SemanticSegmentation",
    source_key=SOURCE_REF,
    image=True,
    reads_image_size=True,
    element=ELEMENT,
    needs_label_file=True,
    label_rules=LabelRules(1),
    output_type=SEMANTIC_SEGMENTATION,
    pre_annotation=box_pre_annotation,
    consolidation=SegmentationConsolidation(),
    check_answer=check_answer,
    template=TEMPLATE,
)
