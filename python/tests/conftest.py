"""Shared helpers: the command line that the package is checked against."""

from __future__ import annotations

import csv
import math
import os
import subprocess
from pathlib import Path
from typing import List, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _binary() -> Path:
    given = os.environ.get("CANOPY_BIN")
    if given:
        return Path(given)
    for profile in ("release", "debug"):
        path = ROOT / "target" / profile / "canopy"
        if path.exists():
            return path
    raise RuntimeError("no canopy binary: build it (cargo build) or set CANOPY_BIN")


@pytest.fixture(scope="session")
def cli():
    """Runs the command line in a folder; gives the finished process."""
    binary = _binary()

    def call(args: List[str], cwd: Path, check: Optional[int] = 0) -> subprocess.CompletedProcess:
        done = subprocess.run([str(binary), *args], cwd=cwd, capture_output=True, text=True)
        if check is not None:
            assert done.returncode == check, done.stderr
        return done

    return call


def read_csv(path: Path) -> List[List[str]]:
    with open(path, newline="") as f:
        return list(csv.reader(f))


def same_cell(cell: str, value) -> bool:
    """A CSV cell and a table's value are the same: empty and None, or the
    same text, or numbers equal to the bit (the cell read as f64)."""
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return cell == ("true" if value else "false")
    if isinstance(value, str):
        return cell == value
    x = float(cell)
    if math.isnan(x):
        return math.isnan(value)
    return x == value and math.copysign(1.0, x) == math.copysign(1.0, float(value))


def assert_table_matches_csv(table, path: Path) -> None:
    """Every column, in order, and every cell of a table equal a CSV file's."""
    rows = read_csv(path)
    assert table.column_names == rows[0]
    assert table.num_rows == len(rows) - 1
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    for r, row in enumerate(rows[1:]):
        for c, cell in enumerate(row):
            assert same_cell(cell, columns[c][r]), (rows[0][c], r, cell, columns[c][r])


def need(module: str):
    """Imports an optional module the test needs; without it the test is
    skipped, except in CI (the CI environment variable "true"), where a
    missing module is a failure, not a silent skip."""
    if os.environ.get("CI") == "true":
        import importlib

        return importlib.import_module(module)
    return pytest.importorskip(module)


def python_worded(stderr: str) -> str:
    """The command line's message as the package words it: an override is
    named by the argument that gave it (``--months 0`` is ``months=0``,
    ``--set k=v`` is ``set={"k": v}``), worked out here independently of
    the package."""
    import re

    text = re.sub(r"\(--months (\S+)\)", r"(months=\1)", stderr)
    return re.sub(r"\(--set ([^=)]+)=([^)]*)\)", lambda m: f'(set={{"{m[1].strip()}": {m[2].strip()}}})', text)
