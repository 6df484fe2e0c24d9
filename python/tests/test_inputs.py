"""The package's inputs taken as the command line takes them: overrides on
a Scenario object, values of `set=`, folders, numbers; errors that pickle."""

from __future__ import annotations

import copy
import os
import pickle
from pathlib import Path

import pyarrow as pa
import pytest

import canopy
from conftest import need

HUGE = """[simulation]
months = 24
[[deal]]
counterparty = "Huge"
start_month = 12
tvl = { kind = "boosted", amount = 1.7e308, revenue_rate = 1, duration_months = 24 }
"""

IRR = {"deal[10].oak.irr_threshold": 0.001}


# 1. A Scenario object takes more overrides as its name (or file) does.


def test_overrides_on_a_scenario_object_follow_the_source():
    sc = canopy.load("default")
    by_object = canopy.load(sc, set=IRR)
    by_name = canopy.load("default", set=IRR)
    assert by_name.get("deal[10].oak.irr_threshold_end") == 0.001
    assert by_object.get("deal[10].oak.irr_threshold_end") == 0.001
    assert by_object.to_toml() == by_name.to_toml()
    assert canopy.run(sc, set=IRR).summary == canopy.run("default", set=IRR).summary


def test_earlier_overrides_come_first_in_order(cli, tmp_path):
    first = {"aegis.initial_usdc": 5e7, "deal[10].oak.irr_threshold": 0.3}
    sc = canopy.load("default", set=first, months=24)
    again = canopy.load(sc, set=IRR)
    done = cli(
        [
            "show",
            "default",
            "--months",
            "24",
            "--set",
            "aegis.initial_usdc=5e7",
            "--set",
            "deal[10].oak.irr_threshold=0.3",
            "--set",
            "deal[10].oak.irr_threshold=0.001",
        ],
        tmp_path,
    )
    assert again.to_toml() in done.stdout
    assert again.to_toml() == canopy.load("default", set={**first, **IRR}, months=24).to_toml()
    # new months take the place of the earlier ones
    assert canopy.load(sc, months=12).get("simulation.months") == 12
    assert canopy.load(sc, months=12).get("aegis.initial_usdc") == 5e7


def test_a_file_scenario_keeps_its_text(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[simulation]\nmonths = 12\n[[deal]]\ncounterparty = "Acme Corp"\nstart_month = 1\n'
                    'oak = { amount = 100, vesting_months = 6, irr_threshold = 0.1 }\n')
    sc = canopy.load(path)
    path.write_text("not toml at all [")
    renamed = canopy.load(sc, set={"deal[0].counterparty": "Zed Co", "deal[0].oak.irr_threshold": 0.2})
    text = '[simulation]\nmonths = 12\n[[deal]]\ncounterparty = "Acme Corp"\nstart_month = 1\noak = { amount = 100, vesting_months = 6, irr_threshold = 0.1 }\n'
    fresh = canopy.loads(text, set={"deal[0].counterparty": "Zed Co", "deal[0].oak.irr_threshold": 0.2}, name=str(path))
    assert renamed.to_toml() == fresh.to_toml()
    assert renamed.get("deal[0].oak.irr_threshold_end") == 0.2
    assert renamed.get("deal[0].id") != sc.get("deal[0].id")
    from_text = canopy.loads(text)
    assert canopy.load(from_text, set={"deal[0].oak.irr_threshold": 0.2}).get("deal[0].oak.irr_threshold_end") == 0.2


# 2. A str is a TOML string.


@pytest.mark.parametrize("text", ["2024", '"Acme"', "1e3", "true", "[1, 2]", "a\\b \"c\" 'd' é"])
def test_a_str_is_a_string(text):
    sc = canopy.load("default", set={"deal[0].counterparty": text, "deal[1].id": text})
    assert sc.get("deal[0].counterparty") == text
    assert sc.get("deal[1].id") == text


def test_a_str_where_a_number_goes_names_the_key():
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.load("default", set={"aegis.initial_usdc": "5e7"})
    assert "aegis.initial_usdc" in str(caught.value)


# 3. An empty folder is refused, as `--out ""` is.


def test_an_empty_folder_is_refused(cli, tmp_path, monkeypatch):
    done = cli(["run", "default", "--out", "", "--quiet"], tmp_path, check=2)
    assert "a folder is needed" in done.stderr
    monkeypatch.chdir(tmp_path)
    run = canopy.run("default", months=12)
    with pytest.raises(ValueError, match="a folder is needed"):
        run.write("")
    sweep = {"sweep": {"scenario": "default", "runs": 1, "seed": 1}, "set": {"simulation.months": 6}}
    with pytest.raises(ValueError, match="a folder is needed"):
        canopy.sweep(sweep, out="")
    sw = canopy.sweep(sweep)
    with pytest.raises(ValueError, match="a folder is needed"):
        sw.write("")
    assert sorted(os.listdir(tmp_path)) == []


# 4. The errors pickle and copy, every attribute kept.


def test_scenario_error_pickles():
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.load("default", set={"aegis.initial_usdc": -5})
    e = caught.value
    for back in (pickle.loads(pickle.dumps(e)), copy.copy(e), copy.deepcopy(e)):
        assert type(back) is canopy.ScenarioError
        assert str(back) == str(e)
        assert back.problems == e.problems


def test_run_error_pickles(tmp_path):
    (tmp_path / "huge.toml").write_text(HUGE)
    with pytest.raises(canopy.RunError) as caught:
        canopy.run(tmp_path / "huge.toml")
    e = caught.value
    for back in (pickle.loads(pickle.dumps(e)), copy.copy(e), copy.deepcopy(e)):
        assert type(back) is canopy.RunError
        assert str(back) == str(e)
        assert (back.month, back.quantity, back.message) == (e.month, e.quantity, e.message)
        assert back.metrics.equals(e.metrics)


# 5. Axis values keep runs.parquet's types.


def test_points_keep_the_axis_types():
    axes = {"deal[0].counterparty": ["001", "002"], "deal[1].counterparty": ["1e3", "NaN"],
            "deal[2].counterparty": ["true", "false"]}
    sw = canopy.sweep(
        {
            "sweep": {"scenario": "default", "runs": 1, "seed": 1},
            "set": {"simulation.months": 6},
            "axis": [{"key": k, "values": v} for k, v in axes.items()],
        },
        jobs=1,
    )
    for name, values in axes.items():
        assert sw.points.schema.field(name).type == sw.runs.schema.field(name).type == pa.string()
        assert sorted(set(sw.points.column(name).to_pylist())) == sorted(values)


# 6. Numbers checked as the command line checks them.


@pytest.mark.parametrize(
    "arg, value",
    [("jobs", 0), ("jobs", -1), ("jobs", 65536), ("jobs", True), ("jobs", 1.5),
     ("runs", 2**70), ("runs", True), ("runs", -(2**70)), ("seed", 2**63), ("seed", False), ("seed", "7")],
)
def test_sweep_numbers_are_checked(arg, value):
    sweep = {"sweep": {"scenario": "default", "runs": 1, "seed": 1}, "set": {"simulation.months": 6}}
    with pytest.raises(ValueError, match=arg):
        canopy.sweep(sweep, **{arg: value})


def test_jobs_zero_is_refused_by_the_command_line(cli, tmp_path):
    (tmp_path / "s.toml").write_text('[sweep]\nscenario = "default"\nruns = 1\n')
    done = cli(["sweep", "s.toml", "--jobs", "0", "--quiet"], tmp_path, check=2)
    assert "0" in done.stderr


@pytest.mark.parametrize("months", [True, 1.5, "12", 2**70])
def test_months_must_be_whole(months):
    with pytest.raises(ValueError, match="months"):
        canopy.load("default", months=months)


def test_runs_and_seed_within_range_are_the_sweep_readers(tmp_path):
    sweep = {"sweep": {"scenario": "default", "runs": 1, "seed": 1}, "set": {"simulation.months": 6}}
    with pytest.raises(canopy.ScenarioError, match="runs"):
        canopy.sweep(sweep, runs=0)
    with pytest.raises(canopy.ScenarioError, match="seed"):
        canopy.sweep(sweep, seed=-1)
    assert canopy.sweep(sweep, runs=2, seed=2**63 - 1, jobs=1).runs.num_rows == 2


# 7. fail_fast raises RunError.


def test_fail_fast_raises_run_error(tmp_path):
    (tmp_path / "huge.toml").write_text(HUGE)
    (tmp_path / "sweep.toml").write_text('[sweep]\nscenario = "huge.toml"\nruns = 2\nseed = 3\n')
    with pytest.raises(canopy.RunError) as caught:
        canopy.sweep(tmp_path / "sweep.toml", fail_fast=True, jobs=1)
    e = caught.value
    assert isinstance(e, RuntimeError)
    assert e.month == 12
    assert e.quantity == "irr"
    assert e.message
    assert e.metrics is None
    assert e.point == 0 and e.run in (0, 1) and isinstance(e.seed, int)
    assert "reproduce it with" in str(e)
    back = pickle.loads(pickle.dumps(e))
    assert (back.point, back.run, back.seed, back.command) == (e.point, e.run, e.seed, e.command)


# 8. Dicts (inline tables) and numpy values in set=.


def test_dicts_and_numpy_values_are_taken(cli, tmp_path):
    np = need("numpy")
    done = cli(["show", "default", "--set", "aegis={ initial_usdc = 5e7 }"], tmp_path, check=None)
    by_dict = canopy.load("default", set={"aegis": {"initial_usdc": 5e7}})
    assert by_dict.to_toml() in done.stdout
    plain = canopy.load("default", set={"aegis.initial_usdc": 5e7, "simulation.months": 24})
    numpy = canopy.load("default", set={"aegis.initial_usdc": np.float64(5e7), "simulation.months": np.int64(24)})
    assert numpy.to_toml() == plain.to_toml()
    assert canopy.load("default", months=np.int64(24)).get("simulation.months") == 24


# 9. A TypeError names the bad element by its path.


def test_type_errors_name_the_element():
    with pytest.raises(TypeError, match=r"^set\['aegis'\]\['initial_usdc'\] is None: a value must be"):
        canopy.load("default", set={"aegis": {"initial_usdc": None}})
    with pytest.raises(TypeError, match=r"^set\['tvl.market.growth_rates'\]\[2\] is object"):
        canopy.load("default", set={"tvl.market.growth_rates": [1, 2, object()]})
    bad = {"sweep": {"scenario": "default", "runs": 1}, "axis": [{"key": "leaf_price.volatility", "values": [0.1, None]}]}
    with pytest.raises(TypeError, match=r"^sweep\['axis'\]\[0\]\['values'\]\[1\] is None"):
        canopy.sweep(bad)


# 10. Problems of a sweep given as a dict are at its dict paths.


def test_a_dict_sweeps_problems_name_the_dict_path():
    bad = {
        "sweep": {"scenario": "default", "runs": 0, "seed": 1},
        "set": {"simulation.months": 12},
        "axis": [{"key": "leaf_price.volatility", "values": [0.1, "x"]}],
    }
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.sweep(bad)
    e = caught.value
    assert all(p["line"] is None and p["column"] is None for p in e.problems), e.problems
    at = {p["at"] for p in e.problems}
    assert "sweep['sweep']['runs']" in at, e.problems
    assert "<dict>:" not in str(e)
    assert "(sweep['sweep']['runs'])" in str(e)


# 11. bytes and wrong types name the argument.


def test_wrong_types_name_the_argument(tmp_path):
    assert canopy.load(b"default").name == "default"
    cases = [
        (lambda: canopy.load(12), r"^scenario is int: it takes a built-in scenario's name"),
        (lambda: canopy.run(None), r"^scenario is None"),
        (lambda: canopy.loads(b"[aegis]"), r"^text is bytes: it takes a str"),
        (lambda: canopy.load("default", set=[("a", 1)]), r"^set is list"),
        (lambda: canopy.load("default", set={1: 2}), r"^a key of set \(1\) is int"),
        (lambda: canopy.load("default").get(b"aegis"), r"^key is bytes"),
        (lambda: canopy.run("default", months=12).write(3), r"^out is int"),
        (lambda: canopy.run("default", months=12).write(tmp_path, charts="no"), r"^charts is str: it takes True or False"),
        (lambda: canopy.sweep(7), r"^sweep is int"),
        (lambda: canopy.sweep({"sweep": {"scenario": "default", "runs": 1}}, progress="yes"), r"^progress is str"),
    ]
    for call, message in cases:
        with pytest.raises(TypeError, match=message):
            call()


# 12. No command-line flag in a Python error.


def test_errors_speak_of_arguments_not_flags(tmp_path):
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.run("default", months=0)
    assert "(months=0)" in str(caught.value)
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.run("default", set={"aegis.initial_usdc": -1}, months=12)
    assert '(set={"aegis.initial_usdc": -1})' in str(caught.value)
    (tmp_path / "file").write_text("")
    with pytest.raises(OSError) as failed:
        canopy.run("default", months=6).write(tmp_path / "file")
    assert "out= needs a folder" in str(failed.value)
    for call in [lambda: canopy.sweep(SMALL, jobs=0), lambda: canopy.run("default", months=1.5)]:
        with pytest.raises(ValueError) as refused:
            call()
        assert "--" not in str(refused.value)
    for e in (caught.value, failed.value, refused.value):
        assert "--" not in str(e), e


SMALL = {"sweep": {"scenario": "default", "runs": 1, "seed": 1}, "set": {"simulation.months": 6}}


# 13. The install section names what a build needs and the extras the tour uses.


def test_install_names_the_toolchain_and_extras():
    import re

    root = Path(__file__).resolve().parents[2]
    pyproject = (root / "python" / "pyproject.toml").read_text()
    extras = pyproject.split("[project.optional-dependencies]")[1].split("\n[")[0]
    for extra in ("pandas", "polars", "ray"):
        assert re.search(rf"^{extra} = ", extras, re.M), extra
    readme = (root / "README.md").read_text()
    section = readme.split("\n## Python\n")[1].split("\n## ")[0]
    assert "rustup" in section and "Rust" in section
    rust = re.search(r'rust-version = "([0-9.]+)"', (root / "Cargo.toml").read_text())[1]
    assert f"Rust {rust}" in section
    for extra in ("pandas", "polars"):
        assert f'"./python[{extra}' in section or f"[{extra}," in section or f",{extra}]" in section, extra
