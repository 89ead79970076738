"""The docs stand alone: nothing in the product points outside the repository, and every
`docs/<page>.md#<anchor>` citation (in code, messages, tests or the docs themselves) names a
heading that exists on that page."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# Text that points at the reference this project was built from, which users never see.
OUTSIDE_REFERENCES = (
    "ground-truth-contracts",
    "../shared",
    "spec §",
)
CHOICE_ID = re.compile(r"\bOP-[A-Z]+-\d+\b")
# A citation from anywhere: docs/engine.md#answer-validation.
CITATION = re.compile(r"docs/([A-Za-z0-9_-]+\.md)#([A-Za-z0-9_-]+)")
# A page named anywhere, with or without an anchor.
PAGE = re.compile(r"docs/([A-Za-z0-9_-]+\.md)\b")
# A Markdown link inside a docs page: (engine.md#x), (#x).
RELATIVE_LINK = re.compile(r"\]\((?:\./)?([A-Za-z0-9_-]+\.md)?#([A-Za-z0-9_-]+)\)")
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def tracked_files() -> list[Path]:
    """The repository's tracked text files (every file under ROOT when git is unavailable)."""
    try:
        names = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout.decode().split("\0")
        paths = [ROOT / name for name in names if name]
    except (OSError, subprocess.CalledProcessError):
        paths = [p for p in ROOT.rglob("*") if ".git" not in p.parts]
    texts = []
    for path in paths:
        if not path.is_file() or path.is_symlink():
            continue
        try:
            path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # images, archives
        texts.append(path)
    return texts


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors_of(page: Path) -> set[str]:
    """Every heading anchor of a Markdown page, duplicates numbered as GitHub numbers them."""
    anchors: set[str] = set()
    counts: dict[str, int] = {}
    in_fence = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else HEADING.match(line)
        if match is None:
            continue
        anchor = github_anchor(match.group(2))
        seen = counts.get(anchor, 0)
        counts[anchor] = seen + 1
        anchors.add(anchor if seen == 0 else f"{anchor}-{seen}")
    return anchors


def test_github_anchor_follows_githubs_rules() -> None:
    assert github_anchor("`gtemu lint`") == "gtemu-lint"
    assert github_anchor("Ground Truth's filters") == "ground-truths-filters"
    assert github_anchor("Crowd HTML Elements V2: text ranking and question–answer generation") == (
        "crowd-html-elements-v2-text-ranking-and-questionanswer-generation"
    )


def test_nothing_outside_tests_points_outside_the_repository() -> None:
    problems = []
    for path in tracked_files():
        relative = path.relative_to(ROOT)
        if relative.parts[0] == "tests":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = [text for text in OUTSIDE_REFERENCES if text in line]
            found += CHOICE_ID.findall(line)
            if found:
                problems.append(f"{relative}:{number}: {', '.join(found)}")
    assert not problems, "cite docs/<page>.md#<anchor> instead:\n" + "\n".join(problems)


def test_every_docs_citation_names_a_heading() -> None:
    pages = {page.name: anchors_of(page) for page in DOCS.glob("*.md")}
    citations = 0
    problems = []
    for path in tracked_files():
        relative = path.relative_to(ROOT)
        text = path.read_text(encoding="utf-8")
        found = [(m.group(1), m.group(2), m.start()) for m in CITATION.finditer(text)]
        if relative.parts[0] == "docs" and path.suffix == ".md":
            found += [
                (m.group(1) or path.name, m.group(2), m.start())
                for m in RELATIVE_LINK.finditer(text)
            ]
        for page, anchor, offset in found:
            citations += 1
            if anchor not in pages.get(page, set()):
                line = text.count("\n", 0, offset) + 1
                problems.append(f"{relative}:{line}: {page}#{anchor}")
    assert citations > 100  # the code cites the docs; a broken pattern would find nothing
    assert not problems, "no such page or heading:\n" + "\n".join(problems)


def test_every_docs_page_named_exists() -> None:
    pages = {page.name for page in DOCS.glob("*.md")}
    problems = []
    for path in tracked_files():
        text = path.read_text(encoding="utf-8")
        for match in PAGE.finditer(text):
            if match.group(1) not in pages:
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: docs/{match.group(1)}")
    assert not problems, "no such page:\n" + "\n".join(problems)
