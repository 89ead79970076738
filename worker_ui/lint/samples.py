"""Sample data for lint: task inputs from a manifest, labels and a pre-annotation Lambda."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator import lambdas, tasktypes
from emulator.elements.facts import template_facts
from worker_ui.lint.findings import ERROR, Finding, has_errors

PRE_ANNOTATION_VERSION = "2018-10-06"
PREVIEW_JOB_ARN = "arn:aws:sagemaker:us-east-1:111122223333:labeling-job/gtemu-preview"



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
    the built-in pre-annotation gives (`{"taskObject", "labels"}`,
    docs/tasktypes.md#pre-annotation-replies) when a label file is given — that of the task type
    whose element `template` answers with (box types add the whole line as `manifestLine`) —,
    the user's pre-annotation function when `pre_lambda` names one, else the line itself
    (docs/engine.md#custom-jobs-passthrough-and-no-lambdas). Problems in these files become
    findings against them.
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
                '{"label": string} objects',
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
    # Only \n ends a line (docs/engine.md#the-input-manifest): JSON strings may hold U+2028
    # and other separators.
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
            findings.append(_data_error(path, "line is not a JSON object", number))
            continue
        yield number, value


def built_in_pre_annotation(
    data_object: Mapping[str, Any], categories: Sequence[str], task_type: str | None = None
) -> Any:
    """The task input the built-in classification pre-annotation gives
    (docs/tasktypes.md#pre-annotation-replies): the task
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
            'the pre-annotation function returned no "taskInput"',
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
