#!/bin/bash
# usage: lat-gc.sh LABEL "JVM OPTS" RATE...
cd /work/main
label=$1; opts=$2; shift 2
SB_JAVA_OPTS="$opts" bench/peers.sh start switchboard 2000 > /dev/null
pid=$(bench/peers.sh pid switchboard)
BENCH_CPUS=0 bench/run throughput --port 35222 --domain bench.test --label "$label" --sasl SCRAM-SHA-1 --server-pid $pid --samples false --scram-cache bench/target/peers/switchboard/scram-cache.txt --pairs 100 --window 10 --warmup 5s --duration 20s --deadline 5m --out /tmp/lat-gc.jsonl 2>&1 | grep -E "delivered messages per" | tr '\n' ' '; echo
for r in "$@"; do
  BENCH_CPUS=0 bench/run latency --port 35222 --domain bench.test --label "$label @ $r" --sasl SCRAM-SHA-1 --server-pid $pid --server-jvm --samples false --scram-cache bench/target/peers/switchboard/scram-cache.txt --pairs 100 --rate $r --warmup 5s --duration 20s --deadline 5m --out /tmp/lat-gc.jsonl 2>&1 | grep -E "^\| (p50|p99 |p99.9|server CPU per)" | tr '\n' ' '; echo " <- $label $r"
done
bench/peers.sh stop switchboard > /dev/null
