#!/bin/bash
# usage: login-ab.sh TREE LABEL
cd $1
export PEERS_DIR=/work/main/bench/target/peers
bench/peers.sh start switchboard 2000 > /dev/null
pid=$(bench/peers.sh pid switchboard)
BENCH_CPUS=0 bench/run connections --port 35222 --domain bench.test --label $2 --sasl SCRAM-SHA-1 --server-pid $pid --server-jvm --samples false \
  --scram-cache /work/main/bench/target/peers/switchboard/scram-cache.txt --sessions 2000 --rate 200 --hold 5s --prime true --source-addresses 4 --deadline 10m \
  --out /tmp/login-ab.jsonl 2>&1 | grep -E "server CPU per login|logins per server" | tr '\n' ' '; echo
bench/peers.sh stop switchboard > /dev/null
