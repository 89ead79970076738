"""Point a rendered page's references to `assets.crowd.aws` at our own crowd elements."""

from __future__ import annotations

import re

from .text import escape_html

CROWD_ASSETS_HOST = "assets.crowd.aws"

# A start tag whose quoted attribute values may hold `>`. Comments and the bodies of script
# elements are matched too, so that text inside them (a JS string) is never touched.
_START_TAG = r"""\b(?:[^>"']|"[^"]*"|'[^']*')*>"""
_TAG = re.compile(
    r"<!--.*?(?:-->|$)"
    rf"|(?P<script><script{_START_TAG})(?P<body>.*?)(?=</script|$)"
    rf"|(?P<link><link{_START_TAG})",
    re.IGNORECASE | re.DOTALL,
)
_URL_ATTRIBUTE = re.compile(
    r"""(?P<lead>\b(?:src|href)\s*=\s*)(?P<value>"[^"]*"|'[^']*'|[^\s"'>]+)""", re.IGNORECASE
)
_INTEGRITY_ATTRIBUTE = re.compile(
    r"""\s+integrity\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)""", re.IGNORECASE
)
_CROWD_URL = re.compile(
    r"^\s*(?:(?:https?:)?//)" + re.escape(CROWD_ASSETS_HOST) + r"(?::\d+)?(?:[/?#]|\s*$)",
    re.IGNORECASE,
)


def rewrite_crowd_assets(html: str, script_url: str) -> str:
    """Every `<script>` loading from `assets.crowd.aws` (any path: `crowd-html-elements.js`,
    `-v2.js`, …) loads `script_url` instead; every `<link>` to that host is dropped, since our
    elements bring their own styles. Nothing is left that would reach the internet.
    """
    return _TAG.sub(lambda tag: _rewrite_tag(tag, script_url), html)


def _rewrite_tag(match: re.Match[str], script_url: str) -> str:
    if match["link"] and _crowd_url_attribute(match["link"]):
        return f"<!-- gtemu: link to {CROWD_ASSETS_HOST} removed -->"
    if not match["script"]:
        return match.group(0)
    tag = match["script"]
    attribute = _crowd_url_attribute(tag)
    if attribute is not None:
        replacement = f'{attribute["lead"]}"{escape_html(script_url)}"'
        tag = tag[: attribute.start()] + replacement + tag[attribute.end() :]
        # A subresource-integrity hash of AWS's script would refuse ours.
        tag = _INTEGRITY_ATTRIBUTE.sub("", tag)
    return tag + match["body"]


def _crowd_url_attribute(tag: str) -> re.Match[str] | None:
    for attribute in _URL_ATTRIBUTE.finditer(tag):
        value = attribute["value"].strip("\"'")
        if _CROWD_URL.match(value):
            return attribute
    return None
