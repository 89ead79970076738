"""Two gtemu instances in one process are independent: each `GroundTruth` and each
`GtemuServer` owns a runtime (clock, ids, registered Lambdas, engines, URLs)."""

from __future__ import annotations

import logging

import pytest

from emulator import clock, lambdas
from emulator.commands.demo import clients, create_job, create_team, upload_inputs, wait_for_end
from emulator.commands.work import WorkerApiClient, run_crowd
from emulator.runtime import current
from emulator.server import GtemuServer
from emulator.simulate import simulated_crowd
from emulator.testing import GroundTruth, groundtruth_session

CUSTOM_PRE = "arn:aws:lambda:us-east-1:123456789012:function:my-pre"
CUSTOM_ACS = "arn:aws:lambda:us-east-1:123456789012:function:my-acs"
ANSWER = {"crowd-image-classifier-multi-select": {"labels": ["cat"]}}


def _answer(task_input: object, worker: str) -> dict:
    return ANSWER


def test_advancing_one_fixture_clock_does_not_move_the_other() -> None:
    with groundtruth_session() as first, groundtruth_session() as second:
        before = first.runtime.clock.now()
        second.advance(3 * 24 * 3600)
        assert (first.runtime.clock.now() - before).total_seconds() < 1
        assert (second.runtime.clock.now() - before).total_seconds() >= 3 * 24 * 3600
        # The module-level clock answers the instance whose runtime is active.
        with first.runtime.activated():
            assert (clock.now() - before).total_seconds() < 1


def test_two_fixtures_run_jobs_of_the_same_name_apart() -> None:
    with groundtruth_session() as first, groundtruth_session() as second:
        # S3 is moto's, shared by the process: each writes its inputs under its own prefix.
        first_uris = first.upload_inputs(["s3://shop/a.jpg"], labels=["cat", "dog"],
                                         prefix="first")
        second_uris = second.upload_inputs(["s3://shop/b.jpg", "s3://shop/c.jpg"],
                                           labels=["cat", "dog"], prefix="second")
        first.create_job("animals", {**first_uris, "output": "s3://gtemu-test/first-out"})
        second.create_job("animals", {**second_uris, "output": "s3://gtemu-test/second-out"})
        assert first.complete_job("animals", answer=_answer)["LabelingJobStatus"] == "Completed"
        assert second.status("animals") == "InProgress"  # untouched by the first's run
        assert len(first.output_manifest("animals")) == 1
        assert second.complete_job("animals", answer=_answer)["LabelingJobStatus"] == "Completed"
        assert len(second.output_manifest("animals")) == 2
        assert [j["LabelingJobName"] for j in
                first.sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]] == ["animals"]


def test_a_lambda_registered_in_one_fixture_is_not_seen_by_the_other() -> None:
    def pre(event: dict, context: object) -> dict:
        return {"taskInput": event["dataObject"]}

    with groundtruth_session() as first, groundtruth_session() as second:
        first.register_lambda(CUSTOM_PRE, pre)
        with first.runtime.activated():
            assert lambdas.registered_handler(CUSTOM_PRE) is pre
        with second.runtime.activated():
            assert lambdas.registered_handler(CUSTOM_PRE) is None
        # emulator.register_lambda inside a session registers in that session's runtime.
        lambdas.register_lambda(CUSTOM_ACS, pre)
        assert second.runtime.lambdas.get(CUSTOM_ACS) is pre
        assert first.runtime.lambdas.get(CUSTOM_ACS) is None


def test_a_lambda_registered_outside_any_instance_is_seen_by_all() -> None:
    def pre(event: dict, context: object) -> dict:
        return {"taskInput": event["dataObject"]}

    lambdas.register_lambda(CUSTOM_PRE, pre)  # no instance active: the process default
    try:
        with groundtruth_session() as first, groundtruth_session() as second:
            for gt in (first, second):
                with gt.runtime.activated():
                    assert lambdas.registered_handler(CUSTOM_PRE) is pre
    finally:
        lambdas.unregister_lambda(CUSTOM_PRE)


def test_a_fixture_runtime_ends_with_its_session() -> None:
    outside = current()
    with groundtruth_session() as gt:
        assert current() is gt.runtime
        gt.register_lambda(CUSTOM_PRE, lambda event, context: None)
    assert current() is outside
    assert outside.lambdas.get(CUSTOM_PRE) is None


def test_groundtruth_objects_made_by_hand_get_their_own_runtime() -> None:
    with groundtruth_session() as gt:
        other = GroundTruth(account_id="210987654321")
        assert other.runtime is not gt.runtime
        other.advance(600)
        assert gt.runtime.clock.now() < other.runtime.clock.now()


@pytest.fixture
def two_servers():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    first = GtemuServer(port=0, ui_port=0).start()
    try:
        second = GtemuServer(port=0, ui_port=0).start()
        try:
            yield first, second
        finally:
            second.stop()
    finally:
        first.stop()


def _run_job(server: GtemuServer, job_name: str, objects: int) -> dict:
    sagemaker, s3 = clients(server.endpoint_url)
    uris = upload_inputs(s3, objects)
    create_job(sagemaker, uris, create_team(sagemaker), 1, job_name=job_name)
    client = WorkerApiClient(server.ui_url, account="123456789012", region="us-east-1",
                             token=server.worker_token or "")
    run_crowd(client, job_name, simulated_crowd(1, seed=1), timeout=60)
    return wait_for_end(sagemaker, job_name)


def test_two_servers_in_one_process_each_complete_their_own_job(two_servers) -> None:
    first, second = two_servers
    assert first.runtime is not second.runtime
    done = _run_job(first, "first-job", 2)
    assert done["LabelingJobStatus"] == "Completed"
    assert done["LabelCounters"]["TotalLabeled"] == 2
    second_sagemaker, _ = clients(second.endpoint_url)
    # The second server's jobs are its own: the first's job is not there.
    assert second_sagemaker.list_labeling_jobs()["LabelingJobSummaryList"] == []
    done = _run_job(second, "second-job", 3)
    assert done["LabelingJobStatus"] == "Completed"
    assert done["LabelCounters"]["TotalLabeled"] == 3
    first_sagemaker, _ = clients(first.endpoint_url)
    assert [j["LabelingJobName"] for j in
            first_sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]] == ["first-job"]
    # Each server's HumanTaskUi URLs name its own worker UI.
    assert first.runtime.worker_ui_url == first.ui_url != second.runtime.worker_ui_url
