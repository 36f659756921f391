#!/usr/bin/env bash
# The side-by-side run of issue 6, scenarios 1-3: Switchboard, Prosody and ejabberd one after the
# other on this machine, each server pinned to SERVER_CPUS and the harness to CLIENT_CPUS.
# Prerequisites: bench/peers.sh install && bench/peers.sh setup 20000 (once).
#
#   bench/side-by-side.sh [server ...]          default: switchboard prosody ejabberd
#
# Results: bench/target/results/<time>/<server>.jsonl (JSON lines), tables.md, and the plot
# (PLOT, default docs/benchmarks.png). Every run is bounded: each command has its own --deadline.
#
# Environment (defaults in brackets): CONN_SIZES ["5000 19000"] CONN_RATE [200] PRIME [true] HOLD [15s]
# PAIRS [100] WINDOW [10] WARMUP [5s] DURATION [20s] LAT_FRACTION [0.5] SASL [SCRAM-SHA-1]
# SERVER_CPUS [1] CLIENT_CPUS [0] SOURCES [4] OUT_DIR PLOT
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
CONN_SIZES="${CONN_SIZES:-5000 19000}"
CONN_RATE="${CONN_RATE:-200}"
PRIME="${PRIME:-true}"
HOLD="${HOLD:-15s}"
PAIRS="${PAIRS:-100}"
WINDOW="${WINDOW:-10}"
WARMUP="${WARMUP:-5s}"
DURATION="${DURATION:-20s}"
LAT_FRACTION="${LAT_FRACTION:-0.5}"
SASL="${SASL:-SCRAM-SHA-1}"
SOURCES="${SOURCES:-4}"
export SERVER_CPUS="${SERVER_CPUS-1}"
export BENCH_CPUS="${CLIENT_CPUS-0}"
OUT_DIR="${OUT_DIR:-$HERE/target/results/$(date +%Y%m%d-%H%M%S)}"
PLOT="${PLOT:-$ROOT/docs/benchmarks.png}"
DOMAIN="${DOMAIN:-bench.test}"
SERVERS=("$@")
[ ${#SERVERS[@]} -eq 0 ] && SERVERS=(switchboard prosody ejabberd)

mkdir -p "$OUT_DIR"
ulimit -n "$(ulimit -Hn)"
max_sessions=0
for n in $CONN_SIZES; do [ "$n" -gt "$max_sessions" ] && max_sessions=$n; done
need=$((max_sessions > 2 * PAIRS ? max_sessions : 2 * PAIRS))

{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM"
  echo "kernel: $(uname -r); $(java -version 2>&1 | head -1)"
  echo "prosody $(dpkg-query -W -f='${Version}' prosody 2>/dev/null); ejabberd $(dpkg-query -W -f='${Version}' ejabberd 2>/dev/null); erlang $(dpkg-query -W -f='${Version}' erlang-base 2>/dev/null)"
  echo "switchboard: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) (+ working tree), in-memory storage"
  echo "pinning: servers on CPU(s) ${SERVER_CPUS:-none}, harness on CPU(s) ${BENCH_CPUS:-none}; open files limit $(ulimit -n)"
  echo "sizes: connections $CONN_SIZES at $CONN_RATE/s (priming pass: $PRIME), hold $HOLD; $PAIRS pairs, window $WINDOW, warm-up $WARMUP, measured $DURATION; latency at $LAT_FRACTION x peak; $SASL"
} | tee "$OUT_DIR/machine.txt"

run() { echo "+ bench/run $*" | tee -a "$OUT_DIR/commands.txt"; "$HERE/run" "$@"; }

for s in "${SERVERS[@]}"; do
  "$HERE/peers.sh" stop "$s" >/dev/null
  "$HERE/peers.sh" start "$s" "$need"
  pid="$("$HERE/peers.sh" pid "$s")"
  port="$("$HERE/peers.sh" port "$s")"
  jvm=()
  [ "$s" = switchboard ] && jvm=(--server-jvm)
  common=(--host 127.0.0.1 --port "$port" --domain "$DOMAIN" --label "$s" --sasl "$SASL" --server-pid "$pid"
          "${jvm[@]}" --out "$OUT_DIR/$s.jsonl" --samples false --scram-cache "$HERE/target/peers/$s/scram-cache.txt")
  sleep 5
  for n in $CONN_SIZES; do
    run connections "${common[@]}" --sessions "$n" --rate "$CONN_RATE" --hold "$HOLD" --prime "$PRIME" --source-addresses "$SOURCES" \
      --deadline 20m || echo "connections $n on $s: not all correct (see $OUT_DIR/$s.jsonl)"
    sleep 5
  done
  run throughput "${common[@]}" --pairs "$PAIRS" --window "$WINDOW" --warmup "$WARMUP" --duration "$DURATION" --deadline 10m \
    || echo "throughput on $s: not all correct"
  peak="$(grep '"scenario":"throughput"' "$OUT_DIR/$s.jsonl" | tail -1 | sed -n 's/.*"delivered_per_s":\([0-9.]*\).*/\1/p')"
  sleep 3
  run latency "${common[@]}" --pairs "$PAIRS" --peak "${peak:-1000}" --fraction "$LAT_FRACTION" --warmup "$WARMUP" \
    --duration "$DURATION" --deadline 10m || echo "latency on $s: not all correct"
  "$HERE/peers.sh" stop "$s"
done

files=()
for s in "${SERVERS[@]}"; do files+=("$OUT_DIR/$s.jsonl"); done
BENCH_CPUS="" "$HERE/run" report --md "$OUT_DIR/tables.md" --png "$PLOT" \
  --title "Switchboard vs Prosody 0.12 vs ejabberd 23.01 — $(nproc) cores, server and client pinned to one core each" "${files[@]}"
echo "results in $OUT_DIR"
