"""`NamedEntityRecognition`: workers highlight spans of a text and label them
(`crowd-entity-annotation`).

AWS requires NER jobs to name its own worker UI, `UiConfig.HumanTaskUiArn =
arn:aws:sagemaker:<region>:394669845002:human-task-ui/NamedEntityRecognition`; gtemu accepts it
and renders `TEMPLATE` (its own `crowd-entity-annotation`) for it (`human_task_ui`).

Label file: at least one label. The text is the line's `source`, or the UTF-8 object its
`source-ref` names (read when the job starts; an unreadable one fails the job naming the line).
Task input: `taskObject` (the text), `labels`. Answer: `{"entities": [{label, startOffset,
endOffset}]}` under any name, offsets in Unicode code points of the text. Consolidation:
`consolidation.spans.consolidate_entities` — output `annotations.entities` and
`annotations.labels`, metadata `entities` (a confidence per entity), type `groundtruth/text-span`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from consolidation.spans import TEXT_SPAN, consolidate_entities
from emulator.tasktypes._annotation import check_with_element, element_output
from emulator.tasktypes.base import (
    SOURCE,
    SOURCE_REF,
    JobContext,
    LabelRules,
    PerBatchConsolidation,
    TaskType,
)

ELEMENT = "crowd-entity-annotation"
HUMAN_TASK_UI = "NamedEntityRecognition"

TEMPLATE = """<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>

<crowd-entity-annotation
  name="crowd-entity-annotation"
  header="Highlight every named entity in the text and give it its label"
  labels="{{ task.input.labels | to_json | escape }}"
  text="{{ task.input.taskObject | escape }}"
>
  <full-instructions header="How to label entities">
    <ol>
      <li>Choose a label, then highlight the words it applies to.</li>
      <li>Highlight whole words; a highlight may hold whole labelled spans, not part of one.</li>
      <li>To change a label, choose the highlighted text and then another label.</li>
      <li>To remove a label, choose the × beside its short name.</li>
    </ol>
  </full-instructions>
  <short-instructions>
    Highlight names, places and the other entities listed, and give each its label.
  </short-instructions>
</crowd-entity-annotation>
"""


def text_of(line: Mapping[str, Any], job: JobContext) -> str | None:
    """The line's text: `source`, else the UTF-8 object at `source-ref`; None if unreadable."""
    if SOURCE_REF not in line:
        source = line.get(SOURCE)
        return source if isinstance(source, str) else None
    uri = line[SOURCE_REF]
    if not isinstance(uri, str) or job.read_object is None:
        return None
    try:
        return job.read_object(uri).decode("utf-8")
    except Exception:  # no such object, or not UTF-8 text: the caller says which line
        return None


def check_line(line: dict[str, Any], job: JobContext) -> str | None:
    if text_of(line, job) is None:
        where = line.get(SOURCE_REF, line.get(SOURCE))
        return f"Unable to read the text to label ({where})"
    return None


def pre_annotation(line: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """The task input: the text and the job's labels. A line that already carries this job's
    label attribute needs no human (as for the other built-in types)."""
    if job.label_attribute_name in line:
        return {"taskInput": None, "isHumanAnnotationRequired": False}
    return {
        "taskInput": {"taskObject": text_of(line, job), "labels": list(job.labels)},
        "isHumanAnnotationRequired": True,
    }


def check_answer(answer: Mapping[str, Any], job: JobContext, line: dict[str, Any]) -> str | None:
    output = element_output(answer, "entities")
    if output is None:
        return (
            f'The answer has no {ELEMENT} output with "entities", e.g. {{"crowd-entity-'
            'annotation": {"entities": [{"endOffset": 8, "label": "person", "startOffset": 0}]}}.'
        )
    text = text_of(line, job)
    extra = {"text": text} if text is not None else {}
    return check_with_element(ELEMENT, output, job, extra_attributes=extra)


TASK_TYPE = TaskType(
    name="NamedEntityRecognition",
    source_key=SOURCE,
    element=ELEMENT,
    needs_label_file=True,
    label_rules=LabelRules(1),
    output_type=TEXT_SPAN,
    pre_annotation=pre_annotation,
    consolidation=PerBatchConsolidation(consolidate_entities),
    check_answer=check_answer,
    check_line=check_line,
    template=TEMPLATE,
    human_task_ui=HUMAN_TASK_UI,
)
