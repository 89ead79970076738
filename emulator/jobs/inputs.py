"""Reading a job's inputs at initialization: Lambdas, manifest, label categories, template.

Every problem AWS reports only after creation (spec §3.7, §2.4) raises `InputError` whose
message is the job's `FailureReason`, naming the file and, for manifest lines, the line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from consolidation.serialization import dumps
from emulator import lambdas
from emulator.jobs.job import LabelingJob
from emulator.jobs.s3 import S3Error, S3Store

MAX_LINE_CHARACTERS = 100_000
MAX_ATTRIBUTE_CHARACTERS = 20_000
MAX_OBJECTS = 100_000
MAX_TEMPLATE_CHARACTERS = 128_000
MAX_LABEL_CHARACTERS = 256
MAX_MULTI_LABEL_CATEGORIES = 50
PII_CLASSIFIER = "FreeOfPersonallyIdentifiableInformation"

_S3_SOURCE = re.compile(r"^s3://[^/]+/.+$", re.DOTALL)
_EXCLUSION_ATTRIBUTE = re.compile(r"""exclusion-category\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_EXCLUSION_TEXT = re.compile(r"""text\s*["']?\s*:\s*(?:"([^"]*)"|'([^']*)')""")


class InputError(Exception):
    """An input problem that fails the job; the message is the full FailureReason."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"ClientError: {problem}")
        self.reason = f"ClientError: {problem}"


@dataclass
class ManifestObject:
    """One data object of the manifest: its input line, as parsed, in input key order."""

    line: dict[str, Any]
    line_number: int


@dataclass
class JobInputs:
    task_type: str
    objects: list[ManifestObject]
    labels: list[str] | None
    template: Any  # worker_ui.liquid.WorkerTemplate
    exclusion_category: str | None
    streaming: bool


def load_inputs(job: LabelingJob, store: S3Store, workforce: Any) -> JobInputs:
    """Read and check everything a job needs before its first task; InputError if not."""
    task_type = check_lambdas(job)
    check_public_workforce(job, workforce)
    data_source = job.request["InputConfig"]["DataSource"]
    s3_source = data_source.get("S3DataSource")
    objects = read_manifest(store, s3_source["ManifestS3Uri"], task_type) if s3_source else []
    streaming = "SnsDataSource" in data_source
    label_uri = job.request.get("LabelCategoryConfigS3Uri")
    labels = read_label_categories(store, label_uri, task_type) if label_uri else None
    template = read_template(job, store, workforce)
    output_path = job.request["OutputConfig"]["S3OutputPath"]
    if not store.bucket_exists(output_path):
        raise InputError(f"Unable to write to the output location ({output_path}).")
    return JobInputs(
        task_type=task_type,
        objects=objects,
        labels=labels,
        template=template,
        exclusion_category=exclusion_category(template.source),
        streaming=streaming,
    )


def check_lambdas(job: LabelingJob) -> str:
    """The job's task type, after checking its Lambda ARNs (spec §2.4)."""
    for arn in (job.pre_lambda_arn, job.acs_lambda_arn):
        if not arn:
            continue
        builtin = lambdas.parse_builtin(arn)
        if lambdas.registered_handler(arn) is not None:
            continue
        if builtin is None:
            raise InputError(f"No handler is registered for Lambda function {arn}.")
        if builtin.region != job.region:
            raise InputError(f"Lambda function {arn} is not in region {job.region}.")
    task_type = lambdas.task_type_of(job.pre_lambda_arn, job.acs_lambda_arn)
    if task_type not in lambdas.SUPPORTED_TASK_TYPES:
        raise InputError(f"Task type {task_type} is not supported by gtemu.")
    return task_type


def check_public_workforce(job: LabelingJob, workforce: Any) -> None:
    if not workforce.is_public_team(job.workteam_arn):
        return
    attributes = job.request["InputConfig"].get("DataAttributes") or {}
    if PII_CLASSIFIER not in (attributes.get("ContentClassifiers") or []):
        raise InputError(
            "Content must be declared FreeOfPersonallyIdentifiableInformation to use the "
            "Amazon Mechanical Turk workforce."
        )


# -- manifest (spec §3.1, OP-IN-1) ---------------------------------------------------------


def read_manifest(store: S3Store, uri: str, task_type: str) -> list[ManifestObject]:
    try:
        data = store.read(uri)
    except S3Error:
        raise InputError(f"Unable to read the input manifest ({uri}).") from None
    raw_lines = data.split(b"\n")
    objects: list[ManifestObject] = []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(
                f"The input manifest is not valid UTF-8 ({uri}, line {number})."
            ) from None
        if text.endswith("\r"):
            text = text[:-1]
        if not text.strip():
            continue
        objects.append(ManifestObject(parse_line(text, uri, number, task_type), number))
        if len(objects) > MAX_OBJECTS:
            raise InputError(
                f"The input manifest contains more than {MAX_OBJECTS} data objects ({uri})."
            )
    if not objects:
        raise InputError(f"The input manifest contains no data objects ({uri}).")
    return objects


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_line(text: str, uri: str, number: int, task_type: str) -> dict[str, Any]:
    where = f"({uri}, line {number})"
    if len(text) > MAX_LINE_CHARACTERS:
        raise InputError(f"Line is longer than {MAX_LINE_CHARACTERS} characters {where}.")
    try:
        line = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        line = None
    if not isinstance(line, dict):
        raise InputError(f"Line is not a valid JSON object {where}.")
    for key, value in line.items():
        if key.startswith("$"):
            raise InputError(f'Attribute names cannot begin with "$" {where}.')
        if len(dumps(value)) > MAX_ATTRIBUTE_CHARACTERS:
            raise InputError(
                f'Attribute "{key}" is longer than {MAX_ATTRIBUTE_CHARACTERS} characters {where}.'
            )
    if "source-ref" not in line and "source" not in line:
        raise InputError(f'Line has no "source-ref" or "source" key {where}.')
    if task_type in lambdas.IMAGE_TYPES:
        source_ref = line.get("source-ref")
        if source_ref is None:
            raise InputError(
                f'Line has no "source-ref" key, which image task types require {where}.'
            )
        if not isinstance(source_ref, str) or not _S3_SOURCE.match(source_ref):
            raise InputError(f'"source-ref" is not an S3 URI {where}.')
    return line


def source_key(line: dict[str, Any], task_type: str) -> str:
    """Which key holds the object's data: image types use `source-ref`, text types `source`,
    others whichever is present (`source-ref` first) (spec §3.1)."""
    if task_type in lambdas.IMAGE_TYPES:
        return "source-ref"
    if task_type in ("TextMultiClass", "TextMultiClassMultiLabel") and "source" in line:
        return "source"
    return "source-ref" if "source-ref" in line else "source"


def read_text_source(line: dict[str, Any], task_type: str, store: S3Store) -> dict[str, Any]:
    """The line a text task type shows its worker: a line whose text sits in an S3 object
    (`source-ref`, as the developer guide's text-classification input example has it) gets
    that text as `source`. Other lines are returned as they are. S3Error if the object cannot
    be read or is not UTF-8 text.

    Task-type knowledge belongs to the task-type catalogue; it calls this for its text types.
    """
    if not task_type.startswith("Text") or "source" in line:
        return line
    uri = line.get("source-ref")
    if not isinstance(uri, str):
        return line
    try:
        text = store.read(uri).decode("utf-8")
    except S3Error:
        raise S3Error(f"Unable to read the text object ({uri}).") from None
    except UnicodeDecodeError:
        raise S3Error(f"The text object is not valid UTF-8 ({uri}).") from None
    return {**line, "source": text}


# -- label categories (spec §3.4) ------------------------------------------------------------


def read_label_categories(store: S3Store, uri: str, task_type: str) -> list[str]:
    try:
        data = store.read(uri)
    except S3Error:
        raise InputError(f"Unable to read the label category configuration file ({uri}).") from None
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InputError(
            f"The label category configuration file is not valid JSON ({uri})."
        ) from None
    entries = document.get("labels") if isinstance(document, dict) else None
    if (
        not isinstance(entries, list)
        or not entries
        or not all(isinstance(e, dict) and isinstance(e.get("label"), str) for e in entries)
    ):
        raise InputError(
            'The label category configuration file must contain a non-empty "labels" list of '
            f'{{"label": string}} objects ({uri}).'
        )
    labels = [entry["label"] for entry in entries]
    if task_type in lambdas.MULTI_LABEL_TYPES and not 2 <= len(labels) <= 50:
        raise InputError(
            f"Task type {task_type} requires between 2 and {MAX_MULTI_LABEL_CATEGORIES} label "
            f"categories; found {len(labels)} ({uri})."
        )
    if task_type in lambdas.SINGLE_LABEL_TYPES and len(labels) < 2:
        raise InputError(
            f"Task type {task_type} requires at least 2 label categories; "
            f"found {len(labels)} ({uri})."
        )
    seen: set[str] = set()
    for label in labels:
        if label in seen:
            raise InputError(f'Duplicate label category "{label}" ({uri}).')
        seen.add(label)
        if len(label) > MAX_LABEL_CHARACTERS:
            raise InputError(
                f"Label category longer than {MAX_LABEL_CHARACTERS} characters ({uri})."
            )
    return labels


# -- worker task template (spec §3.5) ----------------------------------------------------------


def read_template(job: LabelingJob, store: S3Store, workforce: Any) -> Any:
    from worker_ui.liquid import TemplateSyntaxError, parse_template

    ui_config = job.human_task_config["UiConfig"]
    if "HumanTaskUiArn" in ui_config:
        where = ui_config["HumanTaskUiArn"]
        ui = workforce.get_human_task_ui(where)
        if ui is None:
            if workforce.is_aws_owned_human_task_ui(where):
                raise InputError(f"Human task UI {where} is not available in gtemu.")
            raise InputError(f"Unable to read the worker task template ({where}).")
        source = ui.content
    else:
        where = ui_config["UiTemplateS3Uri"]
        try:
            source = store.read(where).decode("utf-8")
        except (S3Error, UnicodeDecodeError):
            raise InputError(f"Unable to read the worker task template ({where}).") from None
    if len(source) > MAX_TEMPLATE_CHARACTERS:
        raise InputError(
            f"The worker task template is longer than {MAX_TEMPLATE_CHARACTERS} characters "
            f"({where})."
        )
    try:
        return parse_template(source, name=where)
    except TemplateSyntaxError as error:
        raise InputError(
            f"The worker task template is not valid Liquid: {error.message} "
            f"({where}, line {error.line}, column {error.column})."
        ) from None


def exclusion_category(template_source: str) -> str | None:
    """The `exclusion-category` text of the template's classifier, if it has one (OP-TPL-6).

    The attribute is a JavaScript-ish literal such as `{ text: 'None of the above' }`.
    """
    attribute = _EXCLUSION_ATTRIBUTE.search(template_source)
    if attribute is None:
        return None
    literal = attribute.group(1) if attribute.group(1) is not None else attribute.group(2)
    literal = literal.replace("&quot;", '"').replace("&#34;", '"').replace("&#39;", "'")
    text = _EXCLUSION_TEXT.search(literal)
    if text is None:
        return None
    return text.group(1) if text.group(1) is not None else text.group(2)
