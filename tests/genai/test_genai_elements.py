"""The V2 element specs: simulated answers always meet their own contracts, follow the truth,
and the registry assembles answers for a page (flat for V2)."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.elements import ElementContext, SimulatedWorker, element_spec
from emulator.simulate_elements import crowd_elements, simulated_answer

RANKING = element_spec("crowd-text-ranking")
QA = element_spec("crowd-question-answer-generation")


def _ranking_context(responses: int, ties: list[bool]) -> ElementContext:
    return ElementContext("crowd-text-ranking", {
        "name": "r", "text": "prompt",
        "responses": json.dumps([f"answer {i}" for i in range(responses)]),
        "ordinal-ranking-dimensions": json.dumps(
            [{"name": f"d{i}", "allowTie": tie} for i, tie in enumerate(ties)]),
    })


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.lists(st.booleans(), min_size=1, max_size=3),
       st.floats(0, 1), st.integers(0, 2**32))
def test_simulated_rankings_meet_the_contract(responses, ties, accuracy, seed):
    context = _ranking_context(responses, ties)
    worker = SimulatedWorker(np.random.default_rng(seed), accuracy=accuracy)
    assert RANKING.check_answer(RANKING.simulate_answer(context, worker), context) is None


def test_a_perfect_worker_ranks_in_the_truth_order_with_its_ties():
    context = _ranking_context(4, [True, False])
    truth = {"d0": [2, 1, 2, 3], "d1": [4, 1, 3, 2]}
    worker = SimulatedWorker(np.random.default_rng(0), accuracy=1.0, truth=truth)
    answer = RANKING.simulate_answer(context, worker)
    assert [d["responseRankings"] for d in answer["ordinalRankingDimensions"]] == [
        [2, 1, 2, 3], [4, 1, 3, 2]]


def test_without_a_truth_every_worker_shares_the_hidden_order():
    context = _ranking_context(5, [False])
    answers = [RANKING.simulate_answer(context, SimulatedWorker(np.random.default_rng(s),
                                                                accuracy=1.0))
               for s in range(3)]
    assert answers[0] == answers[1] == answers[2]


WORDS = st.text(alphabet="abcdé ", min_size=1, max_size=12).filter(str.strip)


@settings(max_examples=60, deadline=None)
@given(st.lists(WORDS, min_size=3, max_size=40), st.integers(0, 3), st.integers(0, 3),
       st.integers(1, 3), st.integers(0, 5), st.integers(1, 3), st.integers(0, 3),
       st.booleans(), st.integers(0, 2**32))
def test_simulated_question_answer_pairs_meet_the_contract(
        words, least, extra, q_min, q_extra, a_min, a_extra, tags, seed):
    text = "  ".join(words) + " ✓"
    a_min = min(a_min, len(text.split()))
    context = ElementContext("crowd-question-answer-generation", {
        "name": "qa", "text": text, "min-questions": str(least),
        "max-questions": str(least + extra), "question-min-words": str(q_min),
        "question-max-words": str(q_min + q_extra), "answer-min-words": str(a_min),
        "answer-max-words": str(a_min + a_extra),
        "question-tags": json.dumps(["Who", "Why"] if tags else []),
        "allow-custom-question-tags": "false",
    })
    answer = QA.simulate_answer(context, SimulatedWorker(np.random.default_rng(seed)))
    assert QA.check_answer(answer, context) is None
    for pair in answer["questionAnswerPairs"]:
        (reference,) = pair["references"]
        assert text[reference["startOffset"]:reference["endOffset"]] == pair["answer"]


def test_a_page_answer_is_flat_for_v2_elements():
    page = """<crowd-form><crowd-text-ranking name="rank" responses='["a", "b"]'
      ordinal-ranking-dimensions='[{"name": "Clarity", "allowTie": false}]'></crowd-text-ranking>
      <crowd-question-answer-generation name="qa" text="Rome is in Italy."
        question-min-words="2"></crowd-question-answer-generation></crowd-form>"""
    answer = simulated_answer(crowd_elements(page),
                              SimulatedWorker(np.random.default_rng(1), accuracy=1.0))
    assert list(answer) == ["ordinalRankingDimensions", "questionAnswerPairs"]
