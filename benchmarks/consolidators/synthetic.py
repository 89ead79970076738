"""Seeded synthetic multi-label crowd data with a known truth, in Ground Truth's own files.

50 labels, 1–3 true labels per image, a pool of 100 workers: good, careless, random-clicking and
single-label-always workers; every answer selects at least one label. Written as a job output
folder: `annotations/worker-response/iteration-1/<id>/<timestamp>.json`
(docs/engine.md#worker-response-files), plus the label category file, the input manifest and
`truth.npy` (objects x labels, bool).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from consolidation.serialization import answer_timestamp, dumps, file_timestamp

N_LABELS = 50
N_WORKERS = 100
# Shares of the pool: good, careless, random clickers, single-label-always.
WORKER_MIX = {"good": 0.6, "careless": 0.2, "random": 0.1, "single": 0.1}
ELEMENT = "crowd-image-classifier-multi-select"
START = datetime(2024, 5, 1, 10, 0, 0)


@dataclass
class CrowdData:
    truth: np.ndarray  # objects x labels, bool
    answer_object: np.ndarray
    answer_worker: np.ndarray
    selected: np.ndarray  # answers x labels, bool
    worker_kind: list[str]
    labels: list[str]


def label_names() -> list[str]:
    return [f"label-{index:02d}" for index in range(N_LABELS)]


def worker_ids() -> list[str]:
    return [f"private.us-east-1.{index:016x}" for index in range(N_WORKERS)]


def generate(n_objects: int, workers_per_object: int, seed: int = 0) -> CrowdData:
    rng = np.random.default_rng(seed)
    truth = np.zeros((n_objects, N_LABELS), dtype=bool)
    n_true = rng.integers(1, 4, n_objects)
    ranks = np.argsort(rng.random((n_objects, N_LABELS)), axis=1)
    truth[np.arange(n_objects)[:, None], ranks[:, :3]] = np.arange(3) < n_true[:, None]

    counts = {kind: round(share * N_WORKERS) for kind, share in WORKER_MIX.items()}
    kinds = [kind for kind, count in counts.items() for _ in range(count)]
    good = np.array(kinds) == "good"
    sensitivity = np.where(
        good, rng.uniform(0.8, 0.95, N_WORKERS), rng.uniform(0.5, 0.7, N_WORKERS)
    )
    false_positive = np.where(
        good,
        rng.uniform(0.002, 0.01, N_WORKERS),
        rng.uniform(0.01, 0.04, N_WORKERS),
    )

    # Each object gets `workers_per_object` distinct workers, uniformly from the pool.
    chosen = np.argsort(rng.random((n_objects, N_WORKERS)), axis=1)[:, :workers_per_object]
    answer_object = np.repeat(np.arange(n_objects), workers_per_object)
    answer_worker = chosen.ravel()
    object_truth = truth[answer_object]
    kind = np.array(kinds)[answer_worker]
    draw = rng.random(object_truth.shape)
    selected = np.where(
        object_truth,
        draw < sensitivity[answer_worker, None],
        draw < false_positive[answer_worker, None],
    )
    random_clicker = kind == "random"
    clicks = rng.integers(1, 4, random_clicker.sum())
    click_ranks = np.argsort(rng.random((random_clicker.sum(), N_LABELS)), axis=1)
    selected[random_clicker] = np.argsort(click_ranks, axis=1) < clicks[:, None]

    single = kind == "single"
    one_true = _random_true_label(rng, object_truth[single])
    wrong = rng.random(single.sum()) >= 0.9
    one_true[wrong] = rng.integers(0, N_LABELS, wrong.sum())
    selected[single] = False
    selected[np.flatnonzero(single), one_true] = True

    empty = ~selected.any(axis=1)  # a worker must choose at least one label
    selected[np.flatnonzero(empty), _random_true_label(rng, object_truth[empty])] = True
    return CrowdData(truth, answer_object, answer_worker, selected, kinds, label_names())


def _random_true_label(rng: np.random.Generator, truth_rows: np.ndarray) -> np.ndarray:
    scores = np.where(truth_rows, rng.random(truth_rows.shape), -1.0)
    return np.argmax(scores, axis=1)


def write_job_folder(data: CrowdData, folder: Path, workers_per_object: int) -> None:
    """The job's output folder in Ground Truth's layout, plus the inputs and the truth."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = data.labels
    ids = worker_ids()
    (folder / "labels.json").write_text(
        dumps({"document-version": "2018-11-28", "labels": [{"label": name} for name in labels]})
    )
    n_objects = data.truth.shape[0]
    with open(folder / "input.manifest", "w") as manifest:
        for index in range(n_objects):
            manifest.write(dumps({"source-ref": f"s3://bench/images/{index:06d}.jpg"}) + "\n")
    responses = folder / "annotations" / "worker-response" / "iteration-1"
    stamp = file_timestamp(START + timedelta(minutes=5))
    for index in range(n_objects):
        rows = range(index * workers_per_object, (index + 1) * workers_per_object)
        answers = []
        for offset, row in enumerate(rows):
            accepted = START + timedelta(seconds=offset * 7)
            answers.append(
                {
                    "acceptanceTime": answer_timestamp(accepted),
                    "answerContent": {
                        ELEMENT: {"labels": [labels[k] for k in np.flatnonzero(data.selected[row])]}
                    },
                    "submissionTime": answer_timestamp(accepted + timedelta(seconds=5)),
                    "timeSpentInSeconds": 5.0,
                    "workerId": ids[data.answer_worker[row]],
                    "workerMetadata": {
                        "identityData": {
                            "identityProviderType": "Cognito",
                            "issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bench",
                            "sub": f"00000000-0000-0000-0000-{data.answer_worker[row]:012d}",
                        }
                    },
                }
            )
        object_folder = responses / str(index)
        object_folder.mkdir(parents=True, exist_ok=True)
        (object_folder / f"{stamp}.json").write_text(dumps({"answers": answers}))
    np.save(folder / "truth.npy", data.truth)
    (folder / "done").write_text(json.dumps({"objects": n_objects}))


def ensure_job_folder(root: Path, n_objects: int, workers_per_object: int, seed: int = 0) -> Path:
    """The cached folder for one benchmark cell, generated on first use."""
    folder = root / f"bench-{n_objects}x{workers_per_object}-seed{seed}"
    if not (folder / "done").exists():
        write_job_folder(generate(n_objects, workers_per_object, seed), folder, workers_per_object)
    return folder
