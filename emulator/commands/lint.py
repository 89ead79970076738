"""`gtemu lint`: check a worker task template headless, for CI (docs/designer.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from emulator.commands.arguments import int_between

HELP = "check a worker task template (Liquid, crowd elements) against sample data"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint",
        help=HELP,
        description=(
            "Render TEMPLATE for every sample (each manifest line, or --input) as a labeling "
            "job would, and report Liquid errors, undefined variables and crowd-element "
            "problems as FILE:LINE:COLUMN: SEVERITY: MESSAGE. Exit status 1 when there are "
            "errors (warnings alone give 0)."
        ),
    )
    add_template_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def add_template_arguments(parser: argparse.ArgumentParser) -> None:
    """TEMPLATE and the sample-data options, shared with `gtemu preview`."""
    parser.add_argument("template", help="the worker task template (Liquid + HTML)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--input", metavar="JSON_FILE", help="one task input (task.input)")
    source.add_argument("--manifest", help="an input manifest (JSON Lines); one sample a line")
    parser.add_argument(
        "--labels",
        metavar="LABEL_FILE",
        help="label category file: task inputs as the built-in pre-annotation "
        "builds them ({taskObject, labels})",
    )
    parser.add_argument(
        "--line", type=int_between(1), metavar="N", help="only manifest line N (1-based)"
    )
    parser.add_argument(
        "--pre-lambda",
        metavar="MODULE:FUNCTION",
        help="your pre-annotation function builds the task inputs (MODULE or FILE.py)",
    )


def run(args: argparse.Namespace) -> int:
    path = Path(args.template)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"gtemu lint: cannot read the template {path}: {error}", file=sys.stderr)
        return 2
    # The linter (Liquid, the element registry): imported once there is a template to lint,
    # so that a mistyped path is answered at once (docs/interfaces.md#startup).
    from worker_ui.lint import TemplateLinter, has_errors, load_samples, merge_findings

    data = load_samples(
        input_file=args.input,
        manifest=args.manifest,
        labels=args.labels,
        line=args.line,
        pre_lambda=args.pre_lambda,
        template=source,
    )
    findings = merge_findings(TemplateLinter(source, str(path)).lint(data))
    if args.format == "json":
        print(
            json.dumps(
                {
                    "findings": [f.to_json() for f in findings],
                    "samples": len(data.samples),
                    "errors": sum(f.severity == "error" for f in findings),
                },
                indent=2,
            )
        )
    else:
        for finding in findings:
            print(finding.format())
        errors = sum(f.severity == "error" for f in findings)
        warnings = sum(f.severity == "warning" for f in findings)
        print(
            f"{path}: {errors} error(s), {warnings} warning(s), "
            f"{len(data.samples)} sample(s) rendered",
            file=sys.stderr,
        )
    return 1 if has_errors(findings) else 0
