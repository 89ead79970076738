"""Custom jobs with the V2 elements under `mock_aws`: PassThrough and no-Lambda jobs labeled by
simulated workers, worker-response files holding each answer as posted, and V2 answers checked
against their contracts."""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest

from emulator.jobs.validation import AnswerRejected
from emulator.lambdas import BUILTIN_ACCOUNTS, parse_builtin
from emulator.simulate_elements import UnansweredTemplate
from emulator.testing import builtin_lambda_arns


def _job(gt, name, template, lines, *, task_type, workers=1):
    uris = gt.upload_inputs(lines, template=template, prefix=name)
    del uris["labels"]
    gt.create_job(name, uris, task_type=task_type, workers_per_object=workers,
                  label_attribute_name="llm")
    return name


def _responses_of(gt, line):
    return gt.read_json(line["llm-metadata"]["worker-response-ref"])["answers"]


def test_passthrough_ranking_job_is_labeled_by_three_simulated_workers(groundtruth, genai):
    gt = groundtruth
    job = _job(gt, "rank", genai.ranking_template, genai.prompts, task_type="PassThrough",
               workers=3)
    task = gt.next_task(job, "alice")
    assert task.input == genai.prompts[0]  # the manifest line itself
    gt.release(task)
    final = gt.complete_job(job, workers=3)
    assert final["LabelingJobStatus"] == "Completed"
    assert final["LabelCounters"]["HumanLabeled"] == 2
    for prompt, line in zip(genai.prompts, gt.output_manifest(job), strict=True):
        assert list(line) == ["source", "responses", "llm", "llm-metadata"]
        assert line["llm"] == {}
        assert line["llm-metadata"]["type"] == "groundtruth/custom"
        answers = _responses_of(gt, line)
        assert len(answers) == 3
        for answer in answers:
            content = answer["answerContent"]
            assert list(content) == ["ordinalRankingDimensions"]  # flat, not under "ranking"
            helpful, honest = content["ordinalRankingDimensions"]
            assert (helpful["name"], helpful["allowTie"]) == ("Helpfulness", True)
            assert (honest["name"], honest["allowTie"]) == ("Honesty", False)
            assert sorted(honest["responseRankings"]) == list(
                range(1, len(prompt["responses"]) + 1))


def test_job_without_lambdas_collects_question_answer_pairs(groundtruth, genai):
    gt = groundtruth
    job = _job(gt, "qa", genai.qa_template, genai.passages, task_type=None)
    final = gt.complete_job(job, workers=1)
    assert final["LabelingJobStatus"] == "Completed"
    for passage, line in zip(genai.passages, gt.output_manifest(job), strict=True):
        assert line["llm"] == {}
        (answer,) = _responses_of(gt, line)
        pairs = answer["answerContent"]["questionAnswerPairs"]
        assert 1 <= len(pairs) <= 3
        for pair in pairs:
            assert 2 <= len(pair["question"].split()) <= 12
            assert 1 <= len(pair["answer"].split()) <= 6
            assert pair["tags"][0] in ("What", "Who", "Where")
            (reference,) = pair["references"]
            span = passage["source"][reference["startOffset"]:reference["endOffset"]]
            assert span == pair["answer"]  # a real span of the passage


def test_default_workers_answer_v2_templates_too(groundtruth, genai):
    gt = groundtruth
    job = _job(gt, "rank-default", genai.ranking_template, genai.prompts[:1],
               task_type="PassThrough")
    assert gt.complete_job(job)["LabelingJobStatus"] == "Completed"
    (line,) = gt.output_manifest(job)
    assert "ordinalRankingDimensions" in _responses_of(gt, line)[0]["answerContent"]


def _ranking(helpful, honest, *, honest_tie=False):
    return {"ordinalRankingDimensions": [
        {"name": "Helpfulness", "allowTie": True, "responseRankings": helpful},
        {"name": "Honesty", "allowTie": honest_tie, "responseRankings": honest},
    ]}


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_ranking([1, 2, 4], [1, 2, 3]), "whole number from 1 to 3"),
        (_ranking([0, 1, 2], [1, 2, 3]), "whole number from 1 to 3"),
        ({"ordinalRankingDimensions": [
            {"name": "Helpfulness", "allowTie": True, "responseRankings": [1, 2, 3]}]},
         "one entry per dimension (Helpfulness, Honesty)"),
        (_ranking([1, 2, 3], [1, 1, 2]), 'Dimension "Honesty" does not allow ties'),
        (_ranking([1, 3, 3], [1, 2, 3]), "must be dense"),
        (_ranking([1, 2], [1, 2, 3]), "one rank for each of the 3 responses"),
        (_ranking([1, 2, 3], [1, 2, 3], honest_tie=True), '"allowTie" of dimension "Honesty"'),
        ({"ranking": {"ordinalRankingDimensions": []}}, 'no "ordinalRankingDimensions"'),
    ],
)
def test_broken_rankings_are_refused_and_the_task_stays(groundtruth, genai, answer, message):
    gt = groundtruth
    job = _job(gt, "rank-bad", genai.ranking_template, genai.prompts[:1],
               task_type="PassThrough")
    task = gt.next_task(job, "alice")
    with pytest.raises(AnswerRejected, match=message.replace("(", r"\(").replace(")", r"\)")):
        gt.submit(task, answer)
    assert task.state == "open"
    gt.submit(task, _ranking([1, 1, 2], [2, 1, 3]))  # ties where allowed, then accepted
    assert task.state == "submitted"


def _pairs(*pairs):
    return {"questionAnswerPairs": [
        {"question": q, "answer": a, "tags": tags, "references": refs} for q, a, tags, refs in pairs
    ]}


GOOD = ("Where was Marie Curie born?", "Warsaw", ["Where"],
        [{"startOffset": 24, "endOffset": 30}])


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_pairs(), r"at least 1 .*\(min-questions\)"),
        (_pairs(GOOD, GOOD, GOOD, GOOD), r"at most 3 .*\(max-questions\)"),
        (_pairs(("Born?", "Warsaw", ["Where"], [])), r"at least 2 \(question-min-words\)"),
        (_pairs(("Where " * 13, "Warsaw", ["Where"], [])), r"at most 12 \(question-max-words\)"),
        (_pairs(("Where born?", "", ["Where"], [])), r"at least 1 \(answer-min-words\)"),
        (_pairs(("Where born?", "a b c d e f g", ["Where"], [])),
         r"at most 6 \(answer-max-words\)"),
        (_pairs(("Where born?", "Warsaw", ["Why"], [])), r"not one of the question-tags"),
        (_pairs(("Where born?", "Warsaw", ["Where"], [{"startOffset": 60, "endOffset": 99}])),
         r"outside the text"),
    ],
)
def test_broken_question_answer_pairs_are_refused(groundtruth, genai, answer, message):
    gt = groundtruth
    job = _job(gt, "qa-bad", genai.qa_template, genai.passages[:1], task_type=None)
    task = gt.next_task(job, "alice")
    with pytest.raises(AnswerRejected, match=message):
        gt.submit(task, answer)
    gt.submit(task, _pairs(GOOD))
    assert task.state == "submitted"


def test_a_template_with_an_unknown_element_is_a_clear_error(groundtruth):
    gt = groundtruth
    template = ('<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>'
                '<crowd-form><crowd-entity-linker name="x"></crowd-entity-linker></crowd-form>')
    job = _job(gt, "unknown", template, [{"source": "a"}], task_type=None)
    with pytest.raises(UnansweredTemplate, match="<crowd-entity-linker>, which gtemu does not"):
        gt.complete_job(job, workers=1)


def test_passthrough_is_recognised_in_every_region():
    for region in BUILTIN_ACCOUNTS:
        arns = builtin_lambda_arns(region, "PassThrough")
        assert parse_builtin(arns["PRE"]).task_type == "PassThrough"
        assert parse_builtin(arns["ACS"]).region == region


SLOW_SOURCE = b"""
import time

def handler(event, context):
    print("sleeping past", context.get_remaining_time_in_millis(), "ms")
    time.sleep(30)
"""


def test_a_function_running_past_its_timeout_fails_the_job(groundtruth, genai):
    gt = groundtruth
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="LambdaRole", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]
    }))["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("slow.py", SLOW_SOURCE)
    arn = boto3.client("lambda", region_name="us-east-1").create_function(
        FunctionName="slow-pre", Runtime="python3.12", Role=role, Handler="slow.handler",
        Code={"ZipFile": buffer.getvalue()}, Timeout=1,
    )["FunctionArn"]
    uris = gt.upload_inputs(genai.prompts[:1], template=genai.ranking_template)
    gt.create_job("slow", uris, task_type=None, workers_per_object=1,
                  PreHumanTaskLambdaArn=arn)
    described = gt.describe("slow")
    assert described["LabelingJobStatus"] == "Failed"
    assert described["FailureReason"].startswith(
        f"ClientError: Exception invoking the Lambda function {arn}. LambdaErrorCode: Unhandled.")
    logs = boto3.client("logs", region_name="us-east-1")
    messages = [e["message"] for e in
                logs.filter_log_events(logGroupName="/aws/lambda/slow-pre")["events"]]
    assert any("Task timed out after 1.00 seconds" in message for message in messages)
