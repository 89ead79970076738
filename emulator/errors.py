"""AWS errors of the SageMaker operations gtemu adds, with the codes and texts of
docs/api.md#error-texts.

Each is a moto `ServiceException`: raised inside a moto response method, moto serialises it
as AWS's JSON error (HTTP 400, `__type` = code, `Message`), and botocore raises a
`ClientError` with that code.
"""

from __future__ import annotations

from emulator.moto_adapter import ServiceException


class SageMakerError(ServiceException):
    """Base class: an AWS error with a code and one message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class ValidationException(SageMakerError):
    code = "ValidationException"


class ResourceNotFound(SageMakerError):
    code = "ResourceNotFound"


class ResourceInUse(SageMakerError):
    code = "ResourceInUse"


class ResourceLimitExceeded(SageMakerError):
    code = "ResourceLimitExceeded"


class ConflictException(SageMakerError):
    code = "ConflictException"


def invalid_pagination_token() -> ValidationException:
    return ValidationException("Invalid pagination token.")


def labeling_job_not_found(arn: str) -> ResourceNotFound:
    return ResourceNotFound(f"Could not find labeling job '{arn}'.")


def work_team_not_found_for_listing(arn: str) -> ResourceNotFound:
    return ResourceNotFound(f"Could not find work team '{arn}'.")


def human_task_ui_not_found(arn: str) -> ResourceNotFound:
    return ResourceNotFound(f"Could not find human task UI '{arn}'.")


def work_team_does_not_exist(name: str) -> ValidationException:
    return ValidationException(f"The work team '{name}' does not exist.")


def workforce_does_not_exist(name: str) -> ValidationException:
    return ValidationException(f"No workforce found with name '{name}'.")


def unknown_workteam_for_job(arn: str) -> ValidationException:
    return ValidationException(
        f"The specified Workteam '{arn}' does not exist or you do not have access to it."
    )
