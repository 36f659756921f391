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
#   bench/peers.sh archive-setup [M] [C]     scenario 5's archive: one PostgreSQL on loopback (NAME pg, port 5439)
#                                            holding each server's own archive tables, and in each the same M
#                                            messages (default 1000000) of user1 with C contacts (default 100);
#                                            then PEERS_ARCHIVE=1 bench/peers.sh start NAME runs NAME on it
#
# Ports (all on 127.0.0.1): Prosody 15222/15223, ejabberd 25222/25223 (+ 25299 for its Erlang
# distribution, loopback, no epmd), Switchboard 35222/35223. Accounts: user1..userN, password
# "benchpass", domain bench.test, the same EC P-256 certificate for all three.
#
# Environment: PEERS_DIR, SERVER_CPUS (taskset CPU list for the servers, default 1 when the machine
# has 2 or more cores), DOMAIN, PASSWORD, USER_PREFIX, SB_JAVA_OPTS (Switchboard's JVM options),
# PEERS_MAM=1 at setup (message archive on in Prosody and ejabberd, as Switchboard always has it),
# PEERS_ARCHIVE=1 at start (the server keeps its archive in the PostgreSQL of archive-setup),
# SB_ARCHIVE_KEEP (messages each archive of Switchboard's in-memory storage keeps, default 10: a
# server on PostgreSQL holds no archive in its heap; see docs/benchmarks.md, "Garbage collection").
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
    pg) echo "$PG_PORT" ;;
    *) echo "peers: unknown server '$1' (prosody, ejabberd, switchboard, pg)" >&2; exit 2 ;;
  esac
}

PG_PORT=5439
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
# The archive configurations (PEERS_ARCHIVE=1): file name suffix.
variant() { if [ "${PEERS_ARCHIVE:-0}" = 1 ]; then echo "-archive"; fi; }

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
  local d="$PEERS_DIR/prosody" cfg="$PEERS_DIR/prosody/prosody.cfg.lua"
  # PEERS_MAM=1: every 1:1 message archived (XEP-0313), as Switchboard always does.
  local mam_module="" mam_settings="" storage='"internal"'
  if [ "${PEERS_MAM:-0}" = 1 ]; then
    mam_module='; "mam"'
    mam_settings='default_archive_policy = true
archive_expires_after = "1d"'
  fi
  # archive: the message archive in PostgreSQL (mod_storage_sql), kept for ever; the rest as usual.
  if [ "${1:-}" = archive ]; then
    cfg="$d/prosody-archive.cfg.lua"
    mam_module='; "mam"'
    mam_settings='default_archive_policy = true
archive_expires_after = "never"
sql = { driver = "PostgreSQL"; database = "prosody"; username = "prosody"; password = "bench"; host = "127.0.0.1"; port = '"$PG_PORT"' }'
    storage='{ archive = "sql"; archive2 = "sql" }
default_storage = "internal"'
  fi

  mkdir -p "$d/data"
  cat > "$cfg" <<EOF
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
storage = $storage
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
  local d="$PEERS_DIR/ejabberd" cfg="$PEERS_DIR/ejabberd/ejabberd.yml" sql=""
  # PEERS_MAM=1: every 1:1 message archived (XEP-0313), as Switchboard always does.
  local ejabberd_mam="  # mod_mam off (PEERS_MAM=1 turns it on)"
  if [ "${PEERS_MAM:-0}" = 1 ]; then
    ejabberd_mam="  mod_mam:
    db_type: mnesia
    default: always"
  fi
  # archive: the message archive in PostgreSQL (ejabberd's pg.sql schema); accounts stay in Mnesia.
  if [ "${1:-}" = archive ]; then
    cfg="$d/ejabberd-archive.yml"
    ejabberd_mam="  mod_mam:
    db_type: sql
    default: always"
    sql="sql_type: pgsql
sql_server: \"127.0.0.1\"
sql_port: $PG_PORT
sql_database: \"ejabberd\"
sql_username: \"ejabberd\"
sql_password: \"bench\"
sql_pool_size: 10"
  fi
  mkdir -p "$d/spool" "$d/logs"
  touch "$d/inetrc"
  cat > "$cfg" <<EOF
# ejabberd for the Switchboard benchmark (bench/peers.sh): loopback only, state under $d.
$sql
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
    ejabberdctl --config-dir "$d" --config "$d/ejabberd$(variant).yml" --ctl-config "$d/ejabberdctl.cfg" \
      --logs "$d/logs" --spool "$d/spool" "$@"
}

start_prosody() {
  local d="$PEERS_DIR/prosody"
  local cfg; cfg="$d/prosody$(variant).cfg.lua"
  [ -f "$cfg" ] || { echo "peers: run 'bench/peers.sh setup' (and archive-setup for PEERS_ARCHIVE=1) first" >&2; exit 1; }
  ulimit -n "$(ulimit -Hn)"
  rm -f "$d/prosody.pid"
  (pin_exec setpriv --reuid=prosody --regid=prosody --init-groups prosody --config "$cfg") \
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
  [ -f "$d/ejabberd$(variant).yml" ] || { echo "peers: run 'bench/peers.sh setup' (and archive-setup for PEERS_ARCHIVE=1) first" >&2; exit 1; }
  ulimit -n "$(ulimit -Hn)"
  rm -f "$d/ejabberd.pid"
  # Erlang starts an epmd daemon if none runs; ERL_EPMD_ADDRESS keeps it on loopback, and the one
  # started here is stopped with ejabberd (its PID kept beside ejabberd's).
  local had_epmd=""
  pgrep -x epmd > /dev/null && had_epmd=1
  HOME="$d" pin setpriv --reuid=ejabberd --regid=ejabberd --init-groups env HOME="$d" ERL_EPMD_ADDRESS=127.0.0.1 \
    ejabberdctl --config-dir "$d" --config "$d/ejabberd$(variant).yml" --ctl-config "$d/ejabberdctl.cfg" \
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
  # PEERS_ARCHIVE=1: on the PostgreSQL of archive-setup (accounts that exist there are kept).
  local db_env=(SWITCHBOARD_STORAGE_MODE=memory)
  if [ "${PEERS_ARCHIVE:-0}" = 1 ]; then
    db_env=(SWITCHBOARD_STORAGE_MODE=postgres "SWITCHBOARD_DATABASE_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/switchboard"
      SWITCHBOARD_DATABASE_USER=switchboard SWITCHBOARD_DATABASE_PASSWORD=bench)
  fi
  if [ -n "$SERVER_CPUS" ]; then
    opts="-XX:ActiveProcessorCount=$(echo "$SERVER_CPUS" | tr ',' '\n' | wc -l) $opts"
  fi
  env "${db_env[@]}" BENCH_JAVA_OPTS="$opts -Djava.awt.headless=true" BENCH_CPUS="" \
    "$HERE/run" server --domain "$DOMAIN" --port 35222 --tls-port 35223 --users "$n" --user-prefix "$USER_PREFIX" \
      --password "$PASSWORD" --cert "$PEERS_DIR/tls/$DOMAIN.crt" --key "$PEERS_DIR/tls/$DOMAIN.key" \
      --data-dir "$d/data" --pid-file "$d/switchboard.pid" --archive-keep "${SB_ARCHIVE_KEEP:-10}" \
      > "$d/switchboard.log" 2>&1 &
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

# PostgreSQL for scenario 5's archive: a cluster of our own under $PEERS_DIR/pg (Debian's
# binaries, run as the postgres user), loopback only, trust authentication (nothing else can reach
# it), pinned like the servers it serves.
start_pg() {
  local d="$PEERS_DIR/pg"
  [ -n "$PG_BIN" ] || { echo "peers: PostgreSQL is not installed (bench/peers.sh install)" >&2; exit 1; }
  mkdir -p "$d"
  chown postgres:postgres "$d"
  if [ ! -f "$d/data/PG_VERSION" ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups \
      "$PG_BIN/initdb" -D "$d/data" -U postgres --auth=trust -E UTF8 --locale=C > "$d/initdb.log"
    cat >> "$d/data/postgresql.conf" <<EOF
# bench/peers.sh: loopback only; the archives of all three servers fit in memory.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$d'
shared_buffers = 2GB
effective_cache_size = 8GB
max_connections = 100
EOF
  fi
  rm -f "$d/pg.pid"
  (pin_exec setpriv --reuid=postgres --regid=postgres --init-groups "$PG_BIN/postgres" -D "$d/data") > "$d/pg.log" 2>&1 &
  echo $! > "$d/pg.pid"
  wait_port "$PG_PORT" 60
  for _ in $(seq 1 100); do psql_pg -c 'select 1' > /dev/null 2>&1 && break; sleep 0.1; done
  check_loopback "$(cat "$d/pg.pid")"
  echo "pg started: pid $(cat "$d/pg.pid"), 127.0.0.1:$PG_PORT"
}

psql_pg() {
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "${PGUSER_AS:-postgres}" -d "${PGDB:-postgres}" "$@"
}

# The same M messages of user1 in every server's archive: message i with user(2 + i % C), sent by
# user1 in even blocks of C messages and received in odd ones, at T0 + i seconds, with the body
# "m i (i % C) ..."; each server's table gets them in its own layout, and bench/run archive checks
# every answer against that numbering.
seed_sql() {
  local server=$1 m=$2 c=$3 t0=$4
  local owner="${USER_PREFIX}1@$DOMAIN"
  local contact="('$USER_PREFIX' || (2 + i % $c) || '@$DOMAIN')"
  local body="('m ' || i || ' ' || (i % $c) || ' archive benchmark message')"
  local xml="CASE WHEN (i / $c) % 2 = 0
      THEN '<message xmlns=\"jabber:client\" from=\"$owner/seed\" to=\"' || $contact || '\" type=\"chat\" id=\"s' || i || '\"><body>' || $body || '</body></message>'
      ELSE '<message xmlns=\"jabber:client\" from=\"' || $contact || '/seed\" to=\"$owner\" type=\"chat\" id=\"s' || i || '\"><body>' || $body || '</body></message>' END"
  case "$server" in
    switchboard) cat <<EOF
DELETE FROM message_archive WHERE owner = '$owner';
INSERT INTO message_archive (owner, id, with_jid, outgoing, at, origin_id, stanza)
SELECT '$owner', (($t0 + i) * 1000::bigint) << 20, $contact, (i / $c) % 2 = 0, to_timestamp($t0 + i), NULL, $xml
FROM generate_series(0, $m - 1) AS i;
VACUUM (FULL, ANALYZE) message_archive;
-- Then as autovacuum would leave it (visibility map set: index-only scans need no heap reads).
VACUUM message_archive;
EOF
    ;;
    prosody) cat <<EOF
DELETE FROM prosodyarchive WHERE host = '$DOMAIN' AND "user" = '${USER_PREFIX}1' AND store = 'archive';
INSERT INTO prosodyarchive (host, "user", store, "when", "with", key, type, value)
SELECT '$DOMAIN', '${USER_PREFIX}1', 'archive', $t0 + i, $contact, 'seed-' || i, 'xml', $xml
FROM generate_series(0, $m - 1) AS i ORDER BY i;
VACUUM (FULL, ANALYZE) prosodyarchive;
-- Then as autovacuum would leave it (visibility map set: index-only scans need no heap reads).
VACUUM prosodyarchive;
EOF
    ;;
    ejabberd) cat <<EOF
DELETE FROM archive WHERE username = '${USER_PREFIX}1';
INSERT INTO archive (username, timestamp, peer, bare_peer, xml, txt, kind, nick)
SELECT '${USER_PREFIX}1', ($t0 + i) * 1000000::bigint, $contact || '/seed', $contact, $xml, $body, 'chat', ''
FROM generate_series(0, $m - 1) AS i ORDER BY i;
VACUUM (FULL, ANALYZE) archive;
-- Then as autovacuum would leave it (visibility map set: index-only scans need no heap reads).
VACUUM archive;
EOF
    ;;
  esac
}

cmd_archive_setup() {
  local m=${1:-1000000} c=${2:-100}
  [ -f "$PEERS_DIR/prosody/prosody.cfg.lua" ] || { echo "peers: run 'bench/peers.sh setup' first" >&2; exit 1; }
  config_prosody archive
  config_ejabberd archive
  alive pg || start_pg
  for db in switchboard prosody ejabberd; do
    if [ -z "$(psql_pg -tA -c "select 1 from pg_roles where rolname = '$db'")" ]; then
      psql_pg -c "CREATE ROLE $db LOGIN PASSWORD 'bench'"
      psql_pg -c "CREATE DATABASE $db OWNER $db"
    fi
  done
  if [ -z "$(PGUSER_AS=ejabberd PGDB=ejabberd psql_pg -tA -c "select to_regclass('archive')")" ]; then
    PGUSER_AS=ejabberd PGDB=ejabberd psql_pg -f /usr/share/ejabberd/sql/pg.sql > /dev/null
  fi
  # Prosody and Switchboard create their own tables when they start on their database.
  cmd_stop prosody > /dev/null
  PEERS_ARCHIVE=1 start_prosody
  # Prosody creates its SQL tables on the first use of the store: a few archived messages.
  BENCH_CPUS="" "$HERE/run" throughput --port 15222 --domain "$DOMAIN" --user-prefix "$USER_PREFIX" --password "$PASSWORD" \
    --label prosody --pairs 1 --window 1 --warmup 0s --duration 1s --samples false --deadline 1m > /dev/null || true
  for _ in $(seq 1 300); do
    [ -n "$(PGUSER_AS=prosody PGDB=prosody psql_pg -tA -c "select to_regclass('prosodyarchive')")" ] && break
    sleep 0.1
  done
  cmd_stop prosody
  [ -n "$(PGUSER_AS=prosody PGDB=prosody psql_pg -tA -c "select to_regclass('prosodyarchive')")" ] \
    || { echo "peers: Prosody did not create its archive table; see $PEERS_DIR/prosody/prosody.log" >&2; exit 1; }
  cmd_stop switchboard > /dev/null
  PEERS_ARCHIVE=1 start_switchboard $((c + 1))
  cmd_stop switchboard
  local t0=$(( $(date +%s) - m - 3600 ))
  for s in switchboard prosody ejabberd; do
    local t=$SECONDS
    seed_sql "$s" "$m" "$c" "$t0" | PGUSER_AS=$s PGDB=$s psql_pg
    echo "$s: $m archived messages of ${USER_PREFIX}1 written in $((SECONDS - t)) s (database $(PGUSER_AS=$s PGDB=$s psql_pg -tA -c "select pg_size_pretty(pg_database_size('$s'))"))"
  done
  echo "archive ready: bench/peers.sh start pg, then PEERS_ARCHIVE=1 bench/peers.sh start NAME"
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
  if [ "$name" = all ]; then for s in prosody ejabberd switchboard pg; do cmd_stop "$s"; done; return 0; fi
  local f; f="$(pidfile "$name")"
  [ -f "$f" ] || return 0
  local pid; pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    # PostgreSQL: SIGINT is its fast shutdown (SIGTERM waits for every client to leave).
    if [ "$name" = pg ]; then kill -INT "$pid"; else kill -TERM "$pid"; fi
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
  for s in prosody ejabberd switchboard pg; do
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
  archive-setup) shift; cmd_archive_setup "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  pid) alive "${2:?}" && cat "$(pidfile "$2")" ;;
  port) port_of "${2:?}" ;;
  status) cmd_status ;;
  *) sed -n '2,28p' "$0"; exit 2 ;;
esac
