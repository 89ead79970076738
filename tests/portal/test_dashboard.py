"""The job dashboard: the index, a job's page read from its output files, and the charts."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from markupsafe import Markup

from worker_ui import charts
from worker_ui.dashboard import (
    JobReport,
    WorkerAnswer,
    agreement_with_consolidated,
    answer_labels,
    pairwise_agreement,
)

from .conftest import MULTI, make_job

JOB_PAGE = "/dashboard/123456789012/us-east-1/animals"
PLAN = {"alice": [["cat"], ["cat"], ["cat"]], "bob": [["cat"], ["dog"], ["cat", "dog"]]}


def work_the_job(gt):
    make_job(gt, objects=3, workers=2)
    for worker, choices in PLAN.items():
        for _ in choices:
            task = gt.next_task("animals", worker)
            labels = choices[int(task.dataset_object_id)]
            gt.submit(task, {MULTI: {"labels": labels}})
    gt.advance(60)
    assert gt.status("animals") == "Completed"


def test_index_lists_every_job_with_its_status(client, groundtruth):
    make_job(groundtruth, "first")
    make_job(groundtruth, "second")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'href="/dashboard/123456789012/us-east-1/first"' in page
    assert "second" in page and "InProgress" in page


def test_job_page_shows_counters_answers_agreement_and_confidences(client, groundtruth):
    work_the_job(groundtruth)
    page = client.get(JOB_PAGE).get_data(as_text=True)
    assert re.search(r'id="job-status">Completed<', page)
    assert "6 from 3 consolidated items" in page
    engine_ids = [
        groundtruth.state.workforce.worker_identity(
            groundtruth.job("animals").workteam_arn, name).worker_id
        for name in PLAN
    ]
    per_worker = section(page, "chart-per-worker")
    assert all(worker_id in per_worker for worker_id in engine_ids)
    assert per_worker.count(">3</text>") == 2  # three answers each
    # alice and bob agree on item 0 (1.0), not on item 1 (0.0), half on item 2 (0.5)
    assert ">0.50</text>" in section(page, "chart-pairwise")
    assert "Consolidated confidences" in section(page, "chart-confidences")
    assert "<svg" in section(page, "chart-progress")


def test_output_files_are_linked_through_signed_media_urls(client, groundtruth):
    work_the_job(groundtruth)
    page = client.get(JOB_PAGE).get_data(as_text=True)
    links = dict(re.findall(r'<a href="(/media/[^"]+)" title="[^"]+">([^<]+)</a>', page))
    by_path = {path: url for url, path in links.items()}
    assert "manifests/output/output.manifest" in by_path
    assert any(path.startswith("annotations/worker-response/") for path in by_path)
    manifest = client.get(by_path["manifests/output/output.manifest"]).get_data(as_text=True)
    assert manifest.count("\n") == 3 and '"animals-metadata"' in manifest


def test_a_job_without_outputs_yet_says_so(client, groundtruth):
    make_job(groundtruth)
    page = client.get(JOB_PAGE).get_data(as_text=True)
    assert "No data yet." in page and "Nothing happened yet." in page


def test_unknown_job_is_a_404_with_a_message(client, groundtruth):
    response = client.get("/dashboard/123456789012/us-east-1/nope")
    assert response.status_code == 404
    assert "No labeling job nope" in response.get_data(as_text=True)


def section(page: str, section_id: str) -> str:
    start = page.index(f'id="{section_id}"')
    return page[start : page.index("</section>", start)]


# -- agreement and charts -----------------------------------------------------------------------


def answer(item: str, worker: str, *labels: str) -> WorkerAnswer:
    return WorkerAnswer(item, worker, None, frozenset(labels))


def test_pairwise_agreement_is_mean_jaccard_over_shared_items():
    answers = [
        answer("0", "a", "cat"), answer("0", "b", "cat"),
        answer("1", "a", "cat", "dog"), answer("1", "b", "dog"),
        answer("2", "a", "bird"), answer("3", "c", "bird"),
    ]
    matrix = pairwise_agreement(answers, ["a", "b", "c"])
    assert matrix[0][1] == matrix[1][0] == 0.75
    assert matrix[0][2] is None and matrix[2][2] == 1.0


def test_agreement_with_the_consolidated_label_per_worker():
    report = JobReport(
        answers=[answer("0", "a", "cat"), answer("0", "b", "dog"), answer("1", "a", "dog")],
        consolidated={"0": frozenset(["cat"]), "1": frozenset(["dog", "cat"])},
    )
    assert agreement_with_consolidated(report) == {"a": 0.75, "b": 0.0}


def test_answer_labels_reads_multi_and_single_label_outputs():
    assert answer_labels({MULTI: {"labels": ["a", "b"]}}) == {"a", "b"}
    assert answer_labels({"crowd-image-classifier": {"label": "a"}}) == {"a"}
    assert answer_labels({"free": "text"}) is None


def test_charts_escape_hostile_labels():
    hostile = '<script>alert("x")</script>'
    for chart in (
        charts.bar_chart([(hostile, 1.0)], title=hostile),
        charts.heatmap([hostile], [[1.0]], title="t"),
        charts.line_chart([charts.Series(hostile, [(datetime.now(timezone.utc), 1.0)])],
                          title="t"),
    ):
        assert isinstance(chart, Markup)
        assert "<script>" not in str(chart) and "&lt;script&gt;" in str(chart)


def test_histogram_puts_each_value_in_its_bin():
    chart = charts.histogram([0.0, 0.05, 0.95, 1.0, 0.5], title="c", bins=10)
    bins = re.findall(r"<title>([0-9.]+–[0-9.]+): (\d+)</title>", chart)
    counts = {label: int(count) for label, count in bins}
    assert counts["0.00–0.10"] == 2 and counts["0.90–1.00"] == 2 and counts["0.50–0.60"] == 1
    assert sum(counts.values()) == 5


def test_large_folders_are_folded_and_capped(client, groundtruth, monkeypatch):
    from worker_ui import dashboard

    monkeypatch.setattr(dashboard, "MAX_LINKS_PER_FOLDER", 2)
    work_the_job(groundtruth)
    page = client.get(JOB_PAGE).get_data(as_text=True)
    assert "annotations/worker-response/iteration-1/ (3 files)" in page
    assert "and 1 more files in this folder" in page


def test_long_worker_ids_are_not_cut_off_on_the_left():
    worker = "private.us-east-1.192a650b0e28f0cc"
    for svg in (
        charts.bar_chart([(worker, 3.0)], title="answers"),
        charts.heatmap([worker], [[1.0]], title="agreement"),
    ):
        anchor = float(re.search(r'<text x="([\d.]+)"[^>]*text-anchor="end"', str(svg)).group(1))
        assert anchor >= 7 * len(worker)  # the label, drawn right-aligned, starts at x >= 0


def test_job_page_counts_answers_and_consolidated_items_per_label(client, groundtruth):
    work_the_job(groundtruth)
    page = client.get(JOB_PAGE).get_data(as_text=True)
    # alice chose cat three times; bob cat, dog, and cat + dog
    per_label = section(page, "chart-answers-per-label")
    assert "<title>cat: 5</title>" in per_label and "<title>dog: 2</title>" in per_label
    assert "bird" not in per_label  # nobody chose it
    assert "<title>cat: " in section(page, "chart-items-per-label")


def test_agreement_charts_are_hidden_with_one_worker_per_item(client, groundtruth):
    make_job(groundtruth, objects=2, workers=1)
    for worker in ("alice", "bob"):
        groundtruth.submit(groundtruth.next_task("animals", worker), {MULTI: {"labels": ["cat"]}})
    groundtruth.advance(60)
    page = client.get(JOB_PAGE).get_data(as_text=True)
    assert 'id="chart-pairwise"' not in page and 'id="chart-with-consolidated"' not in page
    assert "One worker answers each item" in page
    assert "<title>cat: 2</title>" in section(page, "chart-answers-per-label")


def test_the_last_step_of_each_progress_line_stays_visible():
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    at = [start.replace(second=s) for s in (0, 10, 20)]
    width, right = 640, 12
    svg = str(charts.line_chart(
        [charts.Series("answers submitted", [(at[0], 1.0), (at[1], 2.0), (at[2], 3.0)]),
         charts.Series("items consolidated", [(at[1], 1.0), (at[2], 2.0)])],
        title="Progress over time", width=width,
    ))
    # Both lines step up at the last moment; each then runs level before the right edge, with
    # its final value written there.
    for cx in re.findall(r'<circle cx="([\d.]+)"', svg):
        assert float(cx) < width - right - 10
    assert re.findall(r'class="last-value"[^>]*>([^<]+)<', svg) == ["3", "2"]
