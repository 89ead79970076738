"""crowd-entity-annotation's answer contract and simulated workers (server side)."""

from __future__ import annotations

import numpy as np

from emulator.elements import ElementContext, SimulatedWorker, element_spec

SPEC = element_spec("crowd-entity-annotation")
TEXT = "Amazon SageMaker 🚀 Ground Truth helps Jane Doe in Berlin."
LABELS = "[{label: 'person', shortDisplayName: 'per'}, {'label': 'place'}, {label: 'org'}]"


def ctx(text=TEXT, labels=LABELS, categories=None) -> ElementContext:
    attributes = {"name": "entities", "text": text}
    if labels is not None:
        attributes["labels"] = labels
    return ElementContext("crowd-entity-annotation", attributes, categories=categories)


def entity(start, end, label="person"):
    return {"startOffset": start, "endOffset": end, "label": label}


def test_offsets_are_code_points_end_exclusive():
    start = TEXT.index("Jane")
    assert start == 38  # the rocket is one code point (two UTF-16 units in the browser)
    value = {
        "entities": [entity(start, start + 8), entity(TEXT.index("Berlin"), len(TEXT) - 1, "place")]
    }
    assert SPEC.check_answer(value, ctx()) is None
    assert "not a span" in SPEC.check_answer({"entities": [entity(50, len(TEXT) + 1)]}, ctx())
    assert "not a span" in SPEC.check_answer({"entities": [entity(5, 5)]}, ctx())
    assert "whole numbers" in SPEC.check_answer({"entities": [entity(1.0, 3)]}, ctx())
    assert "whole numbers" in SPEC.check_answer({"entities": [entity(True, 3)]}, ctx())


def test_labels_come_from_the_attribute_or_the_job_categories():
    assert "not one of" in SPEC.check_answer({"entities": [entity(0, 6, "thing")]}, ctx())
    job = ctx(labels=None, categories=["thing"])
    assert SPEC.check_answer({"entities": [entity(0, 6, "thing")]}, job) is None


def test_crossing_spans_are_refused_but_whole_spans_may_nest():
    nested = {"entities": [entity(0, 16, "org"), entity(0, 6, "org"), entity(0, 6, "place")]}
    assert SPEC.check_answer(nested, ctx()) is None
    crossing = {"entities": [entity(0, 10, "org"), entity(7, 16, "org")]}
    assert "overlap" in SPEC.check_answer(crossing, ctx())
    twice = {"entities": [entity(0, 6, "org"), entity(0, 6, "org")]}
    assert "repeats" in SPEC.check_answer(twice, ctx())


def test_simulated_workers_answer_validly_with_noise():
    truth = {"entities": [entity(38, 46), entity(50, 56, "place"), entity(0, 16, "org")]}
    perfect = SPEC.simulate_answer(
        ctx(), SimulatedWorker(np.random.default_rng(0), 1.0, truth=truth)
    )
    assert sorted(map(tuple, (e.values() for e in perfect["entities"]))) == sorted(
        map(tuple, (e.values() for e in truth["entities"]))
    )
    differing = 0
    for seed in range(40):
        worker = SimulatedWorker(np.random.default_rng(seed), 0.5, truth=truth)
        value = SPEC.simulate_answer(ctx(), worker)
        assert SPEC.check_answer(value, ctx()) is None
        differing += value != perfect
    assert differing > 10
    random_words = SPEC.simulate_answer(ctx(), SimulatedWorker(np.random.default_rng(2)))
    assert random_words["entities"] and SPEC.check_answer(random_words, ctx()) is None
