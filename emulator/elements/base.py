"""What gtemu knows of one crowd HTML element on the server side.

Every crowd element gtemu renders in the browser (`worker_ui/static/crowd/`) is described here
once, as an `ElementSpec`: the attributes AWS documents for it, the child regions it reads, how its
answer sits in the posted `taskAnswers`, the contract a submitted answer must meet, and how a
simulated worker produces a valid answer of its own shape. Lint, the preview, the worker API and
the simulated workers all ask the registry (`emulator.elements.element_spec`) and hold no element
knowledge of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from emulator.elements.literal import LiteralKind

#: Where an element's answer sits in the posted answer object.
#: "name": under the element's `name` attribute (v1 elements: `{"<name>": {...}}`);
#: "flat": merged into the answer object itself (Crowd HTML Elements V2);
#: "none": the element posts nothing (layout, instructions, buttons).
AnswerNesting = Literal["name", "flat", "none"]


@dataclass(frozen=True)
class ElementContext:
    """One element as it stands in a rendered task page, with what the job knows around it."""

    tag: str
    #: Attribute values as rendered (after Liquid), raw strings; a boolean attribute is "".
    attributes: Mapping[str, str]
    #: The job's label categories for built-in task types (None for custom templates).
    categories: Sequence[str] | None = None
    #: The task's `taskInput` (what `task.input` is in the template).
    task_input: Any = None
    #: (width, height) of the element's image when the server knows it, else None.
    image_size: tuple[int, int] | None = None


@dataclass
class SimulatedWorker:
    """What a simulated worker brings to an answer: its random stream, its quality and, when the
    test or demo knows it, the hidden truth for this object (an answer of the element's own shape
    that a perfect worker would give)."""

    rng: np.random.Generator
    accuracy: float = 0.9
    worker_id: str = "simulated"
    truth: Any = None


#: Returns None for a valid answer, else the message shown to the worker (nothing is stored).
AnswerCheck = Callable[[Any, ElementContext], "str | None"]
#: Produces a valid answer value of the element's own shape.
AnswerSimulator = Callable[[ElementContext, SimulatedWorker], Any]
#: Checks the parsed value of a literal attribute beyond its kind (e.g. the colours of
#: `labelMappings`); None when the element can use it, else what is wrong.
LiteralCheck = Callable[[Any, ElementContext], "str | None"]


@dataclass(frozen=True)
class ElementSpec:
    tag: str
    #: Every attribute AWS's Crowd HTML Elements reference lists for the element.
    attributes: tuple[str, ...] = ()
    #: Attributes without which the element cannot work (lint error when missing).
    required: tuple[str, ...] = ()
    #: Attributes whose value is a JavaScript/JSON literal, each with the kind of value the
    #: browser element reads from it ("list", "object", "list or object"); lint parses them and
    #: reports a value of another kind.
    literal_attributes: Mapping[str, LiteralKind] = field(default_factory=dict)
    #: Checks of a literal attribute's parsed value where the element knows its shape (the
    #: answer contract's own rules, e.g. `labelMappings` colours), run by lint after the kind.
    literal_checks: Mapping[str, LiteralCheck] = field(default_factory=dict)
    #: Child regions the element reads (`full-instructions`, `short-instructions`, …).
    regions: tuple[str, ...] = ()
    #: Regions lint expects to find (warning when missing).
    required_regions: tuple[str, ...] = ()
    answer_nesting: AnswerNesting = "none"
    #: 1 for crowd-html-elements.js, 2 for crowd-html-elements-v2.js.
    version: int = 1
    check_answer: AnswerCheck | None = None
    simulate_answer: AnswerSimulator | None = None
    #: False for an element AWS documents that gtemu does not draw (a visible
    #: "not supported in gtemu" block in the browser, a lint error).
    rendered_by_gtemu: bool = True
    #: Anchor of the element's section in docs/elements.md.
    docs_anchor: str = ""
    #: Free-form facts other parts read (e.g. {"output": "labels"}).
    traits: Mapping[str, Any] = field(default_factory=dict)

    @property
    def posts_answer(self) -> bool:
        return self.answer_nesting != "none"
