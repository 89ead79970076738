"""Shared helpers of the designer tests: bundled fixture paths, writing sample files."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

FIXTURES = Path(str(resources.files("gtemu_fixtures")))
MULTI_LABEL = FIXTURES / "multilabel"
SINGLE_LABEL = FIXTURES / "singlelabel"

# AWS's multi-label template (docs/tasktypes.md#the-classification-types), as a designer would start
# from it.
AWS_MULTI_LABEL = """\
<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-image-classifier-multi-select
    name="crowd-image-classifier-multi-select"
    src="{{ task.input.taskObject | grant_read_access }}"
    header="Please identify all classes in image"
    categories="{{ task.input.labels | to_json | escape }}">
    <full-instructions header="Multi Label Image classification instructions">
      <p>Choose every class you see.</p>
    </full-instructions>
    <short-instructions><p>Choose every class you see.</p></short-instructions>
  </crowd-image-classifier-multi-select>
</crowd-form>
"""


def write_project(
    folder: Path,
    template: str = AWS_MULTI_LABEL,
    *,
    lines: list[dict] | None = None,
    labels: list[str] | None = None,
) -> dict[str, Path]:
    """A template, a manifest and a label file in `folder`; returns their paths."""
    lines = (
        lines
        if lines is not None
        else [
            {"source-ref": "s3://bucket/images/a.png"},
            {"source-ref": "s3://bucket/images/b.png"},
        ]
    )
    labels = labels if labels is not None else ["Cat", "Dog"]
    paths = {
        "template": folder / "template.liquid.html",
        "manifest": folder / "manifest.jsonl",
        "labels": folder / "labels.json",
    }
    paths["template"].write_text(template, encoding="utf-8")
    paths["manifest"].write_text("".join(json.dumps(line) + "\n" for line in lines))
    paths["labels"].write_text(json.dumps({"labels": [{"label": label} for label in labels]}))
    return paths
