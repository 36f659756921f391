#!/bin/bash
# usage: ab.sh LABEL RUNS
cd /work/main
for i in $(seq 1 $2); do
  bench/peers.sh start switchboard 2000 > /dev/null
  pid=$(bench/peers.sh pid switchboard)
  BENCH_CPUS=0 bench/run throughput --port 35222 --domain bench.test --label $1 --sasl SCRAM-SHA-1 --server-pid $pid --samples false \
    --scram-cache bench/target/peers/switchboard/scram-cache.txt --pairs 100 --window 10 --warmup 10s --duration 20s --deadline 5m \
    --out /tmp/ab-$1.jsonl 2>&1 | grep -E "delivered messages per|CPU per delivery" | tr '\n' ' '; echo
  bench/peers.sh stop switchboard > /dev/null
done
