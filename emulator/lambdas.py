"""Pre-annotation and consolidation Lambdas: built-in ARNs and user-registered handlers.

Built-in ARNs (docs/tasktypes.md#how-a-jobs-type-is-found) run gtemu's own implementation; any other
ARN runs the Python handler registered for it with `register_lambda(arn, handler)`, called as AWS
would call the function: `handler(event, context)` with the documented events
(docs/engine.md#lambda-events), else the function of that ARN created through the Lambda API
(`emulator.lambda_functions`). A handler or function that raises or times out fails the job with
AWS's reason (`LambdaInvocationFailed`).
"""

from __future__ import annotations

import uuid
from typing import Any

from consolidation.serialization import dumps
from emulator import runtime, tasktypes

EVENT_VERSION = "2018-10-06"  # docs/engine.md#lambda-events

# The built-in ARNs are the task-type catalogue's; these names stay for existing callers.
BUILTIN_ACCOUNTS = tasktypes.BUILTIN_ACCOUNTS
BUILTIN_TASK_TYPES = tasktypes.AWS_TASK_TYPES
CUSTOM = tasktypes.CUSTOM
BuiltinLambda = tasktypes.BuiltinLambda
parse_builtin = tasktypes.parse_builtin
task_type_of = tasktypes.task_type_name

Handler = runtime.Handler


def register_lambda(arn: str, handler: Handler) -> None:
    """Serve the Lambda function `arn` with `handler(event, context)` in the current gtemu
    instance (`emulator.runtime.current()`: the `groundtruth` fixture's, a server's).

    Used for custom pre-annotation and consolidation functions. Registering a built-in ARN
    replaces gtemu's implementation for that ARN.
    """
    runtime.current().lambdas.register(arn, handler)


def unregister_lambda(arn: str) -> None:
    runtime.current().lambdas.unregister(arn)


def registered_handler(arn: str) -> Handler | None:
    """The current instance's handler for `arn`, else one registered outside any instance."""
    return runtime.current().lambda_handler(arn)


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
    """Whether `arn` has a handler registered in this gtemu instance or names a function created
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


def pre_annotation_event(job_arn: str, data_object: dict[str, Any]) -> dict[str, Any]:
    """The pre-annotation request (docs/engine.md#the-pre-annotation-event)."""
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
    """The post-annotation request (docs/engine.md#the-post-annotation-event), members in the
    documented order."""
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
    """`isHumanAnnotationRequired`: a boolean or "true"/"false"; default true
    (docs/engine.md#the-pre-annotation-event).

    ValueError for any other value.
    """
    value = response.get("isHumanAnnotationRequired", True)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"isHumanAnnotationRequired must be a boolean, got {value!r}")


def pre_annotation_reply(response: Any) -> tuple[Any, bool]:
    """`(taskInput, isHumanAnnotationRequired)` of a pre-annotation function's response.

    The engine and lint both read replies with this, so that they agree on when an object
    goes to a human. ValueError (with the reason) for a malformed reply.
    """
    if not isinstance(response, dict):
        raise ValueError(f"the response is not a JSON object: {response!r:.200}")
    if "taskInput" not in response:
        raise ValueError('the response has no "taskInput"')
    dumps(response["taskInput"])  # must be JSON
    return response["taskInput"], human_annotation_required(response)


def acs_results(response: Any) -> dict[str, dict[str, Any]]:
    """ACS response elements by `datasetObjectId`; ValueError if malformed
    (docs/engine.md#the-post-annotation-event)."""
    if not isinstance(response, list):
        raise ValueError("the response is not a JSON array")
    dumps(response)  # must be JSON, as it is written verbatim
    results: dict[str, dict[str, Any]] = {}
    for element in response:
        annotation = element.get("consolidatedAnnotation") if isinstance(element, dict) else None
        content = annotation.get("content") if isinstance(annotation, dict) else None
        if not isinstance(content, dict) or "datasetObjectId" not in element:
            raise ValueError(
                'each element needs "datasetObjectId" and an object '
                '"consolidatedAnnotation.content"'
            )
        results[str(element["datasetObjectId"])] = content
    return results


def describe_error(error: Exception) -> str:
    if isinstance(error, ValueError) and type(error) is ValueError:
        return str(error)
    return f"{type(error).__name__}: {error}"
