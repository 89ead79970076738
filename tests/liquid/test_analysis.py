"""Static and sample-based analysis of what a template reads (for lint and preview)."""

from __future__ import annotations

from worker_ui.liquid import (
    check_render,
    filter_uses,
    parse_template,
    template_variables,
    unknown_filters,
)

SOURCE = """<crowd-form>
{% for label in task.input.labels %}<li>{{ label }}</li>{% endfor %}
<img src="{{ task.input.source-ref | grant_read_access }}">
<p>{{ task.input.lables | join: ", " }} {{ taks.input.x }}</p>
{% assign first = task.input.labels | first %}{{ first | s3_presign }}
</crowd-form>"""


def test_template_variables_lists_task_input_paths_with_positions() -> None:
    variables = template_variables(parse_template(SOURCE))

    assert [(v.path, v.line, v.column) for v in variables] == [
        ("task.input.labels", 2, 17),
        ("task.input.source-ref", 3, 14),
        ("task.input.lables", 4, 7),
        ("task.input.labels", 5, 19),
    ]
    assert [v.input_key for v in variables] == ["labels", "source-ref", "lables", "labels"]


def test_all_globals_include_typos_of_task_but_not_local_names() -> None:
    paths = {v.path for v in template_variables(parse_template(SOURCE), under=())}

    assert "taks.input.x" in paths
    assert not {"label", "first"} & paths


def test_filter_uses_and_unknown_filters() -> None:
    template = parse_template(SOURCE)

    assert [u.name for u in filter_uses(template)] == [
        "grant_read_access",
        "join",
        "first",
        "s3_presign",
    ]
    assert [(u.name, u.line, u.column) for u in unknown_filters(template)] == [
        ("s3_presign", 5, 58)
    ]


def test_check_render_reports_every_undefined_path_and_every_error() -> None:
    template = parse_template(SOURCE)

    check = check_render(template, {"labels": ["cat", "dog"]})

    assert [(u.path, u.line, u.column) for u in check.undefined] == [
        ("task.input.source-ref", 3, 14),
        ("task.input.lables", 4, 7),
        ("taks", 4, 44),
    ]
    assert [(e.code, e.line, e.column) for e in check.errors] == [
        ("InvalidParameters", 3, 38),
        ("UnknownFilter", 5, 58),
    ]
    assert "<li>cat</li><li>dog</li>" in check.html
    assert not check.ok


def test_check_render_names_an_index_past_the_end() -> None:
    check = check_render(parse_template("{{ task.input.labels[5] }}"), {"labels": ["a"]})

    assert [(u.path, u.reason) for u in check.undefined] == [
        ("task.input.labels[5]", "index out of range")
    ]


def test_check_render_of_a_good_sample_is_clean_and_matches_render_task() -> None:
    template = parse_template(SOURCE.replace("| s3_presign", "").replace("lables", "labels"))
    sample = {"labels": ["cat"], "source-ref": "s3://b/k.png", "x": 1}

    check = check_render(template, {**sample})

    assert check.ok
    assert [u.path for u in check.undefined] == ["taks"]
