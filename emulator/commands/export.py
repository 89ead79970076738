"""`gtemu export`: training data out of a job's answers (DPO preference pairs, SFT lines)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PROGRESS_EVERY = 5000  # objects between progress lines on stderr
HELP = "write preference pairs (DPO) or SFT lines from a job's answers"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help=HELP,
        description=(
            "Read every worker answer of a text-ranking or question-answer job — from its output "
            "folder (local or s3://, the tree holding annotations/worker-response/) or from its "
            "output manifest (each line's worker-response-ref) — and write JSON Lines a trainer "
            "reads as they are."
        ),
    )
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    preferences = kinds.add_parser(
        "preferences", help="one line per (object, dimension, better, worse response)",
        description=(
            "One JSON line per (object, dimension, chosen, rejected): "
            '{"prompt", "chosen", "rejected", "dimension", "source_line", "workers", '
            '"agreement"}. Several workers\' ranks are aggregated by a Bradley-Terry model; '
            "--aggregate none writes each worker's own pairs. Ties write no pair."
        ),
    )
    preferences.add_argument("source", help="output folder or output manifest (local or s3://)")
    preferences.add_argument("-o", "--output", required=True, help="JSON Lines file to write")
    preferences.add_argument(
        "--aggregate", choices=["bradley-terry", "none"], default="bradley-terry",
        help="combine workers' ranks (default) or write every worker's own pairs",
    )
    preferences.set_defaults(func=run)
    sft = kinds.add_parser(
        "sft", help="one line per question-answer pair",
        description=(
            'One JSON line per question-answer pair: {"prompt": <question>, "completion": '
            '<answer>, "context": <passage>, "tags", "references", "worker"}.'
        ),
    )
    sft.add_argument("source", help="output folder or output manifest (local or s3://)")
    sft.add_argument("-o", "--output", required=True, help="JSON Lines file to write")
    sft.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # The estimators (numpy, scipy): imported when the command runs (docs/interfaces.md#startup).
    from consolidation.exports import preference_pairs, sft_lines
    from consolidation.sources import SourceError

    progress = _Progress(sys.stderr)
    if args.kind == "preferences":
        lines = preference_pairs(args.source, aggregate=args.aggregate, progress=progress)
        noun = "preference pair(s)"
    else:
        lines = sft_lines(args.source, progress=progress)
        noun = "question-answer pair(s)"
    try:
        text = (json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        written = write_atomically(args.output, text)
    except (SourceError, OSError) as error:
        progress.finish()
        print(f"gtemu export: error: {error}", file=sys.stderr)
        return 1
    progress.finish()
    print(f"gtemu export: {written} {noun} from {progress.count} object(s) -> {args.output}",
          file=sys.stderr)
    return 0


def write_atomically(output: str, lines: Iterable[str]) -> int:
    """Write `lines` to a temporary file beside `output`, then rename it into place.

    Any error while the lines are produced leaves `output` as it was (no partial file).
    """
    target = Path(output)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=target.parent if str(target.parent) else ".",
        prefix=f".{target.name}.", suffix=".tmp", delete=False,
    )
    count = 0
    try:
        with handle:
            for line in lines:
                handle.write(line)
                count += 1
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return count


class _Progress:
    """`gtemu export: 15000 objects read` on stderr every PROGRESS_EVERY objects."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.count = 0
        self.shown = False

    def __call__(self, count: int) -> None:
        self.count = count
        if count % PROGRESS_EVERY == 0:
            end = "\r" if self.stream.isatty() else "\n"
            self.stream.write(f"gtemu export: {count} objects read{end}")
            self.stream.flush()
            self.shown = True

    def finish(self) -> None:
        if self.shown and self.stream.isatty():
            self.stream.write("\n")
            self.stream.flush()


__all__: list[str] = ["add_parser", "run", "write_atomically"]
