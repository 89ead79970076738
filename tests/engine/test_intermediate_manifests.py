"""`manifests/intermediate/<k>/output.manifest` (spec §5.7): after every batch of wave k, the
whole manifest — labeled and failed objects of waves 1..k with their new keys, everything else
as in the input."""

from __future__ import annotations

from emulator.testing import GroundTruth

LABELS = ["cat", "dog", "bird"]
ANSWER = {"crowd-image-classifier-multi-select": {"labels": ["cat"]}}


def _job(gt: GroundTruth, objects: int, **overrides) -> list[dict]:
    uris = gt.upload_inputs(objects, labels=LABELS)
    gt.create_job("Job", uris, label_attribute_name="animals", workers_per_object=1,
                  MaxConcurrentTaskCount=10, **overrides)
    return gt.read_lines(uris["manifest"])


def _intermediate(gt: GroundTruth, wave: int) -> list[dict]:
    return gt.read_lines(f"s3://gtemu-test/output/Job/manifests/intermediate/{wave}/output.manifest")


def test_each_wave_rewrites_the_whole_manifest(groundtruth):
    gt = groundtruth
    inputs = _job(gt, objects=25)
    gt.complete_job("Job", answer=lambda task_input, worker: ANSWER)
    final = gt.output_manifest("Job")

    for wave, done in ((1, 10), (2, 20), (3, 25)):
        lines = _intermediate(gt, wave)
        assert lines[:done] == final[:done]
        assert lines[done:] == inputs[done:]
    assert _intermediate(gt, 3) == final


def test_objects_that_expire_with_the_job_stay_as_input_in_the_intermediate_manifest(groundtruth):
    gt = groundtruth
    inputs = _job(gt, objects=25)
    for _ in range(10):  # the first wave
        gt.submit(gt.next_task("Job", "alice"), ANSWER)
    gt.advance(31)  # its batch is flushed; wave 2 is out
    gt.submit(gt.next_task("Job", "alice"), ANSWER)
    gt.advance(30 * 24 * 3600)  # wave 2's lifetime ends, then the job's 30 days (OP-API-6)

    final = gt.output_manifest("Job")
    assert gt.describe("Job")["LabelingJobStatus"] == "Failed"  # the 30-day limit
    assert all("failure-reason" in line["animals-metadata"] for line in final[11:])
    # Wave 2's last batch carries its labeled and expired objects; the never-dispatched objects
    # of wave 3 expired with the job after it, and no batch of theirs rewrote the manifest.
    assert _intermediate(gt, 2)[:20] == final[:20]
    assert _intermediate(gt, 2)[20:] == inputs[20:]
