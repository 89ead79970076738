"""Named-entity consolidation: span F1 against a known truth and AWS's output shape."""

from __future__ import annotations

import json

import numpy as np

from consolidation.spans import SpanVote, consolidate_entities
from tests.consolidation.helpers import NOW

LABELS = ["Person", "Place", "Date"]


def ner_item(object_id, answers, text="Ada Lovelace was born in London in 1815."):
    return {
        "datasetObjectId": str(object_id), "dataObject": {"content": text},
        "annotations": [{"workerId": worker, "annotationData": {"content": json.dumps(
            {"crowd-entity-annotation": {"entities": [
                {"label": label, "startOffset": start, "endOffset": end}
                for label, start, end in entities]}})}} for worker, entities in answers],
    }


def run(batch, workers_per_object=3):
    return consolidate_entities(batch, label_categories=LABELS, label_attribute_name="ner",
                                job_name="NER-Job", workers_per_object=workers_per_object, now=NOW)


def synthetic(seed=0, n_texts=300):
    """Three careful workers (boundary slips, wrong labels, misses, extras) and a spammer."""
    rng = np.random.default_rng(seed)
    truth, items = [], []
    for text in range(n_texts):
        spans, position = [], 0
        for _ in range(rng.integers(1, 5)):
            start = position + int(rng.integers(1, 20))
            end = start + int(rng.integers(2, 15))
            spans.append((LABELS[rng.integers(3)], start, end))
            position = end
        truth.append(set(spans))
        answers = []
        for worker in ("careful-1", "careful-2", "careful-3", "spammer"):
            marked = []
            if worker == "spammer":
                for _ in range(rng.integers(1, 4)):
                    start = int(rng.integers(0, position))
                    marked.append((LABELS[rng.integers(3)], start, start + int(rng.integers(1, 9))))
            else:
                for label, start, end in spans:
                    roll = rng.random()
                    if roll < 0.08:
                        continue
                    if roll < 0.14:
                        end += 1  # boundary slip
                    elif roll < 0.18:
                        label = LABELS[(LABELS.index(label) + 1) % 3]
                    marked.append((label, start, end))
                if rng.random() < 0.1:
                    marked.append((LABELS[0], position + 2, position + 6))
            answers.append((worker, marked))
        items.append(ner_item(text, answers))
    return truth, items


def f1(truth, response):
    found = correct = total = 0
    for spans, element in zip(truth, response, strict=True):
        entities = element["consolidatedAnnotation"]["content"]["ner"]["annotations"]["entities"]
        predicted = {(e["label"], e["startOffset"], e["endOffset"]) for e in entities}
        found += len(predicted)
        total += len(spans)
        correct += len(predicted & spans)
    precision, recall = correct / found, correct / total
    return 2 * precision * recall / (precision + recall)


def test_weighted_vote_beats_an_unweighted_vote_with_a_spammer():
    truth, items = synthetic()
    weighted = f1(truth, run(items))
    for item in items:  # the careful workers alone, unweighted
        item["annotations"] = [a for a in item["annotations"] if a["workerId"] != "careful-3"]
    two_and_spammer_weighted = f1(truth, run(items))
    two_and_spammer_equal = f1(truth, run(items, workers_per_object=1))
    assert weighted > 0.9
    assert two_and_spammer_weighted > two_and_spammer_equal + 0.03


def test_output_shape_in_aws_order():
    items = [ner_item(3, [
        ("w1", [("Person", 0, 12), ("Place", 25, 31)]),
        ("w2", [("Person", 0, 12), ("Place", 25, 31), ("Date", 35, 39)]),
        ("w3", [("Person", 0, 12), ("Place", 25, 30)]),
    ])]
    [element] = run(items)
    content = element["consolidatedAnnotation"]["content"]
    assert list(content) == ["ner", "ner-metadata"]
    annotations = content["ner"]["annotations"]
    assert list(content["ner"]) == ["annotations"] and list(annotations) == ["labels", "entities"]
    assert annotations["labels"] == [{"label": "Person"}, {"label": "Place"}, {"label": "Date"}]
    assert annotations["entities"] == [
        {"label": "Person", "startOffset": 0, "endOffset": 12},
        {"label": "Place", "startOffset": 25, "endOffset": 31},
    ]
    metadata = content["ner-metadata"]
    assert list(metadata) == ["job-name", "type", "creation-date", "human-annotated", "entities"]
    assert metadata["type"] == "groundtruth/text-span"
    assert metadata["job-name"] == "labeling-job/ner-job"
    assert metadata["entities"][0]["confidence"] == 0.95
    assert 0.5 <= metadata["entities"][1]["confidence"] < 0.95


def test_one_worker_keeps_every_entity_with_confidence_zero():
    [element] = run([ner_item(0, [("w1", [("Person", 0, 12), ("Date", 35, 39)])])],
                    workers_per_object=1)
    content = element["consolidatedAnnotation"]["content"]
    assert len(content["ner"]["annotations"]["entities"]) == 2
    assert content["ner-metadata"]["entities"] == [{"confidence": 0}, {"confidence": 0}]


def test_overlapping_kept_spans_leave_the_better_supported():
    model = SpanVote(min_support=0.3).fit(
        span_object=[0, 0, 0, 0, 0], span_worker=[0, 1, 2, 0, 1],
        span_start=[0, 0, 2, 10, 11], span_end=[5, 5, 6, 12, 13], span_label=[0, 0, 0, 1, 1],
        answer_object=[0, 0, 0], answer_worker=[0, 1, 2], fixed_quality=np.ones(3),
    )
    kept = model.predict()
    spans = [(model.candidate_start_[c], model.candidate_end_[c]) for c in kept]
    assert spans == [(0, 5), (10, 12)]  # (2, 6) overlaps the better (0, 5); (11, 13) ties (10, 12)
