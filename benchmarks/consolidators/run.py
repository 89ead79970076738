"""Multi-label consolidation benchmark: gtemu vs crowd-kit and simple rules on the same data.

    python benchmarks/consolidators/run.py                    # every cell, every method
    python benchmarks/consolidators/run.py --sizes 1000 --workers 3 --methods gtemu majority

Each (size, workers) cell is generated once (seeded) as a Ground Truth output folder under
--data. Every method then runs in its own subprocess on that folder, so that its end-to-end time
(reading Ground Truth's JSON included) and its peak memory (max RSS of the process) are its own.
Accuracy is scored against the known truth with predictions at threshold 0.5. Needs the `bench`
extra (crowd-kit) for the crowd-kit methods.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402

from consolidation.answers import AnswerIndex, to_arrays  # noqa: E402
from consolidation.multilabel import MultiLabelDawidSkene  # noqa: E402
from consolidation.offline import consolidate_source  # noqa: E402
from consolidation.sources import iter_folder_answers, read_label_categories  # noqa: E402

METHODS = ("gtemu", "crowdkit-ds", "crowdkit-mv", "majority", "union")
NAMES = {
    "gtemu": "gtemu MultiLabelDawidSkene",
    "crowdkit-ds": "crowd-kit BinaryRelevance(DawidSkene)",
    "crowdkit-mv": "crowd-kit BinaryRelevance(MajorityVote)",
    "majority": "per-label majority vote",
    "union": "union (any worker)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "gtemu-bench")
    parser.add_argument("--results", type=Path, help="append JSON lines of results here")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.folder)))
        return
    print(table_header())
    for size in args.sizes:
        for workers in args.workers:
            folder = synthetic.ensure_job_folder(args.data, size, workers, args.seed)
            for method in args.methods:
                row = run_child(method, folder) | {"objects": size, "workers": workers}
                print(table_row(row), flush=True)
                if args.results:
                    with open(args.results, "a") as results:
                        results.write(json.dumps(row) + "\n")


def run_child(method: str, folder: Path) -> dict:
    command = [sys.executable, __file__, "--measure", method, "--folder", str(folder)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure(method: str, folder: Path) -> dict:
    labels = read_label_categories(str(folder / "labels.json"))
    truth = np.load(folder / "truth.npy")
    cpu_at_start = time.process_time()
    started = time.perf_counter()
    if method == "gtemu":
        with tempfile.TemporaryDirectory() as scratch:
            output = Path(scratch) / "output.manifest"
            consolidator = _gtemu(folder, labels, output)
            end_to_end = time.perf_counter() - started
            cpu_end_to_end = time.process_time() - cpu_at_start
            probabilities = consolidator.posteriors
            predicted = _read_predictions(
                output, consolidator.label_attribute_name, probabilities.shape
            )
        fit_seconds = _gtemu_fit_seconds(consolidator.arrays, len(labels))
    else:
        index = _parse(folder, labels)
        if method.startswith("crowdkit"):
            probabilities, predicted, fit_seconds = _crowdkit(method, index, labels)
        else:
            probabilities, predicted, fit_seconds = _vote_rule(method, index, len(labels))
        end_to_end = time.perf_counter() - started
        cpu_end_to_end = time.process_time() - cpu_at_start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "method": method,
        **scores(truth, predicted, probabilities),
        "fit_s": fit_seconds[0],
        "fit_cpu_s": fit_seconds[1],
        "end_to_end_s": end_to_end,
        "cpu_s": cpu_end_to_end,
        "peak_mib": usage.ru_maxrss / 1024,
    }


def _gtemu(folder: Path, labels: list[str], output: Path):
    """What `gtemu consolidate --label-threshold 0.5` does: read, fit, write the manifest."""
    result = consolidate_source(
        str(folder), label_categories=labels, task="multi-label", label_threshold=0.5
    )
    with open(output, "w", encoding="utf-8") as handle:
        handle.writelines(result.text_lines())
    return result.consolidator


def _gtemu_fit_seconds(arrays, n_labels: int) -> tuple[float, float]:
    """The estimator alone on the parsed arrays: the fastest of three fits (wall, CPU)."""
    timings = []
    for _ in range(3):
        with Timer() as fit:
            MultiLabelDawidSkene().fit(
                arrays.answer_object, arrays.answer_worker, arrays.selection_answer,
                arrays.selection_label, n_labels=n_labels,
            )
        timings.append(fit.seconds)
    return min(timings, key=lambda seconds: seconds[1])


def _read_predictions(output: Path, attribute: str, shape: tuple[int, int]) -> np.ndarray:
    """The labels the output manifest gives each object (lines in object order)."""
    predicted = np.zeros(shape, dtype=bool)
    with open(output, encoding="utf-8") as handle:
        for row, text in enumerate(handle):
            predicted[row, json.loads(text)[attribute]] = True
    return predicted


def _parse(folder: Path, labels: list[str]) -> AnswerIndex:
    index = AnswerIndex(labels, multi_label=True)
    for dataset_object_id, answers in iter_folder_answers(str(folder), on_error=_raise):
        index.add_answers(dataset_object_id, answers)
    return index


def _raise(error: Exception) -> None:
    raise error


def _crowdkit(method: str, index: AnswerIndex, labels: list[str]):
    import pandas as pd
    from crowdkit.aggregation import BinaryRelevance, DawidSkene, MajorityVote

    records = [
        (int(object_id), worker, [labels[k] for k in chosen])
        for object_id, entry in index.objects.items()
        for worker, chosen in zip(entry.worker_ids, entry.selections, strict=True)
    ]
    frame = pd.DataFrame(records, columns=["task", "worker", "label"])
    base = DawidSkene() if method == "crowdkit-ds" else MajorityVote()
    aggregator = BinaryRelevance(base)
    aggregator.aggregators_ = {}  # the attrs default is a dict shared between instances
    with Timer() as fit:
        aggregator.fit(frame)
    n_objects = len(index.objects)
    probabilities = np.zeros((n_objects, len(labels)))
    for label, label_aggregator in aggregator.aggregators_.items():
        column = label_aggregator.probas_[1] if 1 in label_aggregator.probas_ else None
        if column is not None:
            probabilities[column.index.to_numpy(dtype=int), labels.index(label)] = column
    predicted = np.zeros_like(probabilities, dtype=bool)
    for task, chosen in aggregator.labels_.items():
        predicted[int(task), [labels.index(label) for label in chosen]] = True
    return probabilities, predicted, fit.seconds


def _vote_rule(method: str, index: AnswerIndex, n_labels: int):
    with Timer() as fit:
        arrays = to_arrays(index.objects, multi_label=True)
        n_objects = len(arrays.object_ids)
        votes = np.zeros((n_objects, n_labels))
        selected_objects = arrays.answer_object[arrays.selection_answer]
        np.add.at(votes, (selected_objects, arrays.selection_label), 1)
        shares = votes / np.bincount(arrays.answer_object, minlength=n_objects)[:, None]
        if method == "majority":
            probabilities, predicted = shares, shares > 0.5
        else:
            predicted = shares > 0
            probabilities = predicted.astype(float)
    # Rows follow numeric datasetObjectId order, which is the truth's order.
    return probabilities, predicted, fit.seconds


class Timer:
    """Wall and CPU seconds of a block: `seconds` = (wall, cpu)."""

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc_info) -> None:
        self.seconds = (time.perf_counter() - self._wall, time.process_time() - self._cpu)


def scores(truth: np.ndarray, predicted: np.ndarray, probabilities: np.ndarray) -> dict:
    true_positive = (truth & predicted).sum(0)
    false_positive = (~truth & predicted).sum(0)
    false_negative = (truth & ~predicted).sum(0)
    micro = 2 * true_positive.sum() / max(
        2 * true_positive.sum() + false_positive.sum() + false_negative.sum(), 1
    )
    errors = false_positive + false_negative
    per_label = 2 * true_positive / np.maximum(2 * true_positive + errors, 1)
    return {
        "exact_match": float((truth == predicted).all(1).mean()),
        "micro_f1": float(micro),
        "macro_f1": float(per_label.mean()),
        "brier": float(((probabilities - truth) ** 2).mean()),
    }


def table_header() -> str:
    return (
        "| objects | workers | method | exact match | micro F1 | macro F1 | Brier "
        "| fit s (CPU s) | end-to-end s (CPU s) | peak MiB |\n"
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"
    )


def table_row(row: dict) -> str:
    return (
        f"| {row['objects']:,} | {row['workers']} | {NAMES[row['method']]} "
        f"| {row['exact_match']:.4f} | {row['micro_f1']:.4f} | {row['macro_f1']:.4f} "
        f"| {row['brier']:.5f} | {row['fit_s']:.3f} ({row['fit_cpu_s']:.3f}) "
        f"| {row['end_to_end_s']:.2f} ({row['cpu_s']:.2f}) | {row['peak_mib']:.0f} |"
    )


if __name__ == "__main__":
    main()
