"""How fast simulated workers label a job over the workers' JSON API (what `gtemu work` does).

Runs gtemu in this process on free ports, creates multi-label jobs over the bundled pictures
(the manifest cycles through them) and works each with `--workers` simulated workers until it
is `Completed`. Prints answers per second and the time per job.

    python benchmarks/work_throughput.py [--objects 100 300 1000] [--workers 3]
"""

from __future__ import annotations

import argparse
import logging
import time

from emulator.commands.demo import clients, create_job, create_team, upload_inputs, wait_for_end
from emulator.commands.work import WorkerApiClient, fixture_truth, run_crowd
from emulator.server import GtemuServer
from emulator.simulate import simulated_crowd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with GtemuServer(port=0, ui_port=0) as server:
        sagemaker, s3 = clients(server.endpoint_url)
        team = create_team(sagemaker)
        client = WorkerApiClient(server.ui_url)
        print(f"{'objects':>8} {'answers':>8} {'seconds':>8} {'answers/s':>10}")
        for objects in args.objects:
            uris = upload_inputs(s3, objects)
            name = f"bench-{objects}"
            create_job(sagemaker, uris, team, args.workers, job_name=name,
                       MaxConcurrentTaskCount=objects)
            crowd = simulated_crowd(args.workers, seed=1, truth=fixture_truth(1))
            started = time.perf_counter()
            report, _ = run_crowd(client, name, crowd, timeout=600)
            described = wait_for_end(sagemaker, name)
            seconds = time.perf_counter() - started
            answers = sum(report.answers.values())
            status = described["LabelingJobStatus"]
            print(f"{objects:>8} {answers:>8} {seconds:>8.2f} {answers / seconds:>10.0f}  {status}")


if __name__ == "__main__":
    main()
