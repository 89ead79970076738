import json
import subprocess
import sys

import boto3
from moto import mock_aws

from emulator.cli import main

from .helpers import ANIMALS, single_item

ANSWERS = {  # object id -> (workerId, labels) in submission order
    "0": [("w1", ["cat", "dog"]), ("w2", ["cat"]), ("w3", ["cat"])],
    "1": [("w1", ["bird"]), ("w2", ["bird"]), ("w3", ["bird", "dog"])],
    "2": [("w2", ["dog"]), ("w3", ["dog"]), ("w1", ["dog"])],
    "10": [("w3", ["cat"]), ("w1", ["cat"]), ("w2", ["None of the above"])],
}


def response_file(answers, element="crowd-image-classifier-multi-select"):
    return json.dumps({"answers": [
        {"acceptanceTime": "2024-05-01T10:00:00.000Z",
         "answerContent": {element: {"labels": labels}},
         "submissionTime": "2024-05-01T10:00:05.000Z", "timeSpentInSeconds": 5.0,
         "workerId": f"private.us-east-1.{worker}"}
        for worker, labels in answers
    ]}, separators=(",", ":"))


def write_job(root, answers=ANSWERS):
    job = root / "Animal-Job"
    for object_id, object_answers in answers.items():
        folder = job / "annotations" / "worker-response" / "iteration-1" / object_id
        folder.mkdir(parents=True)
        (folder / "2024-05-01_10:05:00.json").write_text(response_file(object_answers))
    intermediate = job / "annotations" / "intermediate" / "1"
    intermediate.mkdir(parents=True)
    intermediate.joinpath("annotations.json").write_text("".join(
        json.dumps({"datasetObjectId": i, "manifestLine": json.dumps(
            {"source-ref": f"s3://bucket/{i}.jpg"}), "inputAttribute": f"s3://bucket/{i}.jpg"})
        + "\n" for i in answers
    ))
    labels = root / "labels.json"
    labels.write_text(json.dumps({"labels": [{"label": name} for name in ANIMALS]}))
    return job, labels


def run(*args):
    return main(["consolidate", *map(str, args)])


def read_lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_consolidates_an_output_folder_in_object_order(tmp_path, capsys):
    job, labels = write_job(tmp_path)
    out = tmp_path / "output.manifest"
    assert run(job, "--labels", labels, "--task-type", "multi-label", "-o", out) == 0
    lines = read_lines(out)
    assert [line["source-ref"] for line in lines] == [
        "s3://bucket/0.jpg", "s3://bucket/1.jpg", "s3://bucket/2.jpg", "s3://bucket/10.jpg"
    ]
    assert [line["Animal-Job"] for line in lines] == [[0, 1], [2, 1], [1], [0]]
    metadata = lines[0]["Animal-Job-metadata"]
    assert metadata["job-name"] == "labeling-job/animal-job"
    assert metadata["type"] == "groundtruth/image-classification-multilabel"
    assert out.read_text().endswith("}\n")
    assert "4 object(s) consolidated" in capsys.readouterr().err


def test_manifest_order_attribute_name_and_threshold(tmp_path):
    job, labels = write_job(tmp_path)
    manifest = tmp_path / "input.manifest"
    manifest.write_text("".join(
        json.dumps({"source-ref": f"s3://bucket/{i}.jpg", "n": i}) + "\n" for i in range(11)
    ))
    out = tmp_path / "output.manifest"
    code = run(job / "annotations", "--labels", labels, "--task-type", "multi-label",
               "--manifest", manifest, "--label-attribute-name", "animals",
               "--label-threshold", "0.5", "-o", out)
    assert code == 0
    lines = read_lines(out)
    assert len(lines) == 11
    assert lines[0]["animals"] == [0]  # the lone "dog" is below the threshold
    assert lines[3] == {"source-ref": "s3://bucket/3.jpg", "n": 3}  # no answers: unchanged
    assert list(lines[10]) == ["source-ref", "n", "animals", "animals-metadata"]


def test_a_malformed_file_is_named_and_fatal_by_default(tmp_path, capsys):
    job, labels = write_job(tmp_path)
    broken = job / "annotations/worker-response/iteration-1/2/2024-05-01_10:05:00.json"
    broken.write_text('{"answers": [')
    out = tmp_path / "output.manifest"
    assert run(job, "--labels", labels, "--task-type", "multi-label", "-o", out) == 1
    error = capsys.readouterr().err
    assert str(broken) in error and "not valid JSON" in error
    assert not out.exists()


def test_a_malformed_file_can_be_skipped_with_a_warning(tmp_path, capsys):
    job, labels = write_job(tmp_path)
    broken = job / "annotations/worker-response/iteration-1/2/2024-05-01_10:05:00.json"
    broken.write_text('{"answers": [{"workerId": 7}]}')
    out = tmp_path / "output.manifest"
    code = run(job, "--labels", labels, "--task-type", "multi-label", "--on-error", "skip",
               "-o", out)
    assert code == 0
    assert f"skipped {broken}" in capsys.readouterr().err
    assert [line["source-ref"] for line in read_lines(out)] == [
        "s3://bucket/0.jpg", "s3://bucket/1.jpg", "s3://bucket/10.jpg"
    ]


def test_report_prints_worker_quality_and_confidence_histogram(tmp_path, capsys):
    job, labels = write_job(tmp_path)
    code = run(job, "--labels", labels, "--task-type", "multi-label", "--report",
               "-o", tmp_path / "out.manifest")
    assert code == 0
    report = capsys.readouterr().out
    assert "private.us-east-1.w1" in report and "sensitivity" in report
    assert "confidence distribution (6 values)" in report
    assert "[0.9, 1.0]" in report


def test_single_label_payload_file(tmp_path):
    payload = tmp_path / "2024-05-01_10:15:30.json"
    payload.write_text(json.dumps([
        single_item(0, [("w1", "dog"), ("w2", "dog"), ("w3", "cat")]),
        single_item(1, [("w1", "bird"), ("w2", "bird"), ("w3", "bird")], element="animal"),
    ]))
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps(ANIMALS))
    out = tmp_path / "out.manifest"
    code = run(payload, "--labels", labels, "--task-type", "single-label", "--job-name", "Pets",
               "-o", out)
    assert code == 0
    lines = read_lines(out)
    assert [line["Pets"] for line in lines] == [1, 2]
    assert lines[0]["source-ref"] == "s3://bucket/images/0.jpg"
    assert list(lines[0]["Pets-metadata"])[:3] == ["confidence", "job-name", "class-name"]


def test_consolidates_an_output_folder_in_s3(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    job, labels = write_job(tmp_path)
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="out")
        for path in job.rglob("*.json"):
            s3.put_object(Bucket="out", Key=f"jobs/{path.relative_to(tmp_path)}",
                          Body=path.read_bytes())
        out = tmp_path / "from-s3.manifest"
        code = run("s3://out/jobs/Animal-Job", "--labels", labels, "--task-type", "multi-label",
                   "-o", out)
    assert code == 0
    local = tmp_path / "local.manifest"
    run(job, "--labels", labels, "--task-type", "multi-label", "-o", local)
    strip = [{k: v for k, v in line.items() if k != "Animal-Job-metadata"}
             for line in read_lines(out)]
    assert strip == [{k: v for k, v in line.items() if k != "Animal-Job-metadata"}
                     for line in read_lines(local)]


def test_missing_source_is_a_clear_error(tmp_path, capsys):
    _, labels = write_job(tmp_path)
    code = run(tmp_path / "nowhere", "--labels", labels, "--task-type", "multi-label",
               "-o", tmp_path / "o")
    assert code == 1
    assert "nowhere: no such folder or file" in capsys.readouterr().err


def test_consolidation_imports_nothing_it_must_not():
    code = (
        "import sys, consolidation, consolidation.offline, consolidation.sources; "
        "print(sorted({'moto', 'flask', 'emulator', 'worker_ui', 'boto3'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]"


def test_a_threshold_outside_zero_to_one_is_refused(tmp_path, capsys):
    job, labels = write_job(tmp_path)
    code = run(job, "--labels", labels, "--task-type", "multi-label", "--label-threshold", "1.5",
               "-o", tmp_path / "o")
    assert code == 2
    assert "--label-threshold must be between 0 and 1" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_label_file_without_labels_is_named(tmp_path, capsys):
    job, _ = write_job(tmp_path)
    bad = tmp_path / "bad-labels.json"
    bad.write_text('{"document-version": "2018-11-28"}')
    code = run(job, "--labels", bad, "--task-type", "multi-label", "-o", tmp_path / "o")
    assert code == 1
    error = capsys.readouterr().err
    assert f"{bad}: expected a JSON object with a non-empty `labels` list" in error


def test_objects_come_in_numeric_order_then_by_text_across_iterations(tmp_path):
    job, labels = write_job(tmp_path, {"10": ANSWERS["10"], "9": ANSWERS["0"]})
    responses = job / "annotations" / "worker-response"
    for iteration, object_id, answers in [
        ("2", "b-7", [("w1", ["dog"])]),
        ("2", "2", [("w1", ["bird"]), ("w2", ["bird"])]),
        ("2", "9", [("w1", ["bird"])]),  # a later iteration: the first one's answers stay
        ("1", "a-3", [("w2", ["cat"])]),
    ]:
        folder = responses / f"iteration-{iteration}" / object_id
        folder.mkdir(parents=True)
        (folder / "2024-05-01_11:00:00.json").write_text(response_file(answers))
    out = tmp_path / "output.manifest"
    assert run(job, "--labels", labels, "--task-type", "multi-label", "-o", out) == 0
    lines = read_lines(out)
    assert [line.get("datasetObjectId") or line["source-ref"] for line in lines] == [
        "2", "s3://bucket/9.jpg", "s3://bucket/10.jpg", "a-3", "b-7"
    ]
    assert lines[1]["Animal-Job"] == [0, 1]  # object 9: iteration 1's cat and dog, no bird
