"""Scenario, Run and Sweep as Python objects: they pickle and copy (so a
process pool or a Ray task returns them), show themselves in a notebook,
give their tables to pandas and polars, and a Scenario is read and changed
by key without TOML."""

from __future__ import annotations

import copy
import pickle
import shutil
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor

import pyarrow as pa
import pytest

import canopy
from conftest import need

SWEEP = {
    "sweep": {"scenario": "default", "runs": 4, "seed": 11},
    "set": {"simulation.months": 24},
    "axis": [{"key": "leaf_price.volatility", "values": [0.02, 0.1]}],
}


def run_in_worker(volatility: float) -> canopy.Run:
    return canopy.run("default", set={"leaf_price.volatility": volatility}, months=24)


# Pickle and deepcopy.


def test_a_scenario_pickles_and_copies_with_its_overrides():
    sc = canopy.load("default", set={"deal[0].start_month": 2}, months=30).with_({"aegis.initial_usdc": 4e7})
    back = pickle.loads(pickle.dumps(sc))
    assert back.to_toml() == sc.to_toml()
    assert back.name == sc.name
    # Later overrides still apply to its source after the earlier ones.
    later = {"aegis.revenue_share": 0.5}
    assert canopy.load(back, set=later).to_toml() == canopy.load(sc, set=later).to_toml()
    assert copy.deepcopy(sc).to_toml() == sc.to_toml()
    assert copy.copy(sc).to_toml() == sc.to_toml()


def test_a_run_pickles_and_comes_back_from_a_process():
    run = run_in_worker(0.1)
    back = pickle.loads(pickle.dumps(run))
    assert back.metrics.equals(run.metrics)
    assert back.summary == run.summary
    assert copy.deepcopy(run).metrics.equals(run.metrics)
    with ProcessPoolExecutor(max_workers=1) as pool:
        remote = pool.submit(run_in_worker, 0.1).result()
    assert remote.metrics.equals(run.metrics)
    assert remote.deals.equals(run.deals)


def test_a_sweep_pickles_into_a_folder_of_its_own(tmp_path):
    sw = canopy.sweep(SWEEP)
    back = pickle.loads(pickle.dumps(sw))
    assert back.path != sw.path
    for table in ("runs", "months", "bands", "points", "failures"):
        assert getattr(back, table).equals(getattr(sw, table)), table
    deep = copy.deepcopy(sw)
    assert deep.runs.equals(sw.runs)
    # The copy writes the same files as the original.
    sw.write(tmp_path / "a", report=False)
    deep.write(tmp_path / "b", report=False)
    for name in ("runs.parquet", "months.parquet", "bands.parquet", "points.csv", "failures.csv", "sweep.toml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


# A sweep whose temporary folder was removed.


def test_a_removed_folder_is_named_on_write(tmp_path):
    sw = canopy.sweep(SWEEP)
    shutil.rmtree(sw.path)
    with pytest.raises(OSError, match="the sweep's files are gone from") as caught:
        sw.write(tmp_path / "out")
    assert "folder the sweep's files are in" not in str(caught.value)
    with pytest.raises(OSError, match="the sweep's files are gone from"):
        sw.months


# The months table is read when asked for.


def test_the_months_table_is_read_when_first_asked_for():
    sweep = {**SWEEP, "sweep": {**SWEEP["sweep"], "runs": 40}, "set": {"simulation.months": 120}}
    before = pa.total_allocated_bytes()
    sw = canopy.sweep(sweep)
    made = pa.total_allocated_bytes() - before
    months = sw.months
    assert months is not None and months.num_rows == 2 * 40 * 120
    # Nothing of the months table was held before it was asked for.
    assert made < months.nbytes
    assert pa.total_allocated_bytes() - before >= made + months.nbytes // 2
    assert sw.months is months


# Exceptions show as the package's.


def test_exceptions_show_as_canopys():
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.load("default", set={"aegis.initial_usdc": -1})
    shown = traceback.format_exception_only(type(caught.value), caught.value)[0]
    assert shown.startswith("canopy.ScenarioError: ")
    assert canopy.RunError.__module__ == "canopy" and canopy.RunError.__qualname__ == "RunError"
    assert type(pickle.loads(pickle.dumps(caught.value))) is canopy.ScenarioError


# Notebooks.


def test_reprs_say_what_they_hold():
    sc = canopy.load("default", months=24)
    assert repr(sc) == f"<canopy.Scenario 'default': 24 months, {len(sc.deals)} deals, seed {sc.get('simulation.seed')}>"
    run = canopy.run(sc)
    text = repr(run)
    assert text.startswith("<canopy.Run 'default': 24 months, tvl_total ")
    sw = canopy.sweep(SWEEP)
    assert repr(sw) == f"<canopy.Sweep: 2 points, 8 runs, 0 failed, {len(sw.runs.column_names)} columns in runs>"
    for thing, must in [
        (sc, ["aegis.initial_usdc", "<table"]),
        (run, ["tvl_total", "<table"]),
        (sw, ["leaf_price.volatility", "<table"]),
    ]:
        html = thing._repr_html_()
        for word in must:
            assert word in html, (thing, word)
        assert "<script" not in html


def test_tables_for_pandas_and_polars():
    pd = need("pandas")
    pl = need("polars")
    run = canopy.run("default", months=24)
    assert run.to_polars().equals(pl.from_arrow(run.metrics))
    sw = canopy.sweep(SWEEP)
    assert isinstance(sw.to_pandas(), pd.DataFrame)
    assert sw.to_pandas().shape == (sw.runs.num_rows, sw.runs.num_columns)
    assert sw.to_pandas("points").shape == (2, sw.points.num_columns)
    assert sw.to_polars("bands").shape == (sw.bands.num_rows, sw.bands.num_columns)
    with pytest.raises(ValueError, match="table must be one of"):
        sw.to_pandas("nope")


def test_events_as_a_table():
    run = canopy.run("stress", months=60)
    events = run.events
    table = run.events_table
    assert table.num_rows == len(events)
    assert table.column_names[:2] == ["month", "kind"]
    assert table.schema.field("month").type == pa.uint32()
    rows = table.to_pylist()
    kinds = set()
    for event, row in zip(events, rows):
        kinds.add(event["kind"])
        for key, value in row.items():
            assert value == event.get(key) or (value != value and event.get(key) != event.get(key)), (key, event)
    assert len(kinds) > 3


def test_keys_deals_and_to_dict_are_the_toml():
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        tomllib = need("tomli")
    sc = canopy.load("stress")
    as_read = tomllib.loads(sc.to_toml())
    assert sc.to_dict() == as_read
    assert sc.deals == as_read["deal"]
    keys = sc.keys()
    assert len(keys) == len(set(keys))
    for key in keys:
        sc.get(key)
    # Every leaf of the TOML is a key, and every key a leaf.
    leaves = []

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else k)
        elif path == "deal":
            for i, d in enumerate(value):
                walk(d, f"deal[{i}]")
        else:
            leaves.append(path)

    walk(as_read, "")
    assert sorted(leaves) == sorted(keys)


def test_with_is_the_same_as_set_and_typed():
    np = need("numpy")
    sc = canopy.load("default")
    changes = {"aegis.initial_usdc": 5e7, "deal[13].leaf_pair.amount": 2e6, "simulation.months": 36, "leaf_price.model": "market"}
    by_set = canopy.load("default", set=changes)
    fast = sc.with_(changes)
    assert fast.to_toml() == by_set.to_toml()
    assert canopy.run(fast).metrics.equals(canopy.run(by_set).metrics)
    assert sc.with_(aegis__initial_usdc=5e7).get("aegis.initial_usdc") == 5e7
    assert sc.with_({"simulation.months": np.int64(12)}).months == 12
    assert sc.get("aegis.initial_usdc") == 1e8, "the scenario itself is unchanged"
    # A derived deal id follows its start month, as with set=.
    moved = sc.with_({"deal[0].start_month": 2})
    assert moved.get("deal[0].id") == canopy.load("default", set={"deal[0].start_month": 2}).get("deal[0].id")


def test_with_reports_problems_as_python():
    sc = canopy.load("default")
    with pytest.raises(canopy.ScenarioError) as caught:
        sc.with_({"aegis.revenue_share": 2, "leaf_price.min": 3.0, "leaf_price.max": 2.0})
    e = caught.value
    assert str(e).startswith("scenario default is not valid")
    assert '(with_({"aegis.revenue_share": 2}))' in str(e)
    assert "--" not in str(e)
    assert any(p["key"] == "aegis.revenue_share" for p in e.problems)
    with pytest.raises(TypeError, match="with_: aegis.initial_usdc takes a number"):
        sc.with_({"aegis.initial_usdc": None})
    with pytest.raises(KeyError):
        sc.get("aegis.nope")
