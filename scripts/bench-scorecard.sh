#!/bin/sh
# Times `canopy run` of many deals with and without its deal scorecard,
# and its peak memory, binaries in turns (A, B, A, B, ...) so that a busy
# machine slows them alike. The scenario is scripts/many_deals.py's
# (3,000 deals starting through 1,200 months by default).
# Usage: scripts/bench-scorecard.sh [ROUNDS [DEALS [MONTHS [BINARY...]]]]
#   (without binaries: builds and times target/release/canopy)
set -eu
rounds=${1:-2}
deals=${2:-3000}
months=${3:-1200}
[ $# -gt 3 ] && shift 3 || set --
if [ $# -eq 0 ]; then
  cargo build --release --quiet -p canopy
  set -- "$(pwd)/target/release/canopy"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$(dirname "$0")/many_deals.py" "$deals" "$months" > "$work/deals.toml"
i=0
while [ $i -lt "$rounds" ]; do
  i=$((i + 1))
  for bin in "$@"; do
    for flag in "" --no-scorecard; do
      rm -rf "$work/out"
      load=$(cut -d' ' -f1 /proc/loadavg)
      /usr/bin/time -v "$bin" run "$work/deals.toml" --quiet $flag \
        --out "$work/out" --log-dir "$work/logs" > /dev/null 2> "$work/time.txt"
      get() { grep "$1" "$work/time.txt" | awk '{print $NF}'; }
      echo "$bin ${flag:-(scorecard)}: wall $(get Elapsed), user $(get 'User time') s," \
        "system $(get 'System time') s, peak $(($(get 'Maximum resident') / 1024)) MB, load $load"
    done
  done
done
