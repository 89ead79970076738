"""Reliability figures: concurrent workers and submissions per second; bad inputs handled cleanly.

1. Load: `gtemu serve` in this process on free loopback ports, a multi-label job of `--objects`
   objects and 3 workers per object, worked by `--workers` concurrent simulated workers over
   the workers' JSON API (with retried, double-clicked and changed answers). Checks exact
   counts, no duplicates, no task held by two workers, one consolidation per object.
2. Bad inputs: a seeded catalogue of distinct hostile inputs at every place input enters
   (API requests, manifests, label files, templates, worker posts, portal posts, media URLs),
   each checked for a clean refusal: the right kind of error, and no change anywhere else.

    python benchmarks/reliability.py [--objects 2000] [--workers 50] [--seed 1]
                                     [--skip-load] [--skip-inputs]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import logging
import random
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

from emulator.server import GtemuServer  # noqa: E402
from emulator.testing import GroundTruth, groundtruth_session  # noqa: E402
from tests.hardening.hostile import (  # noqa: E402
    BAD_MANIFEST_LINES,
    BOMBS,
    HOSTILE_BODIES,
    clean_json_refusal,
    engine_snapshot,
)
from tests.hardening.load import problems_of, run_load, summary  # noqa: E402
from tests.hardening.portal import csrf_of, frame_token, sign_in, start_task  # noqa: E402
from worker_ui.app import create_app  # noqa: E402
from worker_ui.media import MediaSigner, signer_of  # noqa: E402

ELEMENT = "crowd-image-classifier-multi-select"
LABELS = ["cat", "dog", "bird"]
BUCKET = "gtemu-test"


@dataclass
class Tally:
    """Distinct bad inputs tried per entry point, and the ones not handled cleanly."""

    tried: dict[str, set[str]] = field(default_factory=dict)
    unclean: list[str] = field(default_factory=list)

    def record(self, entry: str, case: Any, problem: str | None) -> None:
        digest = hashlib.sha256(repr(case).encode("utf-8", "surrogatepass")).hexdigest()
        seen = self.tried.setdefault(entry, set())
        if digest in seen:
            return
        seen.add(digest)
        if problem is not None:
            self.unclean.append(f"{entry}: {problem} <- {repr(case)[:120]}")

    def report(self) -> None:
        total = sum(len(cases) for cases in self.tried.values())
        print(f"{'entry point':<22} {'distinct bad inputs':>20}")
        for entry, cases in self.tried.items():
            print(f"{entry:<22} {len(cases):>20}")
        print(f"{'total':<22} {total:>20}")
        print(f"handled cleanly: {total - len(self.unclean)} of {total}")
        for line in self.unclean:
            print(f"  NOT CLEAN {line}")


# -- random hostile values -------------------------------------------------------------------


def random_json(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["null", "bool", "int", "float", "text"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.choice([0, -1, 2**63, -(2**70), rng.randint(-1000, 1000)])
    if kind == "float":
        return rng.choice([0.5, -1e308, 1e-300, rng.random()])
    if kind == "text":
        return random_text(rng)
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {random_text(rng): random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def random_text(rng: random.Random, size: int = 12) -> str:
    alphabet = "ab<>\"'&{}%$\\/\x00\u202e\u00e9\U0001f600 \n"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, size)))


def bad_answers(rng: random.Random, count: int) -> Iterator[Any]:
    """Answers a multi-label task of LABELS must refuse."""
    fixed = [
        {}, [], "cat", {ELEMENT: {}}, {ELEMENT: {"labels": []}}, {ELEMENT: {"labels": "cat"}},
        {ELEMENT: {"labels": ["cat", "cat"]}}, {ELEMENT: {"labels": ["Cat"]}},
        {ELEMENT: {"labels": ["cat", None]}}, {ELEMENT: {"labels": [["cat"]]}},
        {ELEMENT: {"labels": ["cat "]}}, {ELEMENT: {"labels": ["<script>alert(1)</script>"]}},
        {ELEMENT: {"label": "cat"}}, {ELEMENT: {"labels": ["cat"] * 1000}},
    ]
    yield from fixed
    for _ in range(count):
        labels = [rng.choice([random_text(rng), *LABELS]) for _ in range(rng.randint(1, 4))]
        if all(label in LABELS for label in labels) and len(set(labels)) == len(labels):
            labels.append(random_text(rng) + "!")
        yield {ELEMENT: {"labels": labels}, **({"extra": random_json(rng)} if rng.random() < .3
                                              else {})}


# -- entry points ------------------------------------------------------------------------------


def _job(gt: GroundTruth, name: str, objects: int, workers: int = 1, **overrides: Any) -> None:
    uris = gt.upload_inputs(objects, labels=LABELS, prefix=f"input-{name}")
    gt.create_job(name, uris, workers_per_object=workers, **overrides)
    gt.engine.pump()


@contextmanager
def _session() -> Iterator[GroundTruth]:
    with groundtruth_session() as gt:
        yield gt


def worker_api_posts(tally: Tally, rng: random.Random) -> None:
    with _session() as gt:
        _job(gt, "posts", 50)
        client = _api_client(create_app({"SECRET_KEY": "bench", "PROPAGATE_EXCEPTIONS": False}))
        task_id = client.post("/api/v1/jobs/posts/tasks/next",
                              json={"worker": "ann"}).get_json()["taskId"]

        def check(path: str, body: bytes, entry: str = "worker API posts") -> None:
            before = engine_snapshot(gt.engine)
            response = client.post(path, data=body, content_type="application/json")
            problem = clean_json_refusal(response)
            if problem is None and engine_snapshot(gt.engine) != before:
                problem = "refused but the engine changed"
            tally.record(entry, (path.rsplit("/", 1)[-1], body), problem)

        submit = f"/api/v1/tasks/{task_id}/submit"
        bodies = list(HOSTILE_BODIES)
        bodies += [rng.randbytes(rng.randint(1, 200)) for _ in range(100)]
        bodies += [json.dumps(random_json(rng)).encode() for _ in range(100)]
        bodies += [json.dumps({"worker": "ann", "answer": a}).encode()
                   for a in bad_answers(rng, 150)]
        bodies += [json.dumps({"worker": w, "answer": {ELEMENT: {"labels": ["cat"]}}}).encode()
                   for w in ["", " ", "x" * 129, 5, None, ["ann"], "bob", "ann\n", "\u0000"]]
        bodies += [json.dumps({"worker": "ann", "answer": {ELEMENT: {"labels": ["cat"]}},
                               "activeSeconds": s}).encode() for s in [-1, "5", True, [1]]]
        bodies += [b'{"worker": "ann", "answer": {"pad": "' + b"x" * 2_100_000 + b'"}}']
        for body in bodies:
            check(submit, body)
        for _ in range(60):
            action = rng.choice(["submit", "decline", "release"])
            bogus = rng.choice([random_text(rng).replace("/", ""), "0" * 32, task_id[::-1]])
            check(f"/api/v1/tasks/{bogus or 'x'}/{action}",
                  json.dumps({"worker": "ann", "answer": {}}).encode())
        for action in ("decline", "release"):
            check(f"/api/v1/tasks/{task_id}/{action}", json.dumps({"worker": "bob"}).encode())


def portal_posts(tally: Tally, rng: random.Random) -> None:
    with _session() as gt:
        _job(gt, "portal", 5)
        app = create_app({"SECRET_KEY": "bench", "PROPAGATE_EXCEPTIONS": False})
        ann = _api_client(app)
        sign_in(ann, "ann")
        task_id = start_task(ann, "portal")
        token = frame_token(ann, task_id)
        answers = [random_text(rng, 40) for _ in range(60)]
        answers += [json.dumps(random_json(rng)) for _ in range(60)]
        answers += [json.dumps([a]) for a in bad_answers(rng, 60)]
        answers += ["[" * 100_000, "[{}, {}]", "[]", '[{"a": NaN}]']
        for answer in answers:
            for form in ({"taskAnswers": answer, "csrf_token": token},
                         {"taskAnswers": answer}):
                before = engine_snapshot(gt.engine)
                response = ann.post(f"/tasks/{task_id}/submit", data=form)
                problem = None
                if not 400 <= response.status_code < 500 or not response.get_data().strip():
                    problem = f"HTTP {response.status_code}"
                elif engine_snapshot(gt.engine) != before:
                    problem = "refused but the engine changed"
                tally.record("portal posts", sorted(form.items()), problem)
        for body in [*HOSTILE_BODIES, b'{"seconds": -1}', b'{"seconds": "5"}', b"{}", b"[]"]:
            before = engine_snapshot(gt.engine)
            response = ann.post(f"/tasks/{task_id}/hidden", data=body,
                                content_type="application/json",
                                headers={"X-CSRFToken": csrf_of(ann, "/jobs")})
            problem = clean_json_refusal(response)
            if problem is None and engine_snapshot(gt.engine) != before:
                problem = "refused but the engine changed"
            tally.record("portal posts", ("hidden", body), problem)


def media_urls(tally: Tally, rng: random.Random) -> None:
    secret = b"not for you"
    with _session() as gt:
        gt.put_object(f"s3://{BUCKET}/images/cat.png", b"cat picture")
        gt.put_object(f"s3://{BUCKET}/private/secret.txt", secret)
        app = create_app({"SECRET_KEY": "bench", "MEDIA_URL_TTL_SECONDS": 60})
        client = _api_client(app)
        signer = signer_of(app)
        valid = signer.url_for_object(BUCKET, "images/cat.png").rsplit("/", 1)[1]

        def check(path: str, expected: tuple[int, ...] = (403, 404)) -> None:
            response = client.get(path)
            body = response.get_data()
            problem = None
            if response.status_code not in expected or secret in body or b"cat picture" in body:
                problem = f"HTTP {response.status_code}"
            tally.record("media URLs", path, problem)

        for _ in range(100):
            check("/media/" + random_text(rng, 60).replace("/", "_"))
        raw = base64.urlsafe_b64decode(valid + "=" * (-len(valid) % 4))
        for position in range(len(valid)):
            altered = valid[:position] + ("A" if valid[position] != "A" else "B") + \
                valid[position + 1:]
            if base64.urlsafe_b64decode(altered + "=" * (-len(altered) % 4)) != raw:
                check("/media/" + altered)
        forger = MediaSigner("another server", 60)
        for key in ["images/cat.png", "private/secret.txt", "../private/secret.txt"]:
            check(forger.url_for_object(BUCKET, key))
        check(signer.url_for_object(BUCKET, "images/../private/secret.txt"))
        for path in ["../private/secret.txt", "..%2f..%2fetc%2fpasswd", "%2e%2e/%2e%2e/etc/passwd",
                     "s3://gtemu-test/private/secret.txt", "https%3A%2F%2Fexample.com%2Fa.png",
                     "%00", "", "....//....//etc/passwd"]:
            check("/media/" + path)
        expiring = signer.url_for_object(BUCKET, "images/cat.png")
        gt.advance(61)
        check(expiring, (403,))


def _failed_cleanly(gt: GroundTruth, name: str, start: str, end: str) -> str | None:
    described = gt.describe(name)
    if described["LabelingJobStatus"] != "Failed":
        return f"status {described['LabelingJobStatus']}"
    reason = described["FailureReason"]
    if not (reason.startswith(start) and reason.endswith(end)):
        return f"FailureReason {reason!r}"
    if gt.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"out/{name}/").get("KeyCount", 0):
        return "a failed job wrote output"
    if gt.next_task(name, "ann") is not None:
        return "a failed job hands out tasks"
    return None


def _job_state(gt: GroundTruth, name: str) -> dict[str, Any]:
    return next(job for job in json.loads(engine_snapshot(gt.engine)) if job["name"] == name)


def job_inputs(tally: Tally, rng: random.Random) -> None:
    counter = iter(range(10**6))
    with _session() as gt:
        _job(gt, "bystander", 3)
        bystander = _job_state(gt, "bystander")
        base = gt.upload_inputs(2, labels=LABELS, prefix="base")

        def run(entry: str, kind: str, body: bytes, start: str, end_of: Callable[[str], str]
                ) -> None:
            number = next(counter)
            name = f"bad-{number}"
            uri = gt.put_object(f"s3://{BUCKET}/cases/{number}", body)
            gt.create_job(name, {**base, kind: uri, "output": f"s3://{BUCKET}/out/{name}"},
                          workers_per_object=1)
            gt.engine.pump()
            problem = _failed_cleanly(gt, name, start, end_of(uri))
            if problem is None and _job_state(gt, "bystander") != bystander:
                problem = "another job changed"
            tally.record(entry, body, problem)

        good = [json.dumps({"source-ref": f"s3://{BUCKET}/images/{i}.jpg",
                            "note": random_text(rng)}).encode() for i in range(6)]
        for bad in BAD_MANIFEST_LINES:
            for _ in range(5):
                before = [rng.choice(good + [b"", b"  "]) for _ in range(rng.randint(0, 4))]
                after = [rng.choice(good + [bad.raw]) for _ in range(rng.randint(0, 2))]
                lines = before + [bad.raw] + after
                number = len(before) + 1
                run("manifests", "manifest", b"\n".join(lines), f"ClientError: {bad.problem}",
                    lambda uri, n=number: f"({uri}, line {n}).")
        for blank in [b"", b"\n\n", b"  \r\n\t\n"]:
            run("manifests", "manifest", blank, "ClientError: The input manifest contains no",
                lambda uri: f"({uri}).")

        documents: list[Any] = [
            None, 5, "labels", [], {}, {"labels": []}, {"labels": "cat"},
            {"labels": [{"label": "only-one"}]}, {"labels": [{"label": "a"}, {"label": "a"}]},
            {"labels": [{"label": "a"}, {"label": 5}]}, {"labels": [{"name": "a"}, {"name": "b"}]},
            {"labels": [{"label": "a"}, {"label": "x" * 257}]},
            {"labels": [{"label": f"l{i}"} for i in range(51)]}, {"labels": [None, None]},
        ]
        documents += [{"labels": [{"label": random_text(rng)} for _ in range(rng.choice([0, 1]))]}
                      for _ in range(20)]
        bodies = [json.dumps(d).encode() for d in documents]
        bodies += [rng.randbytes(rng.randint(1, 60)) for _ in range(30)]
        bodies += [b'{"labels": NaN}', b"[" * 100_000, b'{"labels": [{"label": "\xff"}]}']
        for body in bodies:
            run("label files", "labels", body, "ClientError: ", lambda uri: f"({uri}).")

        syntax_errors = ["{% for x in y %}", "{{ task.input", "{% if %}{% endif %}",
                         "{% endfor %}", "{% raw %}", "{{ 'a' | nosuchfilter }}{% bogus %}",
                         "{% for %}", "{% assign = 1 %}", "{% comment %}", "{{ }}}"]
        syntax_errors += ["<p>" + rng.choice(["{%", "{{"]) + random_text(rng) for _ in range(20)]
        for source in syntax_errors:
            body = source.encode()
            try:
                from worker_ui.liquid import TemplateSyntaxError, parse_template

                parse_template(source)
                continue  # valid after all (random text can be); not a bad input
            except TemplateSyntaxError:
                pass
            run("templates", "template", body,
                "ClientError: The worker task template is not valid Liquid", lambda uri: ").")
        for body in [b"<p>\xff</p>", b"x" * 128_001]:
            run("templates", "template", body, "ClientError: ", lambda uri: f"({uri}).")


def templates_rendered(tally: Tally) -> None:
    with _session() as gt:
        for name, source in BOMBS.items():
            response = gt.sagemaker.render_ui_template(
                UiTemplate={"Content": source}, Task={"Input": '{"taskObject": "s3://b/k.jpg"}'},
                RoleArn="arn:aws:iam::123456789012:role/GroundTruth",
            )
            errors = response["Errors"]
            problem = None if [e["Code"] for e in errors] == ["RenderLimitExceeded"] else \
                f"errors {errors}"
            tally.record("templates", name, problem)


def api_requests(tally: Tally, rng: random.Random) -> None:
    with _session() as gt:
        _job(gt, "existing", 2)
        uris = gt.upload_inputs(2, labels=LABELS, prefix="api")
        # Send every request to the server: botocore's own checks would refuse some first.
        gt.sagemaker = boto3.client("sagemaker", region_name=gt.region_name,
                                    config=Config(parameter_validation=False))
        cases: list[dict[str, Any]] = [
            {"job_name": "bad name!"}, {"job_name": "x" * 64}, {"job_name": "existing"},
            {"workers_per_object": 0}, {"workers_per_object": 10}, {"TaskTimeLimitInSeconds": 5},
            {"TaskTimeLimitInSeconds": 10**9}, {"MaxConcurrentTaskCount": 0},
            {"LabelAttributeName": "bad name!"}, {"LabelAttributeName": "x-ref"},
            {"RoleArn": "not-an-arn"}, {"uris": {**uris, "manifest": "http://example.com/m"}},
            {"uris": {**uris, "output": "s3://"}}, {"workteam_arn": "arn:aws:sagemaker:nowhere"},
            {"TaskTitle": ""}, {"TaskTitle": "x" * 129}, {"TaskKeywords": ["ok"] * 6},
        ]
        cases += [{"job_name": random_text(rng)} for _ in range(10)]
        for case in cases:
            before = engine_snapshot(gt.engine)
            listed = len(gt.sagemaker.list_labeling_jobs()["LabelingJobSummaryList"])
            arguments = dict(case)
            name = arguments.pop("job_name", f"api-{rng.randrange(10**9)}")
            job_uris = arguments.pop("uris", uris)
            if "LabelAttributeName" in arguments:
                arguments["label_attribute_name"] = arguments.pop("LabelAttributeName")
            problem = None
            try:
                gt.create_job(name, job_uris, **arguments)
                problem = "accepted"
            except ClientError as error:
                code = error.response["Error"]["Code"]
                if code not in ("ValidationException", "ResourceInUse", "ResourceNotFound"):
                    problem = f"error code {code}"
                elif not error.response["Error"].get("Message"):
                    problem = "no message"
            after = len(gt.sagemaker.list_labeling_jobs()["LabelingJobSummaryList"])
            if problem is None and (after != listed or engine_snapshot(gt.engine) != before):
                problem = "refused but something changed"
            tally.record("API requests", case, problem)


def bad_input_tally(seed: int) -> Tally:
    tally = Tally()
    rng = random.Random(seed)
    api_requests(tally, rng)
    job_inputs(tally, rng)
    templates_rendered(tally)
    worker_api_posts(tally, rng)
    portal_posts(tally, rng)
    media_urls(tally, rng)
    return tally


def load(objects: int, workers: int, seed: int) -> bool:
    with GtemuServer(host="127.0.0.1", port=0, ui_port=0) as server:
        report = run_load(server.ui_url, server.endpoint_url, objects=objects, workers=workers,
                          job_name="reliability-load", seed=seed, timeout=1800,
                          token=server.worker_token)
        problems = problems_of(report, server.endpoint_url)
    summary(report, problems)
    return not problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-inputs", action="store_true")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("worker_ui").setLevel(logging.CRITICAL)
    ok = True
    if not args.skip_load:
        ok &= load(args.objects, args.workers, args.seed)
    if not args.skip_inputs:
        tally = bad_input_tally(args.seed)
        tally.report()
        ok &= not tally.unclean
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())


def _api_client(app):
    """A test client that sends the app's worker token, as `gtemu work` does."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['WORKER_TOKEN']}"
    return client
