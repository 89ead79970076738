"""A2I's Textract and Rekognition review elements (server side)."""

from __future__ import annotations

import json

import numpy as np

from emulator.elements import ElementContext, SimulatedWorker, element_spec
from emulator.elements.a2i import REKOGNITION_KEY, TEXTRACT_KEY

TEXTRACT = element_spec("crowd-textract-analyze-document")
REKOGNITION = element_spec("crowd-rekognition-detect-moderation-labels")
BLOCKS = [
    {
        "BlockType": "KEY_VALUE_SET",
        "Id": "k1",
        "EntityTypes": ["KEY"],
        "Text": "Name",
        "Relationships": [{"Type": "VALUE", "Ids": ["v1"]}],
        "Geometry": {"BoundingBox": {"Width": 0.2, "Height": 0.1, "Left": 0.1, "Top": 0.1}},
    },
    {"BlockType": "KEY_VALUE_SET", "Id": "v1", "EntityTypes": ["VALUE"], "Text": "Ana"},
    {"BlockType": "WORD", "Id": "w1", "Text": "Ana"},
]


def test_textract_answers_sit_under_the_integration_key():
    context = ElementContext(
        "crowd-textract-analyze-document",
        {"src": "doc.png", "initial-value": json.dumps(BLOCKS), "block-types": "['KEY_VALUE_SET']"},
    )
    assert TEXTRACT.answer_nesting == "flat"
    value = TEXTRACT.simulate_answer(context, SimulatedWorker(np.random.default_rng(0)))
    blocks = value[TEXTRACT_KEY]["blocks"]
    assert [b["id"] for b in blocks] == ["k1", "v1"]
    assert blocks[0]["geometry"]["boundingBox"]["left"] == 0.1  # lower camel case, as AWS prints
    assert TEXTRACT.check_answer(value, context) is None
    assert "WORD" in TEXTRACT.check_answer(
        {TEXTRACT_KEY: {"blocks": [{"id": "w1", "blockType": "WORD"}]}}, context
    )
    assert TEXTRACT_KEY in TEXTRACT.check_answer({"blocks": []}, context)


def test_moderation_labels_are_chosen_among_the_categories():
    categories = "[{ name: 'Gore', parentName: 'Violence' }, { name: 'Weapons', parentName: '' },]"
    context = ElementContext(
        "crowd-rekognition-detect-moderation-labels", {"src": "i.png", "categories": categories}
    )
    good = {REKOGNITION_KEY: {"moderationLabels": [{"name": "Gore", "parentName": "Violence"}]}}
    assert REKOGNITION.check_answer(good, context) is None
    assert REKOGNITION.check_answer({REKOGNITION_KEY: {"moderationLabels": []}}, context) is None
    bad = {REKOGNITION_KEY: {"moderationLabels": [{"name": "Smoking"}]}}
    assert "Smoking" in REKOGNITION.check_answer(bad, context)
    worker = SimulatedWorker(np.random.default_rng(1), accuracy=1.0, truth=good)
    assert REKOGNITION.simulate_answer(context, worker) == good
