"""The crowd elements script is ours: nothing on the page points at assets.crowd.aws."""

from __future__ import annotations

import pytest

from worker_ui.liquid import rewrite_crowd_assets

OURS = "/crowd/crowd-html-elements.js"


@pytest.mark.parametrize(
    "tag",
    [
        '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>',
        '<script src="https://assets.crowd.aws/crowd-html-elements-v2.js"></script>',
        "<SCRIPT defer SRC='//assets.crowd.aws/any/path.js?v=1'></SCRIPT>",
        '<script data-x="a>b" src=http://assets.crowd.aws/x.js></script>',
    ],
)
def test_every_script_from_the_crowd_host_loads_ours(tag: str) -> None:
    html = rewrite_crowd_assets(f"<head>{tag}</head>", OURS)

    assert "assets.crowd.aws" not in html
    assert f'="{OURS}"' in html


def test_links_to_the_crowd_host_are_dropped_and_other_tags_kept() -> None:
    html = rewrite_crowd_assets(
        '<link rel="stylesheet" href="https://assets.crowd.aws/x.css">'
        '<link rel="stylesheet" href="style.css">'
        '<script src="https://assets.crowd.aws.example.com/x.js"></script>',
        OURS,
    )

    assert html == (
        "<!-- gtemu: link to assets.crowd.aws removed -->"
        '<link rel="stylesheet" href="style.css">'
        '<script src="https://assets.crowd.aws.example.com/x.js"></script>'
    )


def test_script_bodies_and_comments_are_not_touched() -> None:
    html = (
        '<script>var s = "<script src=https://assets.crowd.aws/a.js>";</script>'
        '<!-- <script src="https://assets.crowd.aws/a.js"></script> -->'
    )

    assert rewrite_crowd_assets(html, OURS) == html


def test_the_script_url_is_attribute_escaped() -> None:
    html = rewrite_crowd_assets(
        '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>', "/c.js?a=1&b=2"
    )

    assert html == '<script src="/c.js?a=1&amp;b=2"></script>'


def test_an_integrity_hash_of_aws_script_is_dropped_so_ours_loads() -> None:
    html = rewrite_crowd_assets(
        '<script src="https://assets.crowd.aws/crowd-html-elements.js" '
        'integrity="sha384-abc" crossorigin="anonymous"></script>',
        OURS,
    )

    assert html == f'<script src="{OURS}" crossorigin="anonymous"></script>'
