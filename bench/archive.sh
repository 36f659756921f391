#!/usr/bin/env bash
# Scenario 5, archive part, side by side: Switchboard, Prosody and ejabberd one after the other,
# each with its message archive in the same PostgreSQL (bench/peers.sh archive-setup), each
# server and PostgreSQL pinned to SERVER_CPUS and the harness to CLIENT_CPUS.
# Prerequisites: bench/peers.sh install && bench/peers.sh setup 2000 && bench/peers.sh archive-setup (once).
#
#   bench/archive.sh [server ...]          default: switchboard prosody ejabberd
#
# Results: bench/target/results/archive-<time>/{machine.txt,commands.txt,<server>.jsonl,tables.md}.
# Environment (defaults in brackets): MESSAGES [1000000] CONTACTS [100] QUERIES [200] WARMUP [20]
# PAGE [50] SERVER_CPUS [1] CLIENT_CPUS [0] OUT_DIR
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
MESSAGES="${MESSAGES:-1000000}"
CONTACTS="${CONTACTS:-100}"
QUERIES="${QUERIES:-200}"
WARMUP="${WARMUP:-20}"
PAGE="${PAGE:-50}"
export SERVER_CPUS="${SERVER_CPUS-1}"
export BENCH_CPUS="${CLIENT_CPUS-0}"
export PEERS_ARCHIVE=1
OUT_DIR="${OUT_DIR:-$HERE/target/results/archive-$(date +%Y%m%d-%H%M%S)}"
DOMAIN="${DOMAIN:-bench.test}"
SERVERS=("$@")
[ ${#SERVERS[@]} -eq 0 ] && SERVERS=(switchboard prosody ejabberd)

mkdir -p "$OUT_DIR"
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM"
  echo "kernel: $(uname -r); $(java -version 2>&1 | head -1)"
  echo "prosody $(dpkg-query -W -f='${Version}' prosody 2>/dev/null); ejabberd $(dpkg-query -W -f='${Version}' ejabberd 2>/dev/null); postgresql $(dpkg-query -W -f='${Version}' postgresql 2>/dev/null)"
  echo "switchboard: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) (+ working tree), on PostgreSQL"
  echo "pinning: servers and PostgreSQL on CPU(s) ${SERVER_CPUS:-none}, harness on CPU(s) ${BENCH_CPUS:-none}"
  echo "archive: $MESSAGES messages of user1 with $CONTACTS contacts; $WARMUP warm-up and $QUERIES measured queries of each kind, pages of $PAGE"
} | tee "$OUT_DIR/machine.txt"

"$HERE/peers.sh" start pg > /dev/null
pg_pid="$("$HERE/peers.sh" pid pg)"
for s in "${SERVERS[@]}"; do
  "$HERE/peers.sh" stop "$s" > /dev/null
  "$HERE/peers.sh" start "$s" "$((CONTACTS + 1))"
  pid="$("$HERE/peers.sh" pid "$s")"
  port="$("$HERE/peers.sh" port "$s")"
  args=(archive --port "$port" --domain "$DOMAIN" --label "$s" --sasl SCRAM-SHA-1 --server-pid "$pid"
    --messages "$MESSAGES" --contacts "$CONTACTS" --queries "$QUERIES" --warmup "$WARMUP" --page "$PAGE"
    --samples false --deadline 20m --out "$OUT_DIR/$s.jsonl")
  echo "+ bench/run ${args[*]}   # PostgreSQL pid $pg_pid" | tee -a "$OUT_DIR/commands.txt"
  "$HERE/run" "${args[@]}" || echo "$s: the run failed (see $OUT_DIR/$s.jsonl)"
  "$HERE/peers.sh" stop "$s"
done
BENCH_CPUS="" "$HERE/run" report --md "$OUT_DIR/tables.md" "$OUT_DIR"/*.jsonl > /dev/null
echo "results: $OUT_DIR (tables.md); PostgreSQL still runs: bench/peers.sh stop pg"
