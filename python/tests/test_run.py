"""Runs from Python against the command line's files, cell by cell."""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow as pa
import pytest

import canopy
from conftest import assert_table_matches_csv, read_csv, need, python_worded

CASES = [
    ("default", {}, None),
    ("reference", {}, None),
    ("stress", {}, None),
    ("guarded", {}, None),
    ("default", {"aegis.initial_usdc": 5e7, "leaf_price.model": "market", "leaf_price.volatility": 0.1}, 36),
    ("stress", {"simulation.seed": 11, "market.redeemer_sell_share": 0.25}, None),
]


def cli_args(name, sets, months):
    args = [name]
    for key, value in sets.items():
        args += ["--set", f"{key}={canopy._value_text(value)}"]
    if months is not None:
        args += ["--months", str(months)]
    return args


@pytest.fixture(scope="module")
def cli_runs(cli, tmp_path_factory):
    """Each case run once by the command line."""
    done = {}
    for i, (name, sets, months) in enumerate(CASES):
        folder = tmp_path_factory.mktemp(f"cli-{i}")
        cli(["run", *cli_args(name, sets, months), "--out", "out", "--quiet", "--log-dir", "logs"], folder)
        done[i] = folder
    return done


def test_builtin_scenarios_are_the_command_lines(cli, tmp_path):
    listed = [line.split()[0] for line in cli(["scenarios"], tmp_path).stdout.splitlines() if line.strip()]
    assert canopy.builtin_scenarios() == listed
    assert "default" in listed and "reference" in listed


@pytest.mark.parametrize("case", range(len(CASES)))
def test_metrics_deals_and_scorecard_match_the_command_line(case, cli_runs):
    name, sets, months = CASES[case]
    out = cli_runs[case] / "out"
    run = canopy.run(name, set=sets, months=months)
    assert_table_matches_csv(run.metrics, out / "metrics.csv")
    assert_table_matches_csv(run.deals, out / "deals.csv")
    assert_table_matches_csv(run.scorecard, out / "scorecard.csv")


def test_metrics_types():
    metrics = canopy.run("stress").metrics
    assert isinstance(metrics, pa.Table)
    for field in metrics.schema:
        if field.name in ("month", "pairs_active", "active_deals"):
            assert field.type == pa.uint32(), field
        else:
            assert field.type == pa.float64(), field
    # Undefined values are nulls: the IRR before the redemption window.
    assert metrics.column("irr")[0].as_py() is None


def test_write_gives_the_command_lines_files(cli_runs, tmp_path):
    name, sets, months = CASES[4]
    canopy.run(name, set=sets, months=months).write(tmp_path / "py")
    cli_out = cli_runs[4] / "out"
    for file in ("metrics.csv", "metrics.json", "deals.csv", "scorecard.csv"):
        assert (tmp_path / "py" / file).read_bytes() == (cli_out / file).read_bytes(), file
    assert (tmp_path / "py" / "report.html").exists()
    cli_files = sorted(p.name for p in cli_out.iterdir())
    assert sorted(p.name for p in (tmp_path / "py").iterdir()) == cli_files


def test_a_scenario_object_runs_as_its_name(cli_runs):
    sc = canopy.load("stress")
    assert_table_matches_csv(canopy.run(sc).metrics, cli_runs[2] / "out" / "metrics.csv")
    changed = canopy.load(sc, set={"simulation.seed": 11, "market.redeemer_sell_share": 0.25})
    assert_table_matches_csv(canopy.run(changed).metrics, cli_runs[5] / "out" / "metrics.csv")
    # The same overrides given to run.
    again = canopy.run(sc, set={"simulation.seed": 11, "market.redeemer_sell_share": 0.25})
    assert again.metrics.equals(canopy.run(changed).metrics)


def test_to_toml_is_canopy_show(cli, tmp_path):
    for name in canopy.builtin_scenarios():
        shown = cli(["show", name], tmp_path).stdout
        header, body = shown.split("\n", 1)
        assert header.startswith("# Scenario")
        assert canopy.load(name).to_toml().rstrip("\n") == body.rstrip("\n")


def test_loads_and_files(tmp_path, cli):
    text = canopy.load("reference").to_toml()
    path = tmp_path / "mine.toml"
    path.write_text(text)
    from_text = canopy.run(canopy.loads(text))
    from_file = canopy.run(path)
    from_name = canopy.run("reference")
    assert from_text.metrics.equals(from_name.metrics)
    assert from_file.metrics.equals(from_name.metrics)
    assert canopy.load(path).name == str(path)


def test_get_reads_dotted_keys():
    sc = canopy.load("default", set={"aegis.initial_usdc": 5e7}, months=36)
    assert sc.get("simulation.months") == 36
    assert sc.get("aegis.initial_usdc") == 5e7
    assert isinstance(sc.get("leaf_price.model"), str)
    assert isinstance(sc.get("compat.irr_time_only"), bool)
    assert sc.get("deal[0].counterparty") == canopy.load("default").get("deal[0].counterparty")
    with pytest.raises(KeyError):
        sc.get("no.such_key")


def test_summary_is_the_last_month(cli_runs):
    run = canopy.run("default")
    rows = read_csv(cli_runs[0] / "out" / "metrics.csv")
    last = dict(zip(rows[0], rows[-1]))
    summary = run.summary
    assert summary["month"] == int(last["month"])
    for key in ("tvl_total", "revenue_cumulative", "aegis_value", "aegis_usdc", "value_per_oak", "oak_redeemed"):
        assert summary[key] == float(last[key]), key
    irr = [(int(r[0]), r[rows[0].index("irr")]) for r in rows[1:] if r[rows[0].index("irr")] != ""]
    if irr:
        assert summary["last_irr_month"] == irr[-1][0]
        assert summary["last_irr"] == float(irr[-1][1])


def test_events_are_the_logs(cli_runs):
    run = canopy.run("default")
    events = run.events
    assert events and all("month" in e and "kind" in e for e in events)
    log = next((cli_runs[0] / "logs").iterdir()).read_text()
    activated = [line for line in log.splitlines() if " activated: " in line]
    starts = [e for e in events if e["kind"] == "deal_starts"]
    assert len(starts) == len(activated)
    for e, line in zip(starts, activated):
        assert f"month {e['month']}: deal {e['deal_id']} (" in line
    # The redemptions add up to the OAK redeemed that metrics.csv counts.
    redeemed = sum(e["amount"] for e in events if e["kind"] == "redemption")
    assert redeemed == pytest.approx(run.metrics.column("oak_redeemed")[-1].as_py(), rel=1e-12)


def test_to_pandas():
    frame = canopy.run("default", months=12).to_pandas()
    assert list(frame.columns) == canopy.run("default").metrics.column_names
    assert len(frame) == 12


def test_polars_reads_the_tables():
    polars = need("polars")
    frame = polars.from_arrow(canopy.run("default").metrics)
    assert frame.height == 60


def test_threads_run_side_by_side():
    expected = canopy.run("stress").metrics
    results = [None] * 8

    def work(i):
        results[i] = canopy.run("stress").metrics

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.equals(expected) for r in results)


HUGE = """[oak]
redemption_start_month = 40
[[deal]]
counterparty = "Huge"
start_month = 1
tvl = { kind = "boosted", amount = 1.7e308, revenue_rate = 1, duration_months = 24 }
"""


def test_a_run_that_breaks_raises_run_error(cli, tmp_path):
    (tmp_path / "huge.toml").write_text(HUGE)
    done = cli(["run", "huge.toml", "--quiet", "--no-charts"], tmp_path, check=1)
    with pytest.raises(canopy.RunError) as caught:
        canopy.run(tmp_path / "huge.toml")
    e = caught.value
    assert isinstance(e, RuntimeError)
    assert e.month == 13
    assert e.quantity == "revenue_cumulative"
    assert f"error: {e}; the 12 months before it were written" in done.stderr
    assert_table_matches_csv(e.metrics, tmp_path / "out" / "metrics.csv")


BAD = """[simulation]
months = 0
[aegis]
initial_usdc = -5
revenue_shar = 1
[[deal]]
counterparty = "Sigma"
start_month = 0
oak = { amount = 1, vesting_months = 0, irr_threshold = 0.1 }
"""


def test_bad_input_raises_the_command_lines_problems(cli, tmp_path):
    (tmp_path / "bad.toml").write_text(BAD)
    done = cli(["check", "bad.toml", "--set", "leaf_price.initial=-1"], tmp_path, check=2)
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.load("bad.toml" if False else str(tmp_path / "bad.toml"), set={"leaf_price.initial": -1})
    e = caught.value
    assert isinstance(e, ValueError)
    expected = python_worded(done.stderr.replace("bad.toml", str(tmp_path / "bad.toml")))
    assert f"error: {e}\n" == expected
    assert len(e.problems) >= 5
    for p in e.problems:
        assert set(p) == {"file", "line", "column", "key", "message", "at"}
        assert p["message"] in str(e)
    located = [p for p in e.problems if p["line"] is not None]
    assert located and all(p["file"] == str(tmp_path / "bad.toml") for p in located)
    assert any(p["key"] == "aegis.initial_usdc" for p in e.problems)


def test_bad_names_and_overrides(cli, tmp_path):
    for args, call in [
        (["check", "no-such-scenario"], lambda: canopy.load("no-such-scenario")),
        (["check", "default", "--set", "aegis.initial_usdc=-1"], lambda: canopy.run("default", set={"aegis.initial_usdc": -1})),
        (["check", "default", "--months", "0"], lambda: canopy.run("default", months=0)),
        (["check", "default", "--set", "no.key=1"], lambda: canopy.load("default", set={"no.key": 1})),
    ]:
        done = cli(args, tmp_path, check=2)
        with pytest.raises(canopy.ScenarioError) as caught:
            call()
        assert f"error: {caught.value}\n" == python_worded(done.stderr), args
