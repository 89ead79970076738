"""Simulated workers: answer shapes, seeded reproducibility and measured quality."""

from __future__ import annotations

from dataclasses import dataclass, field

import gtemu_fixtures
import pytest

from emulator.simulate import (
    AnswerElement,
    NoisyWorker,
    ScriptedWorker,
    SingleLabelWorker,
    Spammer,
    Truth,
    find_answer_element,
    simulated_crowd,
)

LABELS = ["circle", "square", "triangle", "red", "green", "blue"]
MULTI = AnswerElement("crowd-image-classifier-multi-select", "crowd-image-classifier-multi-select")
SINGLE = AnswerElement("crowd-image-classifier", "crowd-image-classifier")


@dataclass
class SampleTask:
    """The worker-side view of a task, as the engine and the JSON API hand it out."""

    dataset_object_id: str
    input: dict
    categories: list[str] | None = None
    job_name: str = "job"
    answer_element: AnswerElement = MULTI
    template: str | None = field(default=None)


def tasks_over(count: int, labels: list[str] = LABELS, element: AnswerElement = MULTI):
    return [
        SampleTask(
            str(index),
            {"taskObject": f"s3://bucket/images/{index}.png", "labels": labels},
            labels,
            answer_element=element,
        )
        for index in range(count)
    ]


def selected(answer: dict) -> list[str]:
    return answer["crowd-image-classifier-multi-select"]["labels"]


def test_noisy_worker_matches_its_sensitivity_and_specificity():
    truth = Truth(seed=3)
    worker = NoisyWorker("w", truth, sensitivity=0.8, specificity=0.9, seed=1)
    hits = misses = false_alarms = rejections = 0
    for task in tasks_over(3000):
        true = set(truth.labels_for(task, LABELS, multi_label=True))
        chosen = set(selected(worker.answer(task)))
        hits += len(true & chosen)
        misses += len(true - chosen)
        false_alarms += len(chosen - true)
        rejections += len(set(LABELS) - true - chosen)
    assert hits / (hits + misses) == pytest.approx(0.8, abs=0.03)
    # The "at least one label" rule adds a few selections, so specificity is a little lower.
    assert rejections / (rejections + false_alarms) == pytest.approx(0.9, abs=0.03)


def test_per_label_quality():
    truth = {str(i): ["red"] for i in range(2000)}
    worker = NoisyWorker("w", truth, sensitivity={"red": 0.6, "*": 1.0}, specificity=1.0, seed=2)
    answers = [selected(worker.answer(task)) for task in tasks_over(2000)]
    # Red is seen 60% of the time; a worker who saw nothing picks one label, again red at 60%.
    red_rate = sum(labels == ["red"] for labels in answers) / len(answers)
    assert red_rate == pytest.approx(0.6 + 0.4 * 0.6, abs=0.03)
    assert all(len(labels) == 1 for labels in answers)


def test_every_multi_label_answer_has_at_least_one_known_label():
    crowd = simulated_crowd(5, seed=4, spammers=2)
    for task in tasks_over(300):
        for worker in crowd:
            labels = selected(worker.answer(task))
            assert labels, worker
            assert set(labels) <= set(LABELS)
            assert len(set(labels)) == len(labels)


def test_single_label_answers_follow_accuracy():
    shapes = ["circle", "square", "triangle"]
    truth = Truth(seed=5)
    worker = NoisyWorker("w", truth, sensitivity=0.7, seed=6)
    tasks = tasks_over(2000, shapes, SINGLE)
    correct = 0
    for task in tasks:
        answer = worker.answer(task)
        assert list(answer) == ["crowd-image-classifier"]
        assert list(answer["crowd-image-classifier"]) == ["label"]
        label = answer["crowd-image-classifier"]["label"]
        correct += [label] == truth.labels_for(task, shapes, multi_label=False)
    assert correct / len(tasks) == pytest.approx(0.7, abs=0.03)


def test_spammer_clicks_at_random_whatever_the_truth():
    spammer = Spammer("spam", seed=7)
    answers = [selected(spammer.answer(task)) for task in tasks_over(2000)]
    for label in LABELS:
        rate = sum(label in labels for labels in answers) / len(answers)
        assert rate == pytest.approx(0.5, abs=0.05)


def test_single_label_worker_picks_exactly_one_label_on_multi_label_tasks():
    worker = SingleLabelWorker("lazy", Truth(seed=1), sensitivity=1.0, seed=1)
    for task in tasks_over(200):
        labels = selected(worker.answer(task))
        assert len(labels) == 1
        assert labels[0] in worker.truth.labels_for(task, LABELS, multi_label=True)


def test_perfect_workers_answer_the_fixture_truth():
    truth = gtemu_fixtures.truth("multilabel")
    crowd = simulated_crowd(3, seed=0, accuracy=1.0, truth=truth)
    for index, (file, labels) in enumerate(truth.items()):
        task = SampleTask(str(index), {"taskObject": f"s3://elsewhere/pics/{file}"}, LABELS)
        for worker in crowd:
            assert selected(worker.answer(task)) == labels


def test_the_same_seed_gives_the_same_answers_and_another_seed_other_ones():
    def run(seed: int) -> list[list[str]]:
        crowd = simulated_crowd(3, seed=seed)
        return [selected(worker.answer(task)) for task in tasks_over(50) for worker in crowd]

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_hidden_truth_is_shared_by_the_crowd_and_has_one_to_three_labels():
    truth = Truth(seed=9)
    sizes = set()
    for task in tasks_over(200):
        first = truth.labels_for(task, LABELS, multi_label=True)
        assert first == Truth(seed=9).labels_for(task, LABELS, multi_label=True)
        sizes.add(len(first))
    assert sizes == {1, 2, 3}


def test_crowd_quality_is_drawn_per_worker_unless_accuracy_is_given():
    varied = simulated_crowd(4, seed=1)
    assert len({worker.sensitivity for worker in varied}) == 4
    assert all(0.75 <= worker.sensitivity <= 0.95 for worker in varied)
    fixed = simulated_crowd(4, seed=1, accuracy=0.8, spammers=1)
    assert [type(worker).__name__ for worker in fixed] == ["NoisyWorker"] * 3 + ["Spammer"]
    assert {worker.sensitivity for worker in fixed[:3]} == {0.8}
    assert [worker.name for worker in fixed] == [f"sim-worker-0{i}" for i in range(1, 5)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, "at least one worker"),
        ({"n": 2, "spammers": 3}, "spammers must be between 0 and 2"),
        ({"n": 2, "accuracy": 1.5}, "accuracy must be between 0 and 1"),
    ],
)
def test_crowd_arguments_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulated_crowd(**kwargs)


def test_scripted_worker_gets_the_task_input_and_its_name():
    worker = ScriptedWorker("alice", lambda task_input, name: {"who": name, **task_input})
    task = SampleTask("0", {"taskObject": "s3://b/k.png"})
    assert worker.answer(task) == {"who": "alice", "taskObject": "s3://b/k.png"}


def test_answer_element_comes_from_the_template():
    multi = gtemu_fixtures.path("multilabel/template.liquid.html").read_text()
    single = gtemu_fixtures.path("singlelabel/template.liquid.html").read_text()
    assert find_answer_element(multi) == MULTI
    assert find_answer_element(single) == SINGLE
    custom = "<crowd-form><crowd-classifier-multi-select name='pick' categories='[]'>"
    assert find_answer_element(custom) == AnswerElement("crowd-classifier-multi-select", "pick")
    assert find_answer_element("<p>no classifier</p>") is None
    task = SampleTask("0", {"taskObject": "s3://b/k.png", "labels": ["a", "b"]}, template=custom)
    task.answer_element = None
    assert list(NoisyWorker("w", seed=1).answer(task)) == ["pick"]


def test_task_without_categories_needs_a_scripted_worker():
    task = SampleTask("0", {"text": "hello"})
    with pytest.raises(ValueError, match="use a ScriptedWorker"):
        NoisyWorker("w").answer(task)


def test_a_custom_task_input_that_is_not_an_object_still_gets_an_answer():
    task = SampleTask("3", ["not", "an", "object"], categories=["yes", "no"], answer_element=SINGLE)
    answer = NoisyWorker("w", seed=1).answer(task)
    assert answer["crowd-image-classifier"]["label"] in ("yes", "no")
