"""Ground Truth's Liquid dialect: parse worker task templates and render them per task.

Imports neither Flask nor anything else of gtemu: the job engine and RenderUiTemplate use
it directly (docs/interfaces.md).
"""

from __future__ import annotations

from .analysis import (
    FilterUse,
    RenderCheck,
    TemplateVariable,
    UndefinedVariable,
    check_render,
    filter_uses,
    template_variables,
    unknown_filters,
)
from .crowd_assets import CROWD_ASSETS_HOST, rewrite_crowd_assets
from .errors import TemplateError, TemplateRenderError, TemplateSyntaxError
from .filters import s3_location
from .template import WorkerTemplate, parse_template, render_task

__all__ = [
    "CROWD_ASSETS_HOST",
    "FilterUse",
    "RenderCheck",
    "TemplateVariable",
    "UndefinedVariable",
    "check_render",
    "filter_uses",
    "rewrite_crowd_assets",
    "s3_location",
    "template_variables",
    "unknown_filters",
    "TemplateError",
    "TemplateRenderError",
    "TemplateSyntaxError",
    "WorkerTemplate",
    "parse_template",
    "render_task",
]
