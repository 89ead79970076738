"""Lint for the Crowd HTML Elements V2 of the element registry (`crowd-text-ranking`,
`crowd-question-answer-generation`).

Three checks, each called from one line of the linter or the answer checks:
- an element's attributes: a missing required one (`name`, …) or a literal attribute that is not
  valid JSON of its kind (a list, …) after rendering (`responses`, …) is an error;
- AWS's V2 rule: beside V2 elements only `crowd-form`, `short-instructions`, `crowd-button`,
  `crowd-tabs` and `crowd-tab` may stand; any other crowd element is a warning naming it;
- the preview's answer checks: a V2 answer (flat in the answer object) against its contract.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from emulator.elements import ElementContext, element_spec
from emulator.elements.literal import LITERAL_KIND_NAMES, kind_problem

if TYPE_CHECKING:
    from worker_ui.lint.answers import AnswerCheck
    from worker_ui.lint.findings import Finding
    from worker_ui.lint.linter import TemplateLinter
    from worker_ui.lint.page import PageElement, PageScan

V2_NEIGHBOURS = ("crowd-form", "short-instructions", "crowd-button", "crowd-tabs", "crowd-tab")
# v1 regions that are crowd elements too, though their names do not start with "crowd-".
_V1_REGIONS = ("full-instructions", "classification-target", "worker-comment")


def _registered(tag: str) -> Any:
    """The registry's spec of a Crowd HTML Elements V2 tag; None for any other tag."""
    spec = element_spec(tag)
    return spec if spec is not None and spec.version == 2 else None


def element_findings(
    linter: TemplateLinter, element: PageElement, samples: tuple[str, ...], data_checks: bool
) -> list[Finding] | None:
    """Findings for a registered element lint's table does not list; None for any other."""
    from worker_ui.lint.findings import ERROR

    spec = _registered(element.tag)
    if spec is None:
        return None
    findings = []
    for name in spec.required:
        if element.attributes.get(name) is None:
            findings.append(linter._at_tag(
                element, ERROR, "missing-attribute",
                f"<{element.tag}> requires the attribute '{name}'", samples))
    if not data_checks:
        return findings
    for name, kind in spec.literal_attributes.items():
        value = element.attributes.get(name)
        if value is None:
            continue
        # The V2 elements read their attributes with JSON.parse: strict JSON, of the spec's kind,
        # then the element's own reader where the spec has one.
        try:
            parsed = json.loads(value)
        except ValueError as error:
            problem = f"is not valid JSON after rendering ({error})"
        else:
            kind_error = kind_problem(parsed, kind)
            problem = kind_error and f"is not {LITERAL_KIND_NAMES[kind]} after rendering " \
                f"({kind_error})"
        if problem:
            findings.append(linter._at_attribute(
                element, name, ERROR, "invalid-attribute",
                f"'{name}' of <{element.tag}> {problem}: {value[:60]!r}", samples))
            continue
        check = spec.literal_checks.get(name)
        shape_error = check(parsed, ElementContext(element.tag, _attributes(element))) \
            if check is not None else None
        if shape_error:
            findings.append(linter._at_attribute(
                element, name, ERROR, "invalid-attribute", f"<{element.tag}>: {shape_error}",
                samples))
    return findings


def neighbour_findings(
    linter: TemplateLinter, page: PageScan, samples: tuple[str, ...]
) -> list[Finding]:
    """AWS's rule for pages with V2 elements: a warning for each other crowd element."""
    from worker_ui.lint.findings import WARNING

    v2 = [e.tag for e in page.elements if (s := element_spec(e.tag)) is not None
          and s.version == 2]
    if not v2:
        return []
    findings = []
    for element in page.elements:
        crowd = element.tag.startswith("crowd-") or element.tag in _V1_REGIONS
        if not crowd or element.tag in V2_NEIGHBOURS or element.tag in v2:
            continue
        spec = element_spec(element.tag)
        if spec is not None and spec.version == 2:
            continue
        findings.append(linter._at_tag(
            element, WARNING, "v2-neighbour",
            f"<{element.tag}> cannot stand beside Crowd HTML Elements V2 (<{v2[0]}>): only "
            f"{', '.join(V2_NEIGHBOURS)} may", samples))
    return findings


def answer_checks(answer: Mapping[str, Any], page: PageScan) -> tuple[list[AnswerCheck], set]:
    """Checks of the V2 answers on the page, and the answer keys they account for."""
    from worker_ui.lint.answers import AnswerCheck

    checks: list[AnswerCheck] = []
    keys: set[str] = set()
    for element in page.elements:
        spec = _registered(element.tag)
        if spec is None or spec.answer_nesting != "flat" or spec.check_answer is None:
            continue
        own = tuple(spec.traits.get("answer_keys", ()))
        keys.update(own)
        problem = spec.check_answer(answer, ElementContext(element.tag, _attributes(element)))
        key = own[0] if own else ""
        if problem:
            checks.append(AnswerCheck(key, False, f"{problem} (output of <{element.tag}>)"))
        else:
            checks.append(AnswerCheck(key, True, f"matches the output contract of "
                                                 f"<{element.tag}>"))
    return checks, keys


def _attributes(element: PageElement) -> dict[str, str]:
    return {name: "" if value is None else value for name, value in element.attributes.items()}
