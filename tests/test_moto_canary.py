"""Canary for a moto upgrade: everything `emulator/moto_adapter.py` relies on is still there.

Each check names the moto object it needs, so a failure after `pip install -U moto` says
exactly what moved; fix `emulator/moto_adapter.py` (and only it), then widen the moto range in
pyproject.toml.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import time
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

# (module, attribute) pairs the adapter imports or reaches into.
REQUIRED = [
    ("moto.awslambda.models", "lambda_backends"),
    ("moto.backends", "get_backend"),
    ("moto.core", "DEFAULT_ACCOUNT_ID"),
    ("moto.core.base_backend", "BackendDict"),
    ("moto.core.exceptions", "ServiceException"),
    ("moto.core.responses", "ActionResult"),
    ("moto.core.responses", "EmptyResult"),
    ("moto.core.utils", "camelcase_to_underscores"),
    ("moto.core.utils", "iso_8601_datetime_without_milliseconds"),
    ("moto.core.utils", "utcfromtimestamp"),
    ("moto.events.models", "events_backends"),
    ("moto.events.utils", "EventTemplateParser"),
    ("moto.sns.models", "sns_backends"),
    ("moto.sqs.models", "sqs_backends"),
    ("moto.logs.models", "logs_backends"),
    ("moto.moto_api._internal", "mock_random"),
    ("moto.moto_api._internal.models", "moto_api_backend"),
    ("moto.moto_server.werkzeug_app", "DomainDispatcherApplication"),
    ("moto.moto_server.werkzeug_app", "create_backend_app"),
    ("moto.s3.models", "FakeKey"),
    ("moto.s3.models", "s3_backends"),
    ("moto.sagemaker.models", "sagemaker_backends"),
    ("moto.sagemaker.responses", "SageMakerResponse"),
]


@pytest.mark.parametrize(("module", "attribute"), REQUIRED,
                         ids=[f"{m}.{a}" for m, a in REQUIRED])
def test_moto_still_has_what_the_adapter_imports(module: str, attribute: str) -> None:
    try:
        found = importlib.import_module(module)
    except ImportError as error:
        pytest.fail(f"moto moved the module {module} (emulator/moto_adapter.py imports "
                    f"{attribute} from it): {error}")
    assert hasattr(found, attribute), (
        f"moto no longer has {module}.{attribute}, which emulator/moto_adapter.py uses")


def test_every_moto_import_of_the_adapter_is_checked_above() -> None:
    # The adapter imports costly moto modules (Lambda) inside the functions that use them, so
    # that `import emulator` stays fast; those imports run only when used, so the list above
    # must name each of them for this canary to catch a move before a user does.
    source = Path(__file__).parents[1] / "emulator" / "moto_adapter.py"
    imported = {
        (node.module, alias.name)
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "moto"
        for alias in node.names
    }
    assert imported, "found no moto imports in emulator/moto_adapter.py"
    assert imported <= set(REQUIRED), (
        f"emulator/moto_adapter.py imports {sorted(imported - set(REQUIRED))} from moto; add "
        "them to REQUIRED")


def test_registration_waits_for_the_module_that_defines_sagemaker_response() -> None:
    # `import emulator` registers when this module is first imported; were SageMakerResponse to
    # move, registration would wait for a module moto never loads.
    from moto.sagemaker.responses import SageMakerResponse

    from emulator.registration import SAGEMAKER_RESPONSES

    assert SageMakerResponse.__module__ == SAGEMAKER_RESPONSES, (
        f"moto now defines SageMakerResponse in {SageMakerResponse.__module__}; point "
        "emulator/registration.py (SAGEMAKER_RESPONSES) at it")


def test_s3_objects_still_keep_their_bytes_where_the_adapter_reads_them() -> None:
    # moto_adapter.request_body_in_file wraps FakeKey.value's setter and swaps the object's
    # `_value_buffer`; snapshots read that buffer and restore it.
    from moto.s3.models import FakeKey

    assert isinstance(FakeKey.value, property) and FakeKey.value.fset is not None, (
        "moto's FakeKey.value is no longer a property with a setter; emulator/moto_adapter.py "
        "(_adopt_known_bodies) wraps that setter")
    key = FakeKey("canary", b"hello", "123456789012", "us-east-1")
    for name in ("_value_buffer", "contentsize", "_etag", "_max_buffer_size", "lock"):
        assert name in key.__dict__, (
            f"moto's FakeKey no longer keeps {name}; emulator/moto_adapter.py reads or sets it")
    assert key.size == key.contentsize == 5, "FakeKey.size no longer reads contentsize"
    key._value_buffer.seek(0)
    assert key._value_buffer.read() == key.value == b"hello", (
        "FakeKey.value no longer reads its _value_buffer")


def test_backend_dicts_are_registered_with_service_names() -> None:
    from moto.core.base_backend import BackendDict

    assert isinstance(getattr(BackendDict, "_instances", None), list), (
        "moto's BackendDict._instances (every service's registry, used by durable snapshots "
        "and restores) is gone or no longer a list")
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").list_buckets()
        from moto.s3.models import s3_backends

        assert s3_backends in BackendDict._instances, (
            "moto no longer lists s3_backends in BackendDict._instances")
        assert s3_backends.service_name == "s3", "BackendDict.service_name changed"


def test_sagemaker_response_dispatch_points_exist() -> None:
    from moto.sagemaker.responses import SageMakerResponse

    for name in ("parse_parameters", "_get_action", "add_tags", "list_tags", "delete_tags"):
        assert callable(getattr(SageMakerResponse, name, None)), (
            f"moto's SageMakerResponse.{name} is gone; emulator/moto_adapter.py "
            "(add_sagemaker_operations) patches or wraps it")
    parameters = list(inspect.signature(SageMakerResponse.parse_parameters).parameters)
    assert parameters[:2] == ["self", "request"], (
        f"SageMakerResponse.parse_parameters now takes {parameters}; the adapter's wrapper "
        "passes (self, request)")


def test_backends_the_adapter_reads_have_the_expected_members() -> None:
    from emulator import moto_adapter

    with mock_aws():
        account = moto_adapter.DEFAULT_ACCOUNT_ID
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="canary")
        s3.put_object(Bucket="canary", Key="a/b.txt", Body=b"hello")
        backend = moto_adapter.s3_backend(account)
        assert hasattr(backend, "buckets"), "moto's S3Backend has no .buckets"
        assert hasattr(backend.buckets["canary"], "keys"), "moto's FakeBucket has no .keys"
        stored = moto_adapter.s3_object(account, "canary", "a/b.txt")
        assert stored is not None, "moto_adapter.s3_object no longer finds an object"
        for member in ("value", "size", "last_modified", "etag", "metadata"):
            assert hasattr(stored, member), f"moto's FakeKey has no .{member}"
        assert [key for key, _ in moto_adapter.s3_objects(account, "canary", "a/")] == ["a/b.txt"]

        moto_adapter.put_log_events(account, "us-east-1", "/aws/lambda/canary", "stream",
                                    [{"timestamp": int(time.time() * 1000), "message": "hi"}])
        logs = boto3.client("logs", region_name="us-east-1")
        events = logs.get_log_events(logGroupName="/aws/lambda/canary",
                                     logStreamName="stream")["events"]
        assert [e["message"] for e in events] == ["hi"], "moto's logs backend API changed"

        assert moto_adapter.lambda_function(account, "us-east-1", "missing", None) is None
        states = moto_adapter.gtemu_states(account, "us-east-1", create=True)
        assert states == {}, "moto's SageMaker backend no longer keeps attributes set on it"
        assert moto_adapter.gtemu_states(account, "us-east-1", create=False) is states
        moto_adapter.seed_random("canary")
        moto_adapter.reset_backends()
        assert moto_adapter.s3_object(account, "canary", "a/b.txt") is None, (
            "moto_api_backend.reset() no longer empties the backends")


def test_the_operations_are_installed_on_sagemaker_response() -> None:
    from moto.sagemaker.responses import SageMakerResponse

    import emulator  # noqa: F401  (installs the operations)
    from emulator.api import OPERATIONS
    from emulator.api.responses import GroundTruthResponse
    from emulator.moto_adapter import method_name

    for operation in OPERATIONS:
        name = method_name(operation)
        assert getattr(SageMakerResponse, name) is getattr(GroundTruthResponse, name), (
            f"{operation} is not dispatched to gtemu: moto's method naming changed")


# Model methods and attributes of moto's backends that gtemu calls on the objects the adapter
# hands out (emulator/jobs/s3.py, emulator/events.py, emulator/jobs/streaming.py).
BACKEND_MEMBERS = [
    ("moto.s3.models", "S3Backend", ("get_object", "get_bucket", "put_object")),
    ("moto.events.models", "EventsBackend", ("describe_event_bus",)),
    ("moto.events.models", "Rule", ("send_to_targets",)),
    ("moto.events.models", "EventPattern", ("matches_event",)),
    ("moto.sns.models", "SNSBackend", ("get_topic", "publish", "subscribe", "unsubscribe")),
    ("moto.sqs.models", "SQSBackend", ("create_queue", "get_queue", "receive_message",
                                       "delete_message")),
    ("moto.sqs.models", "Queue", ("approximate_number_of_messages",)),
    ("moto.logs.models", "LogsBackend", ("create_log_group", "create_log_stream",
                                         "put_log_events")),
    ("moto.awslambda.models", "LambdaBackend", ("get_function",)),
]


@pytest.mark.parametrize(("module", "class_name", "members"), BACKEND_MEMBERS,
                         ids=[f"{m}.{c}" for m, c, _ in BACKEND_MEMBERS])
def test_backend_classes_keep_the_members_gtemu_calls(module: str, class_name: str,
                                                      members: tuple[str, ...]) -> None:
    cls = getattr(importlib.import_module(module), class_name, None)
    assert cls is not None, f"moto no longer has {module}.{class_name}"
    for member in members:
        assert hasattr(cls, member), f"moto's {module}.{class_name} has no {member} any more"
