# Scenario 1 at 19,000 sessions (no priming pass), one server after the other, same pinning as side-by-side.sh.
set -u
cd /work/wt-bench
out=$PWD/bench/target/results/big
mkdir -p $out
ulimit -n "$(ulimit -Hn)"
export BENCH_CPUS=0
for s in switchboard prosody ejabberd; do
  bench/peers.sh start $s 19000
  pid=$(bench/peers.sh pid $s); port=$(bench/peers.sh port $s)
  jvm=(); [ $s = switchboard ] && jvm=(--server-jvm)
  echo "+ bench/run connections --port $port --label $s --server-pid $pid ${jvm[*]} --sessions 19000 --rate 200 --hold 10s --prime false --source-addresses 4" >> $out/commands.txt
  bench/run connections --host 127.0.0.1 --port $port --domain bench.test --label $s --sasl SCRAM-SHA-1 --server-pid $pid "${jvm[@]}" \
    --out $out/$s.jsonl --samples false --scram-cache $PWD/bench/target/peers/$s/scram-cache.txt \
    --sessions 19000 --rate 200 --hold 10s --prime false --source-addresses 4 --max-pending 256 --deadline 7m || echo "connections 19000 on $s: not all correct"
  bench/peers.sh stop $s
done
