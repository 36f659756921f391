#!/usr/bin/env bash
cd /work/wt-fanout
while ! grep -q DONE /tmp/fanout-run/side.log; do sleep 2; done
export BENCH_BUILD=0
BENCH_JAVA_OPTS="-Xms1g -Xmx2g -XX:+UseG1GC" bench/run server --port 36222 --tls-port 36223 --users 1000 --pid-file /tmp/fanout-run/sb2.pid > /tmp/fanout-run/server2.log 2>&1 &
for i in $(seq 1 60); do grep -q ready /tmp/fanout-run/server2.log && break; sleep 1; done
S=$(cat /tmp/fanout-run/sb2.pid)
export BENCH_JAVA_OPTS="-Xms512m -Xmx2g -XX:+UseG1GC"
run() { timeout 200 bench/run fanout --port 36222 --domain bench.test --label switchboard --server-pid $S --messages 200 --deadline 150s --samples false "$@" 2>&1 | grep -v '^|'; uptime; }
run --occupants 100 --rate 20 --threads 1 --out /tmp/fanout-run/sb-warmup.jsonl
run --occupants 100 --rate 20 --threads 1 --out /tmp/fanout-run/sb2.jsonl
run --occupants 1000 --rate 20 --threads 1 --out /tmp/fanout-run/sb2.jsonl
run --occupants 1000 --rate 100 --threads 2 --out /tmp/fanout-run/sb2.jsonl
kill $S
echo DONE
