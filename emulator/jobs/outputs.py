"""The files a job writes under `<S3OutputPath>/<job name>/`
(docs/engine.md#output-files).

Every file is serialised with `consolidation.serialization` and written in one PutObject, so
it is complete whenever it is visible.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from consolidation.serialization import answer_timestamp, dumps, file_timestamp
from emulator.jobs.s3 import S3Store, join


class OutputWriter:
    """Writes one job's output files; remembers batch file names to avoid collisions."""

    def __init__(self, store: S3Store, prefix: str) -> None:
        self.store = store
        self.prefix = prefix
        self._batch_stamps: dict[int, set[str]] = {}

    def uri(self, *parts: str) -> str:
        return join(self.prefix, *parts)

    def batch_stamp(self, iteration: int, moment: datetime) -> str:
        """A file name for a batch of `iteration`: the moment's second, or the next free one
        if a batch of that iteration already used it
        (docs/engine.md#json-as-ground-truth-writes-it)."""
        used = self._batch_stamps.setdefault(iteration, set())
        stamp = file_timestamp(moment)
        while stamp in used:
            moment += timedelta(seconds=1)
            stamp = file_timestamp(moment)
        used.add(stamp)
        return stamp

    def worker_response(
        self,
        iteration: int,
        dataset_object_id: str,
        moment: datetime,
        answers: list[Any],
        *,
        public: bool = False,
    ) -> str:
        """All answers of one object (docs/engine.md#worker-response-files); returns the file's
        URI. Public-workforce files have the shape of real public-crowd files
        (`public_answer_record`)."""
        uri = self.uri(
            "annotations",
            "worker-response",
            f"iteration-{iteration}",
            dataset_object_id,
            file_timestamp(moment) + ".json",
        )
        ordered = sorted(answers, key=lambda answer: answer.submitted_at)
        record = public_answer_record if public else answer_record
        self.store.write(uri, dumps({"answers": [record(a) for a in ordered]}))
        return uri

    def consolidation_request_uri(self, iteration: int, stamp: str) -> str:
        return self.uri(
            "annotations",
            "consolidated-annotation",
            "consolidation-request",
            f"iteration-{iteration}",
            stamp + ".json",
        )

    def consolidation_request(self, iteration: int, stamp: str, items: list[dict]) -> str:
        uri = self.consolidation_request_uri(iteration, stamp)
        self.store.write(uri, dumps(items))
        return uri

    def consolidation_response(self, iteration: int, stamp: str, response: Any) -> None:
        uri = self.uri(
            "annotations",
            "consolidated-annotation",
            "consolidation-response",
            f"iteration-{iteration}",
            stamp + ".json",
        )
        self.store.write(uri, dumps(response))

    def consolidated_output(self, name: str, body: bytes) -> str:
        """A file of the consolidated labels themselves (a semantic-segmentation label map):
        `annotations/consolidated-annotation/output/<name>`; returns its URI."""
        uri = self.uri("annotations", "consolidated-annotation", "output", name)
        self.store.write(uri, body)
        return uri

    def wave_index(self, iteration: int, entries: Iterable[dict[str, Any]]) -> None:
        """`annotations/intermediate/<k>/annotations.json`
        (docs/engine.md#the-intermediate-annotation-index)."""
        body = "".join(dumps(entry) + "\n" for entry in entries)
        self.store.write(self.uri("annotations", "intermediate", str(iteration),
                                  "annotations.json"), body)

    def intermediate_manifest(self, iteration: int, text: str) -> None:
        """The whole manifest after a batch of wave `iteration`
        (docs/engine.md#intermediate-manifests), as JSON Lines."""
        uri = self.uri("manifests", "intermediate", str(iteration), "output.manifest")
        self.store.write(uri, text)

    def output_manifest(self, serialized_lines: Iterable[str]) -> None:
        self.store.write(self.uri("manifests", "output", "output.manifest"),
                         jsonl(serialized_lines))


def answer_record(answer: Any) -> dict[str, Any]:
    """One answer of a worker-response file; keys in alphabetical order
    (docs/engine.md#worker-response-files)."""
    record: dict[str, Any] = {
        "acceptanceTime": answer_timestamp(answer.accepted_at),
        "answerContent": answer.content,
        "submissionTime": answer_timestamp(answer.submitted_at),
        "timeSpentInSeconds": round(answer.time_spent, 3),
        "workerId": answer.worker_id,
    }
    if answer.worker_metadata is not None:
        record["workerMetadata"] = answer.worker_metadata
    return record


def public_answer_record(answer: Any) -> dict[str, Any]:
    """One answer of a public-workforce (Mechanical Turk) worker-response file. Real ones
    have just three keys, and `submissionTime` to the whole second (`2019-04-18T16:11:15Z`)."""
    return {
        "answerContent": answer.content,
        "submissionTime": whole_second_timestamp(answer.submitted_at),
        "workerId": answer.worker_id,
    }


def whole_second_timestamp(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` (UTC), the fraction dropped."""
    return answer_timestamp(moment)[:19] + "Z"


def jsonl(serialized_lines: Iterable[str]) -> str:
    """JSON Lines from lines already serialised: every line, the last too, ends with a newline.

    The intermediate manifest is rewritten whole after every batch
    (docs/engine.md#intermediate-manifests), so this runs over every line of the job many times: one
    join, no per-line concatenation."""
    text = "\n".join(serialized_lines)
    return text + "\n" if text else ""
