"""grant_read_access, the standard Shopify filters, unknown filters, hyphenated keys."""

from __future__ import annotations

import json

import pytest

from worker_ui.liquid import TemplateRenderError, s3_location

from .helpers import attributes_of, render


def signed(bucket: str, key: str) -> str:
    return f"/media/{bucket}|{key}"


def grant(value: object) -> str:
    return render("{{ task.input.x | grant_read_access }}", {"x": value}, media_url=signed)


def grant_error(value: object) -> TemplateRenderError:
    with pytest.raises(TemplateRenderError) as caught:
        grant(value)
    return caught.value


# The guide's example of docs/templates.md#ground-truths-filters (no signer: the plain S3 URL the
# guide shows).
def test_guide_example_grant_read_access_gives_an_s3_https_url() -> None:
    html = render("""{{ "s3://mybucket/myphoto.png" | grant_read_access }}""")

    assert html == "https://s3.amazonaws.com/mybucket/myphoto.png"


@pytest.mark.parametrize(
    ("value", "bucket", "key"),
    [
        ("s3://bucket/photo.jpg", "bucket", "photo.jpg"),
        ("s3://bucket/deep/path/with space+plus.jpg", "bucket", "deep/path/with space+plus.jpg"),
        ("https://s3.amazonaws.com/bucket/a/b.png", "bucket", "a/b.png"),
        ("http://s3.amazonaws.com/bucket/a/b.png", "bucket", "a/b.png"),
        ("https://s3.us-west-2.amazonaws.com/bucket/a%20b.png", "bucket", "a b.png"),
        ("https://s3-eu-west-1.amazonaws.com/bucket/x.png", "bucket", "x.png"),
        ("https://s3.dualstack.us-east-1.amazonaws.com/bucket/x.png", "bucket", "x.png"),
        ("https://bucket.s3.amazonaws.com/k/x.png", "bucket", "k/x.png"),
        ("https://s3-images.s3.amazonaws.com/x.png", "s3-images", "x.png"),
        ("https://s3.s3.us-west-2.amazonaws.com/x.png", "s3", "x.png"),
        (
            "https://my.dotted.bucket.s3.eu-central-1.amazonaws.com/x.png",
            "my.dotted.bucket",
            "x.png",
        ),
    ],
)
def test_s3_uris_and_s3_https_urls_become_signed_urls(value: str, bucket: str, key: str) -> None:
    assert s3_location(value) == (bucket, key)
    assert grant(value) == signed(bucket, key)


def test_the_signed_url_is_autoescaped_like_any_string() -> None:
    assert grant("s3://bucket/it's.png") == "/media/bucket|it&#39;s.png"


def test_other_https_urls_pass_through_unchanged() -> None:
    url = "https://example.com/picture.png?size=large&v=2"

    assert grant(url) == "https://example.com/picture.png?size=large&amp;v=2"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (" ", " "),
        ("", ""),
        ("http://example.com/photo.jpg", "http://example.com/photo.jpg"),
        ("s3://bucket-without-key", "s3://bucket-without-key"),
        ("s3://bucket/", "s3://bucket/"),
        ("file:///etc/passwd", "file:///etc/passwd"),
        ("photo.jpg", "photo.jpg"),
        (42, "42"),
    ],
)
def test_anything_else_is_invalid_parameters_with_ground_truths_text(
    value: object, shown: str
) -> None:
    error = grant_error(value)

    assert error.code == "InvalidParameters"
    assert error.message == f'"grant_read_access" input is not a valid S3 URI: "{shown}".'


def test_grant_read_access_on_a_missing_key_fails_like_ground_truth() -> None:
    with pytest.raises(TemplateRenderError) as caught:
        render('<img src="{{ task.input.nothere | grant_read_access }}">', {})

    assert caught.value.message == '"grant_read_access" input is not a valid S3 URI: "".'
    assert (caught.value.line, caught.value.column) == (1, 35)


def test_hyphenated_keys_work_with_dot_access() -> None:
    html = render("{{ task.input.source-ref | grant_read_access }}", {"source-ref": "s3://b/x.png"})

    assert html == "https://s3.amazonaws.com/b/x.png"


def test_the_guides_downcase_and_other_standard_filters() -> None:
    source = (
        "{{ task.input.name | downcase }}|{{ task.input.none | default: 'n/a' }}|"
        "{{ task.input.labels | join: ', ' }}|{{ task.input.labels | size }}|"
        "{{ task.input.labels | first | upcase }}|{{ task.input.labels | sort | last }}|"
        "{{ task.input.n | plus: 1 }}|{{ task.input.name | replace: 'A', 'a' | truncate: 6 }}|"
        "{{ task.input.name | split: ' ' | reverse | join: '-' }}|"
        "{{ task.input.labels | where: 'x' | size }}|{{ 'a b' | url_encode }}"
    )

    html = render(source, {"name": "A Cat And Dog", "labels": ["dog", "cat"], "n": 41})

    assert html == "a cat and dog|n/a|dog, cat|2|DOG|dog|42|a C...|Dog-And-Cat-A|0|a+b"


def test_join_escapes_items_but_not_the_separator_literal_twice() -> None:
    html = render("{{ task.input.labels | join: ' & ' }}", {"labels": ["<a>", "b"]})

    assert html == "&lt;a&gt; &amp; b"


@pytest.mark.parametrize("name", ["to_s3_uri", "s3_presign", "nope"])
def test_an_unknown_filter_is_an_error_naming_it(name: str) -> None:
    with pytest.raises(TemplateRenderError) as caught:
        render(f"<p>\n{{{{ task.input.x | {name} }}}}</p>", {"x": "s3://b/k"})

    assert caught.value.code == "UnknownFilter"
    assert name in caught.value.message
    assert (caught.value.line, caught.value.column) == (2, 19)


def test_aws_a2i_textract_template_builds_an_http_s3_url_in_a_capture() -> None:
    # The developer guide's A2I Textract template, as written there.
    source = (
        "{% capture s3_arn %}http://s3.amazonaws.com/"
        "{{ task.input.aiServiceRequest.document.s3Object.bucket }}/"
        "{{ task.input.aiServiceRequest.document.s3Object.name }}{% endcapture %}"
        '<crowd-textract-analyze-document src="{{ s3_arn | grant_read_access }}" '
        'initial-value="{{ task.input.selectedAiServiceResponse.blocks }}">'
    )
    task_input = {
        "aiServiceRequest": {
            "document": {"s3Object": {"bucket": "docs", "name": "Tom & Jerry's.png"}}
        },
        "selectedAiServiceResponse": {"blocks": [{"BlockType": "KEY_VALUE_SET", "Text": "a<b"}]},
    }

    html = render(source, task_input, media_url=signed)
    element = attributes_of(html, "crowd-textract-analyze-document")

    assert element["src"] == "/media/docs|Tom & Jerry's.png"
    assert json.loads(element["initial-value"]) == task_input["selectedAiServiceResponse"]["blocks"]
