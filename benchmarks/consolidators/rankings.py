"""Rank aggregation benchmark: gtemu's BradleyTerry vs crowd-kit's BradleyTerry and NoisyBT.

    python benchmarks/consolidators/rankings.py                   # 10,000 x 4 x 2 x 3
    python benchmarks/consolidators/rankings.py --prompts 1000 --crowdkit-prompts 1000

Seeded truth: every (prompt, dimension) has a hidden utility per response (normal); a worker's
ranking sorts the utilities plus Gumbel noise (scale 1 for careful workers; with --spammer the
last worker ranks at random). Scored by Kendall's tau between the aggregated scores and the
hidden utilities, averaged over (prompt, dimension). gtemu fits every group at once, workers
weighted by their leave-one-out agreement (as `gtemu export` fits them); crowd-kit's
models take pairwise comparisons (one row per ordered better/worse pair of a worker's ranking,
with items named per prompt and dimension) and, as documented, fit one model over all items.
crowd-kit runs on the first --crowdkit-prompts prompts (it is much slower); gtemu's tau on that
subset is printed beside it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.stats import kendalltau

from consolidation.rankings import BradleyTerry


def generate(prompts, responses, dimensions, workers, seed, spammer):
    rng = np.random.default_rng(seed)
    groups = prompts * dimensions
    utility = rng.normal(size=(groups, responses))
    noise = rng.gumbel(size=(groups, workers, responses))
    perceived = utility[:, None, :] + noise
    if spammer:
        perceived[:, -1, :] = rng.normal(size=(groups, responses)) * 100
    ranks = (-perceived).argsort(-1).argsort(-1) + 1
    return utility, ranks


def mean_tau(utility, scores):
    taus = [kendalltau(u, s).statistic for u, s in zip(utility, scores, strict=True)]
    return float(np.nanmean(taus))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=10_000)
    parser.add_argument("--responses", type=int, default=4)
    parser.add_argument("--dimensions", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--spammer", action="store_true")
    parser.add_argument("--crowdkit-prompts", type=int, default=500)
    args = parser.parse_args()
    utility, ranks = generate(args.prompts, args.responses, args.dimensions, args.workers,
                              args.seed, args.spammer)
    groups = utility.shape[0]
    answer_group = np.repeat(np.arange(groups), args.workers)
    answer_worker = np.tile(np.arange(args.workers), groups)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        model = BradleyTerry().fit(answer_group, ranks.reshape(-1, args.responses),
                                   answer_worker=answer_worker)
        times.append(time.perf_counter() - start)
    tau = mean_tau(utility, model.scores_)
    print(f"{args.prompts} prompts x {args.responses} responses x {args.dimensions} dimensions x "
          f"{args.workers} workers{' (last one a spammer)' if args.spammer else ''}")
    print("| method | prompts | Kendall tau | fit s |")
    print("|---|---:|---:|---:|")
    print(f"| gtemu BradleyTerry (best of 3) | {args.prompts} | {tau:.4f} | {min(times):.3f} |")
    n = min(args.crowdkit_prompts, args.prompts)
    if n == 0:
        return
    import pandas as pd
    from crowdkit.aggregation import BradleyTerry as CrowdKitBT
    from crowdkit.aggregation import NoisyBradleyTerry as NoisyBT

    n_groups = n * args.dimensions
    start = time.perf_counter()
    sub = BradleyTerry().fit(answer_group[:n_groups * args.workers],
                             ranks[:n_groups].reshape(-1, args.responses),
                             answer_worker=answer_worker[:n_groups * args.workers])
    sub_time = time.perf_counter() - start
    print(f"| gtemu BradleyTerry, first {n} | {n} | "
          f"{mean_tau(utility[:n_groups], sub.scores_):.4f} | {sub_time:.3f} |")
    rows = []
    for group in range(n_groups):
        for worker in range(args.workers):
            r = ranks[group, worker]
            for i in range(args.responses):
                for j in range(args.responses):
                    if r[i] < r[j]:
                        left, right = f"{group}:{i}", f"{group}:{j}"
                        rows.append((f"w{worker}", left, right, left))
    frame = pd.DataFrame(rows, columns=["worker", "left", "right", "label"])
    for name, model_class in (("crowd-kit BradleyTerry", CrowdKitBT),
                              ("crowd-kit NoisyBT", NoisyBT)):
        kwargs = {"n_iter": 100} if model_class is CrowdKitBT else {}
        start = time.perf_counter()
        fitted = model_class(**kwargs).fit(frame)
        elapsed = time.perf_counter() - start
        table = fitted.scores_
        scores = np.array([[table.get(f"{group}:{i}", np.nan) for i in range(args.responses)]
                           for group in range(n_groups)])
        print(f"| {name} | {n} | {mean_tau(utility[:n_groups], scores):.4f} | {elapsed:.3f} |")


if __name__ == "__main__":
    main()
