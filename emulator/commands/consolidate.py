"""`gtemu consolidate`: consolidate a Ground Truth output folder or payload file offline."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

HELP = "consolidate workers' answers of a Ground Truth job into an output manifest"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "consolidate",
        help=HELP,
        description=(
            "Read every worker answer of a Ground Truth output folder (local or s3://, the tree "
            "holding annotations/worker-response/iteration-*/<id>/*.json) or of a consolidation "
            "payload file, estimate each worker's reliability, and write output-manifest lines "
            "in Ground Truth's format."
        ),
    )
    parser.add_argument("source", help="output folder, its annotations/ folder, or a payload file")
    parser.add_argument("--labels", required=True, help="label category file (JSON)")
    parser.add_argument("--task-type", required=True, choices=["multi-label", "single-label"])
    parser.add_argument("--label-attribute-name", help="default: the job name")
    parser.add_argument("--job-name", help="default: the name of the job's output folder")
    parser.add_argument("--manifest", help="input manifest: output lines follow its order")
    parser.add_argument(
        "--label-threshold", type=float, metavar="P",
        help="multi-label: keep only labels whose posterior is at least P (off by default)",
    )
    parser.add_argument(
        "--report", action="store_true", help="print worker quality and confidence distribution"
    )
    parser.add_argument(
        "--on-error", choices=["skip", "fail"], default="fail",
        help="malformed answer files: stop (default) or skip them with a warning",
    )
    parser.add_argument(
        "-o", "--output", required=True, help="output manifest path, or - for stdout"
    )
    parser.set_defaults(func=run)


ANSWER_SHAPES = {"multi-label": '{"labels": [...]}', "single-label": '{"label": "..."}'}


def _error(message: str) -> None:
    print(f"gtemu consolidate: error: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    # The estimators (numpy, ...): imported when the command runs (docs/interfaces.md#startup).
    from consolidation.offline import consolidate_source, parse_manifest, quality_report
    from consolidation.sources import SourceError, read_label_categories

    if args.label_threshold is not None and not 0.0 <= args.label_threshold <= 1.0:
        _error("--label-threshold must be between 0 and 1")
        return 2
    if args.output != "-":
        output = Path(args.output)
        if output.is_dir():
            _error(f"-o {args.output} is a folder: give the output manifest's file name")
            return 2
        if not output.parent.is_dir():
            _error(f"-o {args.output}: the folder {output.parent} does not exist")
            return 2
    if args.manifest and not Path(args.manifest).is_file():
        _error(f"--manifest {args.manifest}: no such file")
        return 2
    try:
        categories = read_label_categories(args.labels)
        manifest = None
        if args.manifest:
            manifest = parse_manifest(Path(args.manifest).read_text("utf-8"), args.manifest)
        result = consolidate_source(
            args.source,
            label_categories=categories,
            task=args.task_type,
            label_attribute_name=args.label_attribute_name,
            job_name=args.job_name,
            manifest_lines=manifest,
            label_threshold=args.label_threshold,
            on_error=args.on_error,
        )
    except (SourceError, OSError) as error:
        _error(str(error))
        return 1
    except NoCredentialsError:
        _error(
            f"{args.source}: no AWS credentials to read it with (set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"
        )
        return 1
    except ClientError as error:
        details = error.response.get("Error", {})
        code, message = details.get("Code", "Error"), details.get("Message", "")
        _error(f"{args.source}: S3 refused the read: {code}: {message}".rstrip(": "))
        return 1
    except BotoCoreError as error:
        _error(f"{args.source}: {error}")
        return 1
    objects = len(result.consolidator.arrays.object_ids)
    if objects and len(result.unlabeled) == objects:
        _error(
            f"none of the {objects} object(s) has an answer of the form --task-type "
            f"{args.task_type} reads ({ANSWER_SHAPES[args.task_type]}) naming a label of "
            f"{args.labels}: check --task-type and --labels"
        )
        return 1
    for error in result.skipped:
        print(f"gtemu consolidate: skipped {error}", file=sys.stderr)
    if result.unlabeled:
        print(
            f"gtemu consolidate: {len(result.unlabeled)} object(s) have no answer naming a known "
            f"label, left unlabeled: {', '.join(result.unlabeled[:20])}",
            file=sys.stderr,
        )
    if result.not_in_manifest:
        print(
            f"gtemu consolidate: {len(result.not_in_manifest)} answered object(s) are not in the "
            f"manifest: {', '.join(result.not_in_manifest[:20])}",
            file=sys.stderr,
        )
    _write_lines(result.text_lines(), args.output)
    if args.report:
        for text in quality_report(result):
            print(text)
    labeled = objects - len(result.unlabeled)
    print(f"gtemu consolidate: {labeled} object(s) consolidated -> {args.output}", file=sys.stderr)
    return 0


def _write_lines(lines: Iterable[str], output: str) -> None:
    """Output-manifest lines, each already serialised and ending with a newline."""
    if output == "-":
        sys.stdout.writelines(lines)
        return
    with open(output, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
