"""Amazon Augmented AI's two built-in review elements.

Their answers are not under a `name`: they sit in the answer object under the key of the AWS
integration the human loop came from, as A2I's output data shows (`humanAnswers[].answerContent`):

    {"AWS/Textract/AnalyzeDocument/Forms/V1": {"blocks": [{"blockType": "KEY_VALUE_SET", ...}]}}
    {"AWS/Rekognition/DetectModerationLabels/Image/V3": {"moderationLabels": [{"name": ...}]}}

So their `answer_nesting` is "flat" and `check_answer` receives the whole answer object.

The Rekognition element's own reference page prints `ModerationLabels`; A2I's output-data page,
which shows what is stored, prints `moderationLabels`, which gtemu writes (the lower-camel-case
keys of the Textract blocks agree with it).
"""

from __future__ import annotations

from typing import Any

from emulator.elements.base import ElementContext, ElementSpec, SimulatedWorker
from emulator.elements.labels import read_attribute

TEXTRACT_KEY = "AWS/Textract/AnalyzeDocument/Forms/V1"
REKOGNITION_KEY = "AWS/Rekognition/DetectModerationLabels/Image/V3"
REGIONS = ("full-instructions", "short-instructions")


def _literal(context: ElementContext, name: str) -> Any:
    return read_attribute(context.attributes, name)


def lower_camel(value: Any) -> Any:
    """Textract's response keys (`BlockType`, `Geometry.BoundingBox`) as the element writes them
    (`blockType`, `geometry.boundingBox`), recursively."""
    if isinstance(value, dict):
        return {
            (key[:1].lower() + key[1:] if isinstance(key, str) else key): lower_camel(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [lower_camel(item) for item in value]
    return value


def initial_blocks(context: ElementContext) -> list[dict[str, Any]]:
    """The blocks under review: `initial-value`, else the task input's AI service response."""
    blocks = _literal(context, "initial-value")
    if not isinstance(blocks, list):
        task = context.task_input if isinstance(context.task_input, dict) else {}
        response = task.get("selectedAiServiceResponse") or {}
        blocks = response.get("blocks") or response.get("Blocks") or []
    return [lower_camel(block) for block in blocks if isinstance(block, dict)]


def check_textract(answer: Any, context: ElementContext) -> str | None:
    value = answer.get(TEXTRACT_KEY) if isinstance(answer, dict) else None
    if not isinstance(value, dict) or not isinstance(value.get("blocks"), list):
        return f'The answer must hold {TEXTRACT_KEY!r}: {{"blocks": [...]}}.'
    allowed = _literal(context, "block-types")
    allowed = set(allowed) if isinstance(allowed, list) else {"KEY_VALUE_SET"}
    for number, block in enumerate(value["blocks"], start=1):
        if not isinstance(block, dict) or not isinstance(block.get("id"), str):
            return f"Block {number} must be an object with an id."
        if block.get("blockType") not in allowed:
            kind = block.get("blockType")
            return f"Block {number} has the blockType {kind!r}; allowed: {sorted(allowed)}."
        if "text" in block and not isinstance(block["text"], str):
            return f"Block {number}: text must be a string."
    return None


def simulate_textract(context: ElementContext, worker: SimulatedWorker) -> Any:
    """The worker confirms the key-value blocks under review (the truth's blocks when given)."""
    if isinstance(worker.truth, dict) and isinstance(worker.truth.get(TEXTRACT_KEY), dict):
        return {TEXTRACT_KEY: worker.truth[TEXTRACT_KEY]}
    blocks = [b for b in initial_blocks(context) if b.get("blockType") == "KEY_VALUE_SET"]
    return {TEXTRACT_KEY: {"blocks": blocks}}


def moderation_categories(context: ElementContext) -> list[Any]:
    categories = _literal(context, "categories")
    if not isinstance(categories, list):
        task = context.task_input if isinstance(context.task_input, dict) else {}
        response = task.get("selectedAiServiceResponse") or {}
        labels = response.get("moderationLabels") or response.get("ModerationLabels") or []
        categories = lower_camel(labels)
        if not categories and context.categories is not None:
            categories = list(context.categories)
    return [c for c in categories if isinstance(c, str) or (isinstance(c, dict) and "name" in c)]


def check_moderation(answer: Any, context: ElementContext) -> str | None:
    value = answer.get(REKOGNITION_KEY) if isinstance(answer, dict) else None
    if not isinstance(value, dict) or not isinstance(value.get("moderationLabels"), list):
        return f'The answer must hold {REKOGNITION_KEY!r}: {{"moderationLabels": [...]}}.'
    categories = moderation_categories(context)
    names = {c if isinstance(c, str) else c["name"] for c in categories}
    for label in value["moderationLabels"]:
        name = label if isinstance(label, str) else (label or {}).get("name")
        if not isinstance(name, str) or (categories and name not in names):
            return f"{label!r} is not one of the categories {sorted(names)}."
    return None


def simulate_moderation(context: ElementContext, worker: SimulatedWorker) -> Any:
    """Each category is chosen when the truth has it (or, without truth, half the time), and a
    worse worker flips more of these choices."""
    categories = moderation_categories(context)
    truth = None
    if isinstance(worker.truth, dict):
        truth = (worker.truth.get(REKOGNITION_KEY) or {}).get("moderationLabels")
    truth_names = None
    if isinstance(truth, list):
        truth_names = {t if isinstance(t, str) else t.get("name") for t in truth}
    chosen = []
    for category in categories:
        name = category if isinstance(category, str) else category["name"]
        present = name in truth_names if truth_names is not None else worker.rng.random() < 0.5
        if worker.rng.random() > worker.accuracy:
            present = not present
        if present:
            chosen.append(category)
    return {REKOGNITION_KEY: {"moderationLabels": chosen}}


SPECS: tuple[ElementSpec, ...] = (
    ElementSpec(
        tag="crowd-textract-analyze-document",
        attributes=(
            "header",
            "src",
            "initial-value",
            "block-types",
            "keys",
            "no-key-edit",
            "no-geometry-edit",
        ),
        required=("src",),
        literal_attributes={"initial-value": "list", "block-types": "list", "keys": "list"},
        regions=REGIONS,
        answer_nesting="flat",
        check_answer=check_textract,
        simulate_answer=simulate_textract,
        docs_anchor="crowd-textract-analyze-document",
        traits={
            "answer_key": TEXTRACT_KEY,
            "output": "blocks",
            "image": "src",
            "task_answer": True,
        },
    ),
    ElementSpec(
        tag="crowd-rekognition-detect-moderation-labels",
        attributes=("header", "src", "categories", "exclusion-category"),
        required=("src", "categories"),
        # `exclusion-category` (`{ text: '…' }` or plain text) has lint's own check.
        literal_attributes={"categories": "list"},
        regions=REGIONS,
        answer_nesting="flat",
        check_answer=check_moderation,
        simulate_answer=simulate_moderation,
        docs_anchor="crowd-rekognition-detect-moderation-labels",
        traits={
            "answer_key": REKOGNITION_KEY,
            "output": "moderationLabels",
            "image": "src",
            "task_answer": True,
        },
    ),
)
