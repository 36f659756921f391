#!/usr/bin/env bash
# Scenario 2 against the distribution (./switchboard start) with its embedded PostgreSQL, archive on:
# every delivered message is archived twice (sender's and recipient's archive).
set -euo pipefail
cd "$(dirname "$0")/../../.."
D=/tmp/sbpg; rm -rf $D; mkdir -p $D; P=bench/target/peers/tls
printf 'domain = bench.test\ndata-dir = %s/data\nc2s.port = 45222\nc2s.tls-port = 45223\ns2s.port = 45269\nhttp.port = 45280\ncomponent.port = 45347\ntls.certificate = %s/bench.test.crt\ntls.private-key = %s/bench.test.key\n' "$D" "$PWD/$P" "$PWD/$P" > $D/sb.properties
for i in $(seq 1 200); do echo "user$i@bench.test benchpass"; done > $D/users.txt
./switchboard --config $D/sb.properties import-users $D/users.txt
SWITCHBOARD_JAVA_OPTS="-XX:ActiveProcessorCount=1" taskset -c 1 ./switchboard --config $D/sb.properties start > $D/server.log 2>&1 &
until grep -q "Switchboard is serving" $D/server.log; do sleep 1; done
SPID=$(pgrep -f "$D/sb.properties start" | head -1)
BENCH_CPUS=0 bench/run throughput --host 127.0.0.1 --port 45222 --domain bench.test --label switchboard-postgres \
  --sasl SCRAM-SHA-1 --server-pid "$SPID" --server-jvm --out $D/pg.jsonl --samples false --pairs 100 --window 10 \
  --warmup 5s --duration 20s --deadline 5m
kill -TERM "$SPID"
