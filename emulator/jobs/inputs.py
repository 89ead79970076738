"""Reading a job's inputs at initialization: Lambdas, manifest, label categories, template.

Every problem AWS reports only after creation (docs/engine.md#input-failures,
docs/tasktypes.md#how-a-jobs-type-is-found) raises `InputError` whose message is the job's
`FailureReason`, naming the file and, for manifest lines, the line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from consolidation.serialization import dumps
from emulator import lambdas, tasktypes
from emulator.elements.facts import TemplateFacts, template_facts
from emulator.jobs.job import LabelingJob
from emulator.jobs.s3 import S3Error, S3Store

MAX_LINE_CHARACTERS = 100_000
MAX_ATTRIBUTE_CHARACTERS = 20_000
MAX_OBJECTS = 100_000
MAX_TEMPLATE_CHARACTERS = 128_000
MAX_LABEL_CHARACTERS = 256
PII_CLASSIFIER = "FreeOfPersonallyIdentifiableInformation"

_S3_SOURCE = re.compile(r"^s3://[^/]+/.+$", re.DOTALL)


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
    task: tasktypes.TaskType
    objects: list[ManifestObject]
    labels: list[str] | None
    template: Any  # worker_ui.liquid.WorkerTemplate
    #: The template's answer element (name, categories, exclusion category).
    facts: TemplateFacts
    streaming: bool
    #: Reads an S3 object of the job's account (image sizes for answer checks).
    read_object: Any = None
    image_sizes: dict = field(default_factory=dict)

    @property
    def task_type(self) -> str:
        return self.task.name

    @property
    def exclusion_category(self) -> str | None:
        return self.facts.exclusion_category

    def job_context(self, label_attribute_name: str) -> tasktypes.JobContext:
        return tasktypes.JobContext(
            label_attribute_name,
            self.labels or [],
            self.facts,
            read_object=self.read_object,
            image_sizes=self.image_sizes,
        )


def load_inputs(job: LabelingJob, store: S3Store, workforce: Any) -> JobInputs:
    """Read and check everything a job needs before its first task; InputError if not."""
    task = check_lambdas(job)
    check_public_workforce(job, workforce)
    data_source = job.request["InputConfig"]["DataSource"]
    s3_source = data_source.get("S3DataSource")
    objects = read_manifest(store, s3_source["ManifestS3Uri"], task) if s3_source else []
    streaming = "SnsDataSource" in data_source
    label_uri = job.request.get("LabelCategoryConfigS3Uri")
    labels = read_label_categories(store, label_uri, task) if label_uri else None
    template = read_template(job, store, workforce)
    output_path = job.request["OutputConfig"]["S3OutputPath"]
    if not store.bucket_exists(output_path):
        raise InputError(f"Unable to write to the output location ({output_path}).")
    inputs = JobInputs(
        task=task,
        objects=objects,
        labels=labels,
        template=template,
        facts=template_facts(template.source),
        streaming=streaming,
        read_object=store.read,
    )
    check_lines(inputs, job, store)
    return inputs


def check_lines(inputs: JobInputs, job: LabelingJob, store: S3Store) -> None:
    """The task type's own rules for each input line (e.g. an earlier job's label on a
    verification job's lines)."""
    check = inputs.task.check_line
    if check is None or not inputs.objects:
        return
    uri = job.request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
    context = inputs.job_context(job.label_attribute_name)
    for entry in inputs.objects:
        problem = check(entry.line, context)
        if problem is not None:
            raise InputError(f"{problem} ({uri}, line {entry.line_number}).")


def check_lambdas(job: LabelingJob) -> tasktypes.TaskType:
    """The job's task type, after checking its Lambda ARNs
    (docs/tasktypes.md#how-a-jobs-type-is-found)."""
    for arn in (job.pre_lambda_arn, job.acs_lambda_arn):
        if not arn:
            continue
        builtin = lambdas.parse_builtin(arn)
        if lambdas.is_invocable(arn):
            continue
        if builtin is None:
            raise InputError(f"No handler is registered for Lambda function {arn}.")
        if builtin.region != job.region:
            raise InputError(f"Lambda function {arn} is not in region {job.region}.")
    name = tasktypes.task_type_name(job.pre_lambda_arn, job.acs_lambda_arn)
    task = tasktypes.get(name)
    if task is None:
        raise InputError(f"Task type {name} is not supported by gtemu.")
    return task


def _task_type(task: tasktypes.TaskType | str) -> tasktypes.TaskType:
    """Callers may name the task type; the catalogue's entry (Custom's for an unknown name)."""
    if isinstance(task, str):
        return tasktypes.get(task) or tasktypes.TASK_TYPES[tasktypes.CUSTOM]
    return task


def check_public_workforce(job: LabelingJob, workforce: Any) -> None:
    if not workforce.is_public_team(job.workteam_arn):
        return
    attributes = job.request["InputConfig"].get("DataAttributes") or {}
    if PII_CLASSIFIER not in (attributes.get("ContentClassifiers") or []):
        raise InputError(
            "Content must be declared FreeOfPersonallyIdentifiableInformation to use the "
            "Amazon Mechanical Turk workforce."
        )


# -- manifest (docs/engine.md#the-input-manifest) --------------------------------------------------


def read_manifest(store: S3Store, uri: str, task: tasktypes.TaskType | str) -> list[ManifestObject]:
    task = _task_type(task)
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
        objects.append(ManifestObject(parse_line(text, uri, number, task), number))
        if len(objects) > MAX_OBJECTS:
            raise InputError(
                f"The input manifest contains more than {MAX_OBJECTS} data objects ({uri})."
            )
    if not objects:
        raise InputError(f"The input manifest contains no data objects ({uri}).")
    return objects


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_line(text: str, uri: str, number: int, task: tasktypes.TaskType | str) -> dict[str, Any]:
    task = _task_type(task)
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
    if task.image:
        key = task.source_of(line)
        source = line.get(key)
        if source is None:
            raise InputError(
                'Line has no "source-ref" key (or "source" S3 URI), which image task types '
                f"require {where}."
            )
        if not isinstance(source, str) or not _S3_SOURCE.match(source):
            raise InputError(f'"{key}" is not an S3 URI {where}.')
    return line


def source_key(line: dict[str, Any], task: tasktypes.TaskType) -> str:
    """Which key holds the object's data (the task type says)."""
    return task.source_of(line)


def read_text_source(line: dict[str, Any], store: S3Store) -> dict[str, Any]:
    """The line a text task type shows its worker (`TaskType.text_from_s3`): a line whose text
    sits in an S3 object (`source-ref`, as the developer guide's text-classification input
    example has it) gets that text as `source`. Other lines are returned as they are. S3Error
    if the object cannot be read or is not UTF-8 text."""
    if "source" in line:
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


# -- label categories (docs/engine.md#the-label-category-file) -------------------------------------


def read_label_categories(store: S3Store, uri: str, task: tasktypes.TaskType | str) -> list[str]:
    task = _task_type(task)
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
    rules = task.label_rules
    problem = rules.problem(len(labels), task.name) if rules is not None else None
    if problem is not None:
        raise InputError(f"{problem} ({uri}).")
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


# -- worker task template (docs/engine.md#the-worker-task-template) --------------------------------


def read_template(job: LabelingJob, store: S3Store, workforce: Any) -> Any:
    from worker_ui.liquid import TemplateSyntaxError, parse_template

    ui_config = job.human_task_config["UiConfig"]
    if "HumanTaskUiArn" in ui_config:
        where = ui_config["HumanTaskUiArn"]
        ui = workforce.get_human_task_ui(where)
        if ui is not None:
            source = ui.content
        elif workforce.is_aws_owned_human_task_ui(where):
            # AWS's own worker UI (NER): gtemu renders its own template for that task type.
            owner = tasktypes.for_human_task_ui(where.rsplit("/", 1)[-1])
            if owner is None or owner.template is None:
                raise InputError(f"Human task UI {where} is not available in gtemu.")
            source = owner.template
        else:
            raise InputError(f"Unable to read the worker task template ({where}).")
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
