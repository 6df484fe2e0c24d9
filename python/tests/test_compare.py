"""Comparisons (DECIDE.md, "Compare") against `canopy compare`'s files, and
every paired figure worked out again here from the two points' rows of
runs.parquet and months.parquet, with scipy and numpy."""

from __future__ import annotations

import math
import re
import signal
import subprocess
import sys
import textwrap

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import canopy

from conftest import assert_table_matches_csv, need

RUNS = 30
SEED = 5
SET = {"market.redeemer_sell_share": 0.5}
SET_B = {"leaf_price.volatility": 0.1}
CRITERIA = ["usdc_floor: aegis_usdc < 6e7", "low_price: leaf_price < 0.3 at end"]
KEEP = ["aegis_usdc", "leaf_price"]
FILES = ["diff.csv", "diff_bands.csv", "crossing.csv", "criteria.csv", "changes.csv", "runs.parquet", "months.parquet"]


def cli_args(out: str) -> list:
    args = ["compare", "stress", "guarded", "--runs", str(RUNS), "--seed", str(SEED), "--keep", ",".join(KEEP)]
    for k, v in SET.items():
        args += ["--set", f"{k}={v}"]
    for k, v in SET_B.items():
        args += ["--set-b", f"{k}={v}"]
    for c in CRITERIA:
        args += ["--criterion", c]
    return args + ["--out", out, "--quiet"]


@pytest.fixture(scope="module")
def cli_compare(cli, tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    cli(cli_args("out"), folder)
    return folder / "out"


@pytest.fixture(scope="module")
def comparison():
    return canopy.compare(
        "stress", "guarded", runs=RUNS, seed=SEED, set=SET, set_b=SET_B, criteria=CRITERIA, keep=KEEP, jobs=2
    )


def test_tables_are_the_command_lines_files(comparison, cli_compare):
    for name in ("diff", "diff_bands", "crossing", "criteria", "changes"):
        assert_table_matches_csv(getattr(comparison, name), cli_compare / f"{name}.csv")
    assert comparison.runs.equals(pq.read_table(cli_compare / "runs.parquet"))
    assert comparison.months.equals(pq.read_table(cli_compare / "months.parquet"))
    assert comparison.diff.schema.field("n").type == pa.uint64()
    assert comparison.diff_bands.schema.field("month").type == pa.uint32()
    assert comparison.criteria.schema.field("only_b").type == pa.uint64()
    # A sweep of two points on the `scenario` axis.
    assert comparison.points.column("scenario").to_pylist() == ["stress", "guarded"]


def test_write_gives_the_command_lines_files(comparison, cli_compare, tmp_path):
    comparison.write(tmp_path / "py")
    for name in FILES:
        assert (tmp_path / "py" / name).read_bytes() == (cli_compare / name).read_bytes(), name
    assert (tmp_path / "py" / "report.html").read_text().count("<svg") > 0 or (tmp_path / "py" / "charts").is_dir()
    comparison.write(tmp_path / "bare", report=False)
    assert not (tmp_path / "bare" / "report.html").exists()
    assert (tmp_path / "bare" / "diff.csv").read_bytes() == (cli_compare / "diff.csv").read_bytes()


def test_out_writes_where_asked(tmp_path):
    c = canopy.compare("stress", "guarded", runs=3, out=tmp_path / "here", report=False)
    assert (tmp_path / "here" / "diff.csv").is_file()
    assert not (tmp_path / "here" / "report.html").exists()
    assert c.path == str(tmp_path / "here")


def _sides(comparison):
    """Each side's runs by run number: {run: row} for point 0 (A) and 1 (B)."""
    rows = comparison.runs.to_pylist()
    return [{r["run"]: r for r in rows if r["point"] == p} for p in (0, 1)]


def test_diff_is_the_paired_differences(comparison):
    """diff.csv from the two points' rows: pairs by run, both ok and
    defined; the t interval with scipy, quantiles with numpy's linear method."""
    stats = need("scipy.stats")
    np = need("numpy")
    a, b = _sides(comparison)
    rows = comparison.diff.to_pylist()
    assert rows[0]["metric"] != "month"
    assert any(r["metric"].startswith("min_") for r in rows)
    some_interval = False
    for row in rows:
        m = row["metric"]
        av = [r[m] for r in a.values() if r["status"] == "ok" and r[m] is not None]
        bv = [r[m] for r in b.values() if r["status"] == "ok" and r[m] is not None]
        d = np.array(
            [
                b[r][m] - a[r][m]
                for r in sorted(a)
                if r in b
                and a[r]["status"] == "ok"
                and b[r]["status"] == "ok"
                and a[r][m] is not None
                and b[r][m] is not None
            ]
        )
        assert row["n"] == len(d), m
        assert row["a_mean"] == (pytest.approx(np.mean(av), rel=1e-12) if av else None), m
        assert row["b_mean"] == (pytest.approx(np.mean(bv), rel=1e-12) if bv else None), m
        if len(d) == 0:
            assert row["diff_mean"] is None
            continue
        mean = float(np.mean(d))
        assert row["diff_mean"] == pytest.approx(mean, rel=1e-9, abs=1e-9 * (1 + abs(np.max(np.abs(d))))), m
        for q, column in ((0.05, "diff_p5"), (0.5, "diff_p50"), (0.95, "diff_p95")):
            assert row[column] == pytest.approx(float(np.quantile(d, q, method="linear")), rel=1e-12, abs=1e-12), (m, q)
        assert row["b_greater"] == pytest.approx(float(np.mean(d > 0)), rel=1e-15)
        sd = float(np.std(d, ddof=1)) if len(d) > 1 else 0.0
        if len(d) >= 2 and sd > 0:
            lo, hi = stats.t.interval(0.95, len(d) - 1, loc=mean, scale=sd / math.sqrt(len(d)))
            scale = 1e-9 * (abs(mean) + sd)
            assert row["diff_lo"] == pytest.approx(lo, rel=1e-9, abs=scale), m
            assert row["diff_hi"] == pytest.approx(hi, rel=1e-9, abs=scale), m
            some_interval = True
    assert some_interval


def test_diff_bands_and_crossings_are_the_monthly_differences(comparison):
    np = need("numpy")
    ok = [{r["run"] for r in comparison.runs.to_pylist() if r["point"] == p and r["status"] == "ok"} for p in (0, 1)]
    months = comparison.months.to_pydict()
    values = {}
    for i in range(len(months["run"])):
        p, r, mo = months["point"][i], months["run"][i], months["month"][i]
        if r in ok[p]:
            for m in KEEP:
                values[(m, p, r, mo)] = months[m][i]
    bands = comparison.diff_bands.to_pylist()
    assert {r["metric"] for r in bands} == set(KEEP)
    for row in bands:
        m, mo = row["metric"], row["month"]
        d = []
        for r in sorted(ok[0] & ok[1]):
            x, y = values.get((m, 0, r, mo)), values.get((m, 1, r, mo))
            if x is not None and y is not None:
                d.append(y - x)
        assert row["n"] == len(d), (m, mo)
        if d:
            assert row["mean"] == pytest.approx(float(np.mean(d)), rel=1e-9, abs=1e-6)
            for q, column in ((0.05, "p5"), (0.5, "p50"), (0.95, "p95")):
                assert row[column] == pytest.approx(float(np.quantile(d, q)), rel=1e-12, abs=1e-12)
    # A crossing: a month whose median difference has the other sign than
    # the last month with a sign (zeros have none).
    expected = []
    for m in KEEP:
        last = None
        for row in sorted((r for r in bands if r["metric"] == m), key=lambda r: r["month"]):
            x = row["p50"]
            if x is None or x == 0:
                continue
            if last is not None and (last > 0) != (x > 0):
                expected.append((m, row["month"], last, x))
            last = x
    got = [(r["metric"], r["month"], r["diff_p50_before"], r["diff_p50"]) for r in comparison.crossing.to_pylist()]
    assert sorted(got) == sorted(expected)


def test_criteria_are_counted_and_mcnemar_is_scipys(comparison):
    stats = need("scipy.stats")
    a, b = _sides(comparison)
    rows = comparison.criteria.to_pylist()
    assert [r["criterion"] for r in rows] == ["usdc_floor", "low_price"]
    discordant = 0
    for row in rows:
        name = row["criterion"]
        for side, runs in (("a", a), ("b", b)):
            met = [r[name] for r in runs.values() if r["status"] == "ok"]
            k, n = sum(met), len(met)
            assert (row[f"{side}_k"], row[f"{side}_n"]) == (k, n)
            assert row[f"{side}_p"] == k / n
            ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
            assert row[f"{side}_lo"] == pytest.approx(ci.low, rel=1e-9, abs=1e-12)
            assert row[f"{side}_hi"] == pytest.approx(ci.high, rel=1e-9, abs=1e-12)
        pairs = [(a[r][name], b[r][name]) for r in a if r in b and a[r]["status"] == "ok" and b[r]["status"] == "ok"]
        only_a = sum(1 for x, y in pairs if x and not y)
        only_b = sum(1 for x, y in pairs if y and not x)
        assert (row["only_a"], row["only_b"]) == (only_a, only_b)
        if only_a + only_b == 0:
            assert row["mcnemar_p"] == 1.0
        else:
            p = stats.binomtest(only_a, only_a + only_b, 0.5).pvalue
            assert row["mcnemar_p"] == pytest.approx(p, rel=1e-9)
            discordant += 1
    assert discordant > 0


def test_changes_name_every_key_that_differs(comparison):
    rows = {r["key"]: (r["a"], r["b"]) for r in comparison.changes.to_pylist()}
    a = canopy.load("stress", set=SET)
    b = canopy.load("guarded", set={**SET, **SET_B})
    assert "leaf_price.volatility" in rows
    for key in a.keys():
        if key.startswith("deal[") or key not in b.keys():
            continue
        assert (key in rows) == (a.get(key) != b.get(key)), key


def test_one_deterministic_run_gives_exact_differences():
    """Without randomness one run a side: the differences are B - A to the
    bit, month by month, and the intervals are empty."""
    a = canopy.run("default")
    b = canopy.run("default", set={"aegis.initial_usdc": 3e7})
    c = canopy.compare("default", "default", set_b={"aegis.initial_usdc": 3e7}, keep=["aegis_usdc"])
    assert c.runs.num_rows == 2
    am = a.metrics.column("aegis_usdc").to_pylist()
    bm = b.metrics.column("aegis_usdc").to_pylist()
    bands = [r for r in c.diff_bands.to_pylist() if r["metric"] == "aegis_usdc"]
    assert [r["month"] for r in bands] == list(range(1, len(am) + 1))
    for r, x, y in zip(bands, am, bm):
        assert r["n"] == 1
        assert r["mean"] == y - x == r["p50"]
    row = next(r for r in c.diff.to_pylist() if r["metric"] == "aegis_usdc")
    assert row["diff_mean"] == bm[-1] - am[-1]
    assert row["diff_lo"] is None and row["diff_hi"] is None
    assert c.changes.to_pylist() == [{"key": "aegis.initial_usdc", "a": "100000000.0", "b": "30000000.0"}]


def test_scenario_objects_are_sides():
    a = canopy.load("stress", set=SET)
    named = canopy.compare("stress", "guarded", runs=4, set=SET)
    loaded = canopy.compare(a, canopy.load("guarded"), runs=4, set_b=SET)
    assert loaded.runs.drop_columns(["scenario"]).equals(named.runs.drop_columns(["scenario"]))
    assert loaded.diff.equals(named.diff)


def test_a_deal_switched_off_is_the_deal_cut(tmp_path):
    """`deal[i].enabled = false` is the scenario with that deal cut from its
    file: the same months to the bit."""
    full = canopy.load("default")
    text = full.to_toml()
    # The deals are the file's last tables: cut the fourth [[deal]] block.
    head, *deals = re.split(r"(?m)^(?=\[\[deal\]\])", text)
    assert len(deals) == full._native.deal_count > 4
    cut = canopy.loads(head + "".join(deals[:3] + deals[4:]))
    off = canopy.run("default", set={"deal[3].enabled": False})
    on = canopy.run("default")
    assert off.metrics.equals(canopy.run(cut).metrics)
    assert not off.metrics.equals(on.metrics)
    c = canopy.compare("default", "default", set_b={"deal[3].enabled": False}, keep=["tvl_total"])
    deal_id = full.get("deal[3].id")
    assert c.changes.to_pylist() == [{"key": f"deal[{deal_id}].enabled", "a": "true", "b": "false"}]
    last = {r["metric"]: r for r in c.diff.to_pylist()}["tvl_total"]
    tvl = [m.metrics.column("tvl_total")[-1].as_py() for m in (on, off)]
    assert last["diff_mean"] == tvl[1] - tvl[0]


def _python_worded(stderr: str) -> str:
    """The command line's message as the package words it, worked out here:
    on side A an override `--set k=v` that `set_a=` gave is `set_a={"k": v}`,
    on side B `set_b=`'s likewise."""
    a, b = stderr.split("error: scenario B")

    def named(text: str, argument: str) -> str:
        return re.sub(r"\(--set ([^=)]+)=([^)]*)\)", lambda m: f'({argument}={{"{m[1].strip()}": {m[2].strip()}}})', text)

    return named(a, "set_a") + "error: scenario B" + named(b, "set_b")


def test_bad_sides_raise_every_problem_naming_the_argument(cli, tmp_path):
    done = cli(
        ["compare", "stress", "guarded", "--set-a", "aegis.initial_usdc=-1", "--set-b", "leaf_price.volatility=-2"],
        tmp_path,
        check=2,
    )
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.compare("stress", "guarded", set_a={"aegis.initial_usdc": -1}, set_b={"leaf_price.volatility": -2})
    assert f"error: {caught.value}\n".replace("\nscenario B", "\nerror: scenario B") == _python_worded(done.stderr)
    at = [p["at"] for p in caught.value.problems]
    assert 'set_a={"aegis.initial_usdc": -1}' in at and 'set_b={"leaf_price.volatility": -2}' in at
    assert not (tmp_path / "compare").exists()


def test_bad_questions_raise_scenario_errors(cli, tmp_path):
    done = cli(["compare", "stress", "guarded", "--runs", "0", "--criterion", "bad", "--keep", "nope"], tmp_path, check=2)
    with pytest.raises(canopy.ScenarioError) as caught:
        canopy.compare("stress", "guarded", runs=0, criteria=["bad"], keep=["nope"])
    keys = {p["key"] for p in caught.value.problems}
    assert "runs" in keys and "keep" in keys
    assert any(p["at"] == 'criteria=["bad"]' for p in caught.value.problems)
    worded = done.stderr.replace("(--runs 0)", "(runs=0)").replace("(--criterion bad)", '(criteria=["bad"])')
    assert f"error: {caught.value}\n" == worded
    with pytest.raises(TypeError, match="keep is str"):
        canopy.compare("stress", "guarded", keep="aegis_usdc")
    with pytest.raises(TypeError, match="set_b is list"):
        canopy.compare("stress", "guarded", set_b=[1])
    with pytest.raises(TypeError, match="b is int"):
        canopy.compare("stress", 3)


def test_progress_goes_to_sys_stderr(capsys):
    canopy.compare("stress", "guarded", runs=3, progress=True)
    err = capsys.readouterr().err
    assert err.endswith("compare: 6 of 6 runs; writing the tables\n"), err


def test_ctrl_c_stops_a_comparison(tmp_path):
    """Ctrl-C once the comparison shows progress (so it is running, with no
    waiting on a clock): KeyboardInterrupt."""
    script = textwrap.dedent(
        """
        import sys, canopy
        try:
            canopy.compare("stress", "guarded", runs=100_000_000, keep=[], jobs=1, progress=True)
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
    while "compare: " not in seen:
        c = child.stderr.read(1)
        assert c, seen
        seen += c
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=120)
    assert child.returncode == 0
    assert out.strip() == "interrupted"
