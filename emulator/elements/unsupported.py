"""Ground Truth elements gtemu knows by name but does not draw.

`crowd-keypoint` and `crowd-bounding-box` are described (lint checks their attributes and
regions) with `rendered_by_gtemu=False`; `OTHER_AWS_ELEMENTS` are further real element names
that lint recognises as AWS's, so that it warns instead of calling them typos.
"""

from __future__ import annotations

from emulator.elements.base import ElementSpec

_REGIONS = ("full-instructions", "short-instructions")

SPECS = (
    ElementSpec(
        tag="crowd-keypoint",
        attributes=("name", "src", "header", "labels", "initial-value"),
        literal_attributes=("labels", "initial-value"),
        regions=_REGIONS,
        required_regions=_REGIONS,
        answer_nesting="name",
        rendered_by_gtemu=False,
        traits={"output": "keypoints"},
    ),
    ElementSpec(
        tag="crowd-bounding-box",
        attributes=("name", "src", "header", "labels", "initial-value"),
        literal_attributes=("labels", "initial-value"),
        regions=_REGIONS,
        required_regions=_REGIONS,
        answer_nesting="name",
        rendered_by_gtemu=False,
        traits={"output": "boxes", "task_answer": True},
    ),
)

OTHER_AWS_ELEMENTS = frozenset(
    {
        "crowd-entity-annotation",
        "crowd-instance-segmentation",
        "crowd-line",
        "crowd-polygon",
        "crowd-polyline",
        "crowd-semantic-segmentation",
        "crowd-textract-analyze-document",
        "crowd-rekognition-detect-moderation-labels",
    }
)
