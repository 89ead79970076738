"""How long a multi-label labeling job takes from `create_labeling_job` to `Completed`.

Under `moto.mock_aws`, in one process: a job of N objects, 3 workers per object, 10 labels,
worked by 3 seeded simulated workers through the Python API (the same engine calls the worker
UI makes). Prints wall-clock and CPU seconds per size and the cost ratio to the first size.

    python benchmarks/job_speed.py               # 1,000 and 10,000 objects
    python benchmarks/job_speed.py 1000 5000
"""

from __future__ import annotations

import argparse
import time

from emulator.testing import groundtruth_session

LABELS = [f"label-{index}" for index in range(10)]


def run_job(objects: int) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds, final LabelCounters) of one job of `objects` objects."""
    with groundtruth_session() as gt:
        uris = gt.upload_inputs(objects, labels=LABELS)
        team = gt.create_work_team()
        wall, cpu = time.perf_counter(), time.process_time()
        gt.create_job("speed", uris, workteam_arn=team, workers_per_object=3)
        final = gt.complete_job("speed", workers=3, seed=0)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert final["LabelingJobStatus"] == "Completed", final
        assert len(gt.output_manifest("speed")) == objects
        return wall, cpu, final["LabelCounters"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    args = parser.parse_args()
    run_job(20)  # warm-up: botocore models, moto backends, imports
    baseline = None
    print(f"{'objects':>8} {'wall s':>8} {'cpu s':>8} {'cpu ratio':>10}  counters")
    for size in args.sizes:
        wall, cpu, counters = run_job(size)
        baseline = baseline or cpu / size
        ratio = cpu / (baseline * args.sizes[0]) if baseline else 1.0
        print(f"{size:>8} {wall:>8.2f} {cpu:>8.2f} {ratio:>10.1f}  {counters}")


if __name__ == "__main__":
    main()
