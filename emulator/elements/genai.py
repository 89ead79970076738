"""Crowd HTML Elements V2 for generative-AI data: `crowd-text-ranking` and
`crowd-question-answer-generation` (loaded by `crowd-html-elements-v2.js`).

AWS documents their attributes but not the JSON a submit posts. Both answers sit flat in the
answer object (not under the element's `name`):

- text ranking: `{"ordinalRankingDimensions": [{"name", "allowTie", "responseRankings"}, ...]}`,
  one entry per dimension in attribute order; `responseRankings[i]` is the rank of
  `responses[i]`, 1 = best, tied responses share a rank and ranks are dense (1, 2, 2, 3);
- question–answer generation: `{"questionAnswerPairs": [{"question", "answer", "tags",
  "references": [{"startOffset", "endOffset"}]}, ...]}`, offsets in Unicode code points of
  `text`, end exclusive.

For a flat element, `check_answer` receives the whole answer object.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from emulator.elements.base import ElementContext, ElementSpec, LiteralCheck, SimulatedWorker

RANKING_KEY = "ordinalRankingDimensions"
PAIRS_KEY = "questionAnswerPairs"

_WORD = re.compile(r"\S+")


# -- attributes ------------------------------------------------------------------------------


def ranking_responses(context: ElementContext) -> list[str]:
    """The `responses` attribute: a JSON array of strings. ValueError otherwise."""
    value = _json_attribute(context, "responses")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError('"responses" must be a JSON array of strings')
    return value


def ranking_dimensions(context: ElementContext) -> list[tuple[str, bool]]:
    """The `ordinal-ranking-dimensions` attribute as (name, allowTie) pairs; ValueError if not."""
    value = _json_attribute(context, "ordinal-ranking-dimensions")
    if not isinstance(value, list) or not value:
        raise ValueError('"ordinal-ranking-dimensions" must be a non-empty JSON array')
    dimensions = []
    for entry in value:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise ValueError(
                'each of "ordinal-ranking-dimensions" needs a "name", e.g. '
                '{"name": "Clarity", "allowTie": true}'
            )
        dimensions.append((entry["name"], entry.get("allowTie") is True))
    return dimensions


def _reader_check(read: Callable[[ElementContext], Any]) -> LiteralCheck:
    """A literal check (lint) made of one of the readers above: its ValueError is the problem."""

    def check(_parsed: Any, context: ElementContext) -> str | None:
        try:
            read(context)
        except ValueError as error:
            return str(error)
        return None

    return check


def _json_attribute(context: ElementContext, name: str) -> Any:
    raw = context.attributes.get(name)
    if raw is None:
        raise ValueError(f'the "{name}" attribute is missing')
    try:
        return json.loads(raw)
    except ValueError as error:
        raise ValueError(f'"{name}" is not valid JSON: {error}') from None


def _int_attribute(context: ElementContext, name: str, default: int | None) -> int | None:
    raw = context.attributes.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw.strip())
    except ValueError:
        return default


def _flag(context: ElementContext, name: str) -> bool:
    """A boolean attribute: present means true, except the explicit value "false"."""
    raw = context.attributes.get(name)
    return raw is not None and raw.strip().lower() != "false"


def qa_limits(context: ElementContext) -> dict[str, int | None]:
    """The Q&A element's limits; `min-questions` defaults to 1, the others to no limit."""
    return {
        "min-questions": _int_attribute(context, "min-questions", 1),
        "max-questions": _int_attribute(context, "max-questions", None),
        "question-min-words": _int_attribute(context, "question-min-words", None),
        "question-max-words": _int_attribute(context, "question-max-words", None),
        "answer-min-words": _int_attribute(context, "answer-min-words", None),
        "answer-max-words": _int_attribute(context, "answer-max-words", None),
    }


def qa_tags(context: ElementContext) -> list[str]:
    try:
        tags = json.loads(context.attributes.get("question-tags") or "[]")
    except ValueError:
        return []
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


# -- text ranking ------------------------------------------------------------------------------


def check_ranking(answer: Any, context: ElementContext) -> str | None:
    try:
        responses = ranking_responses(context)
        dimensions = ranking_dimensions(context)
    except ValueError as error:
        return f"This task's crowd-text-ranking cannot be read: {error}."
    entries = answer.get(RANKING_KEY) if isinstance(answer, Mapping) else None
    if not isinstance(entries, list):
        return f'The answer has no "{RANKING_KEY}" list of ranked dimensions.'
    by_name = {e.get("name"): e for e in entries if isinstance(e, Mapping)}
    if len(entries) != len(dimensions) or len(by_name) != len(entries):
        names = ", ".join(name for name, _ in dimensions)
        return f'"{RANKING_KEY}" must hold one entry per dimension ({names}), each once.'
    count = len(responses)
    for (name, allow_tie), entry in zip(dimensions, entries, strict=True):
        if entry.get("name") != name:
            return f'The ranking for dimension "{name}" is missing (dimensions in order).'
        if entry.get("allowTie") is not allow_tie:
            return f'"allowTie" of dimension "{name}" must be {str(allow_tie).lower()}.'
        ranks = entry.get("responseRankings")
        if not isinstance(ranks, list) or len(ranks) != count:
            return f'Dimension "{name}" needs one rank for each of the {count} responses.'
        if not all(isinstance(r, int) and not isinstance(r, bool) and 1 <= r <= count
                   for r in ranks):
            return f'Every rank of dimension "{name}" must be a whole number from 1 to {count}.'
        if not allow_tie and len(set(ranks)) != count:
            return f'Dimension "{name}" does not allow ties: give each response its own rank.'
        if ranks and set(ranks) != set(range(1, max(ranks) + 1)):
            return (f'The ranks of dimension "{name}" must be dense (1, 2, 2, 3): '
                    "no rank may be skipped.")
    return None


def dense_ranks(scores: list[float], *, allow_tie: bool) -> list[int]:
    """Dense ranks, 1 for the highest score; equal scores tie only when `allow_tie`."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    ranks = [0] * len(scores)
    rank = 0
    previous = None
    for index in order:
        if not (allow_tie and previous is not None and scores[index] == previous):
            rank += 1
        ranks[index] = rank
        previous = scores[index]
    return ranks


def hidden_truth_ranks(text: str, responses: list[str], dimension: str) -> list[int]:
    """A hidden truth order for an object nobody told us about: the same for every worker."""
    seed = hashlib.sha256(json.dumps([text, responses, dimension]).encode()).digest()
    rng = np.random.default_rng(int.from_bytes(seed[:8], "big"))
    return [int(rank) + 1 for rank in rng.permutation(len(responses))]


def _truth_for(worker: SimulatedWorker, dimension: str, index: int) -> list[int] | None:
    """The worker's truth for one dimension: a dict by dimension name, a list per dimension, or
    one list of ranks for every dimension."""
    truth = worker.truth
    if isinstance(truth, Mapping):
        if RANKING_KEY in truth:  # an answer of the element's own shape
            entries = truth[RANKING_KEY]
            return entries[index]["responseRankings"] if index < len(entries) else None
        return truth.get(dimension)
    if isinstance(truth, list) and truth and isinstance(truth[0], list):
        return truth[index] if index < len(truth) else None
    return truth if isinstance(truth, list) else None


def simulate_ranking(context: ElementContext, worker: SimulatedWorker) -> dict[str, Any]:
    """A noisy permutation of the truth order: each response's score is its true position plus
    Gaussian noise that grows as the worker's accuracy falls."""
    responses = ranking_responses(context)
    text = context.attributes.get("text", "")
    noise = max(0.0, 1.0 - worker.accuracy) * 2.0
    entries = []
    for index, (name, allow_tie) in enumerate(ranking_dimensions(context)):
        truth = _truth_for(worker, name, index) or hidden_truth_ranks(text, responses, name)
        scores = [-float(rank) + float(worker.rng.normal(0.0, noise)) if noise else -float(rank)
                  for rank in truth]
        if allow_tie:
            # A tie in the truth is kept by a careful worker.
            scores = [round(score) if noise == 0 or worker.rng.random() < worker.accuracy
                      else score for score in scores]
        entries.append({"name": name, "allowTie": allow_tie,
                        "responseRankings": dense_ranks(scores, allow_tie=allow_tie)})
    return {RANKING_KEY: entries}


# -- question–answer generation ---------------------------------------------------------------


def check_question_answers(answer: Any, context: ElementContext) -> str | None:
    pairs = answer.get(PAIRS_KEY) if isinstance(answer, Mapping) else None
    if not isinstance(pairs, list):
        return f'The answer has no "{PAIRS_KEY}" list.'
    limits = qa_limits(context)
    least, most = limits["min-questions"], limits["max-questions"]
    if least is not None and len(pairs) < least:
        return f"Write at least {least} question–answer pair(s) (min-questions); got {len(pairs)}."
    if most is not None and len(pairs) > most:
        return f"Write at most {most} question–answer pair(s) (max-questions); got {len(pairs)}."
    text = context.attributes.get("text", "")
    allowed = qa_tags(context)
    custom_allowed = _flag(context, "allow-custom-question-tags")
    for number, pair in enumerate(pairs, start=1):
        message = _check_pair(pair, number, limits, text, allowed, custom_allowed)
        if message:
            return message
    return None


def _check_pair(
    pair: Any,
    number: int,
    limits: dict[str, int | None],
    text: str,
    allowed: list[str],
    custom_allowed: bool,
) -> str | None:
    if not isinstance(pair, Mapping):
        return f"Pair {number} must be an object with question, answer, tags and references."
    for field in ("question", "answer"):
        value = pair.get(field)
        if not isinstance(value, str):
            return f'Pair {number} needs a "{field}" text.'
        words = word_count(value)
        least, most = limits[f"{field}-min-words"], limits[f"{field}-max-words"]
        if least is not None and words < least:
            return (f"The {field} of pair {number} has {words} word(s); at least {least} "
                    f"({field}-min-words).")
        if most is not None and words > most:
            return (f"The {field} of pair {number} has {words} word(s); at most {most} "
                    f"({field}-max-words).")
    tags = pair.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) and tag for tag in tags):
        return f'The "tags" of pair {number} must be a list of tag names.'
    for tag in tags:
        if tag not in allowed and not custom_allowed:
            return (f'Tag "{tag}" of pair {number} is not one of the question-tags, and '
                    "custom tags are not allowed (allow-custom-question-tags).")
    references = pair.get("references", [])
    if not isinstance(references, list):
        return f'The "references" of pair {number} must be a list.'
    for reference in references:
        start = reference.get("startOffset") if isinstance(reference, Mapping) else None
        end = reference.get("endOffset") if isinstance(reference, Mapping) else None
        if not (_is_int(start) and _is_int(end) and 0 <= start < end <= len(text)):
            return (f"A reference of pair {number} lies outside the text: offsets must satisfy "
                    f"0 <= startOffset < endOffset <= {len(text)}.")
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def simulate_question_answers(context: ElementContext, worker: SimulatedWorker) -> dict[str, Any]:
    """Pairs whose answers are real spans of the passage (and their references), questions
    built from the passage's words, every count within the element's limits."""
    text = context.attributes.get("text", "")
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if not words:
        raise ValueError("crowd-question-answer-generation has no text to write questions about")
    limits = qa_limits(context)
    least = limits["min-questions"] or 0
    most = limits["max-questions"] if limits["max-questions"] is not None else least + 2
    count = int(worker.rng.integers(least, max(least, most) + 1)) if most >= least else least
    tags = qa_tags(context)
    pairs = []
    for _ in range(count):
        answer_length = _length_within(limits["answer-min-words"], limits["answer-max-words"],
                                       len(words), worker)
        if answer_length > len(words):
            raise ValueError(f"the passage has {len(words)} word(s), fewer than an answer needs "
                             f"(answer-min-words); an answer must be a span of the passage")
        start = int(worker.rng.integers(0, len(words) - answer_length + 1))
        span = words[start : start + answer_length]
        answer = text[span[0][0] : span[-1][1]]
        question_length = _length_within(limits["question-min-words"],
                                         limits["question-max-words"], len(words), worker)
        opening = tags[int(worker.rng.integers(len(tags)))] if tags else "What"
        filler = [text[a:b] for a, b in words]
        question_words = [opening, *(filler * (question_length // len(filler) + 1))]
        question = " ".join(question_words[:question_length]).rstrip("?.,;:") + "?"
        pairs.append({
            "question": question,
            "answer": answer,
            "tags": [opening] if tags else [],
            "references": [{"startOffset": span[0][0], "endOffset": span[-1][1]}],
        })
    return {PAIRS_KEY: pairs}


def _length_within(least: int | None, most: int | None, available: int,
                   worker: SimulatedWorker) -> int:
    low = max(1, least or 1)
    high = most if most is not None else max(low, min(available, low + 8))
    high = max(low, min(high, max(available, low)))
    return int(worker.rng.integers(low, high + 1))


SPECS: tuple[ElementSpec, ...] = (
    ElementSpec(
        tag="crowd-text-ranking",
        attributes=("name", "text", "responses", "ordinal-ranking-dimensions",
                    "short-instructions"),
        required=("name", "responses", "ordinal-ranking-dimensions"),
        literal_attributes={"responses": "list", "ordinal-ranking-dimensions": "list"},
        literal_checks={
            "responses": _reader_check(ranking_responses),
            "ordinal-ranking-dimensions": _reader_check(ranking_dimensions),
        },
        regions=("short-instructions",),
        answer_nesting="flat",
        version=2,
        check_answer=check_ranking,
        simulate_answer=simulate_ranking,
        docs_anchor="crowd-text-ranking",
        traits={"answer_keys": (RANKING_KEY,)},
    ),
    ElementSpec(
        tag="crowd-question-answer-generation",
        attributes=("name", "text", "min-questions", "max-questions", "question-min-words",
                    "question-max-words", "answer-min-words", "answer-max-words",
                    "question-tags", "allow-custom-question-tags", "short-instructions"),
        required=("name", "text"),
        literal_attributes={"question-tags": "list"},
        regions=("short-instructions",),
        answer_nesting="flat",
        version=2,
        check_answer=check_question_answers,
        simulate_answer=simulate_question_answers,
        docs_anchor="crowd-question-answer-generation",
        traits={"answer_keys": (PAIRS_KEY,)},
    ),
)
