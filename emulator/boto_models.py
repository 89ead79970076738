"""One parsed copy of AWS's service models per process, for every botocore session.

moto's `mock_aws()` starts each test with a new default boto3 session, and a new botocore
session reads and parses the service models again: SageMaker's model alone is megabytes of
JSON, so the first client of every test cost 0.3–1.5 s on a 2-core machine. botocore already
keeps what it parsed per *loader*; `share_service_models()` makes every session created
afterwards use one loader per data path, so the models are read once per process. The models
are read-only data (clients of one session already share them), so sharing them across
sessions changes no behaviour; credentials, regions and configuration stay per session.

The gtemu pytest plugin calls it when pytest starts (see docs/engine.md#fast-clients-in-tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import botocore.loaders
import botocore.session

_create_loader: Callable[[str | None], Any] = botocore.loaders.create_loader
_loaders: dict[str | None, Any] = {}
_lock = threading.Lock()


def _shared_loader(search_path_string: str | None = None) -> Any:
    # Keyed by the data path (AWS_DATA_PATH / `data_path`), so a session that asks for other
    # model files still gets them.
    with _lock:
        loader = _loaders.get(search_path_string)
        if loader is None:
            loader = _loaders[search_path_string] = _create_loader(search_path_string)
        return loader


def share_service_models() -> None:
    """From now on, botocore sessions of this process share parsed service models."""
    botocore.session.create_loader = _shared_loader


def sharing_service_models() -> bool:
    return botocore.session.create_loader is _shared_loader
