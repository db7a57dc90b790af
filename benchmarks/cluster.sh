#!/usr/bin/env bash
# Cluster benchmark: upgrades/s (open, one echo, close) and 64 B msgs/s through HAProxy
# (deploy/haproxy/haproxy.cfg, ports substituted) in front of 1, 2 and 3 `wsrelay serve` nodes
# (relay.store.type=redis) on the local PostgreSQL and Redis, to an echo upstream. Prints a
# Markdown table. Everything runs on this machine, so the nodes share its cores with HAProxy,
# the upstream and the load generator.
#
# Usage: benchmarks/cluster.sh [--secs S] [--nodes "1 2 3"]
# Needs: haproxy (.ci/install-haproxy.sh), psql, redis-cli, PostgreSQL on 127.0.0.1:5432 (db test,
# user postgres), Redis on 127.0.0.1:6379, and a build (mvn -pl storage-redis,benchmarks -am package
# -DskipTests). Starts everything on free loopback ports; stops exactly what it started (by pid);
# drops its schema and Redis keys.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAR=$ROOT/benchmarks/target/benchmarks.jar
SECS=5 NODES="1 2 3"
while [ $# -gt 0 ]; do
  case $1 in
    --secs) SECS=$2; shift 2 ;;
    --nodes) NODES=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

OUT=$(mktemp -d /tmp/wsrelay-cluster-bench-XXXXXX)
SCHEMA=wsrelay_bench_$(date +%s)
PREFIX="wsrelay-bench-$(date +%s):"
declare -a PIDS=()
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
  redis-cli --scan --pattern "${PREFIX}*" | xargs -r redis-cli del >/dev/null 2>&1 || true
}
trap cleanup EXIT

psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE SCHEMA $SCHEMA"
export WSRELAY_STORE_TYPE=redis
export WSRELAY_STORE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$SCHEMA"
export WSRELAY_STORE_USER=postgres
export WSRELAY_STORE_REDIS_URL=redis://127.0.0.1:6379
export WSRELAY_STORE_REDIS_KEY_PREFIX="$PREFIX"
export WSRELAY_UPSTREAM_ALLOW_PRIVATE_ADDRESSES=true
export WSRELAY_LIMITS_MAX_SESSIONS_PER_CLIENT=100000
export WSRELAY_LIMITS_UPGRADES_PER_MINUTE_PER_CLIENT=0
export WSRELAY_HEADERS_TRUST_FORWARDED=true

ECHO_PORT=$(free_port)
"$ROOT/bin/wsrelay" echo-server --port "$ECHO_PORT" > "$OUT/echo.log" 2>&1 & PIDS+=($!)
"$ROOT/bin/wsrelay" migrate > "$OUT/migrate.log" 2>&1
"$ROOT/bin/wsrelay" endpoint add bench "ws://127.0.0.1:$ECHO_PORT" >> "$OUT/migrate.log" 2>&1

declare -a PORTS=()
for i in 1 2 3; do
  port=$(free_port); PORTS+=("$port")
  WSRELAY_STORE_MIGRATE_ON_START=false "$ROOT/bin/wsrelay" serve --set relay.host=127.0.0.1 --port "$port" \
    > "$OUT/node$i.log" 2>&1 & PIDS+=($!)
done
for i in 0 1 2; do
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:${PORTS[$i]}/readyz" >/dev/null && break; sleep 0.5; done
done
log "3 nodes ready on ${PORTS[*]}"

echo "| nodes | upgrades/s (16 loops: open, echo, close) | failures | 64 B msgs/s (32 conns, window 4) | p99 ms |"
echo "|---|---|---|---|---|"
for n in $NODES; do
  HP=$(free_port)
  sed -e "s#bind :3001#bind 127.0.0.1:$HP#" -e "s#log /dev/log local0#log stdout format raw local0#" \
      -e "s#/run/haproxy/admin.sock#$OUT/haproxy-$n.sock#" -e '/^    chroot/d' \
      -e "s#10.0.0.11:3001#127.0.0.1:${PORTS[0]}#" -e "s#10.0.0.12:3001#127.0.0.1:${PORTS[1]}#" \
      -e "s#10.0.0.13:3001#127.0.0.1:${PORTS[2]}#" "$ROOT/deploy/haproxy/haproxy.cfg" > "$OUT/haproxy-$n.cfg"
  [ "$n" -lt 3 ] && sed -i '/server relay3 /d' "$OUT/haproxy-$n.cfg"
  [ "$n" -lt 2 ] && sed -i '/server relay2 /d' "$OUT/haproxy-$n.cfg"
  haproxy -db -f "$OUT/haproxy-$n.cfg" > "$OUT/haproxy-$n.log" 2>&1 & HPID=$!; PIDS+=($HPID)
  for _ in $(seq 60); do
    up=$(echo "show stat" | python3 -c "
import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect('$OUT/haproxy-$n.sock'); s.sendall(b'show stat\n')
d=b''
while True:
    c=s.recv(65536)
    if not c: break
    d+=c
print(sum(1 for l in d.decode().splitlines() if l.startswith('wsrelay_nodes,relay') and l.split(',')[17]=='UP'))" 2>/dev/null || echo 0)
    [ "$up" = "$n" ] && break; sleep 0.5
  done
  URL="ws://127.0.0.1:$HP/ws-proxy/echo?endpointId=bench"
  churn=$("$JAVA" -cp "$JAR" io.wsrelay.benchmarks.ChurnRun "$URL" --workers 16 --secs "$SECS" 2>>"$OUT/churn.log" || true)
  load=$("$JAVA" -Xmx1g -cp "$JAR" io.wsrelay.benchmarks.LoadGenerator "$URL" --conns 32 --size 64 --window 4 \
      --secs "$SECS" --no-table 2>>"$OUT/loadgen.log" || true)
  ups=$(echo "$churn" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print("%.0f | %d" % (d["upgradesPerSec"], d["failures"]))' 2>/dev/null || echo "? | ?")
  msgs=$(echo "$load" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print("%.0f | %.1f" % (d["msgs_per_s"], d["p99_us"] / 1000))' 2>/dev/null || echo "? | ?")
  echo "{\"nodes\":$n,\"churn\":$churn,\"load\":$load}" >> "$OUT/results.jsonl"
  echo "| $n | $ups | $msgs |"
  kill "$HPID"; wait "$HPID" 2>/dev/null || true
done
log "logs in $OUT; load: $(uptime)"
