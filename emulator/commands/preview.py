"""`gtemu preview`: the worker task template rendered live with sample data (docs/designer.md)."""

from __future__ import annotations

import argparse
import sys
import webbrowser
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from emulator.commands.arguments import port, port_in_use
from emulator.commands.lint import add_template_arguments

HELP = "live preview of a worker task template with sample data"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "preview",
        help=HELP,
        description=(
            "Serve a page on 127.0.0.1 that shows TEMPLATE rendered as a worker sees it, "
            "reloads when the template or the sample data change, shows Liquid errors with "
            "line and column, the variables the template reads, and the JSON a submit posts. "
            "Stop with Ctrl-C."
        ),
    )
    add_template_arguments(parser)
    parser.add_argument("--port", type=port, default=8090, help="port (default 8090; 0 = any)")
    parser.add_argument("--no-open", action="store_true", help="do not open a browser")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Flask and the template engine: imported when the command runs (docs/interfaces.md#startup).
    from worker_ui.preview import PreviewSession, PreviewSource, create_preview_app

    template = Path(args.template)
    if not template.is_file():
        print(f"gtemu preview: no such template file: {template}", file=sys.stderr)
        return 2
    source = PreviewSource(
        template=template,
        input_file=Path(args.input) if args.input else None,
        manifest=Path(args.manifest) if args.manifest else None,
        labels=Path(args.labels) if args.labels else None,
        line=args.line,
        pre_lambda=args.pre_lambda,
    )
    if port_in_use("127.0.0.1", args.port):
        print(
            f"gtemu preview: port {args.port} on 127.0.0.1 is already in use: stop what listens "
            "there or choose another with --port (0 = any free port)",
            file=sys.stderr,
        )
        return 1
    app = create_preview_app(PreviewSession(source))
    try:
        server = make_server("127.0.0.1", args.port, app, threaded=True)
    except OSError as error:
        print(f"gtemu preview: cannot listen on 127.0.0.1:{args.port}: {error}", file=sys.stderr)
        return 1
    url = f"http://127.0.0.1:{server.server_port}/preview/"
    print(f"gtemu preview: {template} on {url}\nPress Ctrl-C to stop.", flush=True)
    if not args.no_open:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
