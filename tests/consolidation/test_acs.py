from consolidation import builtin_consolidation

from .helpers import ANIMALS, NOW, multi_item, single_item


def consolidate(task_type, batch, **options):
    options.setdefault("workers_per_object", 3)
    return builtin_consolidation(
        task_type, batch, label_categories=ANIMALS, label_attribute_name="animals",
        job_name="Animal-Job", now=NOW, **options,
    )


def test_multi_label_content_has_the_documented_shape():
    batch = [multi_item(0, [("w1", ["dog", "cat"]), ("w2", ["cat"]), ("w3", ["cat"])])]
    [element] = consolidate("ImageMultiClassMultiLabel", batch)
    assert element["datasetObjectId"] == "0"
    content = element["consolidatedAnnotation"]["content"]
    assert list(content) == ["animals", "animals-metadata"]
    assert content["animals"] == [0, 1]
    metadata = content["animals-metadata"]
    assert list(metadata) == [
        "job-name", "class-map", "human-annotated", "creation-date", "confidence-map", "type"
    ]
    assert metadata["job-name"] == "labeling-job/animal-job"
    assert metadata["class-map"] == {"0": "cat", "1": "dog"}
    assert list(metadata["confidence-map"]) == ["0", "1"]
    assert metadata["confidence-map"]["0"] == 0.95
    assert metadata["confidence-map"]["1"] < 0.5
    assert metadata["creation-date"] == "2024-05-01T10:15:30.123456"
    assert metadata["type"] == "groundtruth/image-classification-multilabel"


def test_single_label_content_has_the_documented_shape():
    batch = [single_item(0, [("w1", "dog"), ("w2", "dog"), ("w3", "cat")])]
    [element] = consolidate("ImageMultiClass", batch)
    content = element["consolidatedAnnotation"]["content"]
    assert content["animals"] == 1
    metadata = content["animals-metadata"]
    assert list(metadata) == [
        "confidence", "job-name", "class-name", "human-annotated", "creation-date", "type"
    ]
    assert metadata["class-name"] == "dog"
    assert 0.5 < metadata["confidence"] <= 0.95
    assert metadata["type"] == "groundtruth/image-classification"
