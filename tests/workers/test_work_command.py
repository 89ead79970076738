"""`gtemu work` against gtemu running in this process (GtemuServer on free ports)."""

from __future__ import annotations

import re

import pytest

from emulator.cli import main
from emulator.commands.demo import clients, create_job, create_team, upload_inputs
from emulator.commands.work import WorkerApiClient, run_crowd
from emulator.server import GtemuServer
from emulator.simulate import ScriptedWorker


@pytest.fixture(scope="module")
def server():
    with GtemuServer(port=0, ui_port=0) as running:
        sagemaker, s3 = clients(running.endpoint_url)
        running.uris = upload_inputs(s3, 4)
        running.team = create_team(sagemaker)
        running.sagemaker = sagemaker
        yield running


def new_job(server, name: str, workers: int) -> str:
    create_job(server.sagemaker, server.uris, server.team, workers, job_name=name)
    return name


def test_summary_names_each_worker_and_its_quality(server, capsys):
    job = new_job(server, "work-summary", workers=3)
    code = main(["work", "--endpoint", server.ui_url, "--token", server.worker_token,
                 "--job", job, "--workers", "3",
                 "--spammers", "1", "--accuracy", "0.8", "--seed", "3"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert f"Job {job}: Completed" in out
    assert "4 of 4 objects labeled, 0 failed; 12 answers" in out
    assert "sim-worker-01: 4 answers (sensitivity 0.80, specificity 0.80)" in out
    assert "sim-worker-03: 4 answers (random clicks)" in out
    manifest = "s3://gtemu-demo/output/work-summary/manifests/output/output.manifest"
    assert f"output manifest: {manifest}" in out
    assert "\r[" in err and "4/4 objects" in err


def test_too_few_workers_are_warned_and_time_out(server, capsys):
    job = new_job(server, "work-short", workers=2)
    code = main(["work", "--endpoint", server.ui_url, "--token", server.worker_token,
                 "--job", job, "--workers", "1",
                 "--timeout", "1"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "needs 2 workers per object; 1 cannot finish it" in err
    assert "gave up after 1 s" in out
    assert "InProgress" in out


def test_refused_answers_are_reported_and_the_crowd_still_stops(server):
    job = new_job(server, "work-refused", workers=1)
    shouter = ScriptedWorker("shouter", lambda task_input, name: {"free-text": "CAT!"})
    client = WorkerApiClient(server.ui_url, token=server.worker_token)
    report, final = run_crowd(client, job, [shouter], timeout=30)
    assert report.rejected["shouter"] == 4
    assert any("answer refused" in message for message in report.errors)
    # Each refused task was declined; with one worker per object the objects expire.
    assert final["status"] == "Completed"
    assert final["failed"] == 4


def test_spammers_must_be_among_the_workers(capsys):
    code = main(["work", "--job", "j", "--workers", "2", "--spammers", "3"])
    assert code == 2
    assert "--spammers must be between 0 and 2" in capsys.readouterr().err


@pytest.mark.parametrize("argument", [["--workers", "0"], ["--accuracy", "1.5"]])
def test_bad_numbers_are_usage_errors(argument, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["work", "--job", "j", *argument])
    assert exit_info.value.code == 2
    assert "must be" in capsys.readouterr().err


def test_a_failed_job_ends_work_with_its_reason(server, capsys):
    missing = {**server.uris, "manifest": "s3://gtemu-demo/input/missing.jsonl"}
    create_job(server.sagemaker, missing, server.team, 1, job_name="work-failed")
    code = main(["work", "--endpoint", server.ui_url, "--token", server.worker_token,
                 "--job", "work-failed", "--workers", "1"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert "Job work-failed: Failed" in out
    assert "failure reason: ClientError: Unable to read the input manifest" in out


def test_idle_workers_say_what_they_wait_for_and_how_long(server, capsys):
    job = new_job(server, "work-held", workers=1)
    others = WorkerApiClient(server.ui_url, token=server.worker_token)
    held = [others.next_task(job, f"other-{n}") for n in range(4)]
    assert all(held)  # every object is now held by someone else
    limit = server.sagemaker.describe_labeling_job(LabelingJobName=job)["HumanTaskConfig"][
        "TaskTimeLimitInSeconds"]

    code = main(["work", "--endpoint", server.ui_url, "--token", server.worker_token,
                 "--job", job, "--workers", "1", "--timeout", "1"])
    out, err = capsys.readouterr()
    assert code == 1
    note = re.search(
        r"waiting: 4 task\(s\) held by other workers; the first returns to the queue at its "
        r"time limit, in (\d+) min (\d\d) s", err)
    assert note, err
    assert 0 < int(note[1]) * 60 + int(note[2]) <= limit


def test_every_new_worker_token_can_follow_the_token_flag():
    from emulator.cli import build_parser
    from emulator.worker_token import new_token

    parser = build_parser("work")
    for token in (new_token() for _ in range(1000)):  # a "-..." token would be read as a flag
        args = parser.parse_args(["work", "--job", "j", "--token", token])
        assert args.token == token
