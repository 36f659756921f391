#!/bin/bash
# usage: fanout.sh   scenario 4 side by side, each server pinned (bench/peers.sh, core 1), the harness on core 0:
# a room of 1,000 occupants, 200 messages at 20 msg/s and at 100 msg/s
cd "$(dirname "$0")/../../.."
out=${OUT:-/tmp/fanout-s4.jsonl}
for s in switchboard prosody ejabberd; do
  bench/peers.sh start $s 2000 > /dev/null
  pid=$(bench/peers.sh pid $s); port=$(bench/peers.sh port $s)
  for r in 20 100; do
    BENCH_CPUS=0 timeout 240 bench/run fanout --port $port --domain bench.test --label "$s" --server-pid $pid --server-jvm \
      --occupants 1000 --messages 200 --rate $r --threads 1 --deadline 200s --samples false --out $out 2>&1 \
      | grep -E "^\| (deliveries per second|server CPU per delivery|time until the last occupant has a message p99|lost|delivered) " \
      | tr '\n' ' '; echo " <- $s @ $r msg/s"
  done
  bench/peers.sh stop $s > /dev/null
done
