"""Every `gtemu` command and `import emulator` start without importing what they do not use.

A user notices the difference as a wait before `gtemu --help` or a one-line flag error answers
(the heavy modules cost over a second of CPU). Each check runs in a fresh interpreter and looks
at `sys.modules` afterwards, so nothing here is timed (docs/interfaces.md#startup).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Modules (and their submodules) that only the code using them may import.
HEAVY = (
    "moto",  # loaded, and the operations registered, when something first uses moto
    "boto3",
    "scipy",
    "numpy",
    "PIL",
    "flask",
    "liquid",
    "emulator.tasktypes",
    "emulator.elements",
    "emulator.server",
    "worker_ui.liquid",
    "consolidation.acs",
)

# Runs `gtemu ARGS...` (or only `import emulator` when ARGS is empty) and writes the loaded
# modules, and (for `import emulator`) whether CreateLabelingJob is dispatched to gtemu, to the
# file named first.
PROBE = """
import json, sys
out, argv = sys.argv[1], sys.argv[2:]
import emulator
status = None
if argv:
    from emulator.cli import main
    try:
        status = main(argv)
    except SystemExit as exit:
        status = exit.code
modules = sorted(sys.modules)  # before this probe loads moto itself, below
registered = None
if not argv:  # only `import emulator` is asked whether it registered (moto costs 0.3 s)
    from moto.sagemaker.responses import SageMakerResponse
    from emulator.api.responses import GroundTruthResponse
    registered = SageMakerResponse.create_labeling_job is GroundTruthResponse.create_labeling_job
with open(out, "w") as file:
    json.dump({"modules": modules, "registered": registered, "status": status}, file)
"""


def probe(tmp_path: Path, *argv: str) -> tuple[dict, subprocess.CompletedProcess[str]]:
    out = tmp_path / "probe.json"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *argv],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"},
    )
    assert out.exists(), result.stderr
    return json.loads(out.read_text()), result


def heavy_in(modules: list[str]) -> list[str]:
    return [name for name in modules
            if any(name == heavy or name.startswith(f"{heavy}.") for heavy in HEAVY)]


def test_import_emulator_registers_the_operations_and_nothing_heavy(tmp_path: Path) -> None:
    found, _ = probe(tmp_path)
    assert found["registered"], "import emulator no longer registers the operations with moto"
    assert heavy_in(found["modules"]) == []


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["serve", "--port", "99999"],
    ["serve", "--help"],
    ["work", "--help"],
    ["preview", "--help"],
    ["lint", "--help"],
    ["consolidate", "--help"],
    ["export", "preferences", "--help"],
    ["reset", "--help"],
    ["no-such-command"],
], ids=" ".join)
def test_help_and_flag_errors_import_nothing_heavy(tmp_path: Path, argv: list[str]) -> None:
    found, result = probe(tmp_path, *argv)
    assert heavy_in(found["modules"]) == []
    if argv[-1] == "--help":
        assert found["status"] == 0 and "usage: gtemu" in result.stdout
    else:
        assert found["status"] == 2 and "error:" in result.stderr


def test_gtemu_help_still_lists_every_command(tmp_path: Path) -> None:
    _, result = probe(tmp_path, "--help")
    for command in ("serve", "work", "demo", "preview", "lint", "consolidate", "export", "reset"):
        assert f"\n    {command}" in result.stdout


def test_demo_lists_its_tasks_from_the_catalogue_without_scipy(tmp_path: Path) -> None:
    # `gtemu demo` reads the catalogue for its --task choices; the catalogue itself leaves scipy
    # to the estimators that use it.
    found, result = probe(tmp_path, "demo", "--help")
    assert found["status"] == 0
    assert "--task {multilabel,singlelabel,bounding-box}" in result.stdout
    assert "emulator.tasktypes" in found["modules"]
    assert [name for name in found["modules"] if name.split(".")[0] == "scipy"] == []


# `import emulator` registers when moto's SageMaker is first loaded, whoever loads it and in
# whichever order; without the registration moto answers DescribeLabelingJob with "not
# implemented".
MOCK_AWS_FIRST_USE = """
import sys
{before}
import boto3
from moto import mock_aws
{after}
assert "moto.sagemaker.responses" not in sys.modules or {moto_first}
with mock_aws():
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    try:
        sagemaker.describe_labeling_job(LabelingJobName="nope")
    except sagemaker.exceptions.ResourceNotFound as error:
        print(error.response["Error"]["Message"])
"""


@pytest.mark.parametrize("moto_first", [False, True], ids=["emulator-first", "moto-first"])
def test_mock_aws_answers_labeling_jobs_after_import_emulator(moto_first: bool) -> None:
    load_moto = "import moto.sagemaker.responses"
    code = MOCK_AWS_FIRST_USE.format(
        before=load_moto if moto_first else "import emulator",
        after="import emulator" if moto_first else "",
        moto_first=moto_first,
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Could not find labeling job" in result.stdout


# The `gtemu` program tunes its process's garbage collector (emulator.cli.run); code that calls
# `main()` in its own process keeps its collector as it was.
COLLECTOR_OF_THE_PROGRAM = """
import gc, sys
from emulator import cli
before = gc.get_threshold()
sys.argv = ["gtemu", "reset", "--no-such-flag"]
try:
    cli.{entry}()
except SystemExit:
    pass
print(before[0], gc.get_threshold()[0])
"""


@pytest.mark.parametrize(("entry", "young"), [("run", 50_000), ("main", 700)])
def test_only_the_gtemu_program_tunes_the_garbage_collector(entry: str, young: int) -> None:
    result = subprocess.run([sys.executable, "-c", COLLECTOR_OF_THE_PROGRAM.format(entry=entry)],
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["700", str(young)], result.stderr[-2000:]
    assert "unrecognized arguments: --no-such-flag" in result.stderr
