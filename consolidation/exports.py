"""Training data out of text-ranking and question–answer jobs: DPO preference pairs, SFT lines.

Reads every worker answer of a job — from its output folder (`annotations/worker-response/`) or
from an output manifest (each line's `worker-response-ref`), local or `s3://` — joins it with the
object's input line (the prompt and responses, or the passage) and yields JSON-ready lines.
`gtemu export` is the command-line front; this module only reads and computes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from consolidation.rankings import BradleyTerry
from consolidation.sources import (
    SourceError,
    _answers_from_response,
    _read_bytes,
    is_payload_file,
    iter_folder_answers,
    read_intermediate_lines,
)

RANKING_KEY = "ordinalRankingDimensions"
QA_KEY = "questionAnswerPairs"
_OBJECT_IN_REF = re.compile(r"/worker-response/iteration-\d+/([^/]+)/[^/]+\.json$")
SCORE_TOLERANCE = 1e-12  # scores are rounded to 1e-9: a smaller difference is no difference


@dataclass
class AnsweredObject:
    """One object's input line and its answers of the wanted element, in submission order."""

    dataset_object_id: str
    source_line: int | None
    line: dict[str, Any]
    answers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (workerId, answer)
    location: str = ""


def element_value(content: Mapping[str, Any], key: str) -> Any:
    """The value under `key` of a V2 answer (flat), or of the first top-level object holding it."""
    if key in content:
        return content[key]
    for value in content.values():
        if isinstance(value, Mapping) and key in value:
            return value[key]
    return None


def read_answered_objects(
    source: str, key: str, progress: Callable[[int], None] | None = None
) -> Iterator[AnsweredObject]:
    """Objects of `source` (output folder or output manifest) with at least one `key` answer."""
    reader = _manifest_objects if _is_manifest(source) else _folder_objects
    count = 0
    for answered in reader(source):
        answered.answers = [(worker, content) for worker, content in answered.answers
                            if element_value(content, key) is not None]
        count += 1
        if progress is not None:
            progress(count)
        if answered.answers:
            yield answered


def _is_manifest(source: str) -> bool:
    """A manifest file rather than an output folder: a local file, or an `s3://` URI whose last
    segment has an extension (`….manifest`, `….jsonl`)."""
    if source.startswith("s3://"):
        return "." in source.rstrip("/").rsplit("/", 1)[-1] and not source.endswith("/")
    return is_payload_file(source)


def _folder_objects(root: str) -> Iterator[AnsweredObject]:
    def stop(error: SourceError) -> None:
        raise error

    lines = read_intermediate_lines(root)
    for dataset_object_id, answers in iter_folder_answers(root, stop):
        line = lines.get(dataset_object_id, {})
        yield AnsweredObject(dataset_object_id, _line_number(dataset_object_id), line,
                             list(answers), location=f"{root} object {dataset_object_id}")


def _manifest_objects(path: str) -> Iterator[AnsweredObject]:
    try:
        text = _read_bytes(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(path, f"cannot read: {error}") from None
    except Exception as error:  # botocore errors reading an s3:// manifest
        raise SourceError(path, f"cannot read: {error}") from None
    for index, raw in enumerate(text.splitlines()):
        if not raw.strip():
            continue
        location = f"{path} line {index + 1}"
        try:
            line = json.loads(raw)
        except ValueError as error:
            raise SourceError(location, f"not valid JSON: {error}") from None
        if not isinstance(line, dict):
            raise SourceError(location, "an output-manifest line must be a JSON object")
        ref = _worker_response_ref(line)
        if ref is None:
            continue  # an object without answers (failed or not labeled)
        match = _OBJECT_IN_REF.search(ref)
        dataset_object_id = match[1] if match else str(index)
        try:
            body = _read_bytes(ref)
        except Exception as error:  # a local file or an S3 object that cannot be read
            raise SourceError(ref, f"cannot read the worker response of {location}: {error}") \
                from None
        source_line = _line_number(dataset_object_id)
        yield AnsweredObject(dataset_object_id, index if source_line is None else source_line,
                             line, _answers_from_response(ref, body), location=ref)


def _worker_response_ref(line: Mapping[str, Any]) -> str | None:
    for key, value in line.items():
        if key.endswith("-metadata") and isinstance(value, Mapping):
            ref = value.get("worker-response-ref")
            if isinstance(ref, str):
                return ref
    return None


def _line_number(dataset_object_id: str) -> int | None:
    return int(dataset_object_id) if dataset_object_id.isdecimal() else None


# --- preferences --------------------------------------------------------------------------------


@dataclass
class _Ranking:
    """The rankings of one (object, dimension): each worker's ranks of the object's responses."""

    answered: AnsweredObject
    dimension: str
    workers: list[str]
    ranks: list[list[int]]
    n_answered: int  # workers who answered the object at all


def _responses(answered: AnsweredObject) -> list[str]:
    responses = answered.line.get("responses")
    if isinstance(responses, str):
        try:
            responses = json.loads(responses)
        except ValueError:
            responses = None
    if not isinstance(responses, list) or not all(isinstance(r, str) for r in responses):
        raise SourceError(answered.location, "the object's input line has no `responses` list "
                          "of strings (the text-ranking template reads task.input.responses)")
    return responses


def _prompt(answered: AnsweredObject) -> str:
    prompt = answered.line.get("source")
    if not isinstance(prompt, str):
        raise SourceError(answered.location, "the object's input line has no `source` text "
                          "(the prompt the template reads as task.input.source)")
    return prompt


def _rankings(answered: AnsweredObject, n_responses: int) -> list[_Ranking]:
    by_dimension: dict[str, _Ranking] = {}
    workers_answered = list(dict.fromkeys(worker for worker, _ in answered.answers))
    for worker, content in answered.answers:
        dimensions = element_value(content, RANKING_KEY)
        if not isinstance(dimensions, list):
            raise SourceError(answered.location, f"`{RANKING_KEY}` is not a list")
        for dimension in dimensions:
            name = dimension.get("name") if isinstance(dimension, Mapping) else None
            ranks = dimension.get("responseRankings") if isinstance(dimension, Mapping) else None
            if not isinstance(name, str) or not isinstance(ranks, list) \
                    or len(ranks) != n_responses \
                    or not all(type(r) is int and 1 <= r <= n_responses for r in ranks):
                raise SourceError(
                    answered.location,
                    f"worker {worker}: each dimension needs a `name` and `responseRankings` with "
                    f"one rank from 1 to {n_responses} per response",
                )
            entry = by_dimension.setdefault(
                name, _Ranking(answered, name, [], [], len(workers_answered)))
            entry.workers.append(worker)
            entry.ranks.append(ranks)
    return list(by_dimension.values())


def preference_pairs(
    source: str, *, aggregate: str = "bradley-terry",
    progress: Callable[[int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """DPO pairs `{"prompt", "chosen", "rejected", "dimension", "source_line", "workers",
    "agreement"}` of every text-ranking answer in `source`, object by object.

    `aggregate="bradley-terry"`: one pair per (object, dimension, two responses whose aggregate
    scores differ), in the direction of the higher score (with one worker: that worker's strict
    pairs). `aggregate="none"`: every worker's own strict pairs. Ties give no pair. SourceError
    if `source` holds no text-ranking answer.
    """
    if aggregate not in ("bradley-terry", "none"):
        raise ValueError("aggregate must be 'bradley-terry' or 'none'")
    found = False
    for block in _blocks(read_answered_objects(source, RANKING_KEY, progress), 2048):
        found = True
        rankings = []
        for answered in block:
            responses = _responses(answered)
            rankings.extend((_prompt(answered), responses, ranking)
                            for ranking in _rankings(answered, len(responses)))
        if aggregate == "none":
            for prompt, responses, ranking in rankings:
                yield from _worker_pairs(prompt, responses, ranking)
            continue
        scores = _scores(rankings)
        for (prompt, responses, ranking), group_scores in zip(rankings, scores, strict=True):
            yield from _aggregate_pairs(prompt, responses, ranking, group_scores)
    if not found:
        raise SourceError(source, f"holds no text-ranking answers (`{RANKING_KEY}`)")


def _blocks(items: Iterator[AnsweredObject], size: int) -> Iterator[list[AnsweredObject]]:
    block: list[AnsweredObject] = []
    for item in items:
        block.append(item)
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block


def _scores(rankings: list[tuple[str, list[str], _Ranking]]) -> list[np.ndarray]:
    """Bradley–Terry scores of every (object, dimension) of a block, fitted together (workers
    weighted by their agreement with the others, so a random ranker moves nothing)."""
    width = max((len(responses) for _, responses, _ in rankings), default=0)
    groups, rows, workers = [], [], []
    worker_index: dict[str, int] = {}
    for group, (_, responses, ranking) in enumerate(rankings):
        for worker, ranks in zip(ranking.workers, ranking.ranks, strict=True):
            groups.append(group)
            rows.append(ranks + [0] * (width - len(responses)))
            workers.append(worker_index.setdefault(worker, len(worker_index)))
    if not rows:
        return []
    model = BradleyTerry().fit(np.asarray(groups), np.asarray(rows),
                               answer_worker=np.asarray(workers), n_groups=len(rankings))
    return [model.scores_[group, :len(responses)]
            for group, (_, responses, _) in enumerate(rankings)]


def _pair_line(prompt, responses, ranking: _Ranking, better: int, worse: int) -> dict[str, Any]:
    agreeing = [worker for worker, ranks in zip(ranking.workers, ranking.ranks, strict=True)
                if ranks[better] < ranks[worse]]
    return {
        "prompt": prompt,
        "chosen": responses[better],
        "rejected": responses[worse],
        "dimension": ranking.dimension,
        "source_line": ranking.answered.source_line,
        "workers": agreeing,
        "agreement": len(agreeing) / ranking.n_answered,
    }


def _aggregate_pairs(prompt, responses, ranking: _Ranking, scores: np.ndarray):
    for first in range(len(responses)):
        for second in range(first + 1, len(responses)):
            difference = scores[first] - scores[second]
            if abs(difference) <= SCORE_TOLERANCE:
                continue  # a tie: no pair
            better, worse = (first, second) if difference > 0 else (second, first)
            yield _pair_line(prompt, responses, ranking, better, worse)


def _worker_pairs(prompt, responses, ranking: _Ranking):
    for worker, ranks in zip(ranking.workers, ranking.ranks, strict=True):
        for first in range(len(responses)):
            for second in range(first + 1, len(responses)):
                if ranks[first] == ranks[second]:
                    continue
                better, worse = (first, second) if ranks[first] < ranks[second] \
                    else (second, first)
                line = _pair_line(prompt, responses, ranking, better, worse)
                yield {**line, "workers": [worker]}


# --- supervised fine-tuning ---------------------------------------------------------------------


def sft_lines(
    source: str, progress: Callable[[int], None] | None = None
) -> Iterator[dict[str, Any]]:
    """One `{"prompt", "completion", "context", "tags", "references", "worker"}` per Q&A pair.

    `prompt` is the question, `completion` the answer, `context` the passage (the input line's
    `source`). SourceError if `source` holds no question–answer answer.
    """
    found = False
    for answered in read_answered_objects(source, QA_KEY, progress):
        found = True
        context = answered.line.get("source")
        for worker, content in answered.answers:
            pairs = element_value(content, QA_KEY)
            if not isinstance(pairs, list):
                raise SourceError(answered.location, f"`{QA_KEY}` is not a list")
            for pair in pairs:
                if not isinstance(pair, Mapping) or not isinstance(pair.get("question"), str) \
                        or not isinstance(pair.get("answer"), str):
                    raise SourceError(answered.location,
                                      f"worker {worker}: a pair needs `question` and `answer`")
                yield {
                    "prompt": pair["question"],
                    "completion": pair["answer"],
                    "context": context,
                    "tags": list(pair.get("tags") or []),
                    "references": list(pair.get("references") or []),
                    "worker": worker,
                }
    if not found:
        raise SourceError(source, f"holds no question-answer answers (`{QA_KEY}`)")


__all__ = [
    "AnsweredObject", "SourceError", "element_value", "preference_pairs", "read_answered_objects",
    "sft_lines",
]
