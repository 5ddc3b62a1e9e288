#!/usr/bin/env bash
# bench/compare.sh — mqa vs the DuckDB peer on the same generated data.
#
#   bench/compare.sh [--accounts N] [--runs R] [--threads T]
#
# Generates the data set once (cached in bench/data/N/), checks that mqa and
# the peer produce the same decisions, then runs them alternately R times
# each (default 5) and prints the median wall time, median peak RSS and the
# ratios mqa/peer. DuckDB is installed with pip into a private venv
# (bench/.venv) when missing. Honours CARGO_TARGET_DIR. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=100000
RUNS=5
THREADS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --accounts) ACCOUNTS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
AS_OF=2026-11-01T00:00:00Z
DATA="bench/data/$ACCOUNTS"
MQA="${CARGO_TARGET_DIR:-target}/release/mqa"
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }

echo "== building mqa (release)"
cargo build --release --quiet -p mqa-cli -p intent-csv

if [ ! -f "$DATA/events.csv" ]; then
  echo "== generating $ACCOUNTS accounts into $DATA"
  "$MQA" generate --out "$DATA" --accounts "$ACCOUNTS" --seed 7 --as-of "$AS_OF"
fi

PY=bench/.venv/bin/python
if ! "$PY" -c 'import duckdb' 2>/dev/null; then
  echo "== installing duckdb into bench/.venv"
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet duckdb
fi
if [ -n "$THREADS" ]; then
  export DUCKDB_THREADS="$THREADS" RAYON_NUM_THREADS="$THREADS"
fi

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
MQA_CMD=("$MQA" score rules/enterprise.mqa --data "$DATA" --as-of "$AS_OF" --format csv --out "$OUT/mqa.csv" --rejects "$OUT/rejects.csv")
PEER_CMD=("$PY" bench/peer/enterprise_duckdb.py "$DATA" "$AS_OF" "$OUT/peer.csv")

echo "== checking that both produce the same decisions"
"${MQA_CMD[@]}" 2>/dev/null
"${PEER_CMD[@]}"
python3 bench/peer/compare_decisions.py "$OUT/peer.csv" "$OUT/mqa.csv" | tail -1

measure() { # prints "seconds kbytes"
  "$TIME" -f "%e %M" -o "$OUT/t" "$@" >/dev/null 2>&1
  cat "$OUT/t"
}
: > "$OUT/mqa.t"; : > "$OUT/peer.t"
for i in $(seq "$RUNS"); do
  measure "${MQA_CMD[@]}" >> "$OUT/mqa.t"
  measure "${PEER_CMD[@]}" >> "$OUT/peer.t"
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mt=$(cut -d' ' -f1 "$OUT/mqa.t" | median); mm=$(cut -d' ' -f2 "$OUT/mqa.t" | median)
pt=$(cut -d' ' -f1 "$OUT/peer.t" | median); pm=$(cut -d' ' -f2 "$OUT/peer.t" | median)
size=$(du -smL "$DATA" | cut -f1)
echo
echo "data: $ACCOUNTS accounts, ${size} MB ($(wc -l < "$DATA/events.csv") event lines), $(nproc) cores, $RUNS runs each"
printf "%-8s %12s %14s\n" "" "wall (s)" "peak RSS (MB)"
printf "%-8s %12s %14.0f\n" "mqa" "$mt" "$(echo "$mm/1024" | bc -l)"
printf "%-8s %12s %14.0f\n" "duckdb" "$pt" "$(echo "$pm/1024" | bc -l)"
printf "ratio mqa/duckdb: wall %.3f, memory %.3f\n" "$(echo "$mt/$pt" | bc -l)" "$(echo "$mm/$pm" | bc -l)"
