"""Worker templates in the style of AWS's own for the box task types (written for gtemu).

`GroundTruth.upload_inputs`, the demo and the tests use them. The adjustment and verification
templates read the earlier job's boxes from `task.input.manifestLine.<attribute>`; their
functions take that attribute's name.
"""

from __future__ import annotations

CROWD_SCRIPT = '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>'
#: The earlier job's label attribute the default adjustment and verification templates read.
DEFAULT_EARLIER_ATTRIBUTE = "bounding-box"

BOUNDING_BOX_TEMPLATE = f"""{CROWD_SCRIPT}

<crowd-form>
  <crowd-bounding-box
    name="boundingBox"
    src="{{{{ task.input.taskObject | grant_read_access }}}}"
    header="Draw a box around every object you can name below"
    labels="{{{{ task.input.labels | to_json | escape }}}}"
  >
    <full-instructions header="How to draw boxes">
      <p>Pick a label, then drag over the object to draw its box.</p>
      <ul>
        <li>Fit the box tightly: its edges touch the object's outermost visible pixels.</li>
        <li>Draw one box per object, even when objects overlap.</li>
        <li>Leave out parts you cannot see; stop at the picture's edge.</li>
      </ul>
    </full-instructions>
    <short-instructions>
      Draw a tight box around each object and give it its label.
    </short-instructions>
  </crowd-bounding-box>
</crowd-form>
"""


def _initial_boxes(attribute: str) -> str:
    """A JavaScript array literal of the earlier boxes, labels looked up in the class map."""
    line = "task.input.manifestLine"
    return (
        "[{% for box in " + line + "." + attribute + ".annotations %}"
        "{% capture class_id %}{{ box.class_id }}{% endcapture %}"
        "{ label: {{ " + line + "." + attribute + "-metadata.class-map[class_id] | to_json "
        "| escape }}, left: {{ box.left }}, top: {{ box.top }}, width: {{ box.width }}, "
        "height: {{ box.height }} }{% unless forloop.last %}, {% endunless %}{% endfor %}]"
    )


def adjustment_template(attribute: str = DEFAULT_EARLIER_ATTRIBUTE) -> str:
    """`crowd-bounding-box` started from the boxes of the earlier job's `attribute`."""
    return f"""{CROWD_SCRIPT}

<crowd-form>
  <crowd-bounding-box
    name="adjustedBoxes"
    src="{{{{ task.input.taskObject | grant_read_access }}}}"
    header="Correct the boxes: move, resize, relabel, delete or add"
    labels="{{{{ task.input.labels | to_json | escape }}}}"
    initial-value="{_initial_boxes(attribute)}"
  >
    <full-instructions header="How to correct boxes">
      <p>The boxes come from an earlier labeling job. Fix every box that is loose, cut off or
      wrongly labelled, delete boxes around nothing, and add boxes for objects left out.</p>
    </full-instructions>
    <short-instructions>Make every box tight and correctly labelled.</short-instructions>
  </crowd-bounding-box>
</crowd-form>
"""


def _overlay(attribute: str) -> str:
    """The overlay's `labels` are the earlier job's classes (its class map), as in AWS's
    example; the verdict categories are the classifier's own `categories`."""
    class_map = "task.input.manifestLine." + attribute + "-metadata.class-map"
    labels = (
        "[{% for entry in " + class_map + " %}{{ entry[1] | to_json | escape }}"
        "{% unless forloop.last %}, {% endunless %}{% endfor %}]"
    )
    return f"{{ boundingBox: {{ labels: {labels}, value: {_initial_boxes(attribute)} }} }}"


def verification_template(attribute: str = DEFAULT_EARLIER_ATTRIBUTE) -> str:
    """`crowd-image-classifier` showing the earlier job's boxes as an overlay, one verdict."""
    return f"""{CROWD_SCRIPT}

<crowd-form>
  <crowd-image-classifier
    name="verdict"
    src="{{{{ task.input.taskObject | grant_read_access }}}}"
    header="Are these boxes right?"
    categories="{{{{ task.input.labels | to_json | escape }}}}"
    overlay="{_overlay(attribute)}"
  >
    <full-instructions header="How to judge boxes">
      <p>Judge the boxes drawn by an earlier labeling job: are they tight, complete and
      correctly labelled? Say why in a comment when they are not.</p>
    </full-instructions>
    <short-instructions>Judge the boxes; comment on what is wrong.</short-instructions>
    <worker-comment header="What is wrong?" link-text="Add a comment"
      placeholder="e.g. the box on the left dog is too wide"></worker-comment>
  </crowd-image-classifier>
</crowd-form>
"""


ADJUSTMENT_TEMPLATE = adjustment_template()
VERIFICATION_TEMPLATE = verification_template()
