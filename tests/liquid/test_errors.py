"""Syntax and render errors point at the line and column a designer must fix."""

from __future__ import annotations

import pytest

from worker_ui.liquid import TemplateRenderError, TemplateSyntaxError, parse_template

from .helpers import render


@pytest.mark.parametrize(
    ("source", "message", "line", "column"),
    [
        (
            "<p>\n  {% if task.input.x %}\n<b>",
            "'if' block is never closed: expected {% endif %}",
            2,
            6,
        ),
        ("a\n\n   {% frobnicate %}", "unexpected tag 'frobnicate'", 3, 7),
        ("x\n{% endfor %}", "unexpected tag 'endfor'", 2, 4),
        ("<p>\n {{ task.input | }}", "expected word, found end of expression", 2, 5),
        (
            "{% if a == %}{% endif %}",
            "expected a primitive expression, found end of expression",
            1,
            7,
        ),
        ("<p>{{ task.input.x \n</p>", "expected '}}', found end of file", 1, 4),
        ("{% comment %}", "comment tag was never closed", 1, 4),
    ],
)
def test_syntax_errors_carry_message_line_and_column(
    source: str, message: str, line: int, column: int
) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        parse_template(source)

    error = caught.value
    assert (error.message, error.line, error.column) == (message, line, column)
    assert str(error) == f"{message} (line {line}, column {column})"


def test_a_template_that_includes_another_fails_clearly() -> None:
    with pytest.raises(TemplateRenderError) as caught:
        render("{% include 'header' %}")

    assert "cannot include other templates" in caught.value.message


def test_a_type_error_in_a_filter_is_invalid_parameters_at_the_filter() -> None:
    with pytest.raises(TemplateRenderError) as caught:
        render("\n{{ task.input.n | divided_by: 0 }}", {"n": 1})

    assert caught.value.code == "InvalidParameters"
    assert (caught.value.line, caught.value.column) == (2, 19)


def test_break_outside_a_loop_is_a_render_error() -> None:
    with pytest.raises(TemplateRenderError) as caught:
        render("{% break %}")

    assert caught.value.code == "RenderError"
