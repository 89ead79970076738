"""Ground Truth elements gtemu knows by name but does not draw.

An element listed in `SPECS` here is described (lint checks its attributes and regions) with
`rendered_by_gtemu=False`; `OTHER_AWS_ELEMENTS` are further real element names that lint
recognises as AWS's, so that it warns instead of calling them typos.
"""

from __future__ import annotations

from emulator.elements.base import ElementSpec

SPECS: tuple[ElementSpec, ...] = ()

OTHER_AWS_ELEMENTS: frozenset[str] = frozenset()
