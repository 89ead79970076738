"""pytest plugin (entry point `pytest11`): every `mock_aws` gets the Ground Truth operations,
the `groundtruth` fixture gives a ready emulator inside `mock_aws`, and boto3 clients are
quick to make in every test (docs/engine.md#fast-clients-in-tests)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

import emulator  # noqa: F401  (registers the operations with moto)
from emulator.boto_models import share_service_models

if TYPE_CHECKING:
    from emulator.testing import GroundTruth


def pytest_configure(config: pytest.Config) -> None:
    share_service_models()


@pytest.fixture
def groundtruth() -> Iterator[GroundTruth]:
    """A Ground Truth emulator inside `moto.mock_aws`, on a virtual clock, region us-east-1."""
    from emulator.testing import groundtruth_session

    with groundtruth_session(region_name="us-east-1") as gt:
        yield gt
