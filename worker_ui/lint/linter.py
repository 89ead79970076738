"""The template linter: every check `gtemu lint` runs on a template and its samples."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.elements.unsupported import OTHER_AWS_ELEMENTS
from worker_ui.lint import v2 as lint_v2
from worker_ui.lint.findings import (
    CONDITION_TAGS,
    ERROR,
    INFO,
    KNOWN_ELEMENTS,
    WARNING,
    Finding,
    _shorten,
    has_errors,
    merge_findings,
)
from worker_ui.lint.literals import literal_findings
from worker_ui.lint.overlay import overlay_findings
from worker_ui.lint.page import (
    PageElement,
    PageScan,
    _attribute_index,
    _offset_in,
    _PageParser,
    external_url,
    scan_page,
)
from worker_ui.lint.samples import _MISSING, Sample, SampleData
from worker_ui.lint.variables import _first_missing_segment, _suggest
from worker_ui.liquid import (
    TemplateRenderError,
    TemplateSyntaxError,
    WorkerTemplate,
    parse_template,
)
from worker_ui.liquid.analysis import (
    UndefinedVariable,
    check_render,
    unknown_filters,
)
from worker_ui.liquid.context import MediaUrl
from worker_ui.liquid.filters import s3_location


@dataclass
class SampleCheck:
    """What rendering one sample found: the page (partial on errors) and the findings."""

    sample: Sample | None
    html: str
    findings: list[Finding]
    page: PageScan


class TemplateLinter:
    """Lints one template source; `check_sample` is used per sample by lint and preview."""

    def __init__(self, source: str, path: str = "template") -> None:
        self.source = source
        self.path = path
        self.template: WorkerTemplate | None = None
        self.syntax_error: TemplateSyntaxError | None = None
        try:
            self.template = parse_template(source, name=Path(path).name)
        except TemplateSyntaxError as error:
            self.syntax_error = error
        self._template_tags = _template_tag_positions(source)

    def static_findings(self) -> list[Finding]:
        if self.syntax_error is not None:
            error = self.syntax_error
            return [
                self._finding(
                    error.line or 1,
                    error.column or 1,
                    ERROR,
                    "liquid-syntax",
                    f"Liquid syntax error: {error.message}",
                )
            ]
        assert self.template is not None
        return [
            self._finding(
                use.line,
                use.column,
                ERROR,
                "unknown-filter",
                f"unknown filter '{use.name}'{_did_you_mean_filter(use.name)}",
            )
            for use in unknown_filters(self.template)
        ]

    def check_sample(
        self,
        sample: Sample | None,
        *,
        categories: Sequence[str] | None = None,
        media_url: MediaUrl | None = None,
    ) -> SampleCheck:
        """Renders `sample` in strict-undefined mode and checks the page. Without a sample the
        template renders with an empty input and only the page's structure is checked."""
        assert self.template is not None
        names = (sample.name,) if sample else ()
        result = check_render(
            self.template, sample.task_input if sample else {}, media_url=media_url
        )
        findings: list[Finding] = []
        if sample is not None:
            findings += [self._render_finding(error, names) for error in result.errors]
            scope = {"task": {"input": sample.task_input}}
            findings += [self._undefined_finding(u, scope, names) for u in result.undefined]
        page = scan_page(result.html)
        # Values a failed render left empty are reported once, as the render's own error.
        clean = sample is not None and not has_errors(findings)
        findings += self._page_findings(page, names, data_checks=clean, categories=categories)
        return SampleCheck(sample, result.html, findings, page)

    def lint(self, data: SampleData) -> list[Finding]:
        findings = list(data.findings) + self.static_findings()
        if self.template is None:
            return findings
        if not data.samples and not has_errors(data.findings):
            findings.append(
                self._finding(
                    1,
                    1,
                    INFO,
                    "no-sample-data",
                    "no sample data: render checks skipped "
                    "(give --manifest with --labels, or --input)",
                )
            )
        for sample in data.samples or [None]:
            if sample is not None and sample.skipped:
                continue
            findings += self.check_sample(sample, categories=data.categories).findings
        return merge_findings(findings)

    # Findings from a render

    def _render_finding(self, error: TemplateRenderError, samples: tuple[str, ...]) -> Finding:
        code = (
            "grant-read-access"
            if error.message.startswith('"grant_read_access"')
            else ("unknown-filter" if error.code == "UnknownFilter" else "render-error")
        )
        message = error.message
        if code == "unknown-filter":
            message += _did_you_mean_filter(message.split("'")[1] if "'" in message else "")
        return self._finding(error.line or 1, error.column or 1, ERROR, code, message, samples)

    def _undefined_finding(
        self, undefined: UndefinedVariable, scope: dict[str, Any], samples: tuple[str, ...]
    ) -> Finding:
        optional = _is_optional_read(self.source, undefined.line, undefined.column)
        if undefined.reason == "undefined":
            message = f"{undefined.path} is undefined"
        else:
            message = f"{undefined.path}: {undefined.reason}"
        segments = _segments_of(undefined.path)
        missing = _first_missing_segment(scope, segments) if segments else None
        suggestion = _suggest(scope, segments, missing) if missing is not None else None
        if suggestion:
            message += f"; did you mean {suggestion}?"
        elif undefined.path in _BUILT_IN_INPUTS and "source-ref" in _input_keys(scope):
            message += " (the built-in pre-annotation provides it: give the label file)"
        if optional:
            message += " (read in a condition or with a default)"
        return self._finding(
            undefined.line,
            undefined.column,
            WARNING if optional else ERROR,
            "undefined-variable",
            message,
            samples,
        )

    # Findings from the rendered page

    def _page_findings(
        self,
        page: PageScan,
        samples: tuple[str, ...],
        *,
        data_checks: bool,
        categories: Sequence[str] | None,
    ) -> list[Finding]:
        findings: list[Finding] = []
        # An element that brings its own form and Submit button outside a crowd-form (AWS's
        # crowd-entity-annotation does) makes the page submittable on its own.
        submittable = any(
            element.tag == "crowd-form" or _brings_own_form(element.tag)
            for element in page.elements
        )
        if not submittable:
            findings.append(
                self._finding(
                    1,
                    1,
                    ERROR,
                    "missing-crowd-form",
                    "the template has no <crowd-form>: workers could "
                    "not submit an answer",
                    samples,
                )
            )
        for element in page.elements:
            if not element.tag.startswith("crowd-"):
                continue
            findings += self._element_findings(element, samples, data_checks)
        findings += self._duplicate_names(page, samples)
        findings += lint_v2.neighbour_findings(self, page, samples)
        if not any(_loads_crowd_elements(e) for e in page.elements) and any(
            e.tag in KNOWN_ELEMENTS for e in page.elements
        ):
            findings.append(
                self._finding(
                    1,
                    1,
                    WARNING,
                    "missing-crowd-script",
                    "the template does not load "
                    "https://assets.crowd.aws/crowd-html-elements.js: "
                    "its crowd elements will not work",
                    samples,
                )
            )
        if data_checks:
            findings += self._pass_through_urls(page, samples)
            for element in page.elements:
                url = external_url(element)
                if url:
                    attribute = "src" if element.tag == "script" else "href"
                    message = f"loads {url}, which cannot load offline"
                    findings.append(
                        self._at_attribute(
                            element, attribute, INFO, "external-resource", message, samples
                        )
                    )
        return findings

    def _element_findings(
        self, element: PageElement, samples: tuple[str, ...], data_checks: bool
    ) -> list[Finding]:
        registered = lint_v2.element_findings(self, element, samples, data_checks)
        if registered is not None:
            return registered
        spec = KNOWN_ELEMENTS.get(element.tag)
        if spec is None:
            return [self._unknown_element(element, samples)]
        findings = []
        if not spec.rendered_by_gtemu:
            findings.append(
                self._at_tag(
                    element,
                    INFO,
                    "not-rendered",
                    f"<{element.tag}> is not rendered by gtemu's crowd "
                    "elements; its attributes are still checked",
                    samples,
                )
            )
        for name in spec.required:
            value = element.attributes.get(name, _MISSING)
            if value is _MISSING:
                findings.append(
                    self._at_tag(
                        element,
                        ERROR,
                        "missing-attribute",
                        f"<{element.tag}> requires the attribute '{name}'",
                        samples,
                    )
                )
            elif data_checks and not (value or "").strip():
                findings.append(
                    self._at_attribute(
                        element,
                        name,
                        ERROR,
                        "empty-attribute",
                        f"<{element.tag}> attribute '{name}' is empty after rendering",
                        samples,
                    )
                )
        for region in spec.required_regions:
            if region not in element.children:
                findings.append(
                    self._at_tag(
                        element,
                        WARNING,
                        "missing-region",
                        f"<{element.tag}> should contain <{region}>",
                        samples,
                    )
                )
        findings += overlay_findings(self, element, spec, samples, data_checks)
        if data_checks:
            findings += literal_findings(self, element, spec, samples)
        return findings

    def _pass_through_urls(self, page: PageScan, samples: tuple[str, ...]) -> list[Finding]:
        """`grant_read_access` on an https URL that is not S3 passes it on unchanged
        (docs/templates.md#ground-truths-filters): worth a warning, since Ground Truth grants
        access to S3 objects only."""
        findings = []
        for element in page.elements:
            tag_text = self._template_tag_text(element)
            if "grant_read_access" not in tag_text:
                continue
            for name, value in element.attributes.items():
                written = re.search(
                    rf"""\b{re.escape(name)}\s*=\s*["']?[^"'>]*grant_read_access""", tag_text
                )
                if written and value and value.startswith("https://") and not s3_location(value):
                    findings.append(
                        self._at_attribute(
                            element,
                            name,
                            WARNING,
                            "grant-read-access",
                            f"grant_read_access was given {_shorten(value)!r}, which is not an S3 "
                            "object: the URL is used unchanged",
                            samples,
                        )
                    )
        return findings

    def _unknown_element(self, element: PageElement, samples: tuple[str, ...]) -> Finding:
        if element.tag in OTHER_AWS_ELEMENTS:
            return self._at_tag(
                element,
                WARNING,
                "unsupported-element",
                f"<{element.tag}> is a Ground Truth element that gtemu does not "
                "emulate; the preview will not show it",
                samples,
            )
        close = difflib.get_close_matches(
            element.tag, [*KNOWN_ELEMENTS, *OTHER_AWS_ELEMENTS], n=1, cutoff=0.6
        )
        hint = f"; did you mean <{close[0]}>?" if close else ""
        return self._at_tag(
            element,
            ERROR,
            "unknown-element",
            f"unknown crowd element <{element.tag}>{hint}",
            samples,
        )

    def _duplicate_names(self, page: PageScan, samples: tuple[str, ...]) -> list[Finding]:
        seen: dict[str, PageElement] = {}
        findings = []
        for element in page.named_elements():
            name = element.attributes["name"] or ""
            output = KNOWN_ELEMENTS[element.tag].traits.get("output")
            if output is None or output == "checkbox":
                # checkbox-shaped outputs with one name merge (docs/elements.md#the-answer-object)
                continue
            if name in seen:
                findings.append(
                    self._at_attribute(
                        element,
                        "name",
                        WARNING,
                        "duplicate-name",
                        f"<{element.tag}> name '{name}' is used by another element too: one "
                        "answer overwrites the other",
                        samples,
                    )
                )
            seen[name] = element
        return findings

    # Positions

    def _template_position(self, element: PageElement) -> tuple[int, int]:
        positions = self._template_tags.get(element.tag)
        if not positions:
            return element.line, element.column
        line, column, _ = positions[min(element.ordinal, len(positions) - 1)]
        return line, column

    def _template_tag_text(self, element: PageElement) -> str:
        positions = self._template_tags.get(element.tag)
        if not positions:
            return ""
        return positions[min(element.ordinal, len(positions) - 1)][2]

    def _at_tag(
        self, element: PageElement, severity: str, code: str, message: str, samples: tuple[str, ...]
    ) -> Finding:
        line, column = self._template_position(element)
        return self._finding(line, column, severity, code, message, samples)

    def _at_attribute(
        self,
        element: PageElement,
        attribute: str,
        severity: str,
        code: str,
        message: str,
        samples: tuple[str, ...],
    ) -> Finding:
        tag_text = self._template_tag_text(element)
        if tag_text:
            line, column = self._template_position(element)
            line, column = _offset_in(tag_text, line, column, _attribute_index(tag_text, attribute))
        else:
            line, column = element.attribute_offset(attribute)
        return self._finding(line, column, severity, code, message, samples)

    def _finding(
        self,
        line: int,
        column: int,
        severity: str,
        code: str,
        message: str,
        samples: tuple[str, ...] = (),
    ) -> Finding:
        return Finding(self.path, line, column, severity, code, message, samples)


def lint_template(
    source: str, path: str = "template", data: SampleData | None = None
) -> list[Finding]:
    """Every finding for `source` rendered with each sample of `data`."""
    return TemplateLinter(source, path).lint(data or SampleData())



def _brings_own_form(tag: str) -> bool:
    spec = KNOWN_ELEMENTS.get(tag)
    return bool(spec and spec.traits.get("self_contained_form"))


def _template_tag_positions(source: str) -> dict[str, list[tuple[int, int, str]]]:
    """Start tags written in the template source (Liquid markup is text to the HTML parser)."""
    parser = _PageParser()
    try:
        parser.feed(source)
        parser.close()
    except Exception:  # a template the HTML parser chokes on: fall back to rendered positions
        return {}
    positions: dict[str, list[tuple[int, int, str]]] = {}
    for element in parser.elements:
        positions.setdefault(element.tag, []).append(
            (element.line, element.column, element.start_tag)
        )
    return positions


def _loads_crowd_elements(element: PageElement) -> bool:
    return element.tag == "script" and "crowd-html-elements" in (
        element.attributes.get("src") or ""
    )


def _is_optional_read(source: str, line: int, column: int) -> bool:
    """Whether the variable at line:column is a condition or has a `default` filter."""
    lines = source.split("\n")
    if not 1 <= line <= len(lines):
        return False
    index = sum(len(text) + 1 for text in lines[: line - 1]) + column - 1
    opening = max(source.rfind("{%", 0, index), source.rfind("{{", 0, index))
    if opening < 0:
        return False
    closing = source.find("}", index)
    markup = source[opening : closing if closing >= 0 else len(source)]
    if re.match(r"\{%-?\s*(" + "|".join(CONDITION_TAGS) + r")\b", markup):
        return True
    return re.search(r"\|\s*default\b", markup) is not None


def _segments_of(path: str) -> list[Any]:
    segments: list[Any] = []
    for match in re.finditer(r"\[(-?\d+)\]|\[\"([^\"]*)\"\]|\['([^']*)'\]|([^.\[\]]+)", path):
        index, double, single, word = match.groups()
        if index is not None:
            segments.append(int(index))
        else:
            segments.append(
                double if double is not None else single if single is not None else word
            )
    return segments


_BUILT_IN_INPUTS = ("task.input.taskObject", "task.input.labels")


def _input_keys(scope: dict[str, Any]) -> list[str]:
    task_input = scope["task"]["input"]
    return list(task_input) if isinstance(task_input, dict) else []


def _did_you_mean_filter(name: str) -> str:
    from worker_ui.liquid.template import ENVIRONMENT

    close = difflib.get_close_matches(name, list(ENVIRONMENT.filters), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
