"""Checks for worker task templates: what `gtemu lint` reports and the preview shows.

Pure Python (no Flask). A lint run parses the template, renders it for every sample task
input in lint's strict-undefined mode, and reads each rendered page with the standard
library's HTML parser to check the crowd elements against their contracts
(docs/elements.md#documented-attributes-and-regions).
Findings point at template positions; a problem that only exists in the rendered page (an
element written by a loop, say) points at the template tag it came from when that can be
told, else at the rendered page.

The modules, by concept: `findings` (what a run reports), `samples` (task inputs, labels and
pre-annotation), `variables` (which variables a sample answers), `page` (scanning a rendered
page), `linter` (the checks), `answers` (the preview's answer checks), `v2` (the checks of
the Crowd HTML Elements V2). Import the public names from here.
"""

from __future__ import annotations

from emulator.elements.base import ElementSpec
from emulator.elements.literal import (
    LiteralSyntaxError,
    category_texts,
    exclusion_text,
    parse_literal,
)
from worker_ui.lint.answers import AnswerCheck, check_answer
from worker_ui.lint.findings import (
    CONDITION_TAGS,
    ERROR,
    INFO,
    KNOWN_ELEMENTS,
    WARNING,
    Finding,
    has_errors,
    merge_findings,
)
from worker_ui.lint.linter import SampleCheck, TemplateLinter, lint_template
from worker_ui.lint.page import PageElement, PageScan, external_url, scan_page
from worker_ui.lint.samples import (
    PRE_ANNOTATION_VERSION,
    PREVIEW_JOB_ARN,
    PreAnnotation,
    Sample,
    SampleData,
    built_in_pre_annotation,
    load_samples,
)
from worker_ui.lint.variables import VariableRead, VariablesReport, variables_report

__all__ = [
    "CONDITION_TAGS",
    "ERROR",
    "INFO",
    "KNOWN_ELEMENTS",
    "PRE_ANNOTATION_VERSION",
    "PREVIEW_JOB_ARN",
    "WARNING",
    "AnswerCheck",
    "ElementSpec",
    "Finding",
    "LiteralSyntaxError",
    "PageElement",
    "PageScan",
    "PreAnnotation",
    "Sample",
    "SampleCheck",
    "SampleData",
    "TemplateLinter",
    "VariableRead",
    "VariablesReport",
    "built_in_pre_annotation",
    "category_texts",
    "check_answer",
    "exclusion_text",
    "external_url",
    "has_errors",
    "lint_template",
    "load_samples",
    "merge_findings",
    "parse_literal",
    "scan_page",
    "variables_report",
]
