"""Autoescape and the escaping filters, as a worker's browser sees the result."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from .helpers import attributes_of, render, text_of

HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"


# The guide's examples of docs/templates.md#ground-truths-filters, verbatim.
def test_guide_example_string_literals_are_autoescaped() -> None:
    html = render("""{{ "Have you read 'James & the Giant Peach'?" }}""")

    assert html == "Have you read &#39;James &amp; the Giant Peach&#39;?"


def test_guide_example_escape_once_leaves_existing_entities() -> None:
    html = render("""{{ "Have you read 'James &amp; the Giant Peach'?" | escape_once }}""")

    assert html == "Have you read &#39;James &amp; the Giant Peach&#39;?"


def test_guide_example_skip_autoescape_outputs_verbatim() -> None:
    html = render("""{{ "Have you read 'James & the Giant Peach'?" | skip_autoescape }}""")

    assert html == "Have you read 'James & the Giant Peach'?"


def test_values_are_escaped_with_numeric_quotes() -> None:
    assert render("{{ task.input.x }}", {"x": HOSTILE}) == (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;quoted&#39;"
    )


def test_escape_does_not_escape_twice_with_autoescape() -> None:
    html = render("{{ task.input.x | escape }}", {"x": "a & <b>"})

    assert html == "a &amp; &lt;b&gt;"


def test_escape_once_escapes_what_is_not_an_entity() -> None:
    html = render("{{ task.input.x | escape_once }}", {"x": "&amp; & &#39; &#x27; &nbsp; &bogus <"})

    assert html == "&amp; &amp; &#39; &#x27; &nbsp; &amp;bogus &lt;"


def test_script_in_a_label_stays_text() -> None:
    html = render(
        "{% for label in task.input.labels %}<li>{{ label }}</li>{% endfor %}",
        {"labels": ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]},
    )

    assert "<script>" not in html and "<img" not in html
    assert text_of(html) == "<script>alert(1)</script><img src=x onerror=alert(1)>"


def test_labels_with_quotes_survive_to_json_escape_in_a_double_quoted_attribute() -> None:
    labels = ['Say "hi"', "it's", "a&b", "<tag>", "back\\slash", "é 猫"]

    html = render(
        '<crowd-x categories="{{ task.input.labels | to_json | escape }}"></crowd-x>',
        {"labels": labels},
    )

    assert json.loads(attributes_of(html, "crowd-x")["categories"]) == labels


@given(st.lists(st.text(), max_size=5))
def test_any_label_text_round_trips_through_an_attribute(labels: list[str]) -> None:
    html = render(
        '<crowd-x categories="{{ task.input.labels | to_json | escape }}"></crowd-x>',
        {"labels": labels},
    )

    assert json.loads(attributes_of(html, "crowd-x")["categories"]) == labels


def test_to_json_in_a_single_quoted_attribute_cannot_close_it() -> None:
    labels = ["it's", "<b>"]

    html = render(
        "<crowd-x categories='{{ task.input.labels | to_json }}'></crowd-x>", {"labels": labels}
    )

    assert json.loads(attributes_of(html, "crowd-x")["categories"]) == labels


def test_to_json_inside_a_script_cannot_end_the_script() -> None:
    html = render(
        "<script>var labels = {{ task.input.labels | to_json }};</script>",
        {"labels": ["</script><script>alert(1)</script>"]},
    )

    assert html.count("</script>") == 1
    assert json.loads(html.removeprefix("<script>var labels = ").removesuffix(";</script>")) == [
        "</script><script>alert(1)</script>"
    ]


def test_to_json_is_compact_and_not_autoescaped() -> None:
    html = render("{{ task.input.x | to_json }}", {"x": {"a": 8, "b": [1, "two", None, True]}})

    assert html == '{"a":8,"b":[1,"two",null,true]}'


def test_to_json_of_undefined_and_nil_is_null() -> None:
    assert render("{{ task.input.missing | to_json }}|{{ nil | to_json }}") == "null|null"


def test_printing_a_list_or_object_gives_escaped_compact_json() -> None:
    html = render(
        "{{ task.input.labels }}|{{ task.input.box }}", {"labels": ["a", "b"], "box": {"w": 1}}
    )

    assert html == "[&#34;a&#34;,&#34;b&#34;]|{&#34;w&#34;:1}"
    assert text_of(html) == '["a","b"]|{"w":1}'


def test_scalars_print_as_liquid_does() -> None:
    html = render(
        "{{ task.input.t }} {{ task.input.f }} {{ task.input.n }} {{ task.input.x }} "
        "[{{ task.input.none }}]",
        {"t": True, "f": False, "n": 2.5, "x": 3, "none": None},
    )

    assert html == "true false 2.5 3 []"


def test_undefined_renders_empty() -> None:
    assert render("[{{ task.input.nothing.deeper }}][{{ whatever }}]") == "[][]"


def test_captured_markup_is_not_escaped_again_but_captured_values_are() -> None:
    html = render(
        "{% capture cell %}<b>{{ task.input.x }}</b>{% endcapture %}{{ cell }}", {"x": "<i>"}
    )

    assert html == "<b>&lt;i&gt;</b>"


def test_echo_and_cycle_escape_like_output() -> None:
    html = render(
        "{% echo task.input.x %}|{% for i in (1..2) %}{% cycle task.input.x, 'b' %}{% endfor %}",
        {"x": "<i>"},
    )

    assert html == "&lt;i&gt;|&lt;i&gt;b"


def test_liquid_tag_echo_escapes() -> None:
    html = render("{% liquid\n  echo task.input.x | upcase\n%}", {"x": "<i>"})

    assert html == "&lt;I&gt;"


def test_template_markup_itself_is_left_alone() -> None:
    source = '<p class="a">Tom & Jerry\'s</p>{% raw %}{{ not liquid }}{% endraw %}'

    assert render(source) == '<p class="a">Tom & Jerry\'s</p>{{ not liquid }}'
