#!/bin/bash
# usage: jdk-logins.sh JAVA_HOME LABEL   logins (2,000 TLS+SCRAM at 200/s, priming pass) and windowed 1:1
# throughput of a fresh bench server started with that JDK (the harness keeps the default java)
cd "$(dirname "$0")/../../.."
PATH="$1/bin:$PATH" bench/peers.sh start switchboard 2000 > /dev/null
pid=$(bench/peers.sh pid switchboard)
c=(--port 35222 --domain bench.test --label "$2" --sasl SCRAM-SHA-1 --server-pid $pid --server-jvm --samples false
   --scram-cache bench/target/peers/switchboard/scram-cache.txt --out /tmp/jdk-logins.jsonl)
BENCH_CPUS=0 bench/run connections "${c[@]}" --sessions 2000 --rate 200 --hold 5s --prime true --source-addresses 4 \
  --deadline 10m 2>&1 | grep -E "server CPU per login|logins per server" | tr '\n' ' '
BENCH_CPUS=0 bench/run throughput "${c[@]}" --pairs 100 --window 10 --warmup 5s --duration 20s --deadline 5m 2>&1 \
  | grep -E "delivered messages per|server CPU per delivery" | tr '\n' ' '
echo " <- $2 ($("$1/bin/java" -version 2>&1 | head -1))"
bench/peers.sh stop switchboard > /dev/null
