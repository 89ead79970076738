"""Checks for worker task templates: what `gtemu lint` reports and the preview shows.

Pure Python (no Flask). A lint run parses the template, renders it for every sample task
input in lint's strict-undefined mode, and reads each rendered page with the standard
library's HTML parser to check the crowd elements against their contracts (spec §4.5).
Findings point at template positions; a problem that only exists in the rendered page (an
element written by a loop, say) points at the template tag it came from when that can be
told, else at the rendered page.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from emulator import lambdas, tasktypes
from emulator.elements import ELEMENTS, ElementContext, ElementSpec
from emulator.elements.classifiers import SINGLE_LABEL_CATEGORY_LIMIT
from emulator.elements.facts import template_facts
from emulator.elements.literal import (
    LiteralSyntaxError,
    category_texts,
    exclusion_text,
    parse_literal,
)
from emulator.elements.unsupported import OTHER_AWS_ELEMENTS
from worker_ui import lint_v2
from worker_ui.liquid import (
    TemplateRenderError,
    TemplateSyntaxError,
    WorkerTemplate,
    parse_template,
)
from worker_ui.liquid.analysis import (
    TemplateVariable,
    UndefinedVariable,
    check_render,
    template_variables,
    unknown_filters,
)
from worker_ui.liquid.context import MediaUrl
from worker_ui.liquid.filters import s3_location

ERROR, WARNING, INFO = "error", "warning", "info"
PRE_ANNOTATION_VERSION = "2018-10-06"
PREVIEW_JOB_ARN = "arn:aws:sagemaker:us-east-1:111122223333:labeling-job/gtemu-preview"


# Findings


@dataclass(frozen=True)
class Finding:
    """One problem: `file:line:column: severity: message` (line and column 1-based)."""

    file: str
    line: int
    column: int
    severity: str
    code: str
    message: str
    samples: tuple[str, ...] = ()

    def format(self) -> str:
        where = ""
        if self.samples:
            shown = ", ".join(self.samples[:3])
            more = len(self.samples) - 3
            where = f" [sample {shown}{f' and {more} more' if more > 0 else ''}]"
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}{where}"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "samples": list(self.samples),
        }


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.severity == ERROR for finding in findings)


# The crowd elements: the registry `emulator.elements` knows each one (spec §4.5)

KNOWN_ELEMENTS = ELEMENTS
CONDITION_TAGS = ("if", "elsif", "unless", "case", "when")


# Sample data


@dataclass
class Sample:
    """One task input to render: `name` says where it came from (`manifest.jsonl:3`)."""

    name: str
    task_input: Any
    data_object: Any = None
    skipped: bool = False


@dataclass
class SampleData:
    samples: list[Sample] = field(default_factory=list)
    categories: list[str] | None = None
    findings: list[Finding] = field(default_factory=list)
    watched_files: list[Path] = field(default_factory=list)


PreAnnotation = Callable[[dict[str, Any], Any], Any]


def load_samples(
    *,
    input_file: str | Path | None = None,
    manifest: str | Path | None = None,
    labels: str | Path | None = None,
    line: int | None = None,
    pre_lambda: str | None = None,
    template: str | None = None,
) -> SampleData:
    """The task inputs to render, built as a labeling job would build them.

    `--input` is one task input. Each manifest line is a data object; its task input is what
    the built-in pre-annotation gives (`{"taskObject", "labels"}`, spec §2.7) when a label file
    is given — that of the task type whose element `template` answers with (box types add the
    whole line as `manifestLine`) —, the user's pre-annotation function when `pre_lambda` names
    one, else the line
    itself (spec §2.8). Problems in these files become findings against them.
    """
    data = SampleData()
    if labels is not None:
        data.watched_files.append(Path(labels))
        data.categories = _read_label_file(Path(labels), data.findings)
    if input_file is not None:
        path = Path(input_file)
        data.watched_files.append(path)
        value = _read_json_file(path, data.findings)
        if value is not _MISSING:
            data.samples.append(Sample(path.name, value))
        return data
    if manifest is None:
        return data
    path = Path(manifest)
    data.watched_files.append(path)
    annotate = _pre_annotation(pre_lambda, data) if pre_lambda else None
    if pre_lambda and annotate is None:
        return data
    for number, data_object in _read_manifest(path, data.findings):
        if line is not None and number != line:
            continue
        name = f"{path.name}:{number}"
        sample = _annotated_sample(
            name, data_object, data.categories, annotate, path, number, _task_type_of(template)
        )
        if isinstance(sample, Finding):
            data.findings.append(sample)
        else:
            data.samples.append(sample)
    if line is not None and not data.samples and not has_errors(data.findings):
        data.findings.append(_data_error(path, f"the manifest has no line {line}"))
    return data


_MISSING = object()


def _data_error(path: Path, message: str, line: int = 1, column: int = 1) -> Finding:
    return Finding(str(path), line, column, ERROR, "sample-data", message)


def _read_json_file(path: Path, findings: list[Finding]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        findings.append(_data_error(path, f"cannot read: {error}"))
        return _MISSING
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        findings.append(
            _data_error(path, f"not valid JSON: {error.msg}", error.lineno, error.colno)
        )
        return _MISSING


def _read_label_file(path: Path, findings: list[Finding]) -> list[str] | None:
    document = _read_json_file(path, findings)
    if document is _MISSING:
        return None
    entries = document.get("labels") if isinstance(document, dict) else None
    if (
        not isinstance(entries, list)
        or not entries
        or not all(isinstance(e, dict) and isinstance(e.get("label"), str) for e in entries)
    ):
        findings.append(
            _data_error(
                path,
                'the label file must contain a non-empty "labels" list of '
                '{"label": string} objects (spec §3.4)',
            )
        )
        return None
    return [entry["label"] for entry in entries]


def _read_manifest(path: Path, findings: list[Finding]) -> Iterable[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        findings.append(_data_error(path, f"cannot read: {error}"))
        return
    # Only \n ends a line (spec §3.1): JSON strings may hold U+2028 and other separators.
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as error:
            message = f"line is not valid JSON: {error.msg}"
            findings.append(_data_error(path, message, number, error.colno))
            continue
        if not isinstance(value, dict):
            findings.append(_data_error(path, "line is not a JSON object (spec §3.1)", number))
            continue
        yield number, value


def built_in_pre_annotation(
    data_object: Mapping[str, Any], categories: Sequence[str], task_type: str | None = None
) -> Any:
    """The task input the built-in classification pre-annotation gives (spec §2.7): the task
    type's, when it is known, else the image/text one that reads whichever source the line
    has."""
    task = tasktypes.get(task_type or tasktypes.DEFAULT)
    key = tasktypes.source_key_of(data_object, task.source_key if task and task_type else None)
    return {"taskObject": data_object.get(key), "labels": list(categories)}


def _task_type_of(template: str | None) -> tasktypes.TaskType | None:
    """The built-in task type whose template answers with the template's answer element."""
    tag = template_facts(template).tag if template else None
    return tasktypes.for_element(tag) if tag else None


def _annotated_sample(
    name: str,
    data_object: dict[str, Any],
    categories: list[str] | None,
    annotate: PreAnnotation | None,
    manifest: Path,
    number: int,
    task: tasktypes.TaskType | None = None,
) -> Sample | Finding:
    if annotate is None:
        if not categories:
            return Sample(name, data_object, data_object)
        if task is not None and task.pre_annotation is not None:
            # No label attribute in the designer: every line is shown as a task.
            reply = task.pre_annotation(data_object, tasktypes.JobContext("", categories))
            return Sample(name, reply["taskInput"], data_object)
        return Sample(name, built_in_pre_annotation(data_object, categories), data_object)
    event = {
        "version": PRE_ANNOTATION_VERSION,
        "labelingJobArn": PREVIEW_JOB_ARN,
        "dataObject": data_object,
    }
    try:
        response = annotate(event, None)
    except Exception as error:  # the user's function: report whatever it raised
        return Finding(
            str(manifest),
            number,
            1,
            ERROR,
            "pre-annotation",
            f"the pre-annotation function raised {type(error).__name__}: {error}",
        )
    if not isinstance(response, dict) or "taskInput" not in response:
        return Finding(
            str(manifest),
            number,
            1,
            ERROR,
            "pre-annotation",
            'the pre-annotation function returned no "taskInput" (spec §2.5)',
        )
    try:  # read as the engine reads it, so that both skip the same objects
        task_input, required = lambdas.pre_annotation_reply(response)
    except ValueError as error:
        return Finding(
            str(manifest),
            number,
            1,
            ERROR,
            "pre-annotation",
            f"the pre-annotation function's reply would fail the object: {error}",
        )
    return Sample(name, task_input, data_object, skipped=not required)


def _pre_annotation(spec: str, data: SampleData) -> PreAnnotation | None:
    """Loads `module:function` or `path/to/file.py:function` (fresh on each call, so that the
    preview picks up edits)."""
    target, _, function_name = spec.rpartition(":")
    if not target or not function_name:
        data.findings.append(
            Finding(
                spec,
                1,
                1,
                ERROR,
                "pre-annotation",
                "--pre-lambda must be MODULE:FUNCTION or FILE.py:FUNCTION",
            )
        )
        return None
    try:
        module = _load_module(target, data)
        function = getattr(module, function_name)
    except Exception as error:
        data.findings.append(
            Finding(
                target,
                1,
                1,
                ERROR,
                "pre-annotation",
                f"cannot load {spec}: {type(error).__name__}: {error}",
            )
        )
        return None
    return function


def _load_module(target: str, data: SampleData) -> Any:
    """The module, loaded afresh; its file is watched even when loading fails."""
    if target.endswith(".py") or "/" in target:
        path = Path(target).resolve()
        data.watched_files.append(path)
        module_spec = importlib.util.spec_from_file_location(f"gtemu_pre_{path.stem}", path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"{target} is not a Python file")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return module
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    found = importlib.util.find_spec(target)
    if found is not None and found.origin and Path(found.origin).is_file():
        data.watched_files.append(Path(found.origin))
    if target in sys.modules:
        return importlib.reload(sys.modules[target])
    return importlib.import_module(target)


# Variables


@dataclass(frozen=True)
class VariableRead:
    """A variable the template reads, and whether the sample provides it."""

    path: str
    line: int
    column: int
    provided: bool
    suggestion: str | None = None
    value: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "provided": self.provided,
            "suggestion": self.suggestion,
            "value": self.value,
        }


@dataclass
class VariablesReport:
    read: list[VariableRead]
    unused_inputs: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"read": [v.to_json() for v in self.read], "unused_inputs": self.unused_inputs}


def variables_report(template: WorkerTemplate, task_input: Any) -> VariablesReport:
    """Every global variable read, checked against `task.input` = `task_input`; and the
    top-level input keys that nothing reads."""
    scope = {"task": {"input": task_input}}
    read = []
    for variable in template_variables(template, under=()):
        missing = _first_missing_segment(scope, variable.segments)
        suggestion = None if missing is None else _suggest(scope, variable.segments, missing)
        value = _value_at(scope, variable.segments) if missing is None else _MISSING
        shown = None if value is _MISSING else _shorten(json.dumps(value, ensure_ascii=False))
        read.append(
            VariableRead(
                variable.path, variable.line, variable.column, missing is None, suggestion, shown
            )
        )
    return VariablesReport(read, _unused_inputs(template_variables(template), task_input))


def _unused_inputs(variables: list[TemplateVariable], task_input: Any) -> list[str]:
    if not isinstance(task_input, dict):
        return []
    if any(len(variable.segments) <= 2 for variable in variables):
        return []  # `task.input` itself is printed or looped over: everything is read
    read = {variable.input_key for variable in variables}
    return [f"task.input.{key}" for key in task_input if key not in read]


_SEQUENCE_PROPERTIES = ("size", "first", "last")


def _first_missing_segment(scope: Any, segments: Sequence[Any]) -> int | None:
    """Index of the first segment that the data does not provide, or None."""
    current = scope
    for index, segment in enumerate(segments):
        if isinstance(segment, tuple):
            return None  # a dynamic key (`labels[i]`): cannot tell statically
        if isinstance(current, dict) and segment in current:
            current = current[segment]
        elif isinstance(current, (list, str)) and isinstance(segment, int):
            if not -len(current) <= segment < len(current):
                return index
            current = current[segment]
        elif segment in _SEQUENCE_PROPERTIES and isinstance(current, (list, str, dict)):
            return None
        else:
            return index
    return None


def _value_at(scope: Any, segments: Sequence[Any]) -> Any:
    """The value at a path of plain keys and indexes, else `_MISSING`."""
    current = scope
    for segment in segments:
        if isinstance(current, dict) and isinstance(segment, str) and segment in current:
            current = current[segment]
        elif isinstance(current, list) and isinstance(segment, int):
            current = current[segment]
        else:
            return _MISSING
    return current


def _suggest(scope: Any, segments: Sequence[Any], missing: int) -> str | None:
    container = scope
    for segment in segments[:missing]:
        container = container[segment]
    wanted = segments[missing]
    if not isinstance(container, dict) or not isinstance(wanted, str):
        return None
    keys = [key for key in container if isinstance(key, str)]
    folded = {key.lower(): key for key in keys}
    match = folded.get(wanted.lower())
    if match is None:
        close = difflib.get_close_matches(wanted, keys, n=1, cutoff=0.6)
        match = close[0] if close else None
    if match is None:
        return None
    return _path_text([*segments[:missing], match, *segments[missing + 1 :]])


def _path_text(segments: Sequence[Any]) -> str:
    text = ""
    for segment in segments:
        if isinstance(segment, int):
            text += f"[{segment}]"
        elif isinstance(segment, tuple):
            text += "[" + _path_text(segment) + "]"
        elif re.fullmatch(r"[\w-]+", segment):
            text += ("." if text else "") + segment
        else:
            text += f"[{json.dumps(segment)}]"
    return text


# Rendered pages


@dataclass
class PageElement:
    """A start tag of the rendered page: its name, attributes and positions."""

    tag: str
    attributes: dict[str, str | None]
    line: int
    column: int
    start_tag: str
    ordinal: int
    inside_form: bool
    children: set[str] = field(default_factory=set)

    def attribute_offset(self, name: str) -> tuple[int, int]:
        """Rendered line and column of attribute `name` (the tag's own when not found)."""
        return _offset_in(
            self.start_tag, self.line, self.column, _attribute_index(self.start_tag, name)
        )


@dataclass
class PageScan:
    elements: list[PageElement]
    external_resources: list[str]

    def named_elements(self) -> list[PageElement]:
        return [e for e in self.elements if e.tag in KNOWN_ELEMENTS and e.attributes.get("name")]


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[PageElement] = []
        self.external: list[str] = []
        self._counts: dict[str, int] = {}
        self._open: list[PageElement] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, offset = self.getpos()
        ordinal = self._counts.get(tag, 0)
        self._counts[tag] = ordinal + 1
        inside_form = any(e.tag == "crowd-form" for e in self._open)
        element = PageElement(
            tag, dict(attrs), line, offset + 1, self.get_starttag_text() or "", ordinal, inside_form
        )
        for ancestor in self._open:
            ancestor.children.add(tag)
        self.elements.append(element)
        self._note_external(element)
        if tag not in _VOID_TAGS:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self._open and self._open[-1].tag == tag:
            self._open.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def _note_external(self, element: PageElement) -> None:
        url = external_url(element)
        if url:
            self.external.append(url)


def external_url(element: PageElement) -> str | None:
    """The URL of a script or stylesheet from another host (offline it cannot load, spec
    §4.3); the crowd elements' own host is served locally."""
    if element.tag == "script":
        url = element.attributes.get("src")
    elif element.tag == "link" and "stylesheet" in (element.attributes.get("rel") or ""):
        url = element.attributes.get("href")
    else:
        return None
    if url and re.match(r"(?:https?:)?//", url) and "assets.crowd.aws" not in url:
        return url
    return None


_VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)


def scan_page(html: str) -> PageScan:
    """The start tags of a page (line and column of each) and the external scripts and
    stylesheets it loads (which cannot load offline, spec §4.3)."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return PageScan(parser.elements, parser.external)


def _attribute_index(start_tag: str, name: str) -> int:
    match = re.search(rf"\s({re.escape(name)})\s*(=|\s|/?>)", start_tag, re.IGNORECASE)
    return match.start(1) if match else 0


def _offset_in(text: str, line: int, column: int, index: int) -> tuple[int, int]:
    before = text[:index]
    newlines = before.count("\n")
    if newlines == 0:
        return line, column + index
    return line + newlines, index - before.rfind("\n")


# Linting


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
                    "not submit an answer (spec §4.4)",
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
                        f"<{element.tag}> requires the attribute '{name}' (spec §4.5)",
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
                        f"<{element.tag}> should contain <{region}> (spec §4.5)",
                        samples,
                    )
                )
        if data_checks:
            findings += self._literal_findings(element, spec, samples)
        return findings

    def _literal_findings(
        self, element: PageElement, spec: ElementSpec, samples: tuple[str, ...]
    ) -> list[Finding]:
        findings = []
        for name in spec.literal_attributes:
            value = element.attributes.get(name)
            if value is None or (name != "categories" and not value.strip()):
                continue
            try:
                texts = category_texts(value)
            except ValueError as error:
                findings.append(
                    self._at_attribute(
                        element,
                        name,
                        ERROR,
                        "invalid-categories",
                        f"'{name}' of <{element.tag}> is not a JSON array after rendering "
                        f"({error}): {_shorten(value)!r}{self._quoting_hint(element, name)}",
                        samples,
                    )
                )
                continue
            if name == "categories":
                findings += self._category_findings(element, texts, samples)
            if (
                spec.traits.get("single_label")
                and name == "categories"
                and len(texts) > SINGLE_LABEL_CATEGORY_LIMIT
            ):
                findings.append(
                    self._at_attribute(
                        element,
                        name,
                        WARNING,
                        "too-many-categories",
                        f"<{element.tag}> has {len(texts)} categories; the element supports up to "
                        f"{SINGLE_LABEL_CATEGORY_LIMIT} (OP-IN-2)",
                        samples,
                    )
                )
        if "exclusion-category" in element.attributes:
            try:
                exclusion_text(element.attributes["exclusion-category"])
            except ValueError as error:
                findings.append(
                    self._at_attribute(
                        element,
                        "exclusion-category",
                        ERROR,
                        "invalid-exclusion-category",
                        f"'exclusion-category' of <{element.tag}> is not valid ({error}); write "
                        "it as { text: 'None of the above' }",
                        samples,
                    )
                )
        return findings

    def _category_findings(
        self, element: PageElement, texts: list[str], samples: tuple[str, ...]
    ) -> list[Finding]:
        if not texts:
            message = f"<{element.tag}> has no categories: workers cannot answer"
            return [
                self._at_attribute(element, "categories", ERROR, "no-categories", message, samples)
            ]
        repeated = sorted({text for text in texts if texts.count(text) > 1})
        if repeated:
            message = f"<{element.tag}> lists a category more than once: {repeated}"
            return [
                self._at_attribute(
                    element, "categories", WARNING, "duplicate-categories", message, samples
                )
            ]
        return []

    def _quoting_hint(self, element: PageElement, attribute: str) -> str:
        """Names the usual cause: `to_json` output ends a double-quoted attribute early."""
        tag_text = self._template_tag_text(element)
        if tag_text and re.search(
            rf'{re.escape(attribute)}\s*=\s*"\{{\{{[^}}]*to_json(?![^}}]*'
            r"\|\s*escape)",
            tag_text,
        ):
            return (
                "; to_json inside a double-quoted attribute needs '| escape' "
                '(categories="{{ x | to_json | escape }}")'
            )
        return ""

    def _pass_through_urls(self, page: PageScan, samples: tuple[str, ...]) -> list[Finding]:
        """`grant_read_access` on an https URL that is not S3 passes it on unchanged
        (OP-TPL-3): worth a warning, since Ground Truth grants access to S3 objects only."""
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
                            "object: the URL is used unchanged (OP-TPL-3)",
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
                continue  # checkbox-shaped outputs with one name merge (spec §4.5)
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
    spec = ELEMENTS.get(tag)
    return bool(spec and spec.traits.get("self_contained_form"))


def merge_findings(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per place and message, listing every sample it came from; in file order."""
    merged: dict[tuple[Any, ...], Finding] = {}
    for finding in findings:
        key = (finding.file, finding.line, finding.column, finding.severity, finding.message)
        previous = merged.get(key)
        if previous is None:
            merged[key] = finding
        elif previous.samples and finding.samples:
            samples = previous.samples + tuple(
                s for s in finding.samples if s not in previous.samples
            )
            merged[key] = Finding(*key[:4], previous.code, previous.message, samples)
        else:  # found without sample data: it holds for every sample
            merged[key] = Finding(*key[:4], previous.code, previous.message)
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    return sorted(
        merged.values(), key=lambda f: (f.file, f.line, f.column, order.get(f.severity, 3))
    )


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


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


# Answers (preview)


@dataclass(frozen=True)
class AnswerCheck:
    """One check of a submitted answer: `ok` False for a contract violation."""

    key: str
    ok: bool
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "ok": self.ok, "message": self.message}


def check_answer(
    answer: Any, page: PageScan, *, categories: Sequence[str] | None = None
) -> list[AnswerCheck]:
    """Checks `answer` (the JSON crowd-form would post) against the output contract of each
    named element of the page (spec §4.4, §4.5) and, for built-in tasks (a label file was
    given), against what the job would accept."""
    if not isinstance(answer, dict):
        return [AnswerCheck("", False, "the answer must be one JSON object (spec §4.4)")]
    checks, v2_keys = lint_v2.answer_checks(answer, page)
    native = {
        e.attributes.get("name")
        for e in page.elements
        if e.tag in ("input", "select", "textarea") and e.attributes.get("name")
    }
    by_name = {e.attributes["name"]: e for e in page.named_elements()}
    for key, value in answer.items():
        element = by_name.get(key)
        if key in v2_keys:
            continue
        if element is not None:
            checks.append(_check_output(key, value, element, categories))
        elif key in native:
            checks.append(AnswerCheck(key, True, "from a native form control (OP-TPL-5)"))
        else:
            checks.append(
                AnswerCheck(
                    key, True, "no element of the rendered page has this name (set from script?)"
                )
            )
    for name, element in by_name.items():
        spec = KNOWN_ELEMENTS[element.tag]
        if name not in answer and spec.traits.get("output") in ("labels", "label"):
            checks.append(
                AnswerCheck(name, False, f'<{element.tag} name="{name}"> contributed nothing')
            )
    if categories is not None:
        checks += _built_in_job_check(answer, page)
    return checks


def _built_in_job_check(answer: dict[str, Any], page: PageScan) -> list[AnswerCheck]:
    """A built-in job (a label file was given) needs its answer element's output."""
    first = next(
        (e for e in page.elements
         if e.tag in KNOWN_ELEMENTS and KNOWN_ELEMENTS[e.tag].traits.get("task_answer")),
        None,
    )
    output = KNOWN_ELEMENTS[first.tag].traits.get("output") if first is not None else None
    if first is None or output in ("labels", "label"):
        keys, message = ("labels", "label"), (
            "a built-in classification job would reject this answer: no element output with "
            "'labels' or 'label' (spec §4.4)"
        )
    else:
        keys = (output,)
        message = (
            f"a built-in job would reject this answer: no <{first.tag}> output with '{output}'"
        )
    if any(isinstance(v, dict) and any(k in v for k in keys) for v in answer.values()):
        return []
    return [AnswerCheck("", False, message)]


def _check_output(
    key: str, value: Any, element: PageElement, categories: Sequence[str] | None
) -> AnswerCheck:
    spec = KNOWN_ELEMENTS[element.tag]
    context = ElementContext(element.tag, element.attributes, categories=categories)
    problem = spec.check_answer(value, context) if spec.check_answer else None
    if problem:
        return AnswerCheck(key, False, f"{problem} (output of <{element.tag}>)")
    return AnswerCheck(key, True, f"matches the output contract of <{element.tag}>")


__all__ = [
    "ERROR",
    "INFO",
    "KNOWN_ELEMENTS",
    "LiteralSyntaxError",
    "WARNING",
    "AnswerCheck",
    "ElementSpec",
    "Finding",
    "PageScan",
    "Sample",
    "SampleCheck",
    "SampleData",
    "TemplateLinter",
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
