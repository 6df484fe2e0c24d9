"""Sensitivity sweeps (mode "sobol" and "morris") against SALib and scipy:
canopy's rows, read from runs.parquet, are laid out as SALib's own samplers
lay them out, and SALib's analyze on those rows and canopy's outputs gives
the point estimates of sensitivity.csv."""

from __future__ import annotations

import math

import numpy as np
import pytest

import canopy

from conftest import need

MAIN = ["revenue_cumulative", "aegis_value", "value_per_oak", "oak_redeemed", "leaf_price", "min_aegis_value"]
KEPT = ["leaf_price", "aegis_value", "aegis_usdc"]

# Keys and ranges a designer would vary, one of them in logarithms.
FACTORS = [
    {"key": "leaf_price.volatility", "range": [0.02, 0.12]},
    {"key": "market.net_demand_usd", "range": [-60_000, 20_000]},
    {"key": "deal[13].leaf_pair.amount", "range": [1e6, 1e7], "log": True},
    {"key": "market.redeemer_sell_share", "range": [0.0, 1.0]},
    {"key": "aegis.revenue_share", "range": [0.2, 0.9]},
]


def problem(factors):
    """SALib's problem for canopy's factors: log factors in logarithms."""
    return {
        "num_vars": len(factors),
        "names": [f["key"] for f in factors],
        "bounds": [
            [math.log(f["range"][0]), math.log(f["range"][1])] if f.get("log") else list(f["range"])
            for f in factors
        ],
    }


def factor_columns(sweep, factors) -> np.ndarray:
    """Each row's factor values (its first run's, which every run shares),
    log factors in logarithms."""
    runs = sweep.runs.to_pandas()
    first = runs[runs["run"] == 0].sort_values("point")
    x = first[[f["key"] for f in factors]].to_numpy(dtype=float, copy=True)
    for j, f in enumerate(factors):
        if f.get("log"):
            x[:, j] = np.log(x[:, j])
    return x


def row_outputs(sweep, metric: str) -> np.ndarray:
    """The row's value: the mean over its ok runs (NaN when none)."""
    runs = sweep.runs.to_pandas()
    ok = runs[runs["status"] == "ok"]
    rows = runs["point"].max() + 1
    means = ok.groupby("point")[metric].agg(in_order).reindex(range(rows))
    return means.to_numpy(dtype=float)


def in_order(values) -> float:
    """The mean of values added in order, as canopy adds a row's runs
    (pandas' own mean may differ in the last bit)."""
    values = values.dropna().to_numpy(dtype=float)
    total = 0.0
    for v in values:
        total += v
    return total / len(values) if len(values) else float("nan")


def month_outputs(sweep, metric: str):
    """Per month, each row's mean over its runs with a value that month."""
    months = sweep.months.to_pandas()
    table = months.groupby(["month", "point"])[metric].agg(in_order).unstack("point")
    return {int(m): table.loc[m].to_numpy(dtype=float) for m in table.index}


def assert_same(ours, theirs, what):
    ours = np.asarray(ours, dtype=float)
    theirs = np.asarray(theirs, dtype=float)
    assert ours.shape == theirs.shape, what
    # 1e-9 relative, each value on its own (a constant output gives 0 in
    # both).
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=0, err_msg=what)


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory):
    return canopy.sweep(
        {
            "sweep": {
                "scenario": "stress",
                "mode": "sobol",
                "samples": 32,
                "second_order": True,
                "runs": 2,
                "seed": 11,
                "keep_months": KEPT,
            },
            "factor": FACTORS,
        },
        out=tmp_path_factory.mktemp("sobol"),
    )


def test_the_unit_rows_are_scipys_unscrambled_sobol_points():
    stats = need("scipy.stats")
    # Ranges [0, 1] give the unit values themselves.
    keys = ["aegis.revenue_share", "market.redeemer_sell_share"]
    s = canopy.sweep(
        {
            "sweep": {"scenario": "stress", "mode": "sobol", "samples": 16, "keep_months": []},
            "factor": [{"key": k, "range": [0, 1]} for k in keys],
        },
        report=False,
    )
    x = factor_columns(s, [{"key": k} for k in keys])
    base = stats.qmc.Sobol(4, scramble=False).random(16)
    a, b = base[:, :2], base[:, 2:]
    step = 4  # A, AB_1, AB_2, B
    assert np.array_equal(x[0::step], a)
    assert np.array_equal(x[3::step], b)
    assert np.array_equal(x[1::step], np.column_stack([b[:, 0], a[:, 1]]))
    assert np.array_equal(x[2::step], np.column_stack([a[:, 0], b[:, 1]]))


def test_sobol_rows_are_salibs_sampler(sobol_sweep):
    need("SALib")
    from SALib.sample import sobol as sample

    expected = sample.sample(problem(FACTORS), 32, calc_second_order=True, scramble=False)
    ours = factor_columns(sobol_sweep, FACTORS)
    assert ours.shape == expected.shape == (32 * (2 * len(FACTORS) + 2), len(FACTORS))
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12)
    # Every row's runs use the seeds seed .. seed + runs - 1.
    runs = sobol_sweep.runs.to_pandas()
    assert sorted(set(runs["seed"])) == [11, 12]
    assert all(sorted(seeds) == [11, 12] for seeds in runs.groupby("point")["seed"].apply(list))


def test_sobol_indices_are_salibs(sobol_sweep):
    need("SALib")
    from SALib.analyze import sobol

    sens = sobol_sweep.sensitivity.to_pandas()
    s2 = sobol_sweep.sensitivity_s2.to_pandas()
    assert list(sens.columns) == ["metric", "month", "factor", "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"]
    keys = [f["key"] for f in FACTORS]
    pairs = [(j, k) for j in range(len(keys)) for k in range(j + 1, len(keys))]
    outputs = [(m, None, row_outputs(sobol_sweep, m)) for m in MAIN]
    for m in KEPT:
        outputs += [(m, month, y) for month, y in sorted(month_outputs(sobol_sweep, m).items())]
    compared = 0
    for metric, month, y in outputs:
        at = (sens["metric"] == metric) & (sens["month"].isna() if month is None else sens["month"] == month)
        ours = sens[at]
        assert list(ours["factor"]) == keys, (metric, month)
        if np.isnan(y).any():
            assert ours[["S1", "ST"]].isna().all().all(), (metric, month)
            continue
        si = sobol.analyze(problem(FACTORS), y, calc_second_order=True, num_resamples=10)
        what = f"{metric} at month {month}"
        assert_same(ours["S1"], si["S1"], "S1 of " + what)
        assert_same(ours["ST"], si["ST"], "ST of " + what)
        at2 = (s2["metric"] == metric) & (s2["month"].isna() if month is None else s2["month"] == month)
        ours2 = s2[at2]
        assert list(zip(ours2["factor_1"], ours2["factor_2"])) == [(keys[j], keys[k]) for j, k in pairs]
        assert_same(ours2["S2"], [si["S2"][j, k] for j, k in pairs], "S2 of " + what)
        # The interval holds the estimate, and is as wide as SALib's
        # within the bootstrap's own noise.
        assert (ours["S1_lo"] <= ours["S1"]).all() and (ours["S1"] <= ours["S1_hi"]).all()
        assert (ours["ST_lo"] <= ours["ST"]).all() and (ours["ST"] <= ours["ST_hi"]).all()
        compared += 1
    # Most outputs vary (the stress scenario's revenue may not).
    assert compared >= len(MAIN) - 2 + len(KEPT) * 12


def test_morris_rows_and_measures_are_salibs(tmp_path):
    need("SALib")
    from SALib.analyze import morris
    from SALib.sample import morris as morris_sample

    levels, trajectories = 6, 12
    s = canopy.sweep(
        {
            "sweep": {
                "scenario": "stress",
                "mode": "morris",
                "samples": trajectories,
                "levels": levels,
                "runs": 2,
                "seed": 5,
                "keep_months": ["aegis_value"],
            },
            "factor": FACTORS,
        },
        out=tmp_path,
        report=False,
    )
    p = problem(FACTORS)
    d = len(FACTORS)
    x = factor_columns(s, FACTORS)
    assert x.shape == (trajectories * (d + 1), d)
    # The layout: unit values on SALib's grid, and within each trajectory
    # every step moves exactly one factor, each factor once, by +-delta.
    lo = np.array([b[0] for b in p["bounds"]])
    hi = np.array([b[1] for b in p["bounds"]])
    unit = (x - lo) / (hi - lo)
    delta = levels / (2 * (levels - 1))
    salib = morris_sample.sample(p, 50, num_levels=levels, seed=1)
    grid = np.unique(np.round((salib - lo) / (hi - lo), 9))
    assert set(np.unique(np.round(unit, 9))) <= set(grid)
    for t in range(trajectories):
        rows = unit[t * (d + 1) : (t + 1) * (d + 1)]
        steps = np.diff(rows, axis=0)
        moved = np.abs(steps) > 1e-9
        assert (moved.sum(axis=1) == 1).all()
        assert (moved.sum(axis=0) == 1).all()
        assert np.allclose(np.abs(steps[moved]), delta)
    sens = s.sensitivity.to_pandas()
    assert list(sens.columns) == ["metric", "month", "factor", "mu", "mu_star", "sigma", "mu_star_lo", "mu_star_hi"]
    compared = 0
    outputs = [(m, None, row_outputs(s, m)) for m in MAIN]
    outputs += [("aegis_value", m, y) for m, y in sorted(month_outputs(s, "aegis_value").items())]
    for metric, month, y in outputs:
        at = (sens["metric"] == metric) & (sens["month"].isna() if month is None else sens["month"] == month)
        ours = sens[at]
        if np.isnan(y).any():
            assert ours[["mu", "mu_star"]].isna().all().all()
            continue
        si = morris.analyze(p, x, y, num_levels=levels, num_resamples=10)
        what = f"{metric} at month {month}"
        assert_same(ours["mu"], si["mu"], "mu of " + what)
        assert_same(ours["mu_star"], si["mu_star"], "mu_star of " + what)
        assert_same(ours["sigma"], si["sigma"], "sigma of " + what)
        assert (ours["mu_star_lo"] <= ours["mu_star"]).all() and (ours["mu_star"] <= ours["mu_star_hi"]).all()
        compared += 1
    assert compared >= len(MAIN) - 2


def test_a_grid_sweep_has_no_sensitivity(tmp_path):
    s = canopy.sweep(
        {"sweep": {"scenario": "stress", "keep_months": []}, "axis": [{"key": "leaf_price.volatility", "values": [0.05]}]},
        report=False,
    )
    assert s.sensitivity is None and s.sensitivity_s2 is None
    with pytest.raises(ValueError, match="sobol"):
        s.to_pandas("sensitivity")


def test_the_cli_writes_the_same_indices(cli, tmp_path, sobol_sweep):
    toml = "\n".join(
        [
            "[sweep]",
            'scenario = "stress"',
            'mode = "sobol"',
            "samples = 32",
            "second_order = true",
            "runs = 2",
            "seed = 11",
            'keep_months = ["leaf_price", "aegis_value", "aegis_usdc"]',
        ]
        + [
            '\n[[factor]]\nkey = "{}"\nrange = [{!r}, {!r}]{}'.format(
                f["key"], f["range"][0], f["range"][1], "\nlog = true" if f.get("log") else ""
            )
            for f in FACTORS
        ]
    )
    (tmp_path / "s.toml").write_text(toml)
    cli(["sweep", "s.toml", "--out", "out", "--quiet", "--no-report"], cwd=tmp_path)
    for name in ("sensitivity.csv", "sensitivity_s2.csv", "runs.parquet"):
        with open(f"{sobol_sweep.path}/{name}", "rb") as f:
            assert (tmp_path / "out" / name).read_bytes() == f.read(), name
