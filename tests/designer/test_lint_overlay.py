"""Lint of crowd-image-classifier's `overlay`: AWS's documented shapes are clean; an overlay the
element could not draw is an error, at once when written without Liquid, else per sample."""

from __future__ import annotations

import pytest

from emulator import tasktypes
from worker_ui.lint import Sample, SampleData, lint_template

PAGE = """\
<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-image-classifier name="verdict" src="{{ task.input.taskObject | grant_read_access }}"
    header="Are the labels right?" categories="['good', 'bad']"
    overlay=OVERLAY>
    <full-instructions header="Judging">Judge the labels.</full-instructions>
    <short-instructions>Judge the labels.</short-instructions>
  </crowd-image-classifier>
</crowd-form>
"""
SAMPLE = SampleData(samples=[Sample("line-1", {"taskObject": "s3://bucket/a.png",
                                               "kind": "polygon"})])

# AWS's reference page writes them so (quoted and unquoted keys, trailing commas).
GOOD = [
    """'{ "semanticSegmentation": { "labels": ["Cat", "Dog"], "labelMappings": { "Cat": { "color":
      "#2ca02c" }, "Dog": { "color": "#2acf59" } }, "src": "s3://bucket/earlier/0.png", } }'""",
    """'{ "boundingBox": { labels: ["bird", "cat"], value: [ { height: 284, label: "bird",
      left: 230, top: 974, width: 223 }, { height: 69, label: "bird", left: 79, top: 889,
      width: 247 } ] }, }'""",
    """"{ instanceSegmentation: { src: 'https://example.com/map.png',
      labelMappings: { car: { color: '#ff7f0e' } } } }\"""",
    '""',
]


def overlay_findings(template: str, data: SampleData | None = None) -> list[tuple]:
    findings = lint_template(template, "t.html", data)
    return [(f.line, f.column, f.samples, f.message) for f in findings
            if f.code == "invalid-overlay"]


@pytest.mark.parametrize("overlay", GOOD)
def test_the_documented_overlay_shapes_are_clean(overlay):
    template = PAGE.replace("OVERLAY", overlay)
    assert overlay_findings(template) == []
    assert overlay_findings(template, SAMPLE) == []


@pytest.mark.parametrize(
    ("overlay", "problem"),
    [
        ('"{ boundingBox: { value: [ } }"',
         'it cannot be read (unexpected character "}" at position 27)'),
        ('"{ polygon: { labels: [] } }"', '"polygon" is not an overlay gtemu knows; use '
         "boundingBox, semanticSegmentation, instanceSegmentation"),
        ("\"{ boundingBox: { value: [{ label: 'cat', left: 1, top: 2, width: 3 }] } }\"",
         'boundingBox.value[0] needs a number "height"'),
        ("\"{ semanticSegmentation: { src: 'a.png' } }\"",
         "semanticSegmentation needs \"labelMappings\" ({ label: { color: '#rrggbb' } })"),
        ("\"{ semanticSegmentation: { src: 'a.png', "
         "labelMappings: { cat: { color: 'green' } } } }\"",
         "semanticSegmentation.labelMappings[\"cat\"] needs a color such as '#2ca02c'"),
    ],
)
def test_a_static_overlay_that_cannot_be_drawn_is_an_error_without_sample_data(overlay, problem):
    template = PAGE.replace("OVERLAY", overlay)
    [(line, column, samples, message)] = overlay_findings(template)
    assert (line, column, samples) == (5, 5, ())
    assert message.startswith(f"'overlay' of <crowd-image-classifier> cannot be drawn: {problem}: ")
    # Sample data changes nothing: the one finding holds for every sample.
    assert [f[:3] for f in overlay_findings(template, SAMPLE)] == [(5, 5, ())]


def test_an_overlay_built_by_liquid_is_checked_on_each_samples_page():
    template = PAGE.replace("OVERLAY", '"{ {{ task.input.kind }}: { labels: [] } }"')
    assert overlay_findings(template) == []  # nothing to say before it is rendered
    [(line, column, samples, message)] = overlay_findings(template, SAMPLE)
    assert (line, column, samples) == (5, 5, ("line-1",))
    assert '"polygon" is not an overlay gtemu knows' in message


@pytest.mark.parametrize("name", ["VerificationBoundingBox", "VerificationSemanticSegmentation"])
def test_the_verification_templates_draw_their_overlay_from_an_earlier_line(name):
    earlier = {
        "VerificationBoundingBox": {
            "bounding-box": {"annotations": [{"class_id": 0, "left": 1, "top": 2, "width": 3,
                                              "height": 4}],
                             "image_size": [{"width": 10, "height": 10, "depth": 3}]},
            "bounding-box-metadata": {"class-map": {"0": "cat"},
                                      "type": "groundtruth/object-detection"},
        },
        "VerificationSemanticSegmentation": {
            "segmentation-ref": "s3://bucket/earlier/0.png",
            "segmentation-ref-metadata": {
                "internal-color-map": {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff"},
                                       "1": {"class-name": "cat", "hex-color": "#1f77b4"}},
                "type": "groundtruth/semantic-segmentation"},
        },
    }[name]
    line = {"source-ref": "s3://bucket/a.png", **earlier}
    data = SampleData(samples=[Sample("line-1", {"taskObject": line["source-ref"],
                                                 "labels": ["good", "bad"],
                                                 "manifestLine": line})])
    findings = lint_template(tasktypes.get(name).template, "t.html", data)
    assert [f.format() for f in findings if f.severity == "error"] == []
