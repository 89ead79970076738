"""The post-annotation (consolidation) Lambda handler (spec §2.6).

Deploy the `consolidation` package as the custom annotation-consolidation Lambda of a real
labeling job with the handler `consolidation.lambda_handler`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from consolidation.acs import builtin_consolidation
from consolidation.answers import AnswerFormatError, answer_content

# Optional override of the task type, which is otherwise read from the answers themselves.
TASK_TYPE_VARIABLE = "GTEMU_TASK_TYPE"


def lambda_handler(event: dict[str, Any], context: Any = None) -> list[dict[str, Any]]:
    """Read the batch at `event["payload"]["s3Uri"]` and return the consolidated annotations.

    The fit sees only this batch (OP-CON-1). Multi- or single-label is recognised from the
    answers (`labels` or `label`), image or text from `dataObject` (`s3Uri` or `content`);
    the `GTEMU_TASK_TYPE` environment variable (e.g. `ImageMultiClass`) overrides it.
    """
    items = read_payload(event["payload"]["s3Uri"])
    return builtin_consolidation(
        os.environ.get(TASK_TYPE_VARIABLE) or infer_task_type(items),
        items,
        label_categories=event.get("labelCategories") or [],
        label_attribute_name=event["labelAttributeName"],
        job_name=event["labelingJobArn"].rsplit("/", 1)[-1],
        workers_per_object=event.get("maxHumanWorkersPerDataObject"),
        now=datetime.now(timezone.utc),
    )


def infer_task_type(items: Sequence[Mapping[str, Any]]) -> str:
    """`…MultiClassMultiLabel` when answers hold `labels`, `…MultiClass` for `label`."""
    text = any("content" in (item.get("dataObject") or {}) for item in items)
    prefix = "Text" if text else "Image"
    for item in items:
        for annotation in item.get("annotations") or []:
            try:
                content = answer_content(annotation)
            except AnswerFormatError:
                continue
            for value in content.values():
                if isinstance(value, Mapping) and "labels" in value:
                    return f"{prefix}MultiClassMultiLabel"
                if isinstance(value, Mapping) and "label" in value:
                    return f"{prefix}MultiClass"
    return f"{prefix}MultiClassMultiLabel"


def read_payload(s3_uri: str) -> list[dict[str, Any]]:
    """The payload file (a JSON array) at an `s3://bucket/key` URI, read with boto3."""
    import boto3  # imported here: the estimators and `gtemu consolidate` do not need it

    bucket, _, key = s3_uri.removeprefix("s3://").partition("/")
    body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return json.loads(body)
