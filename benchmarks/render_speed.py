"""How long rendering a task page takes once its template is parsed (issue 5: < 2 ms median).

    python benchmarks/render_speed.py [--renders N]

Measures the built-in multi-label template (docs/tasktypes.md#the-classification-types) with a
6-label and a 50-label task input, with the plain S3 URL and with the worker UI's signed media URLs,
and the crowd-asset rewrite the portal applies to every page. Prints medians and 95th percentiles.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from importlib import resources

from worker_ui.liquid import parse_template, render_task, rewrite_crowd_assets
from worker_ui.media import MediaSigner


def timings(action: Callable[[], object], renders: int) -> list[float]:
    for _ in range(min(200, renders)):  # warm up
        action()
    samples = []
    for _ in range(renders):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def report(name: str, samples: list[float]) -> None:
    median = statistics.median(samples) * 1000
    p95 = statistics.quantiles(samples, n=20)[-1] * 1000
    print(f"{name:<48} median {median:7.3f} ms   p95 {p95:7.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=5000)
    renders = parser.parse_args().renders

    source = (
        resources.files("gtemu_fixtures")
        .joinpath("multilabel", "template.liquid.html")
        .read_text(encoding="utf-8")
    )
    template = parse_template(source)
    signer = MediaSigner("benchmark secret", ttl_seconds=900)
    six_labels = {
        "taskObject": "s3://gtemu-inputs/images/shapes-00.png",
        "labels": ["circle", "square", "triangle", "red", "green", "blue"],
    }
    fifty_labels = {**six_labels, "labels": [f"label <{i}> & 'quoted'" for i in range(50)]}
    page = render_task(template, six_labels)

    report("parse the multi-label template", timings(lambda: parse_template(source), renders // 10))
    report(
        "render, 6 labels, plain S3 URL",
        timings(lambda: render_task(template, six_labels), renders),
    )
    report(
        "render, 6 labels, signed media URL",
        timings(
            lambda: render_task(template, six_labels, media_url=signer.url_for_object), renders
        ),
    )
    report(
        "render, 50 hostile labels, signed media URL",
        timings(
            lambda: render_task(template, fifty_labels, media_url=signer.url_for_object), renders
        ),
    )
    report(
        "rewrite_crowd_assets on the rendered page",
        timings(lambda: rewrite_crowd_assets(page, "/crowd/crowd-html-elements.js"), renders),
    )


if __name__ == "__main__":
    main()
