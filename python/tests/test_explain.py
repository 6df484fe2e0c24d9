"""canopy.explain is `canopy explain`; what moved AEGIS's value adds up and
is charted."""

from __future__ import annotations

import math

import pytest

import canopy


@pytest.mark.parametrize("name", ["deal[3].oak.amount", "aegis_from_price", "leaf_price", "large redemptions", "sweep.runs", "metrics.csv"])
def test_explain_is_the_command_lines(cli, tmp_path, name):
    done = cli(["explain", name], tmp_path)
    assert canopy.explain(name) == done.stdout.rstrip("\n")


def test_explain_says_unit_default_range_and_rule():
    text = canopy.explain("deal[3].oak.amount")
    assert text.startswith("deal[i].oak.amount (deal key)\n  OAK allocated to the deal.\n")
    for line in ["  unit: OAK", "  default: required", "  allowed: a number >= 0", "Rule: OAK, the IRR and redemptions"]:
        assert line in text.splitlines(), line


def test_an_unknown_name_raises_with_did_you_mean(cli, tmp_path):
    with pytest.raises(ValueError, match=r"did you mean `aegis\.initial_usdc`\?$") as e:
        canopy.explain("aegis.initial_usd")
    done = cli(["explain", "aegis.initial_usd"], tmp_path, check=2)
    assert done.stderr.strip() == "error: " + str(e.value)
    with pytest.raises(TypeError):
        canopy.explain(3)  # type: ignore[arg-type]


def test_value_changes_add_up_every_month():
    run = canopy.run("stress")
    t = run.value_changes
    assert t.column_names == [
        "month",
        "aegis_value_change",
        "aegis_from_revenue",
        "aegis_from_pairs",
        "aegis_from_oak",
        "aegis_from_price",
        "aegis_from_other",
    ]
    rows = t.to_pylist()
    values = run.metrics.column("aegis_value").to_pylist()
    before = None
    for r, value in zip(rows, values):
        parts = sum(r[k] for k in t.column_names[2:])
        assert math.isclose(parts, r["aegis_value_change"], rel_tol=0, abs_tol=1e-9 * max(abs(value), 1.0)), r
        if before is not None:
            assert math.isclose(value - before, r["aegis_value_change"], rel_tol=0, abs_tol=1e-6 * abs(value))
        before = value
    assert any(r["aegis_from_price"] != 0 for r in rows)


def test_the_chart_is_the_command_lines(cli, tmp_path):
    cli(["run", "stress", "--quiet", "--no-scorecard", "--out", "out"], tmp_path)
    run = canopy.run("stress")
    svg = run.chart_svg()
    assert svg == (tmp_path / "out" / "aegis_value_change.svg").read_text()
    assert "What moved AEGIS" in svg
    with pytest.raises(ValueError, match="no chart is called `nope`"):
        run.chart_svg("nope")
