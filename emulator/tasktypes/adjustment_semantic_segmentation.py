"""`AdjustmentSemanticSegmentation`: workers correct the label map of an earlier semantic-
segmentation job (`crowd-semantic-segmentation` started from it).

The input manifest is an earlier job's output: every line must carry that job's label (an
attribute ending in `-ref` whose `-metadata` has type `groundtruth/semantic-segmentation`); a
line without one fails the job. The task input holds the line as `manifestLine`, so that the
template starts the element from the earlier map and its colours (`initial-value`, see
`adjustment_template`). Output: the corrected label map as a `SemanticSegmentation` job writes
it, plus `adjustment-status` in the metadata: `adjusted` when a worker's map differs from the
earlier one (pixel classes compared), else `unadjusted`. The earlier label stays on the line.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from PIL import Image

from consolidation._payload import element_answer
from consolidation.answers import AnswerFormatError, payload_answers
from consolidation.masks import SEMANTIC_SEGMENTATION, decode_label_map
from emulator.tasktypes._boxes import box_pre_annotation
from emulator.tasktypes._segmentation import (
    DEFAULT_EARLIER_ATTRIBUTE,
    check_earlier_label_map,
    earlier_attribute,
    earlier_map_liquid,
    label_mappings_liquid,
)
from emulator.tasktypes.base import SOURCE_REF, LabelRules, TaskType
from emulator.tasktypes.semantic_segmentation import (
    ELEMENT,
    SegmentationConsolidation,
    check_answer,
)


def adjustment_template(attribute: str = DEFAULT_EARLIER_ATTRIBUTE) -> str:
    """`crowd-semantic-segmentation` started from the label map of the earlier `attribute`
    (AWS's documented way: its `internal-color-map` turned into `labelMappings`)."""
    mappings = label_mappings_liquid(attribute)
    source = earlier_map_liquid(attribute)
    initial = "{ 'src': '" + source + "', 'labelMappings': { " + mappings + " } }"
    return f"""<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>

<crowd-form>
  <crowd-semantic-segmentation
    name="crowd-semantic-segmentation"
    src="{{{{ task.input.taskObject | grant_read_access }}}}"
    header="Correct the painted labels: repaint, erase or add"
    labels="{{{{ task.input.labels | to_json | escape }}}}"
    initial-value="{initial}"
  >
    <full-instructions header="How to correct labels">
      <p>Repaint pixels with the wrong label, erase stray paint, paint what is missing.</p>
    </full-instructions>
    <short-instructions>
      <p>Correct the labels painted on the image.</p>
    </short-instructions>
  </crowd-semantic-segmentation>
</crowd-form>
"""


def _earlier_classes(
    line: Mapping[str, Any], attribute: str, labels: Sequence[str], read_file: Callable
) -> np.ndarray | None:
    """Class index per pixel (0 background, k = k-th label) of the earlier label map."""
    color_map = line[f"{attribute}-metadata"].get("internal-color-map") or {}
    class_of_color = {
        str(entry.get("hex-color", "")).lower(): labels.index(entry["class-name"]) + 1
        for entry in color_map.values()
        if isinstance(entry, Mapping) and entry.get("class-name") in labels
    }
    try:
        with Image.open(io.BytesIO(read_file(line[attribute]))) as image:
            rgb = np.asarray(image.convert("RGB")).astype(np.int32)
    except Exception:  # an earlier map that cannot be read counts as changed
        return None
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    classes = np.zeros(packed.shape, np.int32)
    for color, index in class_of_color.items():
        classes[packed == int(color[1:], 16)] = index
    return classes


def _status(item: Mapping[str, Any], attribute_of: Callable, labels: Sequence[str],
            read_file: Callable) -> str:
    line = item.get("manifestLine") or {}
    attribute = attribute_of(line)
    earlier = _earlier_classes(line, attribute, labels, read_file) if attribute else None
    if earlier is None:
        return "adjusted"
    class_of_label = {label: k + 1 for k, label in enumerate(labels)}
    size = (earlier.shape[1], earlier.shape[0])
    for _, content in payload_answers(item)[1]:
        output = element_answer(content, "labeledImage")
        try:
            drawn = decode_label_map(output or {}, class_of_label, size)
        except AnswerFormatError:
            return "adjusted"
        if not np.array_equal(drawn, earlier):
            return "adjusted"
    return "unadjusted"


class SegmentationAdjustment(SegmentationConsolidation):
    """The segmentation consolidation, then `adjustment-status` from the earlier map (read with
    the engine's `read_file`)."""

    def __call__(
        self,
        batch: Sequence[Mapping[str, Any]],
        *,
        write_file: Callable[[str, bytes], str],
        read_file: Callable[[str], bytes],
        **arguments: Any,
    ) -> list[dict[str, Any]]:
        response = super().__call__(batch, write_file=write_file, **arguments)
        labels = list(arguments["label_categories"])
        own = arguments["label_attribute_name"]
        items = {item["datasetObjectId"]: item for item in batch}
        for result in response:
            content = result["consolidatedAnnotation"]["content"]
            metadata_key = next(key for key in content if key.endswith("-metadata"))
            content[metadata_key]["adjustment-status"] = _status(
                items[result["datasetObjectId"]],
                lambda line: earlier_attribute(line, own),
                labels,
                read_file,
            )
        return response


TASK_TYPE = TaskType(
    name="AdjustmentSemanticSegmentation",
    source_key=SOURCE_REF,
    image=True,
    reads_image_size=True,
    element=ELEMENT,
    needs_label_file=True,
    label_rules=LabelRules(1),
    output_type=SEMANTIC_SEGMENTATION,
    pre_annotation=box_pre_annotation,
    consolidation=SegmentationAdjustment(),
    check_answer=check_answer,
    check_line=check_earlier_label_map("adjust"),
    template=adjustment_template(),
)
