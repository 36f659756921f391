# Scenario 5 (offline part) against each server in turn, same pinning as side-by-side.sh.
set -u
cd /work/wt-bench
out=$PWD/bench/target/results/offline
mkdir -p $out
export BENCH_CPUS=0
for s in switchboard prosody ejabberd; do
  bench/peers.sh start $s 2000
  pid=$(bench/peers.sh pid $s); port=$(bench/peers.sh port $s)
  jvm=(); [ $s = switchboard ] && jvm=(--server-jvm)
  echo "+ bench/run offline --port $port --label $s --server-pid $pid ${jvm[*]} --pairs 100 --messages 100 --first-user 1001" >> $out/commands.txt
  bench/run offline --host 127.0.0.1 --port $port --domain bench.test --label $s --sasl SCRAM-SHA-1 --server-pid $pid "${jvm[@]}" \
    --out $out/$s.jsonl --samples false --scram-cache $PWD/bench/target/peers/$s/scram-cache.txt \
    --pairs 100 --messages 100 --first-user 1001 --deadline 5m || echo "offline on $s: not all correct"
  bench/peers.sh stop $s
done
