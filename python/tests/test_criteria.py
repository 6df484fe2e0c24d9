"""Criteria in sweeps (DECIDE.md, "Criteria"): the command line's tables,
and every count, probability, interval and expected shortfall worked out
again here from runs.parquet and months.parquet, with scipy and numpy."""

from __future__ import annotations

import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import canopy

from conftest import need

SWEEP = """
[sweep]
scenario = "stress"
runs = 40
seed = 11
keep_months = ["aegis_usdc", "leaf_price"]

[[axis]]
key = "aegis.initial_usdc"
values = [8e7, 1e8, 1.2e8]

[[sample]]
key = "leaf_price.volatility"
uniform = { low = 0.02, high = 0.12 }

[[criterion]]
name = "usdc_floor"
metric = "aegis_usdc"
below = 40_000_000

[[criterion]]
name = "thin"
metric = "aegis_value"
below = { fraction = 1.5, of = "aegis.initial_usdc" }
when = "end"
"""

SWEEP_DICT = {
    "sweep": {"scenario": "stress", "runs": 40, "seed": 11, "keep_months": ["aegis_usdc", "leaf_price"]},
    "axis": [{"key": "aegis.initial_usdc", "values": [8e7, 1e8, 1.2e8]}],
    "sample": [{"key": "leaf_price.volatility", "uniform": {"low": 0.02, "high": 0.12}}],
    "criterion": [
        {"name": "usdc_floor", "metric": "aegis_usdc", "below": 40_000_000},
        {
            "name": "thin",
            "metric": "aegis_value",
            "below": {"fraction": 1.5, "of": "aegis.initial_usdc"},
            "when": "end",
        },
    ],
}

# The third criterion, given as text (`--criterion`, `criteria=`).
TEXT = "leaf_price < 0.4 at 24"
NAMES = ["usdc_floor", "thin", "c3"]


@pytest.fixture(scope="module")
def cli_sweep(cli, tmp_path_factory):
    folder = tmp_path_factory.mktemp("criteria")
    (folder / "sweep.toml").write_text(SWEEP)
    cli(["sweep", "sweep.toml", "--criterion", TEXT, "--out", "out", "--quiet", "--no-report"], folder)
    return folder


@pytest.fixture(scope="module")
def sweep(cli_sweep):
    return canopy.sweep(cli_sweep / "sweep.toml", criteria=[TEXT], jobs=2)


def test_criteria_give_the_command_lines_tables(cli_sweep, sweep, monkeypatch):
    out = cli_sweep / "out"
    assert sweep.runs.equals(pq.read_table(out / "runs.parquet"))
    assert sweep.points.equals(canopy._points_table(out / "points.csv"))
    # The same criteria as tables of a dict: the same sweep.
    monkeypatch.chdir(cli_sweep)
    as_dict = canopy.sweep(SWEEP_DICT, criteria=[TEXT], jobs=1)
    assert as_dict.runs.equals(sweep.runs)
    assert as_dict.points.equals(sweep.points)


def test_criteria_columns_have_their_types(sweep):
    runs, points = sweep.runs.schema, sweep.points.schema
    for name in NAMES:
        assert runs.field(name).type == pa.bool_()
        assert runs.field(f"{name}_month").type == pa.uint32()
        for suffix in ("n", "k"):
            assert points.field(f"{name}_{suffix}").type == pa.uint64()
        for suffix in ("p", "lo", "hi", "month_p50"):
            assert points.field(f"{name}_{suffix}").type == pa.float64()
    assert points.field("aegis_value_es5").type == pa.float64()


def _by_run(sweep):
    """Each ok run's kept months, {(point, run): {metric: [value by month]}}."""
    months = sweep.months.to_pydict()
    out = {}
    for i in range(len(months["run"])):
        key = (months["point"][i], months["run"][i])
        row = out.setdefault(key, {"month": []})
        row["month"].append(months["month"][i])
        for metric in ("aegis_usdc", "leaf_price"):
            row.setdefault(metric, []).append(months[metric][i])
    return out


def test_each_runs_criteria_are_its_months(sweep):
    """Every run's outcome worked out from its months: "ever" over every
    month, "end" at its last month, "at 24" in month 24."""
    runs = sweep.runs.to_pydict()
    months = _by_run(sweep)
    met_somewhere = {name: 0 for name in NAMES}
    for i in range(sweep.runs.num_rows):
        if runs["status"][i] != "ok":
            assert all(runs[name][i] is None for name in NAMES)
            continue
        m = months[(runs["point"][i], runs["run"][i])]
        below = [mo for mo, x in zip(m["month"], m["aegis_usdc"]) if x is not None and x < 4e7]
        assert runs["usdc_floor"][i] == bool(below)
        assert runs["usdc_floor_month"][i] == (min(below) if below else None)
        thin = runs["aegis_value"][i] < 1.5 * runs["aegis.initial_usdc"][i]
        assert runs["thin"][i] == thin
        assert runs["thin_month"][i] == (max(m["month"]) if thin else None)
        at24 = [x for mo, x in zip(m["month"], m["leaf_price"]) if mo == 24]
        met = bool(at24) and at24[0] is not None and at24[0] < 0.4
        assert runs["c3"][i] == met
        assert runs["c3_month"][i] == (24 if met else None)
        for name in NAMES:
            met_somewhere[name] += bool(runs[name][i])
    # A check that means something: every criterion met by some runs, not all.
    for name in NAMES:
        assert 0 < met_somewhere[name] < sweep.runs.num_rows, name


def test_probabilities_and_intervals_are_scipys(sweep):
    """points.csv's n, k, p and two-sided Clopper-Pearson interval, and the
    median first month, from runs.parquet with scipy and numpy."""
    stats = need("scipy.stats")
    np = need("numpy")
    runs = sweep.runs.to_pydict()
    points = sweep.points.to_pylist()
    seen_bounds = set()
    for row in points:
        mine = [i for i in range(sweep.runs.num_rows) if runs["point"][i] == row["point"] and runs["status"][i] == "ok"]
        for name in NAMES:
            met = [runs[name][i] for i in mine]
            months = [runs[f"{name}_month"][i] for i in mine if runs[name][i]]
            n, k = len(met), sum(met)
            assert (row[f"{name}_n"], row[f"{name}_k"]) == (n, k)
            assert row[f"{name}_p"] == k / n
            ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
            assert row[f"{name}_lo"] == pytest.approx(ci.low, rel=1e-9, abs=1e-12)
            assert row[f"{name}_hi"] == pytest.approx(ci.high, rel=1e-9, abs=1e-12)
            if k == 0:
                assert row[f"{name}_lo"] == 0.0
                seen_bounds.add("k=0")
            if k == n:
                assert row[f"{name}_hi"] == 1.0
                seen_bounds.add("k=n")
            if 0 < k < n:
                seen_bounds.add("between")
            expected = float(np.median(months)) if months else None
            assert row[f"{name}_month_p50"] == expected
    assert "between" in seen_bounds


def test_expected_shortfall_is_numpys(sweep):
    """`<metric>_es5`: the mean of the ceil(0.05 n) lowest values of the
    point's ok runs."""
    np = need("numpy")
    runs = sweep.runs.to_pydict()
    columns = [c for c in sweep.points.column_names if c.endswith("_es5")]
    assert "aegis_value_es5" in columns and "min_aegis_value_es5" in columns
    for row in sweep.points.to_pylist():
        for column in columns:
            metric = column[: -len("_es5")]
            values = np.sort(
                [
                    runs[metric][i]
                    for i in range(sweep.runs.num_rows)
                    if runs["point"][i] == row["point"] and runs["status"][i] == "ok" and runs[metric][i] is not None
                ]
            )
            count = math.ceil(0.05 * len(values))
            assert row[column] == pytest.approx(float(np.mean(values[:count])), rel=1e-12), column


def test_bad_criteria_raise_the_command_lines_problems(cli, cli_sweep, monkeypatch):
    monkeypatch.chdir(cli_sweep)
    bad = "usdc_floor: no_such_metric < 1e7"
    done = cli(["sweep", "sweep.toml", "--criterion", bad, "--criterion", "x < 1 at never", "--quiet"], cli_sweep, check=2)
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.sweep("sweep.toml", criteria=[bad, "x < 1 at never"])
    assert len(caught.value.problems) >= 2
    assert all(p["at"] and p["at"].startswith("criteria=[") for p in caught.value.problems)
    assert "no_such_metric" in str(caught.value)
    assert caught.value.problems[0]["at"] == 'criteria=["usdc_floor: no_such_metric < 1e7"]'
    # The command line's lines, its flags named as the package's arguments.
    worded = done.stderr.replace(f"(--criterion '{bad}')", f'(criteria=["{bad}"])')
    worded = worded.replace("(--criterion 'x < 1 at never')", '(criteria=["x < 1 at never"])')
    assert f"error: {caught.value}\n" == worded

    with pytest.raises(TypeError, match="criteria is str"):
        canopy.sweep(cli_sweep / "sweep.toml", criteria=bad)
    with pytest.raises(TypeError, match=r"criteria\[1\] is int"):
        canopy.sweep(cli_sweep / "sweep.toml", criteria=[bad, 3])


def test_a_bad_criterion_table_is_placed_at_its_dict_path(cli_sweep, monkeypatch):
    monkeypatch.chdir(cli_sweep)
    bad = dict(SWEEP_DICT, criterion=[{"name": "Bad Name", "metric": "aegis_usdc", "below": 1, "above": 2}])
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.sweep(bad)
    places = {p["at"] for p in caught.value.problems}
    assert any(a and a.startswith("sweep['criterion'][0]") for a in places), caught.value.problems
