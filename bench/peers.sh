#!/usr/bin/env bash
# The servers of the side-by-side benchmark, on loopback only, with all their state under one
# directory of ours (default bench/target/peers): Prosody and ejabberd from Debian's packages, and
# Switchboard in-JVM with in-memory storage (bench/run server).
#
#   bench/peers.sh install                   apt-get install prosody ejabberd (their system services are not started)
#   bench/peers.sh setup [N]                 certificate, configurations, accounts user1..userN on Prosody and ejabberd
#                                            (Prosody: one in-band registration, its account file copied;
#                                            ejabberd: XEP-0227 import; default N=20000)
#   bench/peers.sh start NAME [N]            NAME: prosody | ejabberd | switchboard (Switchboard creates N accounts)
#   bench/peers.sh stop NAME|all             stops by the PID recorded at start
#   bench/peers.sh pid NAME                  the server's process id (for --server-pid)
#   bench/peers.sh port NAME                 its STARTTLS c2s port (direct TLS is that port + 1)
#   bench/peers.sh status
#
# Ports (all on 127.0.0.1): Prosody 15222/15223, ejabberd 25222/25223 (+ 25299 for its Erlang
# distribution, loopback, no epmd), Switchboard 35222/35223. Accounts: user1..userN, password
# "benchpass", domain bench.test, the same EC P-256 certificate for all three.
#
# Environment: PEERS_DIR, SERVER_CPUS (taskset CPU list for the servers, default 1 when the machine
# has 2 or more cores), DOMAIN, PASSWORD, USER_PREFIX, SB_JAVA_OPTS (Switchboard's JVM options),
# PEERS_MAM=1 at setup (message archive on in Prosody and ejabberd, as Switchboard always has it).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PEERS_DIR="${PEERS_DIR:-$HERE/target/peers}"
DOMAIN="${DOMAIN:-bench.test}"
PASSWORD="${PASSWORD:-benchpass}"
USER_PREFIX="${USER_PREFIX:-user}"
if [ -z "${SERVER_CPUS+x}" ]; then
  if [ "$(nproc)" -ge 2 ]; then SERVER_CPUS=1; else SERVER_CPUS=""; fi
fi

port_of() {
  case "$1" in
    prosody) echo 15222 ;;
    ejabberd) echo 25222 ;;
    switchboard) echo 35222 ;;
    *) echo "peers: unknown server '$1' (prosody, ejabberd, switchboard)" >&2; exit 2 ;;
  esac
}

pin() {
  if [ -n "$SERVER_CPUS" ] && command -v taskset >/dev/null; then taskset -c "$SERVER_CPUS" "$@"; else "$@"; fi
}

# Like pin, in place of the calling (sub)shell: `(pin_exec CMD ...) &` makes $! the command's own
# PID (a shell function run in the background is a subshell whose PID is not the server's).
pin_exec() {
  if [ -n "$SERVER_CPUS" ] && command -v taskset >/dev/null; then exec taskset -c "$SERVER_CPUS" "$@"; else exec "$@"; fi
}

pidfile() { echo "$PEERS_DIR/$1/$1.pid"; }

alive() {
  local f; f="$(pidfile "$1")"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

wait_port() {
  local port=$1 secs=${2:-60}
  for _ in $(seq 1 $((secs * 10))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "peers: nothing listens on 127.0.0.1:$port after ${secs}s" >&2
  return 1
}

# Refuses to go on if a server of ours listens anywhere but loopback.
check_loopback() {
  local pid=$1
  if command -v ss >/dev/null; then
    if ss -Hltnp 2>/dev/null | grep "pid=$pid," | awk '{print $4}' | grep -vE '^(127\.[0-9.]+|\[::1\]|\[::ffff:127\.[0-9.]+\]):[0-9]+$' | grep -q .; then
      echo "peers: process $pid listens on a non-loopback address; stopping it" >&2
      kill "$pid" || true
      exit 1
    fi
  fi
}

cmd_install() {
  # Debian's maintainer scripts would start the system services with the packaged configurations
  # (all interfaces, default ports): a policy-rc.d that forbids it is kept in place during the install.
  local made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  # PostgreSQL and the peers' drivers for it: scenario 5's archive runs every server on one
  # PostgreSQL (bench/peers.sh archive-setup).
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prosody ejabberd \
    postgresql lua-dbi-postgresql erlang-p1-pgsql
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  # In case a service manager started them anyway: stop the packaged services.
  for s in prosody ejabberd postgresql; do
    if command -v service >/dev/null; then service "$s" stop >/dev/null 2>&1 || true; fi
  done
  echo "installed: prosody $(dpkg-query -W -f='${Version}' prosody), ejabberd $(dpkg-query -W -f='${Version}' ejabberd)"
}

make_cert() {
  mkdir -p "$PEERS_DIR/tls"
  local crt="$PEERS_DIR/tls/$DOMAIN.crt" key="$PEERS_DIR/tls/$DOMAIN.key"
  if [ ! -f "$crt" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj "/CN=$DOMAIN" -addext "subjectAltName=DNS:$DOMAIN,DNS:*.$DOMAIN" \
      -keyout "$key" -out "$crt" 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$key" -out "$key.pk8"
    mv "$key.pk8" "$key"
    cat "$crt" "$key" > "$PEERS_DIR/tls/$DOMAIN.pem"
  fi
  chmod 755 "$PEERS_DIR" "$PEERS_DIR/tls"
  chmod 644 "$PEERS_DIR/tls/"*
}

config_prosody() {
  local d="$PEERS_DIR/prosody"
  # PEERS_MAM=1: every 1:1 message archived (XEP-0313), as Switchboard always does.
  local mam_module="" mam_settings=""
  if [ "${PEERS_MAM:-0}" = 1 ]; then
    mam_module='; "mam"'
    mam_settings='default_archive_policy = true
archive_expires_after = "1d"'
  fi

  mkdir -p "$d/data"
  cat > "$d/prosody.cfg.lua" <<EOF
-- Prosody for the Switchboard benchmark (bench/peers.sh): loopback only, state under $d.
pidfile = "$d/prosody.pid"
data_path = "$d/data"
daemonize = false
log = { info = "$d/prosody.log"; error = "$d/prosody.err" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { 15222 }
c2s_direct_tls_ports = { 15223 }
s2s_ports = { }
component_ports = { }
http_ports = { }
https_ports = { }
modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping"; "register"; "posix"; "private"; "time"; "version"; "offline"$mam_module }
$mam_settings
modules_disabled = { "s2s" }
allow_registration = true
c2s_require_encryption = true
authentication = "internal_hashed"
storage = "internal"
ssl = { certificate = "$PEERS_DIR/tls/$DOMAIN.crt"; key = "$PEERS_DIR/tls/$DOMAIN.key"; }
c2s_direct_tls_ssl = { certificate = "$PEERS_DIR/tls/$DOMAIN.crt"; key = "$PEERS_DIR/tls/$DOMAIN.key"; }
VirtualHost "$DOMAIN"
  ssl = { certificate = "$PEERS_DIR/tls/$DOMAIN.crt"; key = "$PEERS_DIR/tls/$DOMAIN.key"; }
-- Group chat for scenario 4 (bench/run fanout).
Component "conference.$DOMAIN" "muc"
EOF
  chown -R prosody:prosody "$d"
}

config_ejabberd() {
  local d="$PEERS_DIR/ejabberd"
  # PEERS_MAM=1: every 1:1 message archived (XEP-0313), as Switchboard always does.
  local ejabberd_mam="  # mod_mam off (PEERS_MAM=1 turns it on)"
  if [ "${PEERS_MAM:-0}" = 1 ]; then
    ejabberd_mam="  mod_mam:
    db_type: mnesia
    default: always"
  fi
  mkdir -p "$d/spool" "$d/logs"
  touch "$d/inetrc"
  cat > "$d/ejabberd.yml" <<EOF
# ejabberd for the Switchboard benchmark (bench/peers.sh): loopback only, state under $d.
hosts:
  - $DOMAIN
loglevel: info
certfiles:
  - "$PEERS_DIR/tls/$DOMAIN.pem"
define_macro:
  BENCH: true
listen:
  -
    port: 25222
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    access: c2s
    starttls_required: true
  -
    port: 25223
    ip: "127.0.0.1"
    module: ejabberd_c2s
    tls: true
    max_stanza_size: 262144
    access: c2s
auth_method: internal
auth_password_format: scram
registration_timeout: infinity
s2s_access: none
acl:
  loopback:
    ip:
      - 127.0.0.0/8
      - ::1/128
access_rules:
  c2s:
    allow: all
  register:
    allow: all
  trusted_network:
    allow: loopback
shaper_rules:
  max_user_sessions: 10
  max_user_offline_messages: 5000
modules:
  mod_disco: {}
  mod_ping: {}
  mod_roster: {}
  mod_offline: {}
  mod_private: {}
$ejabberd_mam
  # Group chat for scenario 4 (bench/run fanout): rooms of up to 100,000 occupants, presence
  # broadcast kept on at any size (ejabberd's defaults are 200 occupants and 1,000 for presence).
  mod_muc:
    host: "conference.@HOST@"
    max_users: 100000
    max_users_presence: 100000
    default_room_options:
      max_users: 100000
  mod_register:
    ip_access: trusted_network
    access: register
EOF
  cat > "$d/ejabberdctl.cfg" <<EOF
ERLANG_NODE=ejabberd@localhost
INET_DIST_INTERFACE=127.0.0.1
ERL_EPMD_ADDRESS=127.0.0.1
ERL_DIST_PORT=25299
ERL_OPTIONS="-setcookie benchcookie"
ERL_MAX_PORTS=65536
EJABBERD_PID_PATH=$d/ejabberd.pid
EOF
  chown -R ejabberd:ejabberd "$d"
}

ejabberdctl_bench() {
  local d="$PEERS_DIR/ejabberd"
  HOME="$d" setpriv --reuid=ejabberd --regid=ejabberd --init-groups \
    env HOME="$d" EJABBERD_PID_PATH="$d/ejabberd.pid" ERL_EPMD_ADDRESS=127.0.0.1 \
    ejabberdctl --config-dir "$d" --config "$d/ejabberd.yml" --ctl-config "$d/ejabberdctl.cfg" \
      --logs "$d/logs" --spool "$d/spool" "$@"
}

start_prosody() {
  local d="$PEERS_DIR/prosody"
  [ -f "$d/prosody.cfg.lua" ] || { echo "peers: run 'bench/peers.sh setup' first" >&2; exit 1; }
  ulimit -n "$(ulimit -Hn)"
  rm -f "$d/prosody.pid"
  (pin_exec setpriv --reuid=prosody --regid=prosody --init-groups prosody --config "$d/prosody.cfg.lua") \
    > "$d/stdout.log" 2>&1 &
  echo $! > "$d/prosody.pid.launch"
  wait_port 15222 60
  # mod_posix writes the PID file; taskset and setpriv exec, so the launch PID is Prosody's too.
  for _ in $(seq 1 50); do [ -s "$d/prosody.pid" ] && break; sleep 0.1; done
  [ -s "$d/prosody.pid" ] || cp "$d/prosody.pid.launch" "$d/prosody.pid"
  check_loopback "$(cat "$d/prosody.pid")"
  echo "prosody started: pid $(cat "$d/prosody.pid"), c2s 127.0.0.1:15222, direct TLS 15223"
}

start_ejabberd() {
  local d="$PEERS_DIR/ejabberd"
  [ -f "$d/ejabberd.yml" ] || { echo "peers: run 'bench/peers.sh setup' first" >&2; exit 1; }
  ulimit -n "$(ulimit -Hn)"
  rm -f "$d/ejabberd.pid"
  # Erlang starts an epmd daemon if none runs; ERL_EPMD_ADDRESS keeps it on loopback, and the one
  # started here is stopped with ejabberd (its PID kept beside ejabberd's).
  local had_epmd=""
  pgrep -x epmd > /dev/null && had_epmd=1
  HOME="$d" pin setpriv --reuid=ejabberd --regid=ejabberd --init-groups env HOME="$d" ERL_EPMD_ADDRESS=127.0.0.1 \
    ejabberdctl --config-dir "$d" --config "$d/ejabberd.yml" --ctl-config "$d/ejabberdctl.cfg" \
      --logs "$d/logs" --spool "$d/spool" foreground > "$d/stdout.log" 2>&1 &
  wait_port 25222 120
  for _ in $(seq 1 100); do [ -s "$d/ejabberd.pid" ] && break; sleep 0.1; done
  check_loopback "$(cat "$d/ejabberd.pid")"
  if [ -z "$had_epmd" ]; then
    pgrep -x -u ejabberd epmd > "$d/epmd.pid" || rm -f "$d/epmd.pid"
    [ -s "$d/epmd.pid" ] && check_loopback "$(cat "$d/epmd.pid")"
  fi
  echo "ejabberd started: pid $(cat "$d/ejabberd.pid"), c2s 127.0.0.1:25222, direct TLS 25223"
}

start_switchboard() {
  local n=${1:-20000}
  local d="$PEERS_DIR/switchboard"
  mkdir -p "$d/data"
  ulimit -n "$(ulimit -Hn)"
  rm -f "$d/switchboard.pid"
  # Accounts are created on every core (key derivation), then the whole JVM is pinned to the
  # server's core; ActiveProcessorCount=1 sizes the JVM and the server's pools for that one core,
  # as if it had been started under taskset.
  local opts="${SB_JAVA_OPTS:-}"
  if [ -n "$SERVER_CPUS" ]; then
    opts="-XX:ActiveProcessorCount=$(echo "$SERVER_CPUS" | tr ',' '\n' | wc -l) $opts"
  fi
  BENCH_JAVA_OPTS="$opts -Djava.awt.headless=true" BENCH_CPUS="" \
    "$HERE/run" server --domain "$DOMAIN" --port 35222 --tls-port 35223 --users "$n" --user-prefix "$USER_PREFIX" \
      --password "$PASSWORD" --cert "$PEERS_DIR/tls/$DOMAIN.crt" --key "$PEERS_DIR/tls/$DOMAIN.key" \
      --data-dir "$d/data" --pid-file "$d/switchboard.pid" > "$d/switchboard.log" 2>&1 &
  for _ in $(seq 1 6000); do
    [ -s "$d/switchboard.pid" ] && break
    if ! kill -0 $! 2>/dev/null; then echo "peers: Switchboard did not start; see $d/switchboard.log" >&2; tail -20 "$d/switchboard.log" >&2; exit 1; fi
    sleep 0.1
  done
  local pid; pid="$(cat "$d/switchboard.pid")"
  if [ -n "$SERVER_CPUS" ]; then taskset -a -p -c "$SERVER_CPUS" "$pid" > /dev/null; fi
  check_loopback "$pid"
  echo "switchboard started: pid $pid, c2s 127.0.0.1:35222, direct TLS 35223, $n accounts"
}

# Accounts on a running peer: Prosody's account files; ejabberd's own count (ejabberdctl).
count_accounts() {
  if [ "$1" = ejabberd ]; then
    ejabberdctl_bench registered_users "$DOMAIN" 2>/dev/null | grep -c "^$USER_PREFIX[0-9]" || true
  else
    find "$PEERS_DIR/prosody/data" -path '*accounts*' -name "$USER_PREFIX*.dat" 2>/dev/null | wc -l
  fi
}

# Prosody: user1 registered in-band (Prosody derives its SCRAM keys), then its account file is
# copied for every missing account (same password, so the same salt and keys are valid; in-band
# registration of 20,000 accounts takes half an hour on a small machine).
accounts_prosody() {
  local n=$1 acc="$PEERS_DIR/prosody/data/${DOMAIN//./%2e}/accounts"
  if [ ! -s "$acc/${USER_PREFIX}1.dat" ]; then
    BENCH_CPUS=0 "$HERE/run" register --host 127.0.0.1 --port 15222 --domain "$DOMAIN" --users 1 \
      --user-prefix "$USER_PREFIX" --password "$PASSWORD" --label prosody --samples false --deadline 2m
  fi
  local template; template="$(cat "$acc/${USER_PREFIX}1.dat")"
  for i in $(seq 2 "$n"); do
    [ -f "$acc/$USER_PREFIX$i.dat" ] || printf '%s\n' "$template" > "$acc/$USER_PREFIX$i.dat"
  done
  chown -R prosody:prosody "$PEERS_DIR/prosody/data"
}

# ejabberd: the missing accounts imported as XEP-0227 files (ejabberdctl import_piefxis; ejabberd
# stores them as SCRAM), in chunks so that each command ends within ejabberdctl's RPC timeout.
accounts_ejabberd() {
  local n=$1 d="$PEERS_DIR/ejabberd" chunk=1000
  local have="$d/registered.txt"
  ejabberdctl_bench registered_users "$DOMAIN" > "$have" 2>/dev/null || true
  local from=1
  while [ "$from" -le "$n" ]; do
    local to=$((from + chunk - 1)); [ "$to" -gt "$n" ] && to=$n
    awk -v q="'" -v p="$USER_PREFIX" -v a="$from" -v b="$to" -v pw="$PASSWORD" -v dom="$DOMAIN" '
      NR == FNR { have[$1] = 1; next }
      END {
        print "<?xml version=" q "1.0" q "?><server-data xmlns=" q "urn:xmpp:pie:0" q "><host jid=" q dom q ">"
        for (i = a; i <= b; i++) if (!((p i) in have)) printf "<user name=%s%s%d%s password=%s%s%s/>\n", q, p, i, q, q, pw, q
        print "</host></server-data>"
      }' "$have" /dev/null > "$d/import.xml"
    chown ejabberd:ejabberd "$d/import.xml"
    if grep -q '<user ' "$d/import.xml"; then
      ejabberdctl_bench import_piefxis "$d/import.xml" > /dev/null || { echo "peers: ejabberd import of $from..$to failed; see $d/logs" >&2; return 1; }
      echo "ejabberd: accounts $from..$to"
    fi
    from=$((to + 1))
  done
  rm -f "$d/import.xml" "$have"
}

cmd_setup() {
  local n=${1:-20000}
  command -v prosody >/dev/null && command -v ejabberdctl >/dev/null || { echo "peers: run 'bench/peers.sh install' first" >&2; exit 1; }
  make_cert
  config_prosody
  config_ejabberd
  for s in prosody ejabberd; do
    cmd_stop "$s"
    "start_$s"
    if [ "$(count_accounts "$s")" -ge "$n" ]; then
      echo "$s already has $n accounts or more"
    else
      "accounts_$s" "$n"
      echo "$s accounts: $(count_accounts "$s")"
    fi
    cmd_stop "$s"
  done
}

cmd_start() {
  local name=${1:?usage: peers.sh start prosody|ejabberd|switchboard [N]}
  port_of "$name" > /dev/null
  if alive "$name"; then echo "$name already running (pid $(cat "$(pidfile "$name")"))"; return 0; fi
  "start_$name" "${2:-}"
}

cmd_stop() {
  local name=${1:?usage: peers.sh stop NAME|all}
  if [ "$name" = all ]; then for s in prosody ejabberd switchboard; do cmd_stop "$s"; done; return 0; fi
  local f; f="$(pidfile "$name")"
  [ -f "$f" ] || return 0
  local pid; pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
    echo "$name stopped (pid $pid)"
  fi
  rm -f "$f"
  local e="$PEERS_DIR/$name/epmd.pid"
  if [ -s "$e" ] && kill -0 "$(cat "$e")" 2>/dev/null; then
    kill -KILL "$(cat "$e")"   # epmd ignores SIGTERM
    echo "epmd stopped (pid $(cat "$e"))"
  fi
  rm -f "$e"
}

cmd_status() {
  for s in prosody ejabberd switchboard; do
    if alive "$s"; then
      local pid; pid="$(cat "$(pidfile "$s")")"
      echo "$s: running, pid $pid, port $(port_of "$s"), RSS $(awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status")"
    else
      echo "$s: stopped"
    fi
  done
}

case "${1:-}" in
  install) cmd_install ;;
  setup) shift; cmd_setup "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  pid) alive "${2:?}" && cat "$(pidfile "$2")" ;;
  port) port_of "${2:?}" ;;
  status) cmd_status ;;
  *) sed -n '2,22p' "$0"; exit 2 ;;
esac
