"""The post-annotation (consolidation) Lambda handler (spec §2.6)."""

from __future__ import annotations

import json
import os
from typing import Any

from consolidation.acs import builtin_consolidation

# The handler does not know which built-in type it replaces; the deployer says so.
TASK_TYPE_VARIABLE = "GTEMU_TASK_TYPE"
DEFAULT_TASK_TYPE = "ImageMultiClassMultiLabel"


def lambda_handler(event: dict[str, Any], context: Any = None) -> list[dict[str, Any]]:
    """Read the batch at `event["payload"]["s3Uri"]` and return the consolidated annotations.

    The scope of the fit is the batch (OP-CON-1). The task type comes from the `GTEMU_TASK_TYPE`
    environment variable (default `ImageMultiClassMultiLabel`).
    """
    from datetime import datetime, timezone

    items = read_payload(event["payload"]["s3Uri"])
    return builtin_consolidation(
        os.environ.get(TASK_TYPE_VARIABLE, DEFAULT_TASK_TYPE),
        items,
        label_categories=event.get("labelCategories") or [],
        label_attribute_name=event["labelAttributeName"],
        job_name=event["labelingJobArn"].rsplit("/", 1)[-1],
        workers_per_object=event.get("maxHumanWorkersPerDataObject"),
        now=datetime.now(timezone.utc),
    )


def read_payload(s3_uri: str) -> list[dict[str, Any]]:
    """The payload file (a JSON array) at an `s3://bucket/key` URI, read with boto3."""
    import boto3

    bucket, _, key = s3_uri.removeprefix("s3://").partition("/")
    body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return json.loads(body)
