"""Findings: what a lint run reports, and how runs over many samples merge them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from emulator.elements import ELEMENTS

ERROR, WARNING, INFO = "error", "warning", "info"



@dataclass(frozen=True)
class Finding:
    """One problem: `file:line:column: severity: message` (line and column 1-based)."""

    file: str
    line: int
    column: int
    severity: str
    code: str
    message: str
    samples: tuple[str, ...] = ()

    def format(self) -> str:
        where = ""
        if self.samples:
            shown = ", ".join(self.samples[:3])
            more = len(self.samples) - 3
            where = f" [sample {shown}{f' and {more} more' if more > 0 else ''}]"
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}{where}"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "samples": list(self.samples),
        }


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.severity == ERROR for finding in findings)


KNOWN_ELEMENTS = ELEMENTS
CONDITION_TAGS = ("if", "elsif", "unless", "case", "when")



def merge_findings(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per place and message, listing every sample it came from; in file order."""
    merged: dict[tuple[Any, ...], Finding] = {}
    for finding in findings:
        key = (finding.file, finding.line, finding.column, finding.severity, finding.message)
        previous = merged.get(key)
        if previous is None:
            merged[key] = finding
        elif previous.samples and finding.samples:
            samples = previous.samples + tuple(
                s for s in finding.samples if s not in previous.samples
            )
            merged[key] = Finding(*key[:4], previous.code, previous.message, samples)
        else:  # found without sample data: it holds for every sample
            merged[key] = Finding(*key[:4], previous.code, previous.message)
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    return sorted(
        merged.values(), key=lambda f: (f.file, f.line, f.column, order.get(f.severity, 3))
    )


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."

