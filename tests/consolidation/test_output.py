from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consolidation import builtin_consolidation
from consolidation.manifest import labeled_line
from consolidation.output import reported_confidence, round_half_up
from consolidation.serialization import dumps

from .helpers import ANIMALS, NOW, multi_item, single_item


def contents(task_type, batch, **options):
    options.setdefault("workers_per_object", 3)
    response = builtin_consolidation(
        task_type, batch, label_categories=ANIMALS, label_attribute_name="animals",
        job_name="Animal-Job", now=NOW, **options,
    )
    return {e["datasetObjectId"]: e["consolidatedAnnotation"]["content"] for e in response}


def multi(batch, **options):
    return contents("ImageMultiClassMultiLabel", batch, **options)


@pytest.mark.parametrize(
    ("posterior", "answers", "reported"),
    [(0.125, 3, 0.13), (0.945, 3, 0.95), (0.9449, 3, 0.94), (0.97, 3, 0.95), (0.004, 3, 0.0),
     (0.005, 2, 0.01), (0.8, 1, 0.0)],
)
def test_confidences_round_half_up_cap_at_095_and_are_zero_for_one_answer(
    posterior, answers, reported
):
    assert reported_confidence(posterior, answers) == reported


def test_labels_are_ordered_by_confidence_then_by_first_selection():
    batch = [multi_item(0, [("w1", ["bird", "cat"]), ("w2", ["cat", "bird", "dog"]),
                            ("w3", ["cat", "bird"])])]
    content = multi(batch)["0"]
    assert content["animals"] == [2, 0, 1]
    metadata = content["animals-metadata"]
    assert list(metadata["class-map"].items()) == [("2", "bird"), ("0", "cat"), ("1", "dog")]
    assert list(metadata["confidence-map"]) == ["2", "0", "1"]
    assert metadata["confidence-map"]["2"] == metadata["confidence-map"]["0"] == 0.95
    assert metadata["confidence-map"]["1"] < 0.5


def test_answers_selecting_only_the_exclusion_category_give_empty_maps():
    batch = [multi_item(0, [(w, ["None of the above"]) for w in ("w1", "w2", "w3")])]
    content = multi(batch)["0"]
    assert content["animals"] == []
    assert content["animals-metadata"]["class-map"] == {}
    assert content["animals-metadata"]["confidence-map"] == {}


def test_one_worker_per_object_gives_zero_confidence_everywhere():
    batch = [multi_item(i, [(f"w{i}", ["cat", "dog"])]) for i in range(3)]
    for content in multi(batch, workers_per_object=1).values():
        assert content["animals"] == [0, 1]
        assert content["animals-metadata"]["confidence-map"] == {"0": 0.0, "1": 0.0}


def test_an_object_with_one_answer_in_a_three_worker_job_gets_zero_confidence():
    batch = [multi_item(0, [("w1", ["cat"]), ("w2", ["cat"]), ("w3", ["cat"])]),
             multi_item(1, [("w1", ["dog"])])]
    assert multi(batch)["1"]["animals-metadata"]["confidence-map"] == {"1": 0.0}


def test_label_threshold_keeps_only_probable_labels():
    batch = [multi_item(0, [("w1", ["cat", "dog"]), ("w2", ["cat"]), ("w3", ["cat"])])]
    assert multi(batch)["0"]["animals"] == [0, 1]
    thresholded = multi(batch, label_threshold=0.5)["0"]
    assert thresholded["animals"] == [0]
    assert list(thresholded["animals-metadata"]["class-map"]) == ["0"]


def test_any_element_name_is_read_and_unknown_labels_are_ignored():
    batch = [multi_item(0, [("w1", ["cat", "zebra"]), ("w2", ["cat"]), ("w3", ["cat"])],
                        element="my-custom-name")]
    assert multi(batch)["0"]["animals"] == [0]
    single = [single_item(0, [("w1", "dog"), ("w2", "dog")], element="animal")]
    assert contents("ImageMultiClass", single)["0"]["animals"] == 1


def test_text_types_use_the_text_output_types():
    batch = [multi_item(0, [("w1", ["cat"]), ("w2", ["cat"])])]
    text = contents("TextMultiClassMultiLabel", batch)["0"]["animals-metadata"]["type"]
    assert text == "groundtruth/text-classification-multilabel"
    single = [single_item(0, [("w1", "cat"), ("w2", "cat")])]
    text = contents("TextMultiClass", single)["0"]["animals-metadata"]["type"]
    assert text == "groundtruth/text-classification"


def test_a_single_label_object_without_a_known_label_is_left_out():
    batch = [single_item(0, [("w1", "zebra")]), single_item(1, [("w1", "cat"), ("w2", "cat")])]
    assert list(contents("ImageMultiClass", batch)) == ["1"]


def test_unsupported_task_type_is_refused():
    with pytest.raises(ValueError, match="BoundingBox"):
        contents("BoundingBox", [])


def test_only_batch_objects_are_returned_in_batch_order_while_evidence_informs_the_fit():
    evidence = [multi_item(i, [("w1", ["cat"]), ("w2", ["cat"]), ("w3", ["dog"])])
                for i in range(10)]
    batch = [multi_item(12, [("w1", ["bird"]), ("w2", ["bird"]), ("w3", ["bird"])]),
             multi_item(11, [("w1", ["cat"]), ("w2", ["cat"]), ("w3", ["dog"])])]
    response = builtin_consolidation(
        "ImageMultiClassMultiLabel", batch, evidence=evidence + batch[1:],
        label_categories=ANIMALS, label_attribute_name="animals", job_name="j",
        workers_per_object=3, now=NOW,
    )
    assert [e["datasetObjectId"] for e in response] == ["12", "11"]
    alone = multi([batch[1]])["11"]["animals-metadata"]["confidence-map"]
    with_evidence = response[1]["consolidatedAnnotation"]["content"]["animals-metadata"]
    assert with_evidence["confidence-map"]["1"] < alone["1"]  # w3's lone "dog" is a habit


def test_output_line_serialises_exactly_like_ground_truth():
    batch = [single_item(0, [("w1", "dog"), ("w2", "dog"), ("w3", "dog")])]
    content = contents("ImageMultiClass", batch)["0"]
    line = labeled_line({"source-ref": "s3://bucket/images/0.jpg"}, "animals", content)
    assert dumps(line) == (
        '{"source-ref":"s3://bucket/images/0.jpg","animals":1,"animals-metadata":'
        '{"confidence":0.95,"job-name":"labeling-job/animal-job","class-name":"dog",'
        '"human-annotated":"yes","creation-date":"2024-05-01T10:15:30.123456",'
        '"type":"groundtruth/image-classification"}}'
    )


def test_identical_input_gives_identical_output_whatever_the_object_order():
    batch = [multi_item(i, [("w1", ["cat", "dog"][: 1 + i % 2]), ("w2", ["dog"]),
                            ("w3", ["cat", "bird"])]) for i in range(8)]
    first = multi(batch)
    assert dumps(first) == dumps(multi(batch))
    reordered = multi(batch[::-1])
    assert dumps({key: reordered[key] for key in first}) == dumps(first)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.floats(0, 1), st.integers(0, 1000).map(lambda n: n / 1000)))
def test_rounding_matches_decimal_half_up_of_the_shortest_form(value):
    expected = float(Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))
    assert round_half_up(value) == expected


@pytest.mark.parametrize("task_type", ["ImageMultiClassMultiLabel", "ImageMultiClass"])
def test_an_object_without_answers_is_left_out(task_type):
    empty = {"datasetObjectId": "0", "dataObject": {"s3Uri": "s3://b/0.jpg"}, "annotations": []}
    assert contents(task_type, [empty]) == {}
    assert contents(task_type, []) == {}
