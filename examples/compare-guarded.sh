#!/bin/sh
# Does the `guarded` redemption policy protect the treasury under a
# volatile market, in the median and in the tail? 2,000 paired runs: run r
# of `default` and run r of `guarded` face the same market path.
set -e
canopy compare default guarded --runs 2000 --out compare \
  --set leaf_price.model=market --set leaf_price.volatility=0.08 \
  --criterion "usdc_floor: aegis_usdc < 6e7" \
  --criterion "value_floor: aegis_value < 2e8"
