"""Reads a sweep's files as its users do (pyarrow, pandas, polars, DuckDB)
and checks them against SWEEP.md: column names, order and Arrow types, and
the bands recomputed with numpy from months.parquet.

Usage: read_sweep.py SWEEP_DIR AXIS_KEY SAMPLE_KEY
"""

import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

out = Path(sys.argv[1])
axis, sample = sys.argv[2], sys.argv[3]

runs = pq.read_table(out / "runs.parquet")
types = {f.name: f.type for f in runs.schema}
names = runs.schema.names
assert names[:7] == ["point", "run", "seed", axis, "simulation.months", sample, "status"], names
assert types["point"] == pa.uint32() and types["run"] == pa.uint32(), types
assert types["seed"] == pa.uint64(), types["seed"]
assert types[axis] == pa.float64() and types["simulation.months"] == pa.int64(), types
assert types["status"] == pa.string(), types["status"]
for name in ["failed_month", "pairs_active", "active_deals", "first_redemption_month"]:
    assert types[name] == pa.uint32(), (name, types[name])
for name in ["leaf_price", "aegis_value", "min_aegis_value", "max_oak_redeemed_month"]:
    assert types[name] == pa.float64(), (name, types[name])
assert names[-6:] == [
    "min_leaf_price", "min_aegis_value", "min_aegis_usdc", "min_value_per_oak",
    "max_oak_redeemed_month", "first_redemption_month",
], names[-6:]

months = pq.read_table(out / "months.parquet")
assert months.schema.names[:3] == ["point", "run", "month"], months.schema.names
assert months.schema.field("month").type == pa.uint32()

bands = pq.read_table(out / "bands.parquet")
assert bands.schema.names == ["point", "month", "metric", "n", "mean", "p10", "p50", "p97.5"], bands.schema.names
assert [f.type for f in bands.schema][:4] == [pa.uint32(), pa.uint32(), pa.string(), pa.uint64()]

# Bands, recomputed with numpy's default quantiles.
m = months.to_pandas()
b = bands.to_pandas()
kept = [c for c in months.schema.names[3:]]
checked = 0
for (point, month), group in m.groupby(["point", "month"]):
    for metric in kept:
        values = group[metric].dropna().to_numpy(dtype=float)
        row = b[(b.point == point) & (b.month == month) & (b.metric == metric)]
        assert len(row) == 1, (point, month, metric)
        row = row.iloc[0]
        assert row.n == len(values), (point, month, metric, row.n, len(values))
        for col, q in [("p10", 0.1), ("p50", 0.5), ("p97.5", 0.975)]:
            want = np.quantile(values, q)
            assert abs(row[col] - want) <= 1e-12 * max(abs(want), 1e-300), (point, month, metric, col, row[col], want)
        assert abs(row["mean"] - values.mean()) <= 1e-12 * max(abs(values.mean()), 1.0)
        checked += 1
assert checked == len(b), (checked, len(b))

# pandas, polars and DuckDB read the same rows.
df = pd.read_parquet(out / "runs.parquet")
assert len(df) == runs.num_rows
pdf = pl.read_parquet(out / "runs.parquet")
assert pdf.schema["point"] == pl.UInt32 and pdf.schema["seed"] == pl.UInt64
n = duckdb.sql(f"SELECT count(*) FROM '{out / 'runs.parquet'}'").fetchall()[0][0]
assert n == runs.num_rows
# The parts of a sharded run form one dataset with the merged file.
parts = pl.scan_parquet(str(out / "part-*" / "runs.parquet")).collect().sort(["point", "run"])
assert parts.equals(pdf), "the parts hold other rows than the merged file"
print(f"ok: {runs.num_rows} runs, {checked} band rows checked")
