"""Labeling-job status events on moto's EventBridge, and messages to moto's SNS topics.

Ground Truth sends an event to EventBridge when a labeling job's status changes to
`Completed`, `Failed` or `Stopped` (docs/streaming.md, "Job status events"):

    {"source": "aws.sagemaker",
     "detail-type": "SageMaker Ground Truth Labeling Job State Change",
     "resources": ["arn:aws:sagemaker:<region>:<account>:labeling-job/<name>"],
     "detail": {"LabelingJobStatus": "Completed"}}

The event goes onto the account's default bus of moto's `events` backend and reaches every
enabled rule whose pattern matches it. moto 5 delivers rule targets of its own kinds (SQS
queues, log groups, archives, other buses); it raises for SNS topics and Lambda functions,
so those two are delivered here: an SNS target is published to moto's SNS topic, a Lambda
target runs the Python handler registered with `emulator.lambdas.register_lambda`.
It gets moto's SNS, SQS and EventBridge backends from `emulator.moto_adapter` and calls their
model methods (which `tests/test_moto_canary.py` checks).
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import datetime
from typing import Any

from emulator import lambdas, moto_adapter

logger = logging.getLogger(__name__)

EVENT_SOURCE = "aws.sagemaker"
STATE_CHANGE = "SageMaker Ground Truth Labeling Job State Change"
# The statuses AWS documents an event for.
EVENT_STATUSES = ("Completed", "Failed", "Stopped")


def job_status_event(job: Any) -> dict[str, Any]:
    """The `detail` of the state-change event of `job` (a `LabelingJob`)."""
    return {"LabelingJobStatus": job.status}


def publish_status_change(job: Any, moment: datetime) -> None:
    """Put the state-change event of `job` on its account's default bus, if AWS sends one
    for its (new) status. Delivery problems are logged, never raised: a job's status does
    not depend on who listens."""
    if job.status not in EVENT_STATUSES:
        return
    try:
        put_event(
            job.account_id,
            job.region,
            source=EVENT_SOURCE,
            detail_type=STATE_CHANGE,
            detail=job_status_event(job),
            resources=[job.arn],
            moment=moment,
        )
    except Exception:  # a broken rule or target must not break the job
        logger.exception("could not deliver the %s event of labeling job %s", job.status, job.name)


def put_event(
    account_id: str,
    region: str,
    *,
    source: str,
    detail_type: str,
    detail: dict[str, Any],
    resources: list[str],
    moment: datetime,
) -> str:
    """Deliver one event on the default bus of moto's EventBridge; returns its id."""
    event_id = moto_adapter.random_uuid()  # seeded per change under --state-dir
    event = {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": source,
        "account": account_id,
        # moto's SQS delivery turns a Unix time into the ISO form EventBridge writes.
        "time": moment.timestamp(),
        "region": region,
        "resources": list(resources),
        "detail": detail,
        # moto's own delivery reads this (its events carry it); dropped for SNS and Lambda.
        "ingestion-time": moment.timestamp(),
    }
    for rule, target in moto_adapter.matching_targets(account_id, region, event):
        _deliver(rule, target, copy.deepcopy(event))
    return event_id


def _deliver(rule: Any, target: dict[str, Any], event: dict[str, Any]) -> None:
    arn: str = target["Arn"]
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    if service not in ("sns", "lambda"):
        moto_adapter.deliver_to_target(rule, target, event)
        return
    event["time"] = moto_adapter.event_time(event["time"])
    payload: Any = {k: v for k, v in event.items() if k != "ingestion-time"}  # the whole event
    transformer = target.get("InputTransformer")
    if transformer:
        payload = moto_adapter.transform_event_input(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,
        )
    elif "Input" in target:
        payload = json.loads(target["Input"])
    if service == "sns":
        publish(arn, payload if isinstance(payload, str) else json.dumps(payload))
        return
    handler = lambdas.registered_handler(arn)
    if handler is None:
        logger.warning("EventBridge rule %s: no handler is registered for Lambda %s; the "
                       "event was not delivered", rule.name, arn)
        return
    handler(payload, lambdas.LambdaContext(arn))


# -- SNS and SQS -------------------------------------------------------------------------------


def _arn_parts(arn: str) -> tuple[str, str, str]:
    """(region, account, resource) of an ARN; ValueError if it is not one."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn}")
    return parts[3], parts[4], parts[5]


def sns_backend(topic_arn: str) -> Any:
    region, account, _ = _arn_parts(topic_arn)
    return moto_adapter.sns_backend(account, region)


def topic_exists(topic_arn: str) -> bool:
    try:
        sns_backend(topic_arn).get_topic(topic_arn)
    except Exception:
        return False
    return True


def publish(topic_arn: str, message: str) -> str:
    """Publish `message` to moto's SNS topic (which delivers to its subscriptions)."""
    return sns_backend(topic_arn).publish(message, arn=topic_arn)


def sqs_backend(account_id: str, region: str) -> Any:
    return moto_adapter.sqs_backend(account_id, region)
