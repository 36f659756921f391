#!/bin/bash
set -e
cd "$(dirname "$0")/../../../.."
out=$PWD/bench/target/prof/mam; mkdir -p $out
export BENCH_CPUS=0 BENCH_BUILD=0
for s in ejabberd prosody; do
  bench/peers.sh start $s > /dev/null
  pid=$(bench/peers.sh pid $s); port=$(bench/peers.sh port $s)
  du -s bench/target/peers/$s > $out/$s-du-before.txt
  c=(--host 127.0.0.1 --port $port --domain bench.test --label $s --sasl SCRAM-SHA-1 --server-pid $pid --samples false --scram-cache $PWD/bench/target/peers/$s/scram-cache.txt)
  bench/run throughput "${c[@]}" --out $out/$s-warm.jsonl --pairs 100 --window 10 --warmup 5s --duration 20s --deadline 5m > /dev/null 2>&1 || true
  bench/run throughput "${c[@]}" --out $out/$s.jsonl --pairs 100 --window 10 --warmup 5s --duration 20s --deadline 5m > $out/$s.txt 2>&1 || true
  du -s bench/target/peers/$s > $out/$s-du-after.txt
  bench/peers.sh stop $s > /dev/null
  grep '"type":"result"' $out/$s.jsonl | grep -o '"delivered_per_s":[0-9.]*\|"server_cpu_us_per_msg":[0-9.]*\|"lost":[0-9]*\|"machine_other_cpu_util":[0-9.]*' | tr '\n' ' '; echo " $s"; cat $out/$s-du-before.txt $out/$s-du-after.txt
done
