"""Pre-annotation and consolidation Lambdas: built-in ARNs and user-registered handlers.

Built-in ARNs (spec §2.1-§2.3) run gtemu's own implementation; any other ARN runs the Python
handler registered for it with `register_lambda(arn, handler)`, called as AWS would call the
function: `handler(event, context)` with the documented events (spec §2.5, §2.6), else the
function of that ARN created through the Lambda API (`emulator.lambda_functions`). A handler or
function that raises or times out fails the job with AWS's reason (`LambdaInvocationFailed`).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EVENT_VERSION = "2018-10-06"  # OP-LAM-1

BUILTIN_ACCOUNTS = {
    "us-east-1": "432418664414",
    "us-east-2": "266458841044",
    "us-west-2": "081040173940",
    "ca-central-1": "918755190332",
    "eu-west-1": "568282634449",
    "eu-west-2": "487402164563",
    "eu-central-1": "203001061592",
    "ap-northeast-1": "477331159723",
    "ap-northeast-2": "845288260483",
    "ap-south-1": "565803892007",
    "ap-southeast-1": "377565633583",
    "ap-southeast-2": "454466003867",
    "us-iso-east-1": "403361949736",
    "us-isob-east-1": "492044955883",
}

BUILTIN_TASK_TYPES = (
    "BoundingBox",
    "ImageMultiClass",
    "ImageMultiClassMultiLabel",
    "SemanticSegmentation",
    "TextMultiClass",
    "TextMultiClassMultiLabel",
    "NamedEntityRecognition",
    "VideoMultiClass",
    "VideoObjectDetection",
    "VideoObjectTracking",
    "3DPointCloudObjectDetection",
    "3DPointCloudObjectTracking",
    "3DPointCloudSemanticSegmentation",
    "VerificationBoundingBox",
    "AdjustmentBoundingBox",
    "VerificationSemanticSegmentation",
    "AdjustmentSemanticSegmentation",
    "AdjustmentVideoObjectDetection",
    "AdjustmentVideoObjectTracking",
    "Adjustment3DPointCloudObjectDetection",
    "Adjustment3DPointCloudObjectTracking",
    "Adjustment3DPointCloudSemanticSegmentation",
    "PassThrough",
)
MULTI_LABEL_TYPES = ("ImageMultiClassMultiLabel", "TextMultiClassMultiLabel")
SINGLE_LABEL_TYPES = ("ImageMultiClass", "TextMultiClass")
CLASSIFICATION_TYPES = MULTI_LABEL_TYPES + SINGLE_LABEL_TYPES
IMAGE_TYPES = ("ImageMultiClassMultiLabel", "ImageMultiClass")
SUPPORTED_TASK_TYPES = (*CLASSIFICATION_TYPES, "PassThrough", "Custom")
CUSTOM = "Custom"

_ARN = re.compile(
    r"^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:(PRE|ACS)-([A-Za-z0-9]+)$"
)

Handler = Callable[[dict, Any], Any]

_handlers: dict[str, Handler] = {}
_handlers_lock = threading.Lock()


@dataclass(frozen=True)
class BuiltinLambda:
    """A recognised built-in ARN: its region, kind (`PRE`/`ACS`) and task type."""

    arn: str
    region: str
    kind: str
    task_type: str


def parse_builtin(arn: str | None) -> BuiltinLambda | None:
    """The built-in function an ARN names (spec §2.4 step 1), or None for a custom ARN."""
    if not arn:
        return None
    match = _ARN.match(arn)
    if match is None:
        return None
    _, region, account, kind, task_type = match.groups()
    if BUILTIN_ACCOUNTS.get(region) != account or task_type not in BUILTIN_TASK_TYPES:
        return None
    return BuiltinLambda(arn, region, kind, task_type)


def task_type_of(pre_arn: str | None, acs_arn: str | None) -> str:
    """The job's task type: the built-in type of the ACS ARN, else of the PRE ARN, else
    `Custom` (spec §2.4 step 3)."""
    for arn in (acs_arn, pre_arn):
        builtin = parse_builtin(arn)
        if builtin is not None:
            return builtin.task_type
    return CUSTOM


def register_lambda(arn: str, handler: Handler) -> None:
    """Serve the Lambda function `arn` with `handler(event, context)` in this process.

    Used for custom pre-annotation and consolidation functions. Registering a built-in ARN
    replaces gtemu's implementation for that ARN.
    """
    if not callable(handler):
        raise TypeError("handler must be callable as handler(event, context)")
    with _handlers_lock:
        _handlers[arn] = handler


def unregister_lambda(arn: str) -> None:
    with _handlers_lock:
        _handlers.pop(arn, None)


def registered_handler(arn: str) -> Handler | None:
    with _handlers_lock:
        return _handlers.get(arn)


class LambdaContext:
    """The `context` argument a handler receives: the attributes handlers commonly read."""

    def __init__(self, arn: str) -> None:
        self.invoked_function_arn = arn
        self.function_name = arn.rsplit(":", 1)[-1]
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 128
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = self.aws_request_id

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


class LambdaInvocationFailed(Exception):
    """The function raised or timed out: the job fails with AWS's reason (`.reason`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def invocation_failure_reason(function_arn: str, role_arn: str) -> str:
    """The FailureReason AWS gives a job whose Lambda raised or timed out."""
    return (
        f"ClientError: Exception invoking the Lambda function {function_arn}. LambdaErrorCode: "
        f"Unhandled. Ensure the Lambda function exists, that the role {role_arn} has "
        "permissions to invoke it and try your request again."
    )


def is_invocable(arn: str) -> bool:
    """Whether `arn` has a handler registered in this process or names a function created
    through the Lambda API."""
    from emulator import lambda_functions

    return registered_handler(arn) is not None or lambda_functions.find_function(arn) is not None


def invoke(arn: str, event: dict[str, Any], *, role_arn: str = "") -> Any:
    """Call the handler registered for `arn`, else the Lambda-API function `arn` names.

    A handler or function that raises or times out — or that no longer exists (deleted after
    the job started) — raises LambdaInvocationFailed with AWS's reason."""
    from emulator import lambda_functions

    handler = registered_handler(arn)
    function = None if handler is not None else lambda_functions.find_function(arn)
    if handler is None and function is None:
        raise LambdaInvocationFailed(invocation_failure_reason(arn, role_arn))
    try:
        if handler is not None:
            return handler(event, LambdaContext(arn))
        return lambda_functions.invoke_function(function, event)
    except Exception as error:  # a user's code may raise anything
        raise LambdaInvocationFailed(invocation_failure_reason(arn, role_arn)) from error


def builtin_pre_annotation(
    data_object: dict[str, Any], *, task_type: str, label_attribute_name: str, labels: list[str]
) -> dict[str, Any]:
    """`PRE-ImageMultiClass[MultiLabel]` and the `Text…` variants (spec §2.7).

    A line that already carries the label attribute (chaining) needs no human annotation.
    """
    if label_attribute_name in data_object:
        return {"taskInput": None, "isHumanAnnotationRequired": False}
    source_key = "source-ref" if task_type in IMAGE_TYPES else "source"
    return {
        "taskInput": {"taskObject": data_object.get(source_key), "labels": list(labels)},
        "isHumanAnnotationRequired": True,
    }


def pre_annotation_event(job_arn: str, data_object: dict[str, Any]) -> dict[str, Any]:
    """The pre-annotation request (spec §2.5)."""
    return {"version": EVENT_VERSION, "labelingJobArn": job_arn, "dataObject": data_object}


def consolidation_event(
    *,
    job_arn: str,
    label_categories: list[str] | None,
    label_attribute_name: str,
    role_arn: str,
    payload_uri: str,
    output_config: str,
    workers_per_object: int,
) -> dict[str, Any]:
    """The post-annotation request (spec §2.6), members in the documented order."""
    event: dict[str, Any] = {"version": EVENT_VERSION, "labelingJobArn": job_arn}
    if label_categories is not None:
        event["labelCategories"] = list(label_categories)
    event.update(
        labelAttributeName=label_attribute_name,
        roleArn=role_arn,
        payload={"s3Uri": payload_uri},
        outputConfig=output_config,
        maxHumanWorkersPerDataObject=workers_per_object,
    )
    return event


def human_annotation_required(response: dict[str, Any]) -> bool:
    """`isHumanAnnotationRequired`: a boolean or "true"/"false"; default true (OP-LAM-2).

    ValueError for any other value.
    """
    value = response.get("isHumanAnnotationRequired", True)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"isHumanAnnotationRequired must be a boolean, got {value!r}")
