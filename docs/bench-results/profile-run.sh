set -e
cd /work/wt-bench
export SB_JAVA_OPTS="-XX:StartFlightRecording=filename=$PWD/bench/target/profile/switchboard.jfr,settings=profile,dumponexit=true"
bench/peers.sh start switchboard 2000
pid=$(bench/peers.sh pid switchboard)
c=(--host 127.0.0.1 --port 35222 --domain bench.test --label switchboard --sasl SCRAM-SHA-1 --server-pid $pid --server-jvm --out $PWD/bench/target/profile/switchboard.jsonl --samples false --scram-cache $PWD/bench/target/peers/switchboard/scram-cache.txt)
export BENCH_CPUS=0
bench/run connections "${c[@]}" --sessions 2000 --rate 200 --hold 10s --prime true --source-addresses 4 --deadline 10m || true
bench/run throughput "${c[@]}" --pairs 100 --window 10 --warmup 5s --duration 20s --deadline 5m || true
bench/peers.sh stop switchboard
