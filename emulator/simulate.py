"""Simulated workers: scripted answers, and noisy workers answering from a known truth.

A worker is anything with a `name` and an `answer(task) -> dict` that returns the answer in the
shape the template's crowd element submits (docs/elements.md#the-answer-object), e.g.
`{"crowd-image-classifier-multi-select": {"labels": ["cat"]}}`. The task is the engine's `Task`
(or any object with `.input`, `.categories`, `.job_name`, `.dataset_object_id`).

Noisy workers have a per-label sensitivity (chance of selecting a label that is there) and
specificity (chance of leaving out a label that is not), so that consolidation can be measured
against the truth. `simulated_crowd()` builds a seeded crowd of them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from emulator import tasktypes
from emulator.elements import ElementContext, SimulatedWorker, element_spec
from emulator.elements.facts import template_facts

DEFAULT_ELEMENT = tasktypes.TASK_TYPES[tasktypes.DEFAULT].element or ""

Quality = float | Mapping[str, float]


class Worker(Protocol):
    name: str

    def answer(self, task: Any) -> dict: ...


@dataclass(frozen=True)
class AnswerElement:
    """The answer element of a task's template: its tag and its `name` (answer key)."""

    tag: str
    name: str

    @property
    def multi_label(self) -> bool:
        spec = element_spec(self.tag)
        return bool(spec is not None and spec.traits.get("multi_label"))

    @property
    def classifier(self) -> bool:
        spec = element_spec(self.tag)
        return spec is not None and spec.traits.get("output") in ("labels", "label")

    def wrap(self, labels: list[str]) -> dict:
        """The answer this element submits for the chosen labels."""
        if self.multi_label:
            return {self.name: {"labels": labels}}
        return {self.name: {"label": labels[0]}}


def find_answer_element(template_source: str | None) -> AnswerElement | None:
    """The answer element of a template (see `emulator.elements.facts`), or None."""
    facts = template_facts(template_source)
    if facts.tag is None or facts.name is None:
        return None
    return AnswerElement(facts.tag, facts.name)


def task_answer_element(task: Any) -> AnswerElement | None:
    """The element that carries a job's answer (a classifier or a drawing element), from the
    task's own hint, else from its template; None for a page without one (a custom template,
    answered through the element registry).

    Remote tasks (the worker JSON API) carry `answer_element`; engine tasks carry their
    template, whose source names the element.
    """
    hint = getattr(task, "answer_element", None)
    if isinstance(hint, AnswerElement):
        return hint
    if isinstance(hint, Mapping) and hint.get("tag") and hint.get("name"):
        return AnswerElement(str(hint["tag"]), str(hint["name"]))
    return find_answer_element(_template_source(task))


def answer_element_of(task: Any) -> AnswerElement:
    """`task_answer_element`, or the built-in multi-label element for a page without one."""
    return task_answer_element(task) or AnswerElement(DEFAULT_ELEMENT, DEFAULT_ELEMENT)


def _template_source(task: Any) -> str | None:
    template = getattr(task, "template", None)
    return template if isinstance(template, str) else getattr(template, "source", None)


def element_answer(
    task: Any, element: AnswerElement, worker: SimulatedWorker
) -> dict[str, Any]:
    """An answer drawn by the element's own simulated worker (boxes, label maps, entity spans),
    under the element's name: `{"<name>": <value>}` (merged into the answer, for an element whose
    answer is not under its name, such as A2I's). A text element is given the task's
    `taskObject` as its `text`."""
    spec = element_spec(element.tag)
    if spec is None or spec.simulate_answer is None:
        raise ValueError(
            f"task {getattr(task, 'task_id', '?')}: gtemu cannot simulate answers of "
            f"<{element.tag}>; use a ScriptedWorker"
        )
    facts = template_facts(_template_source(task))
    attributes = {
        key: value
        for key, value in (facts.attributes if facts.tag == element.tag else {}).items()
        if "{{" not in value and "{%" not in value  # not rendered: says nothing yet
    }
    source = _input_of(task).get("taskObject")
    if "text" in spec.attributes and isinstance(source, str):
        attributes.setdefault("text", source)
    size = getattr(task, "image_size", None)
    context = ElementContext(
        element.tag,
        attributes,
        categories=getattr(task, "categories", None) or _input_of(task).get("labels"),
        task_input=getattr(task, "input", None),
        image_size=tuple(size) if size else None,
    )
    value = spec.simulate_answer(context, worker)
    return value if spec.answer_nesting == "flat" else {element.name: value}


def _numpy_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(64))


def _input_of(task: Any) -> dict:
    # Custom pre-annotation Lambdas may hand out any JSON value as the task input.
    return task.input if isinstance(task.input, dict) else {}


def categories_of(task: Any) -> list[str]:
    categories = getattr(task, "categories", None) or _input_of(task).get("labels")
    if not categories:
        raise ValueError(
            f"task {getattr(task, 'task_id', '?')} has no label categories; "
            "use a ScriptedWorker for custom tasks"
        )
    return [str(label) for label in categories]


def registry_answer(
    task: Any,
    *,
    worker_id: str,
    rng: random.Random,
    accuracy: float,
    truth: Any = None,
    strict: bool = True,
) -> dict | None:
    """The answer to a task whose page is answered through the element registry (any custom
    template built from known elements, V2 elements included), or None when the page's answer
    is a classifier's (answered by the workers below). With `strict`, a page with an unknown
    element or nothing to answer raises `UnansweredTemplate` (a ValueError); otherwise None.
    """
    from emulator import simulate_elements
    from emulator.elements import SimulatedWorker

    elements = _registry_elements(task)
    if elements is None or not simulate_elements.registry_answers(elements):
        return None
    worker = SimulatedWorker(
        rng=simulate_elements.worker_rng(rng.getrandbits(64)),
        accuracy=accuracy,
        worker_id=worker_id,
        truth=truth,
    )
    try:
        return simulate_elements.simulated_answer(
            elements, worker, categories=getattr(task, "categories", None), task_input=task.input
        )
    except simulate_elements.UnansweredTemplate:
        if strict:
            raise
        return None


def _registry_elements(task: Any) -> list | None:
    from emulator import simulate_elements

    if isinstance(getattr(task, "elements", None), list):
        return simulate_elements.task_elements(task)
    template = getattr(task, "template", None)
    source = template if isinstance(template, str) else getattr(template, "source", None)
    if not source:
        return None
    if find_answer_element(source) is not None:
        return None  # a classifier or drawing page: answered without rendering it
    return simulate_elements.task_elements(task)


class ScriptedWorker:
    """A worker whose answers come from `fn(task_input, worker_name) -> answer`."""

    def __init__(self, name: str, fn: Callable[[dict, str], dict]) -> None:
        self.name = name
        self.fn = fn

    def answer(self, task: Any) -> dict:
        return self.fn(task.input, self.name)

    def __repr__(self) -> str:
        return f"ScriptedWorker({self.name!r})"


class Truth:
    """The true labels of data objects, with a seeded hidden truth for unknown objects.

    `known` maps a `datasetObjectId`, a `taskObject` (e.g. an S3 URI) or the file name at the end
    of one to its labels. Objects found under none of these get a hidden truth drawn from
    `seed` and the object, the same for every worker: 1–3 labels (multi-label) or one.
    """

    def __init__(self, known: Mapping[str, Any] | None = None, *, seed: int = 0) -> None:
        # A truth is a list of labels (classification) or an answer value of the element's own
        # shape (e.g. `{"boundingBoxes": [...], "inputImageProperties": {...}}`).
        self.raw = {str(key): value for key, value in (known or {}).items()}
        self.known = {
            key: list(value) for key, value in self.raw.items() if not isinstance(value, Mapping)
        }
        self.seed = seed

    def value_for(self, task: Any) -> Any:
        """The known truth of a task's object as given (any shape, e.g. a box answer), or None;
        looked up like `labels_for`."""
        task_object = str(_input_of(task).get("taskObject", ""))
        for key in (str(task.dataset_object_id), task_object, task_object.rsplit("/", 1)[-1]):
            if key and key in self.raw:
                return self.raw[key]
        return None

    def labels_for(self, task: Any, categories: list[str], *, multi_label: bool) -> list[str]:
        task_object = str(_input_of(task).get("taskObject", ""))
        keys = (str(task.dataset_object_id), task_object, task_object.rsplit("/", 1)[-1])
        for key in keys:
            if key and key in self.known:
                true = [label for label in self.known[key] if label in categories]
                return true if multi_label else true[:1]
        return self.hidden(task_object or str(task.dataset_object_id), categories, multi_label)

    def hidden(self, key: str, categories: list[str], multi_label: bool) -> list[str]:
        rng = random.Random(f"{self.seed}/{key}/{'|'.join(categories)}")
        if not multi_label:
            return [rng.choice(categories)]
        count = min(len(categories), rng.choice((1, 2, 3)))
        chosen = set(rng.sample(categories, count))
        return [label for label in categories if label in chosen]


def _rate(quality: Quality, label: str) -> float:
    if isinstance(quality, Mapping):
        return float(quality.get(label, quality.get("*", 0.9)))
    return float(quality)


class NoisyWorker:
    """A worker who answers from the truth with per-label sensitivity and specificity.

    Multi-label: each true label is selected with probability `sensitivity`, each other label
    with probability `1 - specificity`; an empty choice becomes one label (a true one with
    probability `sensitivity`). Single-label: the true label with probability `sensitivity`,
    otherwise another one at random. `sensitivity` and `specificity` are a number or a mapping
    label -> number (key `"*"` for the rest).
    """

    def __init__(
        self,
        name: str,
        truth: Truth | Mapping[str, Iterable[str]] | None = None,
        *,
        sensitivity: Quality = 0.9,
        specificity: Quality = 0.95,
        seed: int = 0,
    ) -> None:
        self.name = name
        self.truth = truth if isinstance(truth, Truth) else Truth(truth, seed=seed)
        self.sensitivity = sensitivity
        self.specificity = specificity
        self.rng = random.Random(f"{seed}/{name}")

    def answer(self, task: Any) -> dict:
        element = task_answer_element(task)
        if element is None:
            registered = registry_answer(
                task,
                worker_id=self.name,
                rng=self.rng,
                accuracy=self.accuracy,
                truth=self.truth.value_for(task),
            )
            if registered is not None:
                return registered
            element = AnswerElement(DEFAULT_ELEMENT, DEFAULT_ELEMENT)
        if not element.classifier:
            accuracy = self.sensitivity if not isinstance(self.sensitivity, Mapping) else 0.9
            worker = SimulatedWorker(
                _numpy_rng(self.rng), float(accuracy), self.name, self.truth.value_for(task)
            )
            return element_answer(task, element, worker)
        categories = categories_of(task)
        true = self.truth.labels_for(task, categories, multi_label=element.multi_label)
        if element.multi_label:
            return element.wrap(self.choose_labels(categories, set(true)))
        return element.wrap([self.choose_one(categories, true[0] if true else None)])

    @property
    def accuracy(self) -> float:
        """One number for elements without labels: the worker's sensitivity (mean if per label)."""
        if isinstance(self.sensitivity, Mapping):
            rates = [float(rate) for rate in self.sensitivity.values()]
            return sum(rates) / len(rates) if rates else 0.9
        return float(self.sensitivity)

    def choose_labels(self, categories: list[str], true: set[str]) -> list[str]:
        chosen = []
        for label in categories:
            if label in true:
                keep = self.rng.random() < _rate(self.sensitivity, label)
            else:
                keep = self.rng.random() >= _rate(self.specificity, label)
            if keep:
                chosen.append(label)
        if not chosen:
            # The element requires at least one label: the worker picks the one they saw best.
            chosen = [self.choose_one(categories, min(true, key=categories.index, default=None))]
        return chosen

    def choose_one(self, categories: list[str], true: str | None) -> str:
        if true is not None and self.rng.random() < _rate(self.sensitivity, true):
            return true
        others = [label for label in categories if label != true] or categories
        return self.rng.choice(others)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.name!r}, sensitivity={self.sensitivity!r}, "
            f"specificity={self.specificity!r})"
        )


class Spammer(NoisyWorker):
    """Clicks at random: each label with probability 1/2 (at least one), or any single label."""

    def __init__(self, name: str, *, seed: int = 0) -> None:
        super().__init__(name, None, sensitivity=0.5, specificity=0.5, seed=seed)

    def answer(self, task: Any) -> dict:
        element = task_answer_element(task)
        if element is None:
            registered = registry_answer(task, worker_id=self.name, rng=self.rng, accuracy=0.5)
            if registered is not None:
                return registered
            element = AnswerElement(DEFAULT_ELEMENT, DEFAULT_ELEMENT)
        if not element.classifier:
            worker = SimulatedWorker(_numpy_rng(self.rng), 0.0, self.name, None)
            return element_answer(task, element, worker)
        categories = categories_of(task)
        if not element.multi_label:
            return element.wrap([self.rng.choice(categories)])
        chosen = [label for label in categories if self.rng.random() < 0.5]
        return element.wrap(chosen or [self.rng.choice(categories)])


class SingleLabelWorker(NoisyWorker):
    """Always selects exactly one label, even on a multi-label task (a common lazy answer)."""

    def answer(self, task: Any) -> dict:
        element = task_answer_element(task)
        if element is None or not element.classifier:
            return super().answer(task)
        categories = categories_of(task)
        true = self.truth.labels_for(task, categories, multi_label=element.multi_label)
        picked = self.rng.choice(true) if true else None
        return element.wrap([self.choose_one(categories, picked)])


def simulated_crowd(
    n: int,
    *,
    seed: int = 0,
    accuracy: float | None = None,
    truth: Truth | Mapping[str, Iterable[str]] | None = None,
    spammers: int = 0,
    name_prefix: str = "sim-worker",
) -> list[NoisyWorker]:
    """`n` seeded simulated workers, the last `spammers` of whom click at random.

    With `accuracy`, every honest worker has that sensitivity and specificity; without it each
    draws its own (sensitivity 0.75–0.95, specificity 0.85–0.98). `truth` maps objects to their
    labels (see `Truth`); objects it does not know get a seeded hidden truth.
    """
    if n < 1:
        raise ValueError(f"a crowd needs at least one worker; got {n}")
    if not 0 <= spammers <= n:
        raise ValueError(f"spammers must be between 0 and {n}; got {spammers}")
    if accuracy is not None and not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"accuracy must be between 0 and 1; got {accuracy}")
    shared_truth = truth if isinstance(truth, Truth) else Truth(truth, seed=seed)
    rng = random.Random(seed)
    width = max(2, len(str(n)))
    crowd: list[NoisyWorker] = []
    for index in range(1, n + 1):
        name = f"{name_prefix}-{index:0{width}d}"
        if index > n - spammers:
            crowd.append(Spammer(name, seed=seed))
            continue
        sensitivity = accuracy if accuracy is not None else round(rng.uniform(0.75, 0.95), 3)
        specificity = accuracy if accuracy is not None else round(rng.uniform(0.85, 0.98), 3)
        crowd.append(
            NoisyWorker(
                name, shared_truth, sensitivity=sensitivity, specificity=specificity, seed=seed
            )
        )
    return crowd
