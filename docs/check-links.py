#!/usr/bin/env python3
"""Checks the relative links of the book and the README.

Every Markdown link or image under docs/src/ and in README.md that is not a
web address must name a file that exists, inside the repository, and a
chapter's link must stay inside docs/src/ (mdbook copies nothing else). A
link to a heading (`page.md#anchor`) must name a heading of that page, as
mdbook makes its ids. Every chapter must be listed in SUMMARY.md. Prints
each broken link with its file and line; exits 1 if there is any.

Usage: python3 docs/check-links.py  (from anywhere)
"""

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
SRC = DOCS / "src"

# [text](target) and ![alt](target); a target has no spaces or parentheses.
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def links(path):
    """(line number, target) of every link outside code blocks and code spans."""
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        for match in LINK.finditer(re.sub(r"`[^`]*`", "``", line)):
            yield number, match.group(1)


def heading_ids(path):
    """The ids mdbook gives the headings of a page."""
    ids, seen = set(), {}
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        m = None if fenced else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        text = re.sub(r"<[^>]+>|[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1))
        base = "".join(c for c in text.lower() if c.isalnum() or c in " -_").replace(" ", "-")
        n = seen.get(base, 0)
        seen[base] = n + 1
        ids.add(base if n == 0 else f"{base}-{n}")
    return ids


def check(path, inside):
    problems = []
    for number, target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a web address, mail, or a heading of the same page
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve()
        where = f"{path.relative_to(ROOT)}:{number}: {target}"
        if not dest.is_relative_to(inside):
            problems.append(f"{where}: points outside {inside.relative_to(ROOT).as_posix() if inside != ROOT else 'the repository'}")
        elif not dest.exists():
            problems.append(f"{where}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in heading_ids(dest):
            problems.append(f"{where}: no heading with id `{anchor}`")
    return problems


def main():
    problems = []
    for page in sorted(SRC.rglob("*.md")):
        problems += check(page, SRC)
    problems += check(ROOT / "README.md", ROOT)
    listed = {(SRC / t).resolve() for _, t in links(SRC / "SUMMARY.md")}
    for page in sorted(SRC.rglob("*.md")):
        if page.name != "SUMMARY.md" and page.resolve() not in listed:
            if "reference" not in page.relative_to(SRC).parts:
                problems.append(f"{page.relative_to(ROOT)}: not listed in SUMMARY.md")
    for p in problems:
        print(p)
    pages = len(list(SRC.rglob("*.md")))
    print(f"{pages} pages and README.md: {len(problems)} broken link(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
