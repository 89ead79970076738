"""Named-entity consolidation benchmark: gtemu's SpanVote vs a simple span vote.

    python benchmarks/consolidators/spans.py                  # 10,000 texts x 3 workers
    python benchmarks/consolidators/spans.py --workers 5 --spammer

Seeded truth: 1-6 non-overlapping spans per text, 4 labels. Careful workers miss 8 % of spans,
move an end by one character 6 % of the time, give a wrong label 4 % of the time and add a stray
span on 10 % of texts; with --spammer the last worker marks random spans. Scored by exact-span
F1 (start, end and label must match). The peer keeps every (start, end, label) that at least
half of the object's workers marked, each worker counting the same.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime

import numpy as np

from consolidation.spans import SpanVote, consolidate_entities

LABELS = ["Person", "Place", "Organization", "Date"]


def generate(n_texts, n_workers, seed, spammer):
    rng = np.random.default_rng(seed)
    truth, rows = [], []
    for text in range(n_texts):
        spans, position = [], 0
        for _ in range(rng.integers(1, 7)):
            start = position + int(rng.integers(1, 30))
            end = start + int(rng.integers(2, 20))
            spans.append((start, end, int(rng.integers(4))))
            position = end
        truth.append(set(spans))
        for worker in range(n_workers):
            if spammer and worker == n_workers - 1:
                for _ in range(rng.integers(1, 5)):
                    start = int(rng.integers(0, position))
                    rows.append((text, worker, start, start + int(rng.integers(2, 12)),
                                 int(rng.integers(4))))
                continue
            for start, end, label in spans:
                roll = rng.random()
                if roll < 0.08:
                    continue
                if roll < 0.14:
                    end += 1
                elif roll < 0.18:
                    label = (label + 1) % 4
                rows.append((text, worker, start, end, label))
            if rng.random() < 0.1:
                rows.append((text, worker, position + 3, position + 9, int(rng.integers(4))))
    return truth, np.array(rows, dtype=np.int64)


def span_vote(table, n_texts, n_workers):
    votes: dict[tuple, set] = {}
    for text, worker, start, end, label in table.tolist():
        votes.setdefault((text, start, end, label), set()).add(worker)
    out = [set() for _ in range(n_texts)]
    for (text, start, end, label), workers in votes.items():
        if 2 * len(workers) >= n_workers:
            out[text].add((start, end, label))
    return out


def f1(truth, predicted):
    correct = sum(len(t & p) for t, p in zip(truth, predicted, strict=True))
    found = sum(len(p) for p in predicted)
    total = sum(len(t) for t in truth)
    precision, recall = correct / max(found, 1), correct / total
    return 2 * precision * recall / (precision + recall), precision, recall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--spammer", action="store_true")
    args = parser.parse_args()
    truth, table = generate(args.texts, args.workers, args.seed, args.spammer)
    answer_object = np.repeat(np.arange(args.texts), args.workers)
    answer_worker = np.tile(np.arange(args.workers), args.texts)
    start = time.perf_counter()
    model = SpanVote().fit(table[:, 0], table[:, 1], table[:, 2], table[:, 3], table[:, 4],
                           answer_object, answer_worker)
    fit_time = time.perf_counter() - start
    predicted = [set() for _ in range(args.texts)]
    for c in model.predict():
        predicted[model.candidate_object_[c]].add(
            (model.candidate_start_[c], model.candidate_end_[c], model.candidate_label_[c]))
    items = [{"datasetObjectId": str(t), "dataObject": {"content": "x"}, "annotations": []}
             for t in range(args.texts)]
    for text, worker, s, e, label in table.tolist():
        annotations = items[text]["annotations"]
        while len(annotations) <= worker:
            annotations.append({"workerId": f"w{len(annotations)}", "entities": []})
        annotations[worker]["entities"].append(
            {"label": LABELS[label], "startOffset": s, "endOffset": e})
    for item in items:
        while len(item["annotations"]) < args.workers:
            item["annotations"].append({"workerId": f"w{len(item['annotations'])}",
                                        "entities": []})
        item["annotations"] = [
            {"workerId": a["workerId"], "annotationData": {"content": json.dumps(
                {"ner": {"entities": a["entities"]}})}} for a in item["annotations"]]
    start = time.perf_counter()
    consolidate_entities(items, label_categories=LABELS, label_attribute_name="ner",
                         job_name="bench", workers_per_object=args.workers, now=datetime.now())
    end_to_end = time.perf_counter() - start
    start = time.perf_counter()
    peer = span_vote(table, args.texts, args.workers)
    peer_time = time.perf_counter() - start
    print(f"{args.texts} texts x {args.workers} workers"
          f"{' (last one a spammer)' if args.spammer else ''}, {len(table)} spans")
    print("| method | span F1 | precision | recall | time s |")
    print("|---|---:|---:|---:|---:|")
    score = f1(truth, predicted)
    print(f"| gtemu SpanVote (fit on arrays) | {score[0]:.4f} | {score[1]:.4f} | {score[2]:.4f} "
          f"| {fit_time:.3f} |")
    print(f"| gtemu consolidate_entities (payload items) | | | | {end_to_end:.3f} |")
    score = f1(truth, peer)
    print(f"| simple span vote (half the workers) | {score[0]:.4f} | {score[1]:.4f} | "
          f"{score[2]:.4f} | {peer_time:.3f} |")


if __name__ == "__main__":
    main()
