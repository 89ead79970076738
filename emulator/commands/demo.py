"""`gtemu demo`: the whole story on the bundled pictures, in a few seconds.

Starts gtemu in this process on free ports, uploads the sample pictures with their manifest,
label file and template to the fake S3, creates a work team and a multi-label labeling job
with boto3, labels it with simulated workers through the workers' JSON API, waits for
`Completed` and prints the output manifest against the known truth.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

import gtemu_fixtures

from emulator.commands.arguments import int_between
from emulator.commands.interrupt import wait_until_interrupted
from emulator.commands.work import WorkerApiClient, run_crowd
from emulator.jobs.job import TERMINAL_STATUSES

# The task-type catalogue, the simulated workers and Pillow are imported by the functions that
# use them, so that `gtemu --help` and the other commands do not pay for them
# (docs/interfaces.md#startup).

REGION = "us-east-1"
ACCOUNT = "123456789012"
BUCKET = gtemu_fixtures.BUCKET
JOB_NAME = "gtemu-demo-shapes"
LABEL_ATTRIBUTE = "shapes"
TEAM_NAME = "gtemu-demo-team"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/GroundTruthDemoRole"
CONFIDENT = 0.5  # labels at or above this confidence count as chosen in the summary


@dataclass
class Endpoints:
    """Where the running gtemu answers: the AWS API and the worker UI."""

    aws: str
    worker_ui: str
    worker_token: str = ""


@contextmanager
def running_gtemu() -> Iterator[Endpoints]:
    """gtemu (moto with our operations, and the worker UI) on free ports of 127.0.0.1."""
    from emulator.server import GtemuServer

    server = GtemuServer(host="127.0.0.1", port=0, ui_port=0)
    server.start()
    try:
        yield Endpoints(aws=server.endpoint_url, worker_ui=server.ui_url,
                        worker_token=server.worker_token or "")
    finally:
        server.stop()


def clients(endpoint: str) -> tuple[Any, Any]:
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
    )
    return (
        session.client("sagemaker", endpoint_url=endpoint),
        session.client("s3", endpoint_url=endpoint),
    )


def upload_inputs(s3: Any, objects: int, kind: str = "multilabel") -> dict[str, str]:
    """Pictures, a manifest of `objects` lines (cycling through the pictures of the task kind),
    labels and template; returns their S3 URIs."""
    s3.create_bucket(Bucket=BUCKET)
    pictures = gtemu_fixtures.image_files()
    for picture in pictures:
        s3.put_object(
            Bucket=BUCKET,
            Key=gtemu_fixtures.IMAGE_PREFIX + picture.name,
            Body=picture.read_bytes(),
            ContentType="image/png",
        )
    pictures = [picture for picture in pictures if picture.name in gtemu_fixtures.truth(kind)]
    lines = [
        json.dumps({"source-ref": f"s3://{BUCKET}/{gtemu_fixtures.IMAGE_PREFIX}{picture.name}"})
        for picture in (pictures[index % len(pictures)] for index in range(objects))
    ]
    inputs = {
        "manifest": (f"input/{kind}/manifest.jsonl", "\n".join(lines) + "\n"),
        "labels": (f"input/{kind}/labels.json", gtemu_fixtures.path(f"{kind}/labels.json")),
        "template": (
            f"input/{kind}/template.liquid.html",
            gtemu_fixtures.path(f"{kind}/template.liquid.html"),
        ),
    }
    for key, body in inputs.values():
        text = body if isinstance(body, str) else body.read_text(encoding="utf-8")
        s3.put_object(Bucket=BUCKET, Key=key, Body=text.encode("utf-8"))
    return {name: f"s3://{BUCKET}/{key}" for name, (key, _) in inputs.items()}


def create_team(sagemaker: Any, name: str = TEAM_NAME) -> str:
    response = sagemaker.create_workteam(
        WorkteamName=name,
        Description="Simulated workers of gtemu demo",
        MemberDefinitions=[
            {
                "CognitoMemberDefinition": {
                    "UserPool": f"{REGION}_gtemuDemo",
                    "UserGroup": "demo-workers",
                    "ClientId": "gtemudemoclient0000000000",
                }
            }
        ],
    )
    return response["WorkteamArn"]


def create_job(
    sagemaker: Any,
    uris: dict[str, str],
    team_arn: str,
    workers: int,
    *,
    job_name: str = JOB_NAME,
    kind: str = "multilabel",
    **task_config: Any,
) -> None:
    """A labeling job of a built-in image classification type over the uploaded inputs;
    `task_config` adds or overrides HumanTaskConfig members."""
    from emulator import tasktypes

    task = tasktypes.for_demo(kind)
    if task is None:
        raise ValueError(f"no demo task named {kind}; one of {', '.join(tasktypes.demo_names())}")
    functions = tasktypes.builtin_arns(REGION, task.name)
    sagemaker.create_labeling_job(
        LabelingJobName=job_name,
        LabelAttributeName=LABEL_ATTRIBUTE,
        InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": uris["manifest"]}}},
        OutputConfig={"S3OutputPath": f"s3://{BUCKET}/output/"},
        RoleArn=ROLE_ARN,
        LabelCategoryConfigS3Uri=uris["labels"],
        HumanTaskConfig={
            "WorkteamArn": team_arn,
            "UiConfig": {"UiTemplateS3Uri": uris["template"]},
            "PreHumanTaskLambdaArn": functions["PRE"],
            "TaskKeywords": ["Images", "classification"],
            "TaskTitle": "Shapes and colours",
            "TaskDescription": "Select every shape and colour in the picture",
            "NumberOfHumanWorkersPerDataObject": workers,
            "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": functions["ACS"]
            },
            **task_config,
        },
    )


def wait_for_end(sagemaker: Any, job_name: str = JOB_NAME, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        described = sagemaker.describe_labeling_job(LabelingJobName=job_name)
        status = described["LabelingJobStatus"]
        if status in TERMINAL_STATUSES or time.monotonic() > deadline:
            return described
        time.sleep(0.05)


def read_output(s3: Any, uri: str) -> list[dict]:
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    return [json.loads(line) for line in body.splitlines() if line.strip()]


@dataclass
class Score:
    objects: int = 0
    exact: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    def add(self, chosen: set[str], true: set[str]) -> None:
        self.objects += 1
        self.exact += chosen == true
        self.true_positives += len(chosen & true)
        self.false_positives += len(chosen - true)
        self.false_negatives += len(true - chosen)

    @property
    def precision(self) -> float:
        return self.true_positives / max(self.true_positives + self.false_positives, 1)

    @property
    def recall(self) -> float:
        return self.true_positives / max(self.true_positives + self.false_negatives, 1)


def print_results(out: TextIO, lines: list[dict], truth: dict[str, list[str]]) -> Score:
    """One row per picture: its true labels, then the consolidated labels with confidences.

    The output lists every label any worker chose (docs/consolidation.md#output-manifest-lines); the
    score counts the labels with a confidence of at least CONFIDENT, as a pipeline reading the
    manifest would.
    """
    score = Score()
    print(f"{'picture':<14} {'truth':<26} output labels (confidence), * = below {CONFIDENT}",
          file=out)
    for line in lines:
        picture = line["source-ref"].rsplit("/", 1)[-1]
        true = truth.get(picture, [])
        metadata = line.get(f"{LABEL_ATTRIBUTE}-metadata", {})
        if "failure-reason" in metadata:
            print(f"{picture:<14} {', '.join(true):<26} failed: {metadata['failure-reason'][:50]}",
                  file=out)
            continue
        if "class-name" in metadata:  # single-label output
            labelled = [(metadata["class-name"], metadata["confidence"])]
        else:
            class_map, confidences = metadata["class-map"], metadata["confidence-map"]
            labelled = [(class_map[str(i)], confidences[str(i)]) for i in line[LABEL_ATTRIBUTE]]
        chosen = {label for label, confidence in labelled if confidence >= CONFIDENT}
        shown = ", ".join(
            f"{label} ({confidence:.2f}){'' if confidence >= CONFIDENT else '*'}"
            for label, confidence in labelled
        )
        mark = "" if chosen == set(true) else "  <- differs"
        print(f"{picture:<14} {', '.join(true):<26} {shown}{mark}", file=out)
        score.add(chosen, set(true))
    return score


HELP = "run a multi-label labeling job on the bundled pictures, start to finish"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from emulator import tasktypes  # the --task choices (built only for `gtemu demo`)

    parser = subparsers.add_parser(
        "demo",
        help=HELP,
        description=(
            "Start gtemu in this process, create a multi-label image classification job over "
            "boto3 on the bundled pictures of shapes, label it with simulated workers and print "
            "the output manifest against the known truth."
        ),
    )
    parser.add_argument("--objects", type=int_between(1, 100_000), default=32,
                        help="data objects in the manifest (default %(default)s; the 32 pictures "
                             "repeat beyond that)")
    parser.add_argument("--workers", type=int_between(1, 9), default=3,
                        help="simulated workers, each answering every object, 1..9 "
                             "(default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    parser.add_argument("--task", choices=tasktypes.demo_names(), default="multilabel",
                        help="the task type to demonstrate (default %(default)s; bounding-box "
                             "draws its own pictures with known boxes)")
    parser.add_argument("--keep-serving", action="store_true",
                        help="keep gtemu running afterwards, to look at the job (Ctrl-C stops)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emulator import tasktypes
    from emulator.commands.demo_boxes import MATCH_IOU, print_box_results, upload_box_inputs
    from emulator.simulate import Truth, simulated_crowd

    out = sys.stdout
    # The servers' request log would drown the story.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    started = time.monotonic()
    with running_gtemu() as endpoints:
        sagemaker, s3 = clients(endpoints.aws)
        print(f"gtemu is running: AWS API at {endpoints.aws}, worker UI at {endpoints.worker_ui}",
              file=out)
        task = tasktypes.for_demo(args.task)
        boxes = task is not None and task.reads_image_size  # a drawing task: boxes
        if boxes:
            uris, box_truth = upload_box_inputs(
                s3, BUCKET, args.objects, args.seed, task.template or ""
            )
            truth = Truth(box_truth, seed=args.seed)
            print(f"Drew {args.objects} pictures with known boxes and uploaded them with a "
                  f"manifest to s3://{BUCKET}/", file=out)
        else:
            uris = upload_inputs(s3, args.objects, args.task)
            truth = Truth(gtemu_fixtures.truth(args.task), seed=args.seed)
            print(f"Uploaded {len(gtemu_fixtures.image_files())} pictures and a manifest of "
                  f"{args.objects} objects to s3://{BUCKET}/", file=out)
        team_arn = create_team(sagemaker)
        create_job(sagemaker, uris, team_arn, args.workers, kind=args.task)
        print(f"Created labeling job {JOB_NAME} ({args.task}, {args.workers} workers per "
              "object); labeling with simulated workers...", file=out, flush=True)
        crowd = simulated_crowd(args.workers, seed=args.seed, truth=truth)
        client = WorkerApiClient(endpoints.worker_ui, account=ACCOUNT, region=REGION,
                                 token=endpoints.worker_token)
        report, _ = run_crowd(client, JOB_NAME, crowd, progress=sys.stderr, timeout=120)
        described = wait_for_end(sagemaker)
        status = described["LabelingJobStatus"]
        if status != "Completed":
            reason = described.get("FailureReason") or "; ".join(report.errors) or "timed out"
            print(f"The job ended {status}: {reason}", file=sys.stderr)
            return 1
        output_uri = described["LabelingJobOutput"]["OutputDatasetS3Uri"]
        print(file=out)
        lines = read_output(s3, output_uri)
        if boxes:
            box_score = print_box_results(out, lines, box_truth, LABEL_ATTRIBUTE)
        else:
            score = print_results(out, lines, gtemu_fixtures.truth(args.task))
        counters = described["LabelCounters"]
        print(file=out)
        print(f"Job {JOB_NAME}: {status} in {time.monotonic() - started:.1f} s; "
              f"{counters['HumanLabeled']} labeled, {counters['FailedNonRetryableError']} failed, "
              f"{sum(report.answers.values())} answers", file=out)
        if boxes:
            print(f"Against the truth (boxes matched by label at IoU >= {MATCH_IOU}): "
                  f"precision {box_score.precision:.2f}, recall {box_score.recall:.2f}, "
                  f"mean IoU of matched boxes {box_score.mean_iou:.2f}", file=out)
        else:
            print(f"Against the truth (labels with confidence >= {CONFIDENT}): {score.exact}/"
                  f"{score.objects} pictures exactly right; label precision "
                  f"{score.precision:.2f}, recall {score.recall:.2f}", file=out)
        print(f"Output manifest: {output_uri}", file=out)
        when = "while gtemu runs" if args.keep_serving else "with gtemu demo --keep-serving"
        print(f"  fetch it {when} (any credentials, e.g. AWS_ACCESS_KEY_ID=testing "
              f"AWS_SECRET_ACCESS_KEY=testing):", file=out)
        print(f"  aws --endpoint-url {endpoints.aws} --region {REGION} s3 cp {output_uri} -",
              file=out)
        if args.keep_serving:
            print("gtemu keeps running; press Ctrl-C to stop.", file=out, flush=True)
            wait_until_interrupted()
    return 0
