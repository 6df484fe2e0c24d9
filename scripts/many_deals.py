#!/usr/bin/env python3
"""Writes a scenario with many deals, for measuring memory and time.

Usage: many_deals.py DEALS MONTHS [long] > file.toml

Deal i starts in month 1 + i % MONTHS and has, by i % 4: a contracted TVL
part (which spawns an organic twin), an OAK part, a LEAF pair, or all three.
With `long`, every deal starts in the first year and its parts run to the
end of the run (OAK vests in the last month), so that every deal has a row
in nearly every month: DEALS x MONTHS rows of deals.csv.
"""
import sys

deals = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
months = int(sys.argv[2]) if len(sys.argv) > 2 else 1200
long = len(sys.argv) > 3 and sys.argv[3] == "long"
out = [
    f"[simulation]\nmonths = {months}\n",
    "[aegis]\ninitial_leaf = 1e12\ninitial_usdc = 1e10\nrevenue_share = 1.0\n",
    f"[oak]\ntotal_supply = {deals * 10}\nredemption_start_month = 3\nredemption_end_month = {months}\n",
]
for i in range(deals):
    start = 1 + i % (12 if long else months)
    life = months  # long parts outlast the run
    kind = i % 4
    parts = []
    if kind in (0, 3):
        parts.append(
            'tvl = { kind = "contracted", amount = %d, revenue_rate = 0.03, duration_months = %d }'
            % (100_000 + i, life if long else 6 + i % 30)
        )
    if kind in (1, 3):
        parts.append(
            "oak = { amount = 5, vesting_months = %d, irr_threshold = 0.%02d }"
            % (months if long else 1 + i % 24, 5 + i % 40)
        )
    if kind in (2, 3):
        parts.append(
            "leaf_pair = { amount = 50000, leaf_tokens = 25000, target_ratio = 0.35, "
            "base_concentration = 0.5, max_concentration = 0.8, duration_months = %d }"
            % (life if long else 3 + i % 24)
        )
    out.append(
        f'[[deal]]\nid = "deal{i:05}"\ncounterparty = "Counterparty {i}"\nstart_month = {start}\n'
        + "\n".join(parts)
        + "\n"
    )
print("\n".join(out))
