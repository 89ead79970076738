"""The benchmarks run as scripts (`python benchmarks/ui_speed.py`), which puts the script's
folder first on `sys.path`: a file or folder there named like one of gtemu's packages is
imported instead of the package. A `benchmarks/consolidation/` folder once broke every benchmark
that imports the engine that way."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _importable_names(folder: Path) -> set[str]:
    return {path.stem if path.suffix == ".py" else path.name
            for path in folder.iterdir()
            if path.suffix == ".py" or (path.is_dir() and not path.name.startswith((".", "__")))}


def test_no_benchmark_file_or_folder_shadows_a_package_of_gtemu() -> None:
    packages = {path.name for path in ROOT.iterdir() if (path / "__init__.py").is_file()}
    assert {"emulator", "worker_ui", "consolidation"} <= packages
    script_folders = {path.parent for path in (ROOT / "benchmarks").rglob("*.py")}
    for folder in sorted(script_folders):
        shadowing = _importable_names(folder) & packages
        assert not shadowing, f"{folder.relative_to(ROOT)} holds {sorted(shadowing)}"
