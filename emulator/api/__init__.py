"""SageMaker Ground Truth operations added to moto's SageMaker service.

moto dispatches a SageMaker request to the `SageMakerResponse` method named after the
operation (`CreateLabelingJob` -> `create_labeling_job`), looking the methods up at call time.
`register()` installs ours on that class, so every `mock_aws()` and moto's server answer them.
"""

from __future__ import annotations

from typing import Any

from moto.sagemaker.responses import SageMakerResponse

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
_MARK = "_gtemu_registered"


def _method_name(operation: str) -> str:
    from moto.core.utils import camelcase_to_underscores

    return camelcase_to_underscores(operation)


def register() -> None:
    """Install the operations on moto's `SageMakerResponse` (idempotent)."""
    if getattr(SageMakerResponse, _MARK, False):
        return
    for operation in SHARED_OPERATIONS:
        name = _method_name(operation)
        setattr(SageMakerResponse, f"_moto_{name}", getattr(SageMakerResponse, name))
    for name in _HELPERS:
        setattr(SageMakerResponse, name, getattr(GroundTruthResponse, name))
    for operation in OPERATIONS + SHARED_OPERATIONS:
        name = _method_name(operation)
        setattr(SageMakerResponse, name, getattr(GroundTruthResponse, name))
    _tolerate_unparsable_requests()
    setattr(SageMakerResponse, _MARK, True)


def _tolerate_unparsable_requests() -> None:
    """Let our operations report badly typed members as validation errors.

    moto parses the request before dispatching it; a member of the wrong JSON type (say, a
    string for an integer sent over HTTP) makes that parse fail with a server error. For our
    operations the parse is deferred: the model-driven validation then reports the member.
    """
    original = SageMakerResponse.parse_parameters
    ours = {*OPERATIONS, *SHARED_OPERATIONS}

    def parse_parameters(self: Any, request: Any) -> None:
        try:
            original(self, request)
        except Exception:
            if self._get_action() not in ours:
                raise
            self.params = {}

    SageMakerResponse.parse_parameters = parse_parameters  # type: ignore[method-assign]
