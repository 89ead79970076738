"""Render limits (docs/templates.md#render-limits): loop bombs, huge output and slow renders fail
fast and clearly."""

from __future__ import annotations

import time

import pytest

from worker_ui.liquid import TemplateRenderError, parse_template, render_task

from .helpers import render


def render_limit_error(
    source: str, task_input: object = None, **kwargs: object
) -> TemplateRenderError:
    started = time.perf_counter()
    with pytest.raises(TemplateRenderError) as caught:
        render(source, task_input, **kwargs)
    assert time.perf_counter() - started < 1.5
    assert caught.value.code == "RenderLimitExceeded"
    return caught.value


def test_nested_loop_bomb_hits_the_iteration_limit() -> None:
    error = render_limit_error(
        "{% for a in (1..100000) %}{% for b in (1..100000) %}x{% endfor %}{% endfor %}"
    )

    assert "loop iteration limit" in error.message


def test_output_over_ten_megabytes_fails() -> None:
    error = render_limit_error(
        "{% for a in (1..1000) %}{{ task.input.chunk }}{% endfor %}", {"chunk": "x" * 20_000}
    )

    assert error.message == "the rendered page is larger than 10 MB"


def test_a_string_doubled_in_a_loop_hits_the_variable_size_limit() -> None:
    error = render_limit_error(
        "{% assign s = 'xxxxxxxx' %}"
        "{% for a in (1..40) %}{% assign s = s | append: s %}{% endfor %}"
    )

    assert error.message == "assigned variables are larger than 10 MB"


@pytest.mark.parametrize(
    "source",
    [
        "{% for b in (1..900000) %}{% if b == 0 %}{% endif %}{% endfor %}",
        "{% tablerow b in (1..900000) %}{% if b == 0 %}{% endif %}{% endtablerow %}",
        "{% for b in (1..900000) %}{{ b }}{% endfor %}",
        "{% capture c %}{% for b in (1..900000) %}{{ b }}{% endfor %}{% endcapture %}",
    ],
)
def test_a_render_over_its_time_limit_stops_with_a_clear_error(source: str) -> None:
    error = render_limit_error(source, time_limit=0.1)

    assert error.message == "rendering took longer than 0.1 seconds"


def test_the_limits_do_not_carry_over_between_renders() -> None:
    template = parse_template("{% for b in (1..1000) %}{{ b }}{% endfor %}")

    outputs = [render_task(template, {}, time_limit=0.5) for _ in range(3)]

    assert len(set(outputs)) == 1
