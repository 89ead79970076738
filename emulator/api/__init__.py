"""SageMaker Ground Truth operations added to moto's SageMaker service."""


def register() -> None:
    """Add the operations to moto (idempotent). Placeholder until the API lands."""
