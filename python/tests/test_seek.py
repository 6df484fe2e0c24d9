"""Seeks (DECIDE.md, "Seek") against `canopy seek`'s files, and every
answer checked on a fine grid of the same runs: a sweep over the key with
the same seeds and samples, its criterion counted and bounded here with
scipy."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

import canopy

from conftest import need

# Deal 4 of `stress` (150 M of contracted TVL) runs for a sampled number
# of months from its start; the criteria look at the TVL in month 24.
SAMPLE = [{"key": "deal[4].tvl.duration_months", "uniform": {"low": 6, "high": 24}}]


def _seek(high: int, goal: str, criterion: dict) -> dict:
    return {
        "seek": {
            "scenario": "stress",
            "key": "deal[4].start_month",
            "low": 1,
            "high": high,
            "goal": goal,
            "runs": 60,
            "seed": 3,
            "max_probability": 0.2,
            "tolerance": 1,
            "scan": 9,
        },
        # Its own id: the one made from its start month may be another deal's.
        "set": {"deal[4].id": "Chi moving"},
        "sample": SAMPLE,
        "criterion": [criterion],
    }


# P(the deal is over by month 24) falls as it starts later: the earliest
# start that keeps it rare.
MONOTONE = _seek(24, "smallest", {"name": "ended", "metric": "tvl_total", "below": 500_000_000, "when": 24})

# P(the deal still runs in month 24) is low for an early start (it has
# ended), high for a start up to month 24, and nil after: safe, unsafe,
# then safe again. Two safe intervals, and the probability not monotone.
NOT_MONOTONE = _seek(48, "largest", {"name": "busy", "metric": "tvl_total", "above": 500_000_000, "when": 24})


def seek_toml(seek: dict) -> str:
    return canopy._sweep_toml(seek, "seek")[0]


@pytest.fixture(scope="module")
def cli_seek(cli, tmp_path_factory):
    folder = tmp_path_factory.mktemp("seek")
    (folder / "seek.toml").write_text(seek_toml(MONOTONE))
    done = cli(["seek", "seek.toml", "--out", "out", "--quiet"], folder)
    return folder, done.stdout


@pytest.fixture(scope="module")
def found(cli_seek):
    folder, _ = cli_seek
    return canopy.seek(folder / "seek.toml", jobs=2)


def test_a_seek_gives_the_command_lines_files(found, cli_seek, tmp_path):
    folder, stdout = cli_seek
    assert found.line + "\n" == stdout
    assert found.json == json.loads((folder / "out" / "seek.json").read_text())
    found.write(tmp_path / "py")
    for name in ("seek.csv", "seek.json", "runs.parquet"):
        assert (tmp_path / "py" / name).read_bytes() == (folder / "out" / name).read_bytes(), name
    assert (tmp_path / "py" / "report.html").is_file()
    found.write(tmp_path / "bare", report=False)
    assert not (tmp_path / "bare" / "report.html").exists()
    assert found.table.schema.field("safe").type == pa.bool_()
    assert found.table.schema.field("k").type == pa.uint64()
    assert found.runs.column_names[0] == "value"


def test_a_seek_dict_is_the_same_seek(found, cli_seek, monkeypatch):
    folder, _ = cli_seek
    monkeypatch.chdir(folder)
    again = canopy.seek(MONOTONE)
    assert again.table.equals(found.table)
    assert again.runs.equals(found.runs)
    assert (again.answer, again.bracket, again.safe_intervals) == (found.answer, found.bracket, found.safe_intervals)


def upper_bound(k: int, n: int, confidence: float) -> float:
    """The one-sided Clopper-Pearson upper bound, with scipy."""
    stats = need("scipy.stats")
    return 1.0 if k == n else float(stats.beta.ppf(confidence, k + 1, n - k))


def grid(seek: dict, values, name: str):
    """The sweep of the same runs at `values` of the key: {value: (k, n, hi)}."""
    s = seek["seek"]
    sweep = {
        "sweep": {"scenario": s["scenario"], "runs": s["runs"], "seed": s["seed"], "keep_months": []},
        "set": seek["set"],
        "axis": [{"key": s["key"], "values": list(values)}],
        "sample": seek["sample"],
        "criterion": seek["criterion"],
    }
    runs = canopy.sweep(sweep).runs.to_pydict()
    out = {}
    for v in values:
        met = [runs[name][i] for i in range(len(runs["run"])) if runs[s["key"]][i] == v and runs["status"][i] == "ok"]
        k, n = sum(met), len(met)
        assert n == s["runs"]
        out[v] = (k, n, upper_bound(k, n, s.get("confidence", 0.95)))
    return out


def check_against_grid(seek: dict, found: canopy.Seek):
    """On a whole-number key, the grid is every value of the range. Every
    evaluated value's count and bound equal the grid's at that value; the
    safe intervals are exactly the grid's runs of safe values; the answer
    is safe, and its neighbour beyond it, within the tolerance, is not."""
    s = seek["seek"]
    name = seek["criterion"][0]["name"]
    evaluated = found.table.to_pylist()
    values = list(range(s["low"], s["high"] + 1))
    at = grid(seek, values, name)
    for e in evaluated:
        k, n, hi = at[int(e["value"])]
        assert e["value"] == int(e["value"])
        assert (e["k"], e["runs"]) == (k, n), e
        assert e["p"] == k / n
        assert e["hi"] == pytest.approx(hi, rel=1e-9, abs=1e-12), e
        assert e["safe"] == (hi <= s["max_probability"])
    # Far fewer values evaluated than the grid holds: a scan and bisections.
    assert len(evaluated) < len(values) / 2 + 2
    safe = [at[v][2] <= s["max_probability"] for v in values]
    intervals, start = [], None
    for v, ok in zip(values + [values[-1] + 1], safe + [False]):
        if ok and start is None:
            start = v
        if not ok and start is not None:
            intervals.append((float(start), float(v - 1)))
            start = None
    assert found.safe_intervals == intervals
    flips = sum(1 for x, y in zip(safe, safe[1:]) if x != y)
    assert found.monotone == (flips <= 1)
    if not intervals:
        assert found.answer is None and found.bracket is None
        return
    goal = s.get("goal", "largest")
    assert found.answer == (intervals[-1][1] if goal == "largest" else intervals[0][0])
    lo, hi = found.bracket
    beyond = hi if lo == found.answer else lo
    if beyond == found.answer:
        assert found.answer in (s["low"], s["high"])
    else:
        assert not safe[values.index(int(beyond))]
        assert hi - lo <= s["tolerance"]


def test_a_monotone_seek_is_the_grids(found):
    assert found.monotone
    assert found.answer not in (MONOTONE["seek"]["low"], MONOTONE["seek"]["high"])
    check_against_grid(MONOTONE, found)


def test_a_seek_that_is_not_monotone_reports_every_safe_interval(cli, tmp_path):
    (tmp_path / "seek.toml").write_text(seek_toml(NOT_MONOTONE))
    done = cli(["seek", "seek.toml", "--out", "out", "--quiet", "--no-report"], tmp_path)
    found = canopy.seek(tmp_path / "seek.toml")
    assert found.line + "\n" == done.stdout
    assert not found.monotone
    assert len(found.safe_intervals) == 2
    assert "not monotone" in found.line
    check_against_grid(NOT_MONOTONE, found)


def test_no_safe_value_is_an_answer_too():
    never = _seek(24, "largest", {"name": "ended", "metric": "tvl_total", "below": 1e12, "when": 24})
    found = canopy.seek(never)
    assert found.answer is None and found.bracket is None and found.safe_intervals == []
    assert "no safe value" in found.line


def test_bad_seeks_raise_every_problem_at_its_dict_path(cli, tmp_path, monkeypatch):
    bad = _seek(24, "best", {"name": "ended", "metric": "no_such_metric", "below": 1, "when": 24})
    bad["seek"]["key"] = "aegis.nope"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.seek(bad)
    at = {p["at"] for p in caught.value.problems}
    assert "seek['seek']['goal']" in at and "seek['seek']['key']" in at, caught.value.problems
    assert any(a and a.startswith("seek['criterion'][0]") for a in at), caught.value.problems
    # The same file on the command line: exit 2, the same problems.
    (tmp_path / "bad.toml").write_text(seek_toml(bad))
    done = cli(["seek", "bad.toml", "--quiet"], tmp_path, check=2)
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.seek("bad.toml")
    assert f"error: {caught.value}\n" == done.stderr
    assert not (tmp_path / "seek").exists()

    two = dict(MONOTONE, criterion=MONOTONE["criterion"] * 2)
    with pytest.raises(canopy.ScenarioError, match="exactly one"):
        canopy.seek(two)
    with pytest.raises(canopy.ScenarioError, match="cannot read the seek file"):
        canopy.seek(tmp_path / "missing.toml")
    with pytest.raises(TypeError, match="seek is int"):
        canopy.seek(3)


def test_set_overrides_the_seek_file(cli, cli_seek):
    folder, _ = cli_seek
    done = cli(["seek", "seek.toml", "--set", "market.redeemer_sell_share=0.5", "--out", "set", "--quiet"], folder)
    found = canopy.seek(folder / "seek.toml", set={"market.redeemer_sell_share": 0.5})
    assert found.line + "\n" == done.stdout
    assert (folder / "set" / "seek.csv").read_bytes() == (Path(found.path) / "seek.csv").read_bytes()


def test_progress_goes_to_sys_stderr(capsys):
    canopy.seek(MONOTONE, progress=True)
    err = capsys.readouterr().err
    assert err.startswith("\rseek: ") and err.endswith("; writing the tables\n"), err
    canopy.seek(MONOTONE)
    assert capsys.readouterr().err == ""


def test_ctrl_c_stops_a_seek(tmp_path):
    """Ctrl-C once the seek shows progress (so it is running, with no
    waiting on a clock): KeyboardInterrupt."""
    # Many runs a value: a stop must be seen within a value, not after it.
    big = dict(MONOTONE, seek=dict(MONOTONE["seek"], runs=200_000))
    script = textwrap.dedent(
        f"""
        import sys, canopy
        try:
            canopy.seek({big!r}, jobs=1, progress=True)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(0)
        sys.exit(3)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    seen = ""
    while "seek: " not in seen:
        c = child.stderr.read(1)
        assert c, seen
        seen += c
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=120)
    assert child.returncode == 0
    assert out.strip() == "interrupted"
