#!/usr/bin/env bash
# Idle memory of wsrelay per relayed session, and where it goes.
#
# Usage: benchmarks/idle-memory.sh [--base 200] [--conns 2000] [--hold 5] [--reps 1] [--warm-churn 0]
#                                  [--no-slope] [--no-breakdown] [--no-dumps]
#                                  [--keep-dumps] [--out DIR]
# Environment (defaults in brackets): JAVA [JDK 25], ECHO_PORT [9021], WSRELAY_PORT [3021],
#   WSRELAY_JAVA_OPTS [] (extra relay JVM options, after the launcher's: to try a setting),
#   LOADGEN_JAVA_OPTS [-Xmx1g].
#
# The relay runs as `bin/wsrelay serve` (the launcher's JVM options, the embedded store in the run
# folder, endpoint e1 -> `bin/wsrelay echo-server`), with compare.sh's local-run settings.
#   1. slope (--reps times, as compare.sh's mem workload): a fresh relay, one second of 64 B echo,
#      (plus --warm-churn seconds of churn: sessions opened, echoed once and closed, so that the
#      JIT has compiled the upgrade path before the first reading), then the load generator's hold mode, --conns connections after --base, held --hold seconds:
#      resident KiB per session (VmRSS slope).
#   2. breakdown (once, a fresh relay with -XX:NativeMemoryTracking=summary): one load generator
#      holds --base sessions, a second one --conns more; at both points the relay's VmRSS,
#      GC.heap_info, VM.native_memory summary and GC.class_histogram (a full GC) are saved, and
#      the differences per session are printed: resident memory, live heap by class and by package,
#      native memory by NMT category; and, from a heap dump at both points (deleted afterwards;
#      --no-dumps skips them), live heap by owner (HeapOwners: the nearest library or wsrelay
#      object up each object's referrers, as Owner.field).
# Writes everything into --out (default /tmp/wsrelay-idle-<time>), breakdown.txt last; starts
# everything on 127.0.0.1 and stops exactly what it started (by pid) on any exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JCMD=$(dirname "$JAVA")/jcmd
JAR=$ROOT/benchmarks/target/benchmarks.jar
ECHO_PORT=${ECHO_PORT:-9021} WSRELAY_PORT=${WSRELAY_PORT:-3021}
WSRELAY_JAVA_OPTS=${WSRELAY_JAVA_OPTS:-} LOADGEN_JAVA_OPTS=${LOADGEN_JAVA_OPTS:--Xmx1g}
# These are this script's knobs, not relay settings (the relay refuses unknown WSRELAY_* variables).
export -n WSRELAY_PORT WSRELAY_JAVA_OPTS 2>/dev/null || true
BASE=200 CONNS=2000 HOLD=5 REPS=1 SLOPE=1 BREAKDOWN=1 DUMPS=1 KEEP_DUMPS=0 WARM_CHURN=0
OUT=/tmp/wsrelay-idle-$(date +%Y%m%d-%H%M%S)

while [ $# -gt 0 ]; do
  case $1 in
    --base) BASE=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    --hold) HOLD=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --warm-churn) WARM_CHURN=$2; shift 2 ;;
    --no-slope) SLOPE=0; shift ;;
    --no-breakdown) BREAKDOWN=0; shift ;;
    --no-dumps) DUMPS=0; shift ;;
    --keep-dumps) KEEP_DUMPS=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$JAVA" ] || { echo "JDK 25 not found at $JAVA (set JAVA)" >&2; exit 1; }
mkdir -p "$OUT"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/benchmarks/src" "$ROOT/relay/src/main" -newer "$JAR" -type f -print -quit)" ]; then
  log "building $JAR"
  (cd "$ROOT" && mvn -q -B -pl benchmarks -am package -DskipTests)
fi
need=$((2 * (BASE + CONNS) + 512))
[ "$(ulimit -n)" -ge "$need" ] || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge "$need" ] || log "warning: ulimit -n is $(ulimit -n), the relay needs about $need"

# ---- processes: stop exactly what we started ------------------------------------------------------
# shellcheck source=processes.sh
. "$ROOT/benchmarks/processes.sh"
cleanup() { for r in held base relay echo; do stop "$r"; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM
wait_port() {
  for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  log "nothing listening on 127.0.0.1:$1 after 60 s; see $OUT/*.log"; return 1
}
require_free() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then echo "port $1 is in use; set ${2}_PORT" >&2; exit 1; fi
}

URL="ws://127.0.0.1:$WSRELAY_PORT/ws-proxy/echo?endpointId=e1"
LIMIT=$((BASE + CONNS + 1000))
relay_env=(WSRELAY_DATA_DIR="$OUT/wsrelay-data" WEBSOCKET_PORT="$WSRELAY_PORT")

start_echo() {
  require_free "$ECHO_PORT" ECHO
  "$ROOT/bin/wsrelay" echo-server --host 127.0.0.1 --port "$ECHO_PORT" >> "$OUT/echo.log" 2>&1 &
  PID[echo]=$!; wait_port "$ECHO_PORT"
}
start_relay() { # extra JVM options
  require_free "$WSRELAY_PORT" WSRELAY
  if [ ! -d "$OUT/wsrelay-data" ]; then
    env "${relay_env[@]}" "$ROOT/bin/wsrelay" endpoint add e1 "ws://127.0.0.1:$ECHO_PORT" >> "$OUT/relay.log" 2>&1
  fi
  # compare.sh's local-run settings: loopback upstream allowed, per-address limits lifted.
  env "${relay_env[@]}" WSRELAY_JAVA_OPTS="$WSRELAY_JAVA_OPTS $*" "$ROOT/bin/wsrelay" serve \
    --set relay.host=127.0.0.1 --set relay.upstream.allow-private-addresses=true \
    --set "relay.limits.max-sessions=$LIMIT" --set "relay.limits.max-sessions-per-client=$LIMIT" \
    --set relay.limits.upgrades-per-minute-per-client=0 \
    --set "relay.limits.max-pending-heads=$LIMIT" --set "relay.limits.max-pending-heads-per-client=$LIMIT" \
    >> "$OUT/relay.log" 2>&1 &
  PID[relay]=$!; wait_port "$WSRELAY_PORT"
  # The launcher execs java; the pid is the JVM's.
  [ "$(cat "/proc/${PID[relay]}/comm")" = java ] || { log "the relay's pid is not a JVM"; return 1; }
}
loadgen() { # args...
  # shellcheck disable=SC2086
  timeout 900 "$JAVA" $LOADGEN_JAVA_OPTS -cp "$JAR" io.wsrelay.benchmarks.LoadGenerator "$URL" "$@"
}
warm() {
  loadgen --conns 16 --size 64 --window 4 --secs 1 --warmup 0 > /dev/null 2>> "$OUT/loadgen.log"
  if [ "$WARM_CHURN" != 0 ]; then
    loadgen --churn --conns 32 --size 64 --secs "$WARM_CHURN" --warmup 0 > /dev/null 2>> "$OUT/loadgen.log"
  fi
}
active() { # relayed sessions open now, from the relay's /metrics
  curl -s --max-time 5 "http://127.0.0.1:$WSRELAY_PORT/metrics" \
    | awk '/^wsrelay_sessions_active\{/ { s += $NF } END { printf "%d\n", s }'
}
await_active() { # n: bounded wait (300 s) until n sessions are open
  for _ in $(seq 1500); do [ "$(active)" -ge "$1" ] && return 0; sleep 0.2; done
  log "only $(active) of $1 sessions open after 300 s"; return 1
}

# ---- 1. slope, as compare.sh's mem workload -----------------------------------------------------------
start_echo
if [ "$SLOPE" = 1 ]; then
  for rep in $(seq "$REPS"); do
    start_relay
    warm
    json=$(loadgen --hold "$CONNS" --base "$BASE" --secs "$HOLD" --pid "${PID[relay]}" 2>> "$OUT/loadgen.log") || true
    echo "$json" >> "$OUT/slope.jsonl"
    log "slope rep $rep: $(jq -c '{opened, verified, still_open, rss_before_kib, rss_after_kib, kib_per_conn, errors}' <<< "$json")"
    stop relay
  done
fi

# ---- 2. breakdown ---------------------------------------------------------------------------------
snapshot() { # name: memory figures of the relay, resident first (the histogram's full GC moves it)
  local p=${PID[relay]} d="$OUT/$1"
  mkdir -p "$d"
  cat "/proc/$p/status" > "$d/status"
  cat "/proc/$p/smaps_rollup" > "$d/smaps_rollup" 2>/dev/null || true
  "$JCMD" "$p" GC.heap_info > "$d/heap_info"
  cat "/proc/$p/smaps" > "$d/smaps"
  "$JCMD" "$p" VM.native_memory summary scale=KB > "$d/nmt"
  "$JCMD" "$p" Thread.print > "$d/threads" 2>/dev/null || true
  "$JCMD" "$p" GC.class_histogram > "$d/histogram"
  "$JCMD" "$p" GC.heap_info > "$d/heap_info_after_gc"
  [ "$DUMPS" = 0 ] || "$JCMD" "$p" GC.heap_dump "$d/heap.hprof" > /dev/null
  cat "/proc/$p/status" > "$d/status_after_gc"
}
if [ "$BREAKDOWN" = 1 ]; then
  start_relay -XX:NativeMemoryTracking=summary
  warm
  loadgen --hold "$BASE" --secs 3600 > "$OUT/hold-base.json" 2>> "$OUT/loadgen.log" &
  PID[base]=$!
  await_active "$BASE"
  sleep 2 # the check echoes
  snapshot base
  loadgen --hold "$CONNS" --secs 3600 > "$OUT/hold-held.json" 2>> "$OUT/loadgen.log" &
  PID[held]=$!
  await_active $((BASE + CONNS))
  sleep "$HOLD"
  snapshot held
  stop held; stop base; stop relay
  "$JAVA" -cp "$JAR" io.wsrelay.benchmarks.IdleBreakdown "$OUT/base" "$OUT/held" "$CONNS" > "$OUT/breakdown.txt"
  if [ "$DUMPS" = 1 ]; then
    "$JAVA" -Xmx3g -cp "$JAR" io.wsrelay.benchmarks.HeapOwners "$OUT/base/heap.hprof" "$OUT/held/heap.hprof" "$CONNS" 200 \
      >> "$OUT/breakdown.txt"
    [ "$KEEP_DUMPS" = 1 ] || rm -f "$OUT/base/heap.hprof" "$OUT/held/heap.hprof"
  fi
  cat "$OUT/breakdown.txt"
fi
log "load average: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"
