"""Sweeps from Python against `canopy sweep`'s files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import canopy

SWEEP = """
[sweep]
scenario = "stress"
runs = 6
seed = 7
keep_months = ["leaf_price", "aegis_value", "value_per_oak"]

[set]
"market.redeemer_sell_share" = 0.5

[[axis]]
key = "leaf_price.volatility"
values = [0.02, 0.1]

[[axis]]
key = "deal[13].leaf_pair.amount"
logspace = { from = 1e6, to = 1e7, steps = 2 }

[[sample]]
key = "market.net_demand_usd"
uniform = { low = -50_000, high = 0 }
"""

SWEEP_DICT = {
    "sweep": {
        "scenario": "stress",
        "runs": 6,
        "seed": 7,
        "keep_months": ["leaf_price", "aegis_value", "value_per_oak"],
    },
    "set": {"market.redeemer_sell_share": 0.5},
    "axis": [
        {"key": "leaf_price.volatility", "values": [0.02, 0.1]},
        {"key": "deal[13].leaf_pair.amount", "logspace": {"from": 1e6, "to": 1e7, "steps": 2}},
    ],
    "sample": [{"key": "market.net_demand_usd", "uniform": {"low": -50_000, "high": 0}}],
}

FILES = ["runs.parquet", "months.parquet", "bands.csv", "bands.parquet", "points.csv", "failures.csv", "sweep.toml"]


@pytest.fixture(scope="module")
def cli_sweep(cli, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-sweep")
    (folder / "sweep.toml").write_text(SWEEP)
    cli(["sweep", "sweep.toml", "--out", "out", "--quiet", "--jobs", "2"], folder)
    return folder


def assert_same_tables(sw: canopy.Sweep, out: Path) -> None:
    assert sw.runs.equals(pq.read_table(out / "runs.parquet"))
    assert sw.months.equals(pq.read_table(out / "months.parquet"))
    assert sw.bands.equals(pq.read_table(out / "bands.parquet"))
    assert sw.points.equals(canopy._points_table(out / "points.csv"))


def test_a_sweep_file_gives_the_command_lines_tables(cli_sweep):
    sw = canopy.sweep(cli_sweep / "sweep.toml", jobs=2)
    assert_same_tables(sw, cli_sweep / "out")
    assert sw.runs.num_rows == 4 * 6
    assert sw.points.num_rows == 4
    assert sw.runs.schema.field("point").type == "uint32"
    assert sw.runs.schema.field("seed").type == "uint64"
    assert sw.failures.num_rows == 0


def test_a_sweep_dict_is_the_same_sweep(cli_sweep, monkeypatch):
    monkeypatch.chdir(cli_sweep)
    assert_same_tables(canopy.sweep(SWEEP_DICT), cli_sweep / "out")


def test_overrides_are_the_command_lines(cli, cli_sweep, tmp_path):
    (tmp_path / "sweep.toml").write_text(SWEEP)
    cli(
        ["sweep", "sweep.toml", "--out", "out", "--quiet", "--runs", "3", "--seed", "99", "--set", "aegis.initial_usdc=5e7"],
        tmp_path,
    )
    sw = canopy.sweep(tmp_path / "sweep.toml", runs=3, seed=99, set={"aegis.initial_usdc": 5e7}, jobs=1)
    assert_same_tables(sw, tmp_path / "out")


def test_write_gives_the_command_lines_files(cli_sweep, tmp_path):
    sw = canopy.sweep(cli_sweep / "sweep.toml")
    sw.write(tmp_path / "py")
    for name in FILES:
        assert (tmp_path / "py" / name).read_bytes() == (cli_sweep / "out" / name).read_bytes(), name
    assert (tmp_path / "py" / "report.html").exists()
    assert (tmp_path / "py" / "charts").is_dir()


def test_out_writes_where_asked(cli_sweep, tmp_path):
    sw = canopy.sweep(cli_sweep / "sweep.toml", out=tmp_path / "here", report=False)
    for name in FILES:
        assert (tmp_path / "here" / name).read_bytes() == (cli_sweep / "out" / name).read_bytes(), name
    assert not (tmp_path / "here" / "report.html").exists()
    assert_same_tables(sw, cli_sweep / "out")


def test_bad_sweeps_raise_the_command_lines_problems(cli, tmp_path, monkeypatch):
    bad = SWEEP.replace("runs = 6", "runs = 0").replace('"market.redeemer_sell_share" = 0.5', '"market.redeemer_sell_share" = 5')
    (tmp_path / "bad.toml").write_text(bad)
    done = cli(["sweep", "bad.toml", "--out", "out", "--quiet"], tmp_path, check=2)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.sweep("bad.toml")
    assert f"error: {caught.value}\n" == done.stderr
    assert len(caught.value.problems) >= 2
    assert not (tmp_path / "out").exists()

    done = cli(["sweep", "missing.toml", "--quiet"], tmp_path, check=2)
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.sweep("missing.toml")
    assert f"error: {caught.value}\n" == done.stderr


def test_ctrl_c_stops_a_sweep(tmp_path):
    script = textwrap.dedent(
        """
        import sys, canopy
        print("started", flush=True)
        try:
            canopy.sweep({"sweep": {"scenario": "stress", "runs": 100_000_000, "keep_months": []}}, jobs=1)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(0)
        sys.exit(3)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    assert child.stdout.readline().strip() == "started"
    # The sweep is planned and running well before this; Ctrl-C is a SIGINT.
    time.sleep(2)
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=120)
    assert child.returncode == 0
    assert out.strip() == "interrupted"


def test_progress_goes_to_sys_stderr(cli_sweep, capsys):
    canopy.sweep(cli_sweep / "sweep.toml", progress=True)
    err = capsys.readouterr().err
    assert err.endswith("sweep: 24 of 24 runs; writing the tables\n"), err
    canopy.sweep(cli_sweep / "sweep.toml")
    assert capsys.readouterr().err == ""
