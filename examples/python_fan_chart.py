"""canopy from Python, notebook style: load a scenario, run it, sweep it,
and draw a fan chart of AEGIS value with matplotlib.

    pip install ./python matplotlib pandas
    python examples/python_fan_chart.py fan.png

Each `# %%` cell runs as one cell of a Jupyter notebook (or of VS Code's
interactive window).
"""

# %% A scenario, with an override as on the command line (--set)
import sys

import matplotlib

matplotlib.use("Agg")  # no window: the chart goes to a file
import matplotlib.pyplot as plt

import canopy

scenario = canopy.load("stress", set={"market.redeemer_sell_share": 0.5})
print(scenario)
print("deal 13's pair (USD):", scenario.get("deal[13].leaf_pair.amount"))

# %% One run: metrics as a pyarrow table, the summary as a dict
run = canopy.run(scenario)
print(run.metrics.select(["month", "leaf_price", "aegis_value"]).slice(0, 3))
print({k: run.summary[k] for k in ("month", "aegis_value", "value_per_oak")})

# %% A sweep: two volatilities, 200 Monte Carlo runs each (a dict, or a sweep file's path)
sweep = canopy.sweep(
    {
        "sweep": {"scenario": "stress", "runs": 200, "seed": 7, "keep_months": ["aegis_value"]},
        "set": {"market.redeemer_sell_share": 0.5},
        "axis": [{"key": "leaf_price.volatility", "values": [0.02, 0.10]}],
    }
)
print(sweep)
bands = sweep.bands.to_pandas()

# %% The fan chart: median, 25-75 % and 5-95 % bands of AEGIS value, one panel per point
points = sweep.points.to_pylist()
fig, axes = plt.subplots(1, len(points), sharey=True, figsize=(5 * len(points), 4))
for ax, point in zip(axes, points):
    b = bands[(bands["point"] == point["point"]) & (bands["metric"] == "aegis_value")]
    months = b["month"]
    ax.fill_between(months, b["p5"] / 1e6, b["p95"] / 1e6, alpha=0.2, color="tab:green", label="5-95 %")
    ax.fill_between(months, b["p25"] / 1e6, b["p75"] / 1e6, alpha=0.4, color="tab:green", label="25-75 %")
    ax.plot(months, b["p50"] / 1e6, color="tab:green", label="median")
    ax.set_title(f"LEAF volatility {point['leaf_price.volatility']}")
    ax.set_xlabel("month")
axes[0].set_ylabel("AEGIS value (million USD)")
axes[0].legend(loc="upper left")
fig.tight_layout()
out = sys.argv[1] if len(sys.argv) > 1 else "fan.png"
fig.savefig(out, dpi=100)
print("fan chart in", out)
