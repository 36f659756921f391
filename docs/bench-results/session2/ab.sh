#!/bin/bash
# usage: ab.sh LABEL  (env: SWITCHBOARD_* for the server; RATE for latency (0 = half the measured peak))
set -e
cd "$(dirname "$0")/../../.."
label=$1
out=$PWD/bench/target/prof/$label
mkdir -p $out; rm -f $out/sb.jsonl
BENCH_BUILD=0 bench/peers.sh start switchboard 400 >/dev/null
pid=$(bench/peers.sh pid switchboard)
c=(--host 127.0.0.1 --port 35222 --domain bench.test --label switchboard --sasl SCRAM-SHA-1 --server-pid $pid --server-jvm --out $out/sb.jsonl --samples false --scram-cache $PWD/bench/target/peers/switchboard/scram-cache.txt)
export BENCH_CPUS=0 BENCH_BUILD=0
bench/run throughput "${c[@]}" --out $out/warm.jsonl --pairs 100 --window 10 --warmup 5s --duration 20s --deadline 5m > $out/warm.txt 2>&1 || true
[ -n "$SKIPTP" ] || bench/run throughput "${c[@]}" --pairs 100 --window 10 --warmup 5s --duration 20s --deadline 5m > $out/tp.txt 2>&1 || true
peak=$(grep "\"type\":\"result\"" $out/sb.jsonl | grep throughput | grep -o "\"delivered_per_s\":[0-9.]*" | cut -d: -f2)
rate=${RATE:-0}; [ "$rate" = 0 ] && rate=$peak
bench/run latency "${c[@]}" --pairs 100 --peak $rate --fraction 0.5 --warmup 5s --duration 20s --deadline 5m > $out/lat.txt 2>&1 || true
bench/peers.sh stop switchboard > /dev/null
python3 - "$out/sb.jsonl" <<'PY'
import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l)
    if d.get("type")!="result": continue
    keys=["scenario","delivered_per_s","rate","rate_target","server_cpu_us_per_msg","latency_ms_p50","latency_ms_p99","latency_ms_p999","lost","machine_other_cpu_util","server_cpu_util"]
    print({k:d.get(k) for k in keys})
PY
