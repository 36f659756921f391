#!/bin/bash
# usage: perf.sh LABEL RATE [SB_JAVA_OPTS]  -> perf stat of the server for 10 s in the middle of a 30 s latency run
set -e
cd "$(dirname "$0")/../../.."
label=$1; rate=$2
out=$PWD/bench/target/prof/$label
mkdir -p $out
export SB_JAVA_OPTS="${3:-}"
BENCH_BUILD=0 bench/peers.sh start switchboard 400 >/dev/null
pid=$(bench/peers.sh pid switchboard)
c=(--host 127.0.0.1 --port 35222 --domain bench.test --label switchboard --sasl SCRAM-SHA-1 --server-pid $pid --server-jvm --out $out/sb.jsonl --samples false --scram-cache $PWD/bench/target/peers/switchboard/scram-cache.txt)
export BENCH_CPUS=0 BENCH_BUILD=0
( sleep 18; perf stat -e task-clock,context-switches,raw_syscalls:sys_enter,sched:sched_wakeup -p $pid -- sleep 10 > $out/perf.txt 2>&1; [ -n "$PREC" ] && perf record -F 999 -g -o $out/perf.data -p $pid -- sleep 8 > /dev/null 2>&1 ) &
bench/run latency "${c[@]}" --pairs 100 --peak $((rate*2)) --fraction 0.5 --warmup 5s --duration 30s --deadline 3m > $out/lat.txt 2>&1 || true
wait
bench/peers.sh stop switchboard > /dev/null
grep -E "task-clock|context|sys_enter|wakeup" $out/perf.txt
grep -o '"server_cpu_us_per_msg":[0-9.]*,"latency_ms_p50":[0-9.]*,"latency_ms_p90":[0-9.]*,"latency_ms_p99":[0-9.]*' $out/lat.txt; grep -o '"machine_other_cpu_util":[0-9.]*' $out/lat.txt
