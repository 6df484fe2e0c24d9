#!/bin/sh
# Times the decision commands against plain sweeps of the same runs, in
# turns (A, B, A, B, ...) so that a busy machine slows both alike:
#   compare (10,000 runs a side) against a two-point sweep on the scenario axis;
#   seek (1,000 runs per value, 9-value scan) against a sweep of the values it evaluated;
#   a sweep with two criteria against the same sweep without them.
# Usage: scripts/bench-decisions.sh [ROUNDS]   (builds the release binary first)
set -eu
rounds=${1:-3}
cargo build --release --quiet
bin=$(pwd)/target/release/canopy
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

t() { # seconds a command takes
  s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
  echo "$e - $s" | bc
}

cat > compare-sweep.toml <<TOML
[sweep]
runs = 10000
seed = $("$bin" show default | sed -n 's/^seed = //p')
[set]
"leaf_price.model" = "market"
"leaf_price.volatility" = 0.08
[[axis]]
key = "scenario"
values = ["default", "guarded"]
TOML

cp "$OLDPWD/examples/seek-team-grant.toml" seek.toml
"$bin" seek seek.toml --quiet --no-report --out seek-first > /dev/null
values=$(tail -n +2 seek-first/seek.csv | cut -d, -f1 | paste -sd, -)
cat > seek-sweep.toml <<TOML
[sweep]
scenario = "stress"
runs = 1000
seed = 7
keep_months = []
[[axis]]
key = "deal[10].oak.amount"
values = [$values]
[[criterion]]
name = "usdc_floor"
metric = "aegis_usdc"
below = 10_000_000
TOML

plain() { printf '[sweep]\nscenario = "default"\nruns = 200000\nkeep_months = []\n'; }
plain > plain.toml
{ plain; printf '[[criterion]]\nmetric = "aegis_usdc"\nbelow = 6e7\n[[criterion]]\nmetric = "aegis_value"\nbelow = 3e8\nwhen = "end"\n'; } > criteria.toml

i=0
while [ "$i" -lt "$rounds" ]; do
  echo "round $((i + 1))"
  echo "  compare        $(t "$bin" compare default guarded --runs 10000 --set leaf_price.model=market --set leaf_price.volatility=0.08 --quiet --no-report --out c)"
  echo "  its sweep      $(t "$bin" sweep compare-sweep.toml --quiet --no-report --out cs)"
  echo "  seek           $(t "$bin" seek seek.toml --quiet --no-report --out s)"
  echo "  its sweep      $(t "$bin" sweep seek-sweep.toml --quiet --no-report --out ss)"
  echo "  no criteria    $(t "$bin" sweep plain.toml --quiet --no-report --out p)"
  echo "  two criteria   $(t "$bin" sweep criteria.toml --quiet --no-report --out q)"
  i=$((i + 1))
done
echo "seek evaluated $(tail -n +2 seek-first/seek.csv | wc -l) values"
