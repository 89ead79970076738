"""Literal attributes are checked against the kind of value each element reads: a list, an
object or either (declared once in the element registry)."""

from __future__ import annotations

import pytest

from emulator.elements import ELEMENTS
from emulator.elements.literal import LITERAL_KIND_NAMES
from emulator.tasktypes.adjustment_semantic_segmentation import adjustment_template
from worker_ui.lint import Sample, SampleData, lint_template

IMAGE = "s3://my-bucket/images/street-01.jpg"

SEGMENTATION = """\
<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-semantic-segmentation
    name="crowd-semantic-segmentation"
    src="{{ task.input.taskObject | grant_read_access }}"
    header="Correct the painted areas"
    labels="['Car', 'Road', 'Tree']"
    initial-value='INITIAL'
  >
    <full-instructions header="How to paint">Paint every car, road and tree.</full-instructions>
    <short-instructions>Paint each object in its label's colour.</short-instructions>
  </crowd-semantic-segmentation>
</crowd-form>
"""


def findings(template: str, task_input: object) -> list[tuple[str, str]]:
    data = SampleData(samples=[Sample("input.json", task_input)])
    return [(f.code, f.message) for f in lint_template(template, "t.html", data)
            if f.severity == "error"]


def segmentation(initial: str) -> str:
    return SEGMENTATION.replace("INITIAL", initial)


def test_the_documented_object_initial_value_of_semantic_segmentation_is_clean():
    initial = ('{ "labelMappings": { "Road": { "color": "#ff7f0e" }, "Car": { "color": "#1f77b4" }'
               ' }, "src": "{{ task.input.earlierMap | grant_read_access }}" }')
    task_input = {"taskObject": IMAGE, "earlierMap": "s3://my-bucket/maps/street-01.png"}
    assert findings(segmentation(initial), task_input) == []


def test_the_initial_value_built_in_liquid_from_an_earlier_color_map_is_clean():
    line = {
        "source-ref": IMAGE,
        "streets-ref": "s3://my-bucket/output/street-01.png",
        "streets-ref-metadata": {
            "type": "groundtruth/semantic-segmentation",
            "internal-color-map": {
                "0": {"class-name": "BACKGROUND", "hex-color": "#ffffff"},
                "1": {"class-name": "Car", "hex-color": "#2ca02c"},
                "2": {"class-name": "Road's edge", "hex-color": "#1f77b4"},
            },
        },
    }
    task_input = {"taskObject": IMAGE, "labels": ["Car", "Road's edge"], "manifestLine": line}
    assert findings(adjustment_template("streets-ref"), task_input) == []


def test_a_list_where_semantic_segmentation_reads_an_object_is_an_error():
    assert findings(segmentation('[{ label: "Car" }]'), {"taskObject": IMAGE}) == [(
        "invalid-literal",
        "'initial-value' of <crowd-semantic-segmentation> is not a JSON object after rendering "
        "(it is a list, not a JSON object): '[{ label: \"Car\" }]'",
    )]


@pytest.mark.parametrize(("mappings", "problem"), [
    ('{ Car: { color: "red" } }', 'labelMappings[\'Car\'].color must be a colour like "#1f77b4".'),
    ('{ Car: { color: "#1f77b4" }, Road: { color: "#1F77B4" } }',
     "Two labels in labelMappings share one colour."),
    ('["#1f77b4"]', 'labelMappings must be an object of label → {"color": "#rrggbb"}.'),
])
def test_label_mappings_follow_the_answer_contract(mappings, problem):
    template = segmentation('{ src: "{{ task.input.taskObject | grant_read_access }}", '
                            f"labelMappings: {mappings} }}")
    assert findings(template, {"taskObject": IMAGE}) == [(
        "invalid-literal", f"'initial-value' of <crowd-semantic-segmentation> cannot be used: "
        f"{problem}")]


def test_label_mappings_may_name_labels_beyond_the_labels_attribute():
    template = segmentation('{ labelMappings: { Bus: { color: "#9467bd" } } }')
    assert findings(template, {"taskObject": IMAGE}) == []


BOXES = """\
<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <TAG name="annotatedResult" src="{{ task.input.taskObject | grant_read_access }}"
    header="Trace the lanes" labels="['Lane', 'Kerb']" initial-value="INITIAL">
    <full-instructions header="Lanes">Trace each lane.</full-instructions>
    <short-instructions>Trace each lane.</short-instructions>
  </TAG>
</crowd-form>
"""


@pytest.mark.parametrize(("tag", "initial"), [
    ("crowd-bounding-box", "[{ label: 'Lane', left: 1, top: 2, width: 3, height: 4 }]"),
    ("crowd-polyline",
     "{ polylines: [{ label: 'Lane', vertices: [{x: 1, y: 2}, {x: 3, y: 4}] }] }"),
    ("crowd-line", "[{ label: 'Kerb', vertices: [{x: 1, y: 2}, {x: 3, y: 4}] }]"),
])
def test_vector_initial_values_may_be_a_list_or_an_object(tag, initial):
    template = BOXES.replace("TAG", tag).replace("INITIAL", initial)
    assert findings(template, {"taskObject": IMAGE}) == []


def test_a_vector_initial_value_that_is_neither_list_nor_object_is_an_error():
    template = BOXES.replace("TAG", "crowd-polygon").replace("INITIAL", "'Lane'")
    assert findings(template, {"taskObject": IMAGE}) == [(
        "invalid-literal", "'initial-value' of <crowd-polygon> is not a JSON array or object after "
        "rendering (it is a single value, not a JSON array or object): \"'Lane'\"")]


ENTITIES = """\
<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-entity-annotation name="crowd-entity-annotation" header="Mark the people"
  labels="[{ label: 'person', shortDisplayName: 'per', fullDisplayName: 'Person' }]"
  text="{{ task.input.source }}" initial-value="INITIAL">
  <full-instructions header="People">Highlight each name.</full-instructions>
  <short-instructions>Highlight each name.</short-instructions>
</crowd-entity-annotation>
"""


def test_entity_annotation_reads_a_list_of_spans():
    source = {"source": "Ada Lovelace wrote the first program."}
    good = ENTITIES.replace("INITIAL", "[{ label: 'person', startOffset: 0, endOffset: 12 }]")
    assert findings(good, source) == []
    bad = ENTITIES.replace("INITIAL", "{ label: 'person', startOffset: 0, endOffset: 12 }")
    assert [code for code, _ in findings(bad, source)] == ["invalid-literal"]


def test_the_moderation_exclusion_category_object_is_not_read_as_a_list():
    template = """\
<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-rekognition-detect-moderation-labels src="{{ task.input.taskObject | grant_read_access }}"
    categories="[{ name: 'Suggestive' }, { name: 'Violence' }]"
    exclusion-category="{ text: 'The image is fine' }" header="Review the labels">
  </crowd-rekognition-detect-moderation-labels>
</crowd-form>
"""
    assert findings(template, {"taskObject": IMAGE}) == []


def test_a_ranking_response_list_given_as_an_object_is_an_error():
    template = """\
<script src="https://assets.crowd.aws/crowd-html-elements-v2.js"></script>
<crowd-form>
  <crowd-text-ranking name="ranking" text="{{ task.input.prompt }}"
    responses='{"first": "A summary"}'
    ordinal-ranking-dimensions='[{"name": "Clarity", "allowTie": true}]'>
  </crowd-text-ranking>
</crowd-form>
"""
    assert findings(template, {"prompt": "Summarise the report."}) == [(
        "invalid-attribute", "'responses' of <crowd-text-ranking> is not a JSON array after "
        "rendering (it is an object, not a JSON array): '{\"first\": \"A summary\"}'")]


def test_every_literal_attribute_has_a_known_kind_and_checks_only_literals():
    for spec in ELEMENTS.values():
        assert set(spec.literal_attributes.values()) <= set(LITERAL_KIND_NAMES), spec.tag
        assert set(spec.literal_attributes) <= set(spec.attributes), spec.tag
        assert set(spec.literal_checks) <= set(spec.literal_attributes), spec.tag


def test_an_initial_value_without_label_mappings_uses_the_default_colours():
    template = segmentation('{ src: "{{ task.input.taskObject | grant_read_access }}" }')
    assert findings(template, {"taskObject": IMAGE}) == []
    template = segmentation('{ src: 42 }')
    assert findings(template, {"taskObject": IMAGE}) == [(
        "invalid-literal", "'initial-value' of <crowd-semantic-segmentation> cannot be used: "
        "src must be the URL of the earlier label map.")]
