"""Lambda functions created through the Lambda API (moto's), run as a job's PRE/ACS Lambdas.

A custom labeling job may name functions that were created with `CreateFunction` (boto3, the
AWS CLI, a CloudFormation stack) on `gtemu serve`. gtemu runs them as AWS would, without a
container runtime: the function's zip (from moto's Lambda backend) is unpacked into a temporary
folder and its handler is called in a fresh Python subprocess, with the function's environment
variables and timeout, and with the AWS SDK inside pointed at gtemu itself (`AWS_ENDPOINT_URL`
and test credentials), so a consolidation function can read `payload.s3Uri`. What the function
prints goes to CloudWatch Logs (moto's) under `/aws/lambda/<name>`, as on AWS, and to the
server's console (stderr).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator import moto_adapter, runtime

_FUNCTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:"
    r"(?P<name>[A-Za-z0-9_-]+)(?::(?P<qualifier>[A-Za-z0-9$_-]+))?$"
)

# Runs inside the subprocess: imports the handler, calls it with the event and a context, and
# writes the result (or the error, as Lambda reports it) to the file named in argv[3].
_BOOTSTRAP = r"""
import importlib, json, sys, time, traceback
code_dir, handler_name, result_path = sys.argv[1:4]
deadline = float(sys.argv[4])
sys.path.insert(0, code_dir)
event = json.load(sys.stdin)
class Context:
    def __init__(self, meta):
        self.__dict__.update(meta)
    def get_remaining_time_in_millis(self):
        return max(0, int((deadline - time.time()) * 1000))
meta = json.loads(sys.argv[5])
def report(body, code):
    with open(result_path, "w", encoding="utf-8") as out:
        json.dump(body, out)
    sys.stdout.flush()
    sys.exit(code)
try:
    module_name, _, function_name = handler_name.rpartition(".")
    handler = getattr(importlib.import_module(module_name.replace("/", ".")), function_name)
    result = handler(event, Context(meta))
    body = json.dumps(result)
except BaseException as error:
    if isinstance(error, SystemExit) and error.code in (None, 0):
        error = RuntimeError("the handler exited")
    print("[ERROR] " + type(error).__name__ + ": " + str(error), flush=True)
    traceback.print_exc()
    report({"errorType": type(error).__name__, "errorMessage": str(error)}, 1)
with open(result_path, "w", encoding="utf-8") as out:
    out.write(body)
"""


class FunctionFailed(Exception):
    """The function raised, timed out or could not be run (AWS: `LambdaErrorCode: Unhandled`)."""


@dataclass(frozen=True)
class FunctionRef:
    arn: str
    region: str
    account: str
    name: str
    qualifier: str | None


def sdk_endpoint_url() -> str:
    """Where a function's AWS SDK is pointed: the current runtime's `lambda_endpoint_url`,
    which `gtemu serve` sets to its own endpoint for as long as it runs. Without a server
    (in-process `mock_aws`), functions still run, but nothing answers their AWS calls."""
    return runtime.current().lambda_endpoint_url or runtime.UNREACHABLE_ENDPOINT


def parse_function_arn(arn: str) -> FunctionRef | None:
    match = _FUNCTION_ARN.match(arn or "")
    if match is None:
        return None
    return FunctionRef(arn, match["region"], match["account"], match["name"], match["qualifier"])


def find_function(arn: str) -> Any | None:
    """moto's `LambdaFunction` for `arn`, or None when no such function was created."""
    ref = parse_function_arn(arn)
    if ref is None:
        return None
    return moto_adapter.lambda_function(ref.account, ref.region, ref.name, ref.qualifier)


def invoke_function(function: Any, event: dict[str, Any]) -> Any:
    """Run `function` (moto's `LambdaFunction`) with `event`; its JSON result.

    Raises FunctionFailed when the handler raises, runs past the function's timeout, or the
    function cannot run (a runtime other than Python, an unreadable zip).
    """
    runtime = str(function.run_time or "")
    if not runtime.startswith("python"):
        raise FunctionFailed(f"gtemu runs Python functions only; {function.function_name} "
                             f"uses runtime {runtime or 'none'}")
    request_id = str(uuid.uuid4())
    timeout = float(function.timeout or 3)
    with tempfile.TemporaryDirectory(prefix="gtemu-lambda-") as folder:
        code_dir = Path(folder) / "task"
        try:
            with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
                archive.extractall(code_dir)
        except (zipfile.BadZipFile, ValueError) as error:
            raise FunctionFailed(f"the function's zip cannot be read: {error}") from None
        result_path = Path(folder) / "result.json"
        started = time.time()
        meta = _context_meta(function, request_id, timeout)
        command = [sys.executable, "-I", "-c", _BOOTSTRAP, str(code_dir), function.handler,
                   str(result_path), str(started + timeout), json.dumps(meta)]
        timed_out = False
        try:
            completed = subprocess.run(
                command, input=json.dumps(event), capture_output=True, text=True,
                timeout=timeout, env=_environment(function), cwd=code_dir, check=False,
            )
            output, code = completed.stdout + completed.stderr, completed.returncode
        except subprocess.TimeoutExpired as expired:
            output = _text(expired.stdout) + _text(expired.stderr)
            code, timed_out = None, True
        elapsed = time.time() - started
        lines = output.splitlines()
        if timed_out:
            lines.append(f"{request_id} Task timed out after {timeout:.2f} seconds")
        _log(function, request_id, lines, elapsed)
        if timed_out:
            raise FunctionFailed(f"Task timed out after {timeout:.2f} seconds")
        if code != 0 or not result_path.exists():
            raise FunctionFailed(_error_message(result_path, code))
        try:
            return json.loads(result_path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise FunctionFailed(f"the function's result is not JSON: {error}") from None


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _error_message(result_path: Path, code: int | None) -> str:
    try:
        body = json.loads(result_path.read_text(encoding="utf-8"))
        return f"{body['errorType']}: {body['errorMessage']}"
    except (OSError, ValueError, KeyError, TypeError):
        return f"the function's process ended with code {code}"


def _context_meta(function: Any, request_id: str, timeout: float) -> dict[str, Any]:
    return {
        "function_name": function.function_name,
        "function_version": "$LATEST",
        "invoked_function_arn": function.function_arn,
        "memory_limit_in_mb": int(function.memory_size or 128),
        "aws_request_id": request_id,
        "log_group_name": f"/aws/lambda/{function.function_name}",
        "log_stream_name": request_id,
    }


def _environment(function: Any) -> dict[str, str]:
    """The function's variables, Lambda's own, and the SDK pointed at gtemu; nothing of the
    server's environment leaks in (no real credentials)."""
    endpoint = sdk_endpoint_url()
    environment = {str(k): str(v) for k, v in (function.environment_vars or {}).items()}
    environment.update(
        PATH=os.environ.get("PATH", "/usr/bin:/bin"),
        LANG="C.UTF-8",
        PYTHONIOENCODING="utf-8",
        PYTHONUNBUFFERED="1",
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_REGION=function.region,
        AWS_DEFAULT_REGION=function.region,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_LAMBDA_FUNCTION_NAME=function.function_name,
        AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(function.memory_size or 128),
        AWS_LAMBDA_LOG_GROUP_NAME=f"/aws/lambda/{function.function_name}",
        LAMBDA_TASK_ROOT=".",
        _HANDLER=str(function.handler),
    )
    return environment


def _log(function: Any, request_id: str, lines: list[str], elapsed: float) -> None:
    """CloudWatch Logs (moto's) under `/aws/lambda/<name>`, and the server's console."""
    name = function.function_name
    framed = [
        f"START RequestId: {request_id} Version: $LATEST",
        *lines,
        f"END RequestId: {request_id}",
        f"REPORT RequestId: {request_id}\tDuration: {elapsed * 1000:.2f} ms",
    ]
    for line in framed:
        print(f"[lambda {name}] {line}", file=sys.stderr, flush=True)
    stream = time.strftime("%Y/%m/%d", time.gmtime()) + f"/[$LATEST]{request_id.replace('-', '')}"
    # CloudWatch accepts only events of the last 14 days: real time, not a test's virtual clock.
    now = int(time.time() * 1000)
    moto_adapter.put_log_events(function.account_id, function.region, f"/aws/lambda/{name}",
                                stream, [{"timestamp": now, "message": line} for line in framed])
