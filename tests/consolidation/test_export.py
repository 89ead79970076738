"""`gtemu export preferences|sft` over output folders and output manifests built here."""

from __future__ import annotations

import json

import pytest

from emulator.cli import main

PROMPT = "Explain photosynthesis in one sentence."
RESPONSES = ["Plants turn light into sugar.", "Plants eat dirt.", "Light makes plants green."]
PASSAGE = "The Nile is the longest river in Africa. It flows north into the Mediterranean."


def ranking(clarity, accuracy=None):
    dimensions = [{"name": "Clarity", "allowTie": True, "responseRankings": clarity}]
    if accuracy is not None:
        dimensions.append({"name": "Accuracy", "allowTie": False, "responseRankings": accuracy})
    return {"ordinalRankingDimensions": dimensions}


def qa(*pairs):
    return {"questionAnswerPairs": [
        {"question": q, "answer": a, "tags": ["What"], "references": [{"startOffset": 0,
                                                                        "endOffset": 40}]}
        for q, a in pairs
    ]}


def write_job(root, objects, line_for=None, name="Rank-Job"):
    """`objects`: {datasetObjectId: [(workerId, answerContent)]} → an output folder + manifest."""
    job = root / name
    manifest_lines = []
    for object_id, answers in objects.items():
        folder = job / "annotations" / "worker-response" / "iteration-1" / object_id
        folder.mkdir(parents=True)
        response = folder / "2024-05-01_10:05:00.json"
        response.write_text(json.dumps({"answers": [
            {"acceptanceTime": "2024-05-01T10:00:00.000Z", "answerContent": content,
             "submissionTime": "2024-05-01T10:00:05.000Z", "timeSpentInSeconds": 5.0,
             "workerId": worker}
            for worker, content in answers
        ]}))
        line = (line_for or ranking_line)(object_id)
        manifest_lines.append({**line, name: {}, f"{name}-metadata": {
            "job-name": f"labeling-job/{name.lower()}", "type": "groundtruth/custom",
            "human-annotated": "yes", "creation-date": "2024-05-01T10:05:00.000000",
            "worker-response-ref": str(response)}})
    intermediate = job / "annotations" / "intermediate" / "1"
    intermediate.mkdir(parents=True)
    line_of = line_for or ranking_line
    intermediate.joinpath("annotations.json").write_text("".join(
        json.dumps({"datasetObjectId": i, "manifestLine": json.dumps(line_of(i))}) + "\n"
        for i in objects
    ))
    output = job / "manifests" / "output"
    output.mkdir(parents=True)
    (output / "output.manifest").write_text("".join(json.dumps(x) + "\n" for x in manifest_lines))
    return job


def ranking_line(object_id):
    return {"source": f"{PROMPT} ({object_id})", "responses": RESPONSES}


def export(*args):
    return main(["export", *map(str, args)])


def read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_one_worker_gives_exactly_the_strict_pairs_of_its_ranks(tmp_path, capsys):
    job = write_job(tmp_path, {"0": [("w1", ranking([1, 3, 2], [1, 2, 3]))]})
    out = tmp_path / "pairs.jsonl"
    assert export("preferences", job, "-o", out) == 0
    lines = read(out)
    assert lines[0] == {
        "prompt": f"{PROMPT} (0)", "chosen": RESPONSES[0], "rejected": RESPONSES[1],
        "dimension": "Clarity", "source_line": 0, "workers": ["w1"], "agreement": 1.0,
    }
    pairs = {(line["dimension"], line["chosen"], line["rejected"]) for line in lines}
    assert pairs == {
        ("Clarity", RESPONSES[0], RESPONSES[1]), ("Clarity", RESPONSES[0], RESPONSES[2]),
        ("Clarity", RESPONSES[2], RESPONSES[1]),
        ("Accuracy", RESPONSES[0], RESPONSES[1]), ("Accuracy", RESPONSES[0], RESPONSES[2]),
        ("Accuracy", RESPONSES[1], RESPONSES[2]),
    }
    assert len(lines) == 6
    assert "6 preference pair(s) from 1 object(s)" in capsys.readouterr().err


def test_three_agreeing_workers_and_a_split_vote(tmp_path):
    job = write_job(tmp_path, {
        "4": [(w, ranking([1, 2, 3])) for w in ("w1", "w2", "w3")],
        "7": [("w1", ranking([1, 2, 3])), ("w2", ranking([2, 1, 3])), ("w3", ranking([1, 2, 3]))],
    })
    out = tmp_path / "pairs.jsonl"
    assert export("preferences", job, "-o", out) == 0
    lines = read(out)
    agreeing = [line for line in lines if line["source_line"] == 4]
    assert len(agreeing) == 3
    assert all(line["workers"] == ["w1", "w2", "w3"] and line["agreement"] == 1.0
               for line in agreeing)
    split = {(line["chosen"], line["rejected"]): line for line in lines if line["source_line"] == 7}
    assert set(split) == {(RESPONSES[0], RESPONSES[1]), (RESPONSES[0], RESPONSES[2]),
                          (RESPONSES[1], RESPONSES[2])}
    first = split[RESPONSES[0], RESPONSES[1]]  # two of three put response 0 above response 1
    assert first["workers"] == ["w1", "w3"] and first["agreement"] == pytest.approx(2 / 3)
    assert first["prompt"] == f"{PROMPT} (7)"


def test_aggregate_none_writes_every_workers_own_pairs(tmp_path):
    job = write_job(tmp_path, {
        "0": [("w1", ranking([1, 2, 3])), ("w2", ranking([2, 1, 3])), ("w3", ranking([1, 1, 2]))],
    })
    out = tmp_path / "pairs.jsonl"
    assert export("preferences", job, "--aggregate", "none", "-o", out) == 0
    lines = read(out)
    assert [line["workers"] for line in lines] == [["w1"]] * 3 + [["w2"]] * 3 + [["w3"]] * 2
    w2_first = lines[3]
    assert (w2_first["chosen"], w2_first["rejected"]) == (RESPONSES[1], RESPONSES[0])
    assert w2_first["agreement"] == pytest.approx(1 / 3)  # only w2 put response 1 above 0
    assert lines[0]["agreement"] == pytest.approx(1 / 3)  # w1 alone: w3 tied 0 and 1


def test_ties_write_no_pair_and_a_one_to_one_split_writes_none_either(tmp_path):
    job = write_job(tmp_path, {
        "0": [("w1", ranking([1, 1, 1]))],
        "1": [("w1", ranking([1, 2, 3])), ("w2", ranking([2, 1, 3]))],
    })
    out = tmp_path / "pairs.jsonl"
    assert export("preferences", job, "-o", out) == 0
    pairs = {(line["source_line"], line["chosen"], line["rejected"]) for line in read(out)}
    assert pairs == {(1, RESPONSES[0], RESPONSES[2]), (1, RESPONSES[1], RESPONSES[2])}


def test_an_output_manifest_is_read_through_worker_response_ref(tmp_path):
    job = write_job(tmp_path, {
        "2": [("w1", ranking([2, 1, 3]))],
        "3": [("w1", ranking([1, 2, 3])), ("w2", ranking([1, 2, 3]))],
    })
    from_folder, from_manifest = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert export("preferences", job, "-o", from_folder) == 0
    assert export("preferences", job / "manifests" / "output" / "output.manifest",
                  "-o", from_manifest) == 0
    assert read(from_manifest) == read(from_folder)
    assert {line["source_line"] for line in read(from_manifest)} == {2, 3}


def test_sft_lines(tmp_path):
    job = write_job(tmp_path, {
        "0": [("w1", qa(("How long is the Nile?", "The longest in Africa."))),
              ("w2", qa(("Where does the Nile flow?", "North."),
                        ("Which sea?", "Mediterranean.")))],
    }, line_for=lambda i: {"source": PASSAGE}, name="QA-Job")
    out = tmp_path / "sft.jsonl"
    assert export("sft", job, "-o", out) == 0
    lines = read(out)
    assert lines[0] == {
        "prompt": "How long is the Nile?", "completion": "The longest in Africa.",
        "context": PASSAGE, "tags": ["What"], "references": [{"startOffset": 0, "endOffset": 40}],
        "worker": "w1",
    }
    assert [line["worker"] for line in lines] == ["w1", "w2", "w2"]


def test_a_source_without_answers_of_the_element_is_refused_and_nothing_written(tmp_path, capsys):
    job = write_job(tmp_path, {"0": [("w1", ranking([1, 2, 3]))]})
    out = tmp_path / "sft.jsonl"
    assert export("sft", job, "-o", out) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"gtemu export: error: {job}: holds no question-answer answers "
                   "(`questionAnswerPairs`)"]
    assert not out.exists() and list(tmp_path.glob(".sft.jsonl.*")) == []


def test_an_error_midway_leaves_the_previous_file_untouched(tmp_path, capsys):
    job = write_job(tmp_path, {
        "0": [("w1", ranking([1, 2, 3]))],
        "1": [("w1", ranking([1, 2, 9]))],  # a rank outside 1..3
    })
    out = tmp_path / "pairs.jsonl"
    out.write_text("previous\n")
    assert export("preferences", job, "-o", out) == 1
    assert out.read_text() == "previous\n"
    assert list(tmp_path.glob(".pairs.jsonl.*")) == []
    message = capsys.readouterr().err.strip()
    assert message.startswith("gtemu export: error: ") and "one rank from 1 to 3" in message
    assert "\n" not in message


def test_an_s3_folder_and_an_s3_manifest(tmp_path, monkeypatch):
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    job = write_job(tmp_path, {
        "0": [("w1", ranking([1, 2, 3])), ("w2", ranking([1, 3, 2]))],
    })
    local = tmp_path / "local.jsonl"
    assert export("preferences", job, "-o", local) == 0
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="out")
        for path in job.rglob("*"):
            if path.is_file():
                s3.put_object(Bucket="out", Key=f"jobs/{path.relative_to(tmp_path)}",
                              Body=path.read_bytes())
        # the manifest's references point into the bucket, as Ground Truth writes them
        manifest = (job / "manifests" / "output" / "output.manifest").read_text()
        s3.put_object(Bucket="out", Key="jobs/Rank-Job/manifests/output/output.manifest",
                      Body=manifest.replace(str(tmp_path), "s3://out/jobs"))
        from_folder, from_manifest = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
        assert export("preferences", "s3://out/jobs/Rank-Job", "-o", from_folder) == 0
        assert export("preferences", "s3://out/jobs/Rank-Job/manifests/output/output.manifest",
                      "-o", from_manifest) == 0
    assert read(from_folder) == read(local) == read(from_manifest)
