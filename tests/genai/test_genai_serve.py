"""Under `gtemu serve`: V2 custom jobs (PassThrough, no Lambdas) labeled by `gtemu work`, and
functions created through the Lambda API running as a job's PRE and ACS Lambdas."""

from __future__ import annotations

import io
import json
import textwrap
import zipfile

import boto3
import pytest

from emulator.cli import main
from emulator.commands.demo import create_team
from emulator.lambdas import BUILTIN_ACCOUNTS
from emulator.server import GtemuServer

REGION = "us-east-1"
BUCKET = "genai-serve"
ROLE = "arn:aws:iam::123456789012:role/LabelingRole"
PASSTHROUGH = f"arn:aws:lambda:{REGION}:{BUILTIN_ACCOUNTS[REGION]}:function"


@pytest.fixture(scope="module")
def server():
    with GtemuServer(port=0, ui_port=0) as running:
        session = boto3.session.Session(aws_access_key_id="testing",
                                        aws_secret_access_key="testing", region_name=REGION)
        running.client = lambda name: session.client(name, endpoint_url=running.endpoint_url)
        running.client("s3").create_bucket(Bucket=BUCKET)
        running.team = create_team(running.client("sagemaker"))
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}
        running.client("iam").create_role(RoleName="LabelingRole",
                                          AssumeRolePolicyDocument=json.dumps(trust))
        yield running


def _put(server, key, body):
    server.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body.encode())
    return f"s3://{BUCKET}/{key}"


def _create_job(server, name, template, lines, *, pre=None, acs=None, workers=1):
    manifest = "".join(json.dumps(line) + "\n" for line in lines)
    config = {
        "WorkteamArn": server.team,
        "UiConfig": {"UiTemplateS3Uri": _put(server, f"{name}/template.html", template)},
        "TaskTitle": "Generative AI", "TaskDescription": "Label model output",
        "NumberOfHumanWorkersPerDataObject": workers, "TaskTimeLimitInSeconds": 300,
    }
    if pre:
        config["PreHumanTaskLambdaArn"] = pre
    if acs:
        config["AnnotationConsolidationConfig"] = {"AnnotationConsolidationLambdaArn": acs}
    server.client("sagemaker").create_labeling_job(
        LabelingJobName=name, LabelAttributeName="llm",
        InputConfig={"DataSource": {"S3DataSource": {
            "ManifestS3Uri": _put(server, f"{name}/manifest.jsonl", manifest)}}},
        OutputConfig={"S3OutputPath": f"s3://{BUCKET}/output/"},
        RoleArn=ROLE, HumanTaskConfig=config,
    )
    return name


def _work(server, job, workers, capsys):
    code = main(["work", "--endpoint", server.ui_url, "--token", server.worker_token,
                 "--job", job, "--workers", str(workers)])
    out, err = capsys.readouterr()
    return code, out, err


def _output(server, job):
    body = server.client("s3").get_object(
        Bucket=BUCKET, Key=f"output/{job}/manifests/output/output.manifest")["Body"].read()
    return [json.loads(line) for line in body.decode().splitlines()]


def _read_uri(server, uri):
    bucket, key = uri[len("s3://"):].split("/", 1)
    return json.loads(server.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def test_gtemu_work_labels_a_passthrough_ranking_job(server, genai, capsys):
    job = _create_job(server, "serve-rank", genai.ranking_template, genai.prompts,
                      pre=f"{PASSTHROUGH}:PRE-PassThrough", acs=f"{PASSTHROUGH}:ACS-PassThrough",
                      workers=2)
    code, out, err = _work(server, job, 2, capsys)
    assert code == 0, out + err
    assert "2 of 2 objects labeled, 0 failed; 4 answers" in out
    for line in _output(server, job):
        assert line["llm"] == {}
        answers = _read_uri(server, line["llm-metadata"]["worker-response-ref"])["answers"]
        assert [list(a["answerContent"]) for a in answers] == [["ordinalRankingDimensions"]] * 2


def test_gtemu_work_labels_a_question_answer_job_without_lambdas(server, genai, capsys):
    job = _create_job(server, "serve-qa", genai.qa_template, genai.passages)
    code, out, err = _work(server, job, 1, capsys)
    assert code == 0, out + err
    for passage, line in zip(genai.passages, _output(server, job), strict=True):
        (answer,) = _read_uri(server, line["llm-metadata"]["worker-response-ref"])["answers"]
        for pair in answer["answerContent"]["questionAnswerPairs"]:
            (reference,) = pair["references"]
            assert passage["source"][reference["startOffset"]:reference["endOffset"]] == (
                pair["answer"])


def test_gtemu_work_names_an_element_gtemu_does_not_know(server, capsys):
    template = "<crowd-form><crowd-hologram name='x'></crowd-hologram></crowd-form>"
    job = _create_job(server, "serve-unknown", template, [{"source": "a"}])
    code, out, err = _work(server, job, 1, capsys)
    assert code == 1
    assert "<crowd-hologram>, which gtemu does not know" in out + err


# -- Lambda-API functions -------------------------------------------------------------------

PRE_SOURCE = '''
import os

def handler(event, context):
    line = event["dataObject"]
    print("pre-annotating", line["source"], "as", os.environ["GREETING"])
    return {"taskInput": {"source": line["source"], "responses": line["responses"]},
            "isHumanAnnotationRequired": "true"}
'''

ACS_SOURCE = '''
import json
import boto3

def handler(event, context):
    bucket, key = event["payload"]["s3Uri"][len("s3://"):].split("/", 1)
    body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    print("consolidating", len(json.loads(body)), "objects for", context.function_name)
    results = []
    for item in json.loads(body):
        answers = [json.loads(a["annotationData"]["content"]) for a in item["annotations"]]
        best = [r["ordinalRankingDimensions"][0]["responseRankings"].index(1) for r in answers]
        results.append({"datasetObjectId": item["datasetObjectId"],
                        "consolidatedAnnotation": {"content": {event["labelAttributeName"]: {
                            "best": best}}}})
    return results
'''

RAISING_SOURCE = '''
def handler(event, context):
    print("about to fail")
    raise ValueError("no consolidation today")
'''


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("function.py", textwrap.dedent(source))
    return buffer.getvalue()


def _function(server, name, source, **extra):
    response = server.client("lambda").create_function(
        FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="function.handler",
        Code={"ZipFile": _zip(source)}, Timeout=30, **extra,
    )
    return response["FunctionArn"]


def _log_lines(server, name):
    events = server.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")
    return [event["message"] for event in events["events"]]


def test_lambda_api_functions_run_as_pre_and_acs_lambdas(server, genai, capsys):
    pre = _function(server, "rank-pre", PRE_SOURCE,
                    Environment={"Variables": {"GREETING": "hello"}})
    acs = _function(server, "rank-acs", ACS_SOURCE)
    job = _create_job(server, "serve-lambdas", genai.ranking_template, genai.prompts,
                      pre=pre, acs=acs)
    code, out, err = _work(server, job, 1, capsys)
    assert code == 0, out + err
    lines = _output(server, job)
    assert [len(line["llm"]["best"]) for line in lines] == [1, 1]
    assert lines[0]["llm-metadata"]["type"] == "groundtruth/custom"
    logged = _log_lines(server, "rank-pre")
    assert f"pre-annotating {genai.prompts[0]['source']} as hello" in logged
    assert any(message.startswith("START RequestId:") for message in logged)
    assert "consolidating 2 objects for rank-acs" in _log_lines(server, "rank-acs")
    assert "[lambda rank-acs] consolidating 2 objects for rank-acs" in err  # server console


def test_a_raising_consolidation_function_fails_the_job_with_aws_reason(server, genai, capsys):
    acs = _function(server, "broken-acs", RAISING_SOURCE)
    job = _create_job(server, "serve-broken", genai.qa_template, genai.passages[:1], acs=acs)
    code, out, err = _work(server, job, 1, capsys)
    assert code == 1
    described = server.client("sagemaker").describe_labeling_job(LabelingJobName=job)
    assert described["LabelingJobStatus"] == "Failed"
    assert described["FailureReason"] == (
        f"ClientError: Exception invoking the Lambda function {acs}. LambdaErrorCode: Unhandled. "
        f"Ensure the Lambda function exists, that the role {ROLE} has permissions to invoke it "
        "and try your request again."
    )
    logged = _log_lines(server, "broken-acs")
    assert "about to fail" in logged
    assert any("ValueError: no consolidation today" in message for message in logged)


def test_the_worker_api_refuses_a_broken_v2_answer_and_keeps_the_task(server, genai):
    from emulator.commands.work import WorkerApiClient, WorkerApiError

    job = _create_job(server, "serve-refuse", genai.ranking_template, genai.prompts[:1])
    client = WorkerApiClient(server.ui_url, token=server.worker_token)
    task = client.next_task(job, "carol")
    assert [e["tag"] for e in task.elements if e["tag"].startswith("crowd-text")] == [
        "crowd-text-ranking"]
    tie = {"ordinalRankingDimensions": [
        {"name": "Helpfulness", "allowTie": True, "responseRankings": [1, 1, 2]},
        {"name": "Honesty", "allowTie": False, "responseRankings": [1, 1, 2]}]}
    with pytest.raises(WorkerApiError) as refused:
        client.submit(task.task_id, "carol", tie)
    assert refused.value.status == 400
    assert 'Dimension "Honesty" does not allow ties' in refused.value.message
    assert client.next_task(job, "carol").task_id == task.task_id  # still the worker's
    tie["ordinalRankingDimensions"][1]["responseRankings"] = [1, 3, 2]
    client.submit(task.task_id, "carol", tie)


def test_a_function_from_a_cloudformation_stack_runs_as_the_pre_annotation_lambda(
        server, genai, capsys):
    inline = textwrap.dedent("""
        def handler(event, context):
            line = event["dataObject"]
            print("stack pre for", line["source"])
            return {"taskInput": line}
    """)
    stack = {"Resources": {"Pre": {"Type": "AWS::Lambda::Function", "Properties": {
        "FunctionName": "stack-pre", "Runtime": "python3.11", "Handler": "index.handler",
        "Role": ROLE, "Code": {"ZipFile": inline}}}}}
    server.client("cloudformation").create_stack(StackName="labeling",
                                                 TemplateBody=json.dumps(stack))
    pre = server.client("lambda").get_function(FunctionName="stack-pre")
    job = _create_job(server, "serve-stack", genai.ranking_template, genai.prompts[:1],
                      pre=pre["Configuration"]["FunctionArn"])
    code, out, err = _work(server, job, 1, capsys)
    assert code == 0, out + err
    assert f"stack pre for {genai.prompts[0]['source']}" in _log_lines(server, "stack-pre")
