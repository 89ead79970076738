"""`gtemu reset`: forget everything a durable `gtemu serve` kept (docs/durability.md)."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from emulator.store import (
    BODIES_DIR,
    DATABASE_NAME,
    SNAPSHOTS_DIR,
    StateDirError,
    _lock_exclusively,
    default_state_dir,
)
from emulator.worker_token import TOKEN_FILE

# Only gtemu's own files and folders are removed, so that `--state-dir` pointed at the wrong
# folder by mistake deletes nothing else. The lock goes last: it is held while the rest goes.
STATE_FILES = (DATABASE_NAME, f"{DATABASE_NAME}-wal", f"{DATABASE_NAME}-shm", TOKEN_FILE, "lock")
STATE_FOLDERS = (BODIES_DIR, SNAPSHOTS_DIR)
HELP = "clear the state that gtemu serve keeps across restarts"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reset",
        help=HELP,
        description=(
            "Delete the journal of a stopped gtemu serve (buckets, objects, work teams, jobs, "
            "answers), so that the next gtemu serve starts empty. Refuses while a gtemu serve "
            "uses the folder."
        ),
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        help=f"the folder gtemu serve was given (default {default_state_dir()})",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    state_dir: Path = args.state_dir or default_state_dir()
    if state_dir.exists() and not state_dir.is_dir():
        print(f"gtemu reset: --state-dir {state_dir} is not a folder", file=sys.stderr)
        return 2
    present = [
        state_dir / name for name in (*STATE_FILES, *STATE_FOLDERS) if (state_dir / name).exists()
    ]
    if not present:
        print(f"gtemu reset: no gtemu state in {state_dir}: nothing to clear")
        return 0
    try:
        lock = _lock_exclusively(state_dir / "lock")
    except StateDirError:
        print(
            f"gtemu reset: a gtemu serve is using {state_dir}: stop it (Ctrl-C) first",
            file=sys.stderr,
        )
        return 1
    try:
        for name in STATE_FOLDERS:
            shutil.rmtree(state_dir / name, ignore_errors=True)
        for name in STATE_FILES:
            (state_dir / name).unlink(missing_ok=True)
    finally:
        lock.close()
    try:
        state_dir.rmdir()  # only when nothing else is in it
    except OSError:
        pass
    print(f"gtemu reset: cleared the state in {state_dir}")
    return 0
