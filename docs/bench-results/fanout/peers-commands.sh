#!/usr/bin/env bash
cd /work/wt-fanout
export BENCH_BUILD=0 BENCH_JAVA_OPTS="-Xms512m -Xmx2g -XX:+UseG1GC"
run() { # label port pid out args...
  local label=$1 port=$2 pid=$3 out=$4; shift 4
  timeout 200 bench/run fanout --port $port --domain bench.test --label $label --server-pid $pid --messages 200 --deadline 150s --samples false --out $out "$@" 2>&1 | grep -v '^|'
  uptime
}
P=$(bench/peers.sh pid prosody)
run prosody 15222 $P /tmp/fanout-run/prosody.jsonl --occupants 1000 --rate 20 --threads 1
run prosody 15222 $P /tmp/fanout-run/prosody.jsonl --occupants 1000 --rate 100 --threads 2
bench/peers.sh stop prosody
bench/peers.sh start ejabberd
E=$(bench/peers.sh pid ejabberd)
run ejabberd 25222 $E /tmp/fanout-run/ejabberd.jsonl --occupants 100 --rate 20 --threads 1
run ejabberd 25222 $E /tmp/fanout-run/ejabberd.jsonl --occupants 1000 --rate 20 --threads 1
run ejabberd 25222 $E /tmp/fanout-run/ejabberd.jsonl --occupants 1000 --rate 100 --threads 2
bench/peers.sh stop ejabberd
echo DONE
