"""The pytest example of docs/engine.md, verbatim: a pipeline test in a few lines."""


def test_my_pipeline_reads_the_labels(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(["s3://shop/a.jpg", "s3://shop/b.jpg"], labels=["cat", "dog"])
    gt.create_job("animals", uris)             # or your own sagemaker.create_labeling_job(...)

    final = gt.complete_job(
        "animals",
        answer=lambda task_input, worker: {
            "crowd-image-classifier-multi-select": {"labels": ["cat"]}
        },
    )

    assert final["LabelingJobStatus"] == "Completed"
    lines = gt.output_manifest("animals")      # output.manifest as a list of dicts
    assert lines[0]["animals"] == [0]
    assert lines[0]["animals-metadata"]["class-map"] == {"0": "cat"}
