"""The registry of crowd HTML elements gtemu knows (see `emulator.elements.base`).

Each module below declares `SPECS: tuple[ElementSpec, ...]`; the registry is their union. Modules
are imported explicitly (no discovery) so that a missing one fails loudly.
"""

from __future__ import annotations

from emulator.elements import (
    a2i,
    classifiers,
    controls,
    layout,
    raster,
    text,
    unsupported,
    vector,
)
from emulator.elements.base import (
    ElementContext,
    ElementSpec,
    SimulatedWorker,
)

_MODULES: tuple = (classifiers, controls, layout, unsupported, vector, raster, text, a2i)

ELEMENTS: dict[str, ElementSpec] = {spec.tag: spec for module in _MODULES for spec in module.SPECS}


def element_spec(tag: str) -> ElementSpec | None:
    """The spec of a crowd element by tag name, or None for a tag gtemu does not know."""
    return ELEMENTS.get(tag.lower())


__all__ = ["ELEMENTS", "ElementContext", "ElementSpec", "SimulatedWorker", "element_spec"]
