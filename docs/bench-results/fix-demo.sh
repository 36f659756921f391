set -e
cd /work/wt-bench
out=$PWD/bench/target/profile/fix-demo.jsonl
export SB_JAVA_OPTS="-Dkeystore.pkcs12.keyPbeIterationCount=1"
bench/peers.sh start switchboard 2000
pid=$(bench/peers.sh pid switchboard)
c=(--host 127.0.0.1 --port 35222 --domain bench.test --label switchboard-pbe1 --sasl SCRAM-SHA-1 --server-pid $pid --server-jvm --out $out --samples false --scram-cache $PWD/bench/target/peers/switchboard/scram-cache.txt)
export BENCH_CPUS=0
( for i in $(seq 1 600); do [ "$(grep -c "bound from" bench/target/peers/switchboard/switchboard.log)" -ge 4000 ] && break; sleep 0.5; done; sleep 5; jcmd $pid GC.class_histogram > $PWD/bench/target/profile/histogram.txt 2>&1 ) &
bench/run connections "${c[@]}" --sessions 2000 --rate 200 --hold 40s --prime true --source-addresses 4 --deadline 10m || true
wait
bench/peers.sh stop switchboard
