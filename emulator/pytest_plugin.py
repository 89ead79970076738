"""pytest plugin (entry point `pytest11`): every `mock_aws` gets the Ground Truth operations,
and the `groundtruth` fixture gives a ready emulator inside `mock_aws`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

import emulator  # noqa: F401  (registers the operations with moto)

if TYPE_CHECKING:
    from emulator.testing import GroundTruth


@pytest.fixture
def groundtruth() -> Iterator[GroundTruth]:
    """A Ground Truth emulator inside `moto.mock_aws`, on a virtual clock, region us-east-1."""
    from emulator.testing import groundtruth_session

    with groundtruth_session(region_name="us-east-1") as gt:
        yield gt
