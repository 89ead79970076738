"""Ground Truth's Liquid dialect: parse worker task templates and render them per task.

Imports neither Flask nor anything else of gtemu: the job engine and RenderUiTemplate use
it directly (docs/interfaces.md).
"""

from __future__ import annotations

from .errors import TemplateError, TemplateRenderError, TemplateSyntaxError
from .template import WorkerTemplate, parse_template, render_task

__all__ = [
    "TemplateError",
    "TemplateRenderError",
    "TemplateSyntaxError",
    "WorkerTemplate",
    "parse_template",
    "render_task",
]
