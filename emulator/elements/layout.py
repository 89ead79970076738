"""Elements that post nothing: the form, instructions, buttons and page furniture."""

from __future__ import annotations

from emulator.elements.base import ElementSpec


def _layout(tag: str, *attributes: str) -> ElementSpec:
    return ElementSpec(tag=tag, attributes=attributes, docs_anchor="layout")


SPECS = (
    _layout("crowd-form", "submit-button"),
    _layout("crowd-instructions", "link-text", "link-type"),
    _layout(
        "crowd-button",
        "disabled",
        "form-action",
        "href",
        "icon",
        "icon-align",
        "icon-url",
        "loading",
        "target",
        "variant",
    ),
    _layout("crowd-card", "heading", "image"),
    _layout("crowd-alert", "dismissible", "type"),
    _layout("crowd-badge", "for", "icon", "label"),
    _layout("crowd-toast", "duration", "text"),
    _layout("crowd-modal", "link-text", "link-type"),
    _layout("crowd-icon-button", "disabled", "icon"),
    _layout("crowd-fab", "disabled", "icon", "label", "title"),
    _layout("crowd-tabs"),
    _layout("crowd-tab", "header"),
)
