"""Task assignment on the virtual clock: distinct workers, waves, time limit, lifetime,
decline, release, stopping (spec §1.6, §1.8, §4.7, OP-API-5/6)."""

from __future__ import annotations

import boto3
import pytest

from consolidation.manifest import EXPIRED_REASON
from emulator.jobs.engine import AnswerRejected, TaskConflict
from emulator.testing import GroundTruth

LABELS = ["cat", "dog", "bird"]


def _answer(*labels: str) -> dict:
    return {"crowd-image-classifier-multi-select": {"labels": list(labels)}}


def _job(gt: GroundTruth, objects: int = 3, name: str = "Job", **overrides) -> str:
    uris = gt.upload_inputs(objects, labels=LABELS)
    gt.create_job(name, uris, label_attribute_name="animals", **overrides)
    return name


def test_each_object_goes_to_distinct_workers(groundtruth):
    gt = groundtruth
    _job(gt, objects=2, workers_per_object=2)
    first = gt.next_task("Job", "alice")
    assert gt.next_task("Job", "alice") is first  # a worker holds one task at a time
    gt.submit(first, _answer("cat"))
    second = gt.next_task("Job", "alice")
    assert second.dataset_object_id != first.dataset_object_id
    gt.submit(second, _answer("dog"))
    assert gt.next_task("Job", "alice") is None  # answered every object once
    bob_tasks = [gt.next_task("Job", "bob")]
    gt.submit(bob_tasks[0], _answer("cat"))
    bob_tasks.append(gt.next_task("Job", "bob"))
    gt.submit(bob_tasks[1], _answer("dog"))
    assert {t.dataset_object_id for t in bob_tasks} == {"0", "1"}
    assert gt.status("Job") == "Completed"


def test_task_carries_input_template_and_categories(groundtruth):
    gt = groundtruth
    _job(gt, objects=1)
    task = gt.next_task("Job", "alice")
    assert task.input == {"taskObject": "s3://gtemu-test/images/00000.jpg", "labels": LABELS}
    assert task.categories == LABELS
    assert "crowd-image-classifier-multi-select" in task.template.source
    assert task.job_name == "Job" and task.dataset_object_id == "0"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"crowd-image-classifier-multi-select": {"labels": []}}, "Select at least one label."),
        (_answer("cow"), '"cow" is not one of the label categories of this job.'),
        ({"other": "x"}, 'The answer has no classifier output with "labels"'),
        (_answer("cat", "cat"), '"labels" must not repeat a label.'),
    ],
)
def test_invalid_answers_are_rejected_and_not_stored(groundtruth, answer, message):
    gt = groundtruth
    _job(gt, objects=1, workers_per_object=1)
    task = gt.next_task("Job", "alice")
    with pytest.raises(AnswerRejected) as raised:
        gt.submit(task, answer)
    assert raised.value.message.startswith(message)
    gt.submit(task, _answer("cat"))  # still open: a valid answer is accepted
    assert gt.status("Job") == "Completed"


def test_submit_is_idempotent_and_checks_the_worker(groundtruth):
    gt = groundtruth
    _job(gt, objects=2, workers_per_object=2)
    task = gt.next_task("Job", "alice")
    with pytest.raises(TaskConflict):
        gt.engine.submit(task.task_id, "private.us-east-1.0000000000000000", _answer("cat"))
    gt.submit(task, _answer("cat"))
    gt.submit(task, _answer("cat"))  # the same answer again: nothing changes
    with pytest.raises(TaskConflict):
        gt.submit(task, _answer("dog"))
    run = gt.job("Job").run
    assert len(run.objects[0].answers) == 1


def test_time_limit_returns_the_task_to_the_pool(groundtruth):
    gt = groundtruth
    _job(gt, objects=1, workers_per_object=1, TaskTimeLimitInSeconds=60)
    task = gt.next_task("Job", "alice")
    gt.advance(59)
    assert gt.next_task("Job", "bob") is None  # alice still holds the only slot
    gt.advance(2)
    with pytest.raises(TaskConflict, match="time limit has passed"):
        gt.submit(task, _answer("cat"))
    again = gt.next_task("Job", "bob")
    assert again is not None and again.dataset_object_id == "0"
    gt.submit(again, _answer("dog"))
    assert gt.output_manifest("Job")[0]["animals"] == [1]


def test_lifetime_consolidates_partial_answers_and_fails_unanswered(groundtruth):
    gt = groundtruth
    _job(gt, objects=2, workers_per_object=3, TaskAvailabilityLifetimeInSeconds=600)
    task = gt.next_task("Job", "alice")
    gt.submit(task, _answer("bird"))
    gt.advance(599)
    assert gt.status("Job") == "InProgress"
    gt.advance(2)
    described = gt.describe("Job")
    assert described["LabelingJobStatus"] == "Completed"
    assert described["LabelCounters"]["HumanLabeled"] == 1
    assert described["LabelCounters"]["FailedNonRetryableError"] == 1
    labeled, expired = gt.output_manifest("Job")
    assert labeled["animals"] == [2]
    assert labeled["animals-metadata"]["confidence-map"] == {"2": 0.0}  # one answer
    assert expired["animals-metadata"] == {
        "retry-count": 1, "failure-reason": EXPIRED_REASON, "human-annotated": "true",
    }
    assert "animals" not in expired


def test_declines_by_every_worker_expire_the_object(groundtruth):
    gt = groundtruth
    _job(gt, objects=1, workers_per_object=2)
    gt.decline(gt.next_task("Job", "alice"))
    assert gt.next_task("Job", "alice") is None  # never offered again
    gt.decline(gt.next_task("Job", "bob"))
    described = gt.describe("Job")
    assert described["LabelingJobStatus"] == "Completed"
    assert described["LabelCounters"]["FailedNonRetryableError"] == 1
    assert gt.output_manifest("Job")[0]["animals-metadata"]["failure-reason"] == EXPIRED_REASON


def test_release_returns_the_task_without_declining(groundtruth):
    gt = groundtruth
    _job(gt, objects=1, workers_per_object=1)
    task = gt.next_task("Job", "alice")
    gt.release(task)
    with pytest.raises(TaskConflict):
        gt.submit(task, _answer("cat"))
    again = gt.next_task("Job", "alice")
    assert again.dataset_object_id == "0" and again.task_id != task.task_id


def test_waves_follow_max_concurrent_task_count(groundtruth):
    gt = groundtruth
    _job(gt, objects=5, workers_per_object=1, MaxConcurrentTaskCount=2)
    counters = gt.describe("Job")["LabelCounters"]
    assert counters["Unlabeled"] == 3  # objects not yet dispatched
    summary = gt.sagemaker.list_labeling_jobs_for_workteam(
        WorkteamArn=gt.create_work_team()
    )["LabelingJobSummaryList"][0]
    assert summary["LabelCounters"] == {"HumanLabeled": 0, "PendingHuman": 5, "Total": 5}
    held = [gt.next_task("Job", "alice"), gt.next_task("Job", "bob")]
    assert gt.next_task("Job", "carol") is None  # only two objects are out
    for task in held:
        gt.submit(task, _answer("cat"))
    assert gt.next_task("Job", "carol").dataset_object_id == "2"
    final = gt.complete_job("Job")
    assert final["LabelCounters"]["HumanLabeled"] == 5
    files = gt.output_files("Job")
    assert sum("/annotations/intermediate/" in key for key in files) == 3
    assert sum("worker-response/iteration-3/" in key for key in files) == 1


def test_batches_flush_after_thirty_seconds(groundtruth):
    gt = groundtruth
    _job(gt, objects=3, workers_per_object=1)
    gt.submit(gt.next_task("Job", "alice"), _answer("cat"))
    assert gt.describe("Job")["LabelCounters"]["HumanLabeled"] == 0
    gt.advance(29)
    assert gt.describe("Job")["LabelCounters"]["HumanLabeled"] == 0
    gt.advance(2)
    assert gt.describe("Job")["LabelCounters"]["HumanLabeled"] == 1
    files = gt.output_files("Job")
    assert any("manifests/intermediate/1/output.manifest" in key for key in files)


def test_batch_files_in_the_same_second_take_the_next_second(groundtruth):
    gt = groundtruth
    _job(gt, objects=205, workers_per_object=1)
    gt.complete_job("Job")
    requests = [key for key in gt.output_files("Job") if "consolidation-request" in key]
    assert len(requests) == 3
    stamps = sorted(key.rsplit("/", 1)[1] for key in requests)
    seconds = [int(stamp[17:19]) for stamp in stamps]
    assert len(set(stamps)) == 3 and (seconds[1] - seconds[0]) % 60 == 1


def test_stop_labeling_job_settles_with_what_was_labeled(groundtruth):
    gt = groundtruth
    _job(gt, objects=4, workers_per_object=2)
    for worker in ("alice", "bob"):
        gt.submit(gt.next_task("Job", worker), _answer("dog"))
    partial = gt.next_task("Job", "alice")
    gt.submit(partial, _answer("cat"))  # object 1 has one of its two answers
    open_task = gt.next_task("Job", "bob")
    gt.sagemaker.stop_labeling_job(LabelingJobName="job")
    with pytest.raises(TaskConflict):
        gt.submit(open_task, _answer("cat"))
    first = gt.sagemaker.describe_labeling_job(LabelingJobName="Job")
    assert first["LabelingJobStatus"] == "Stopping"
    assert gt.next_task("Job", "carol") is None
    final = gt.sagemaker.describe_labeling_job(LabelingJobName="Job")
    assert final["LabelingJobStatus"] == "Stopped"
    assert final["LabelCounters"] == {
        "TotalLabeled": 2, "HumanLabeled": 2, "MachineLabeled": 0,
        "FailedNonRetryableError": 0, "Unlabeled": 0,
    }
    assert final["LabelingJobOutput"]["OutputDatasetS3Uri"].endswith(
        "/Job/manifests/output/output.manifest"
    )
    manifest = gt.output_manifest("Job")
    assert manifest[0]["animals"] == [1] and manifest[1]["animals"] == [0]
    assert manifest[2] == {"source-ref": "s3://gtemu-test/images/00002.jpg"}
    gt.sagemaker.stop_labeling_job(LabelingJobName="Job")  # again: no error, no change
    assert gt.status("Job") == "Stopped"


def test_max_human_labeled_object_count_stops_the_job(groundtruth):
    gt = groundtruth
    _job(gt, objects=10, workers_per_object=1,
         StoppingConditions={"MaxHumanLabeledObjectCount": 3})
    final = gt.complete_job("Job")
    assert final["LabelingJobStatus"] == "Stopped"
    assert final["LabelCounters"]["HumanLabeled"] == 3
    manifest = gt.output_manifest("Job")
    assert sum("animals" in line for line in manifest) == 3


def test_max_percentage_labeled_stops_the_job(groundtruth):
    gt = groundtruth
    _job(gt, objects=10, workers_per_object=1,
         StoppingConditions={"MaxPercentageOfInputDatasetLabeled": 50})
    final = gt.complete_job("Job")
    assert final["LabelingJobStatus"] == "Stopped"
    assert final["LabelCounters"]["TotalLabeled"] == 5


def test_stopping_condition_met_by_the_last_object_completes(groundtruth):
    gt = groundtruth
    _job(gt, objects=3, workers_per_object=1,
         StoppingConditions={"MaxHumanLabeledObjectCount": 3})
    assert gt.complete_job("Job")["LabelingJobStatus"] == "Completed"


def test_job_expires_after_thirty_days(groundtruth):
    gt = groundtruth
    _job(gt, objects=3, workers_per_object=2, MaxConcurrentTaskCount=1)
    gt.submit(gt.next_task("Job", "alice"), _answer("cat"))
    gt.advance(30 * 24 * 3600)
    final = gt.describe("Job")
    # botocore's LabelingJobStoppingConditions: "Labeling jobs fail after 30 days with an
    # appropriate client error message".
    assert final["LabelingJobStatus"] == "Failed"
    assert final["FailureReason"].startswith("ClientError: The labeling job reached its 30-day")
    assert final["LabelCounters"]["HumanLabeled"] == 1
    assert final["LabelCounters"]["FailedNonRetryableError"] == 2
    assert len(gt.output_manifest("Job")) == 3  # what was labeled by then, and the expired


def test_fail_job_ends_the_job_with_the_reason(groundtruth):
    gt = groundtruth
    _job(gt, objects=2)
    task = gt.next_task("Job", "alice")
    gt.fail_job("Job", "ClientError: the pipeline test wanted this")
    described = gt.sagemaker.describe_labeling_job(LabelingJobName="Job")
    assert described["LabelingJobStatus"] == "Failed"
    assert described["FailureReason"] == "ClientError: the pipeline test wanted this"
    with pytest.raises(TaskConflict):
        gt.submit(task, _answer("cat"))
    assert gt.next_task("Job", "bob") is None


def test_last_modified_time_moves_with_counters(groundtruth):
    gt = groundtruth
    _job(gt, objects=2, workers_per_object=1)
    before = gt.describe("Job")["LastModifiedTime"]
    gt.submit(gt.next_task("Job", "alice"), _answer("cat"))
    assert gt.describe("Job")["LastModifiedTime"] == before  # nothing consolidated yet
    gt.advance(31)
    after = gt.describe("Job")
    assert after["LabelCounters"]["HumanLabeled"] == 1
    assert after["LastModifiedTime"] > before


def test_counters_add_up_when_workers_are_scarce(groundtruth):
    """Three answers wanted, two workers: every object ends at its lifetime with two answers."""
    gt = groundtruth
    _job(gt, objects=30, workers_per_object=3, MaxConcurrentTaskCount=10,
         TaskAvailabilityLifetimeInSeconds=3600)
    final = gt.complete_job("Job", workers=2, seed=3)
    counters = final["LabelCounters"]
    assert final["LabelingJobStatus"] == "Completed"
    assert counters["TotalLabeled"] + counters["FailedNonRetryableError"] == 30
    assert counters["HumanLabeled"] == 30 and counters["Unlabeled"] == 0
    for relative in (k for k in gt.output_files("Job") if "worker-response" in k):
        assert len(gt.read_json(f"s3://gtemu-test/{relative}")["answers"]) == 2
    assert sum("/annotations/intermediate/" in key for key in gt.output_files("Job")) == 3


def test_streaming_job_stays_in_progress_until_stopped(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(2, labels=LABELS)
    topic = boto3.client("sns", region_name="us-east-1").create_topic(Name="gtemu-input")
    gt.create_job("Stream", uris, label_attribute_name="animals", workers_per_object=1,
                  InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": uris["manifest"]},
                                              "SnsDataSource": {"SnsTopicArn": topic["TopicArn"]}}})
    described = gt.complete_job("Stream")  # returns once everything received is labeled
    assert described["LabelingJobStatus"] == "InProgress"
    assert described["LabelCounters"]["HumanLabeled"] == 2
    gt.stop_job("Stream")
    assert gt.describe("Stream")["LabelingJobStatus"] == "Stopping"
    assert gt.describe("Stream")["LabelingJobStatus"] == "Stopped"
    assert len(gt.output_manifest("Stream")) == 2


def test_single_label_answers_are_checked(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(1, labels=LABELS, task_type="ImageMultiClass")
    gt.create_job("Single", uris, task_type="ImageMultiClass", workers_per_object=1)
    task = gt.next_task("Single", "alice")
    with pytest.raises(AnswerRejected, match='"cow" is not one of the label categories'):
        gt.submit(task, {"crowd-image-classifier": {"label": "cow"}})
    with pytest.raises(AnswerRejected, match='no classifier output with "label"'):
        gt.submit(task, {"crowd-image-classifier": {"labels": ["cat"]}})
    gt.submit(task, {"crowd-image-classifier": {"label": "dog"}})
    gt.advance(31)
    assert gt.output_manifest("Single")[0]["single"] == 1


def test_exclusion_category_is_accepted_and_selects_nothing(groundtruth):
    gt = groundtruth
    template = (
        '<crowd-form><crowd-image-classifier-multi-select name="choice" '
        'src="{{ task.input.taskObject | grant_read_access }}" header="h" '
        'categories="{{ task.input.labels | to_json | escape }}" '
        "exclusion-category=\"{ text: 'None of these' }\">"
        "</crowd-image-classifier-multi-select></crowd-form>"
    )
    uris = gt.upload_inputs(1, labels=LABELS, template=template)
    gt.create_job("Excl", uris, label_attribute_name="animals", workers_per_object=1)
    task = gt.next_task("Excl", "alice")
    with pytest.raises(AnswerRejected):
        gt.submit(task, {"choice": {"labels": ["Nothing"]}})
    gt.submit(task, {"choice": {"labels": ["None of these"]}})
    gt.advance(31)
    line = gt.output_manifest("Excl")[0]
    assert line["animals"] == []
    assert line["animals-metadata"]["class-map"] == {}


def test_concurrent_workers_get_exact_counts(groundtruth):
    """Eight threads working one job: no object answered twice by one worker, none lost."""
    import threading

    gt = groundtruth
    _job(gt, objects=60, workers_per_object=3)
    job = gt.job("Job")
    identities = [
        gt.state.workforce.worker_identity(job.workteam_arn, f"worker-{i}") for i in range(8)
    ]
    errors: list[BaseException] = []

    def work(identity) -> None:
        try:
            while (task := gt.engine.next_task("Job", identity)) is not None:
                gt.engine.submit(task.task_id, task.worker_id, _answer("cat"))
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(identity,)) for identity in identities]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    final = gt.describe("Job")
    assert final["LabelingJobStatus"] == "Completed"
    assert final["LabelCounters"]["HumanLabeled"] == 60
    for data_object in job.run.objects:
        workers = [answer.worker_id for answer in data_object.answers]
        assert len(workers) == 3 == len(set(workers))
