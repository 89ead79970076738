"""Start-up time of `import emulator` and of `gtemu` commands that answer at once
(docs/interfaces.md#startup), best of `--repeat` runs: wall time and CPU (user + system).

With `--against DIR` (another checkout, e.g. `git worktree add /tmp/before <commit>`) both are
measured in the same run, run by run interleaved, so that a busy machine weighs on both alike.

    python benchmarks/startup.py [--repeat 5] [--against /tmp/before]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COMMANDS = [
    ("python -c pass", ["-c", "pass"]),
    ("import emulator", ["-c", "import emulator"]),
    ("gtemu --help", ["-m", "emulator.cli", "--help"]),
    ("gtemu serve --port 99999", ["-m", "emulator.cli", "serve", "--port", "99999"]),
    ("gtemu consolidate --help", ["-m", "emulator.cli", "consolidate", "--help"]),
    ("gtemu demo --help", ["-m", "emulator.cli", "demo", "--help"]),
]


def measure(arguments: list[str], checkout: Path) -> tuple[float, float]:
    """(wall, cpu) seconds of one run of the interpreter with `checkout` first on the path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(checkout), str(checkout / ".pyshim")])}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run([sys.executable, *arguments], env=env, cwd=checkout,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout, measured alongside")
    args = parser.parse_args()
    checkouts = [ROOT] + ([args.against.resolve()] if args.against else [])
    print(f"{'':26s}" + "".join(f" | {str(c):>32s}" for c in checkouts))
    for label, arguments in COMMANDS:
        runs: dict[Path, list[tuple[float, float]]] = {c: [] for c in checkouts}
        for _ in range(args.repeat):
            for checkout in checkouts:
                runs[checkout].append(measure(arguments, checkout))
        cells = [f"wall {min(w for w, _ in runs[c]):.3f} s, cpu {min(p for _, p in runs[c]):.3f} s"
                 for c in checkouts]
        print(f"{label:26s}" + "".join(f" | {cell:>32s}" for cell in cells), flush=True)


if __name__ == "__main__":
    main()
