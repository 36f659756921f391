#!/bin/bash
# usage: archive-keep-ab.sh KEEP...   windowed 1:1 throughput of a fresh bench server per value of
# --archive-keep (bench/peers.sh SB_ARCHIVE_KEEP), same commands as the side-by-side's scenario 2
cd "$(dirname "$0")/../../.."
for keep in "$@"; do
  SB_ARCHIVE_KEEP=$keep bench/peers.sh start switchboard 2000 > /dev/null
  pid=$(bench/peers.sh pid switchboard)
  BENCH_CPUS=0 bench/run throughput --port 35222 --domain bench.test --label "keep $keep" --sasl SCRAM-SHA-1 --server-pid $pid \
    --server-jvm --samples false --scram-cache bench/target/peers/switchboard/scram-cache.txt --pairs 100 --window 10 \
    --warmup 5s --duration 20s --deadline 5m --out /tmp/archive-keep-ab.jsonl 2>&1 \
    | grep -E "delivered messages per|server CPU per delivery" | tr '\n' ' '; echo " <- archive-keep $keep"
  bench/peers.sh stop switchboard > /dev/null
done
