"""The data of a running job: data objects, the tasks handed to workers, accepted answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

QUEUED = "queued"  # eligible, waiting for its wave
OPEN = "open"  # dispatched, collecting answers
FINAL = "final"  # answers final, waiting for its consolidation batch
LABELED = "labeled"
FAILED = "failed"
SKIPPED = "skipped"


class TaskConflict(Exception):
    """A task action that does not fit the task's state: unknown task, another worker's task,
    a task that expired, was withdrawn or was already answered differently."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class Answer:
    """One accepted answer (docs/engine.md#worker-response-files)."""

    task_id: str
    worker_id: str
    worker_metadata: dict[str, Any] | None
    content: dict[str, Any]
    accepted_at: datetime
    submitted_at: datetime
    time_spent: float


@dataclass(slots=True)
class Task:
    """One object handed to one worker (docs/interfaces.md, worker side)."""

    task_id: str
    job_name: str
    dataset_object_id: str
    input: Any
    template: Any
    deadline: datetime
    categories: list[str] | None
    worker_id: str
    worker_metadata: dict[str, Any] | None = field(repr=False)
    accepted_at: datetime
    state: str = "open"  # open | submitted | declined | released | expired | withdrawn
    answer: dict[str, Any] | None = field(default=None, repr=False)
    #: (width, height) of the object's image when the task type draws on images and the image
    #: could be read (simulated workers keep their shapes inside it).
    image_size: tuple[int, int] | None = None


@dataclass(eq=False, slots=True)
class DataObject:
    dataset_object_id: str
    line: dict[str, Any]
    serialized: str
    task_input: Any = None
    state: str = QUEUED
    wave: int = 0
    answers: list[Answer] = field(default_factory=list)
    open_tasks: dict[str, Task] = field(default_factory=dict)  # by worker id
    excluded: set[str] = field(default_factory=set)  # workers who answered or declined
    declines: int = 0

    def free_slots(self, workers_per_object: int) -> int:
        return workers_per_object - len(self.answers) - len(self.open_tasks)
