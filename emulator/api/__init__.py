"""SageMaker Ground Truth operations added to moto's SageMaker service.

moto dispatches a SageMaker request to the `SageMakerResponse` method named after the
operation (`CreateLabelingJob` -> `create_labeling_job`), looking the methods up at call time.
`register()` installs ours on that class, so every `mock_aws()` and moto's server answer them.
"""

from __future__ import annotations

from emulator import moto_adapter
from emulator.api.responses import GroundTruthResponse

OPERATIONS = (
    "CreateLabelingJob",
    "DescribeLabelingJob",
    "ListLabelingJobs",
    "StopLabelingJob",
    "ListLabelingJobsForWorkteam",
    "CreateWorkteam",
    "DescribeWorkteam",
    "ListWorkteams",
    "UpdateWorkteam",
    "DeleteWorkteam",
    "CreateWorkforce",
    "DescribeWorkforce",
    "ListWorkforces",
    "UpdateWorkforce",
    "DeleteWorkforce",
    "CreateHumanTaskUi",
    "DescribeHumanTaskUi",
    "ListHumanTaskUis",
    "DeleteHumanTaskUi",
    "RenderUiTemplate",
)
# moto implements these for its own resources; ours take our ARNs and hand the rest back.
SHARED_OPERATIONS = ("AddTags", "ListTags", "DeleteTags")

_HELPERS = (
    "_gt_operation",
    "_gt_request",
    "_gt_state",
    "_gt_job_arn",
    "_gt_check_resource",
    "_gt_list_named",
)


def register() -> None:
    """Install the operations on moto's `SageMakerResponse` (idempotent)."""
    moto_adapter.add_sagemaker_operations(GroundTruthResponse, OPERATIONS, SHARED_OPERATIONS,
                                          _HELPERS)
