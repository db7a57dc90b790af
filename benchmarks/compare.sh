#!/usr/bin/env bash
# Side-by-side load benchmark: the same workloads, in one run, direct to an echo upstream,
# through nginx, through the seed's Node relay and through wsrelay, alternating targets and
# repeating; prints medians and the ratios to nginx and to direct (Markdown).
#
# Usage: benchmarks/compare.sh [--reps N] [--secs S] [--targets "direct nginx seed wsrelay"]
#                              [--quick] [--no-memory] [--no-capacity] [--out DIR]
#                              [--workloads "w64t w4kb w64kb r64t churn"]
# Environment (defaults in brackets): JAVA [JDK 25], ECHO_PORT [9001], NGINX_PORT [3002],
#   SEED_PORT [3003], WSRELAY_PORT [3001], BENCH_KIT [<repo>/../shared/bench], KIT_CACHE
#   [/tmp/wsrelay-bench-kit], WSRELAY_LAUNCH [auto|bin|embedded], WSRELAY_JAVA_OPTS [],
#   LOADGEN_JAVA_OPTS [-Xmx2g], RATE [5000], MEM_CONNS [2000], MEM_BASE [200], CAP_CONNS [9000],
#   WSRELAY_CAPTURE [off] (API discovery on wsrelay's endpoint: off, metadata or samples; bin launch only),
#   CHURN_CONNS [32], BEFORE_ROOT [] and BEFORE_PORT [3004] for the target "before": another
#   checkout of wsrelay (e.g. an older commit, built there) run by its own bin/wsrelay, so a
#   change is measured before and after in one run.
# Starts everything it needs on 127.0.0.1, stops exactly what it started (by pid) on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAR=$ROOT/benchmarks/target/benchmarks.jar
ECHO_PORT=${ECHO_PORT:-9001} NGINX_PORT=${NGINX_PORT:-3002} SEED_PORT=${SEED_PORT:-3003} WSRELAY_PORT=${WSRELAY_PORT:-3001}
# The shared bench kit sits beside the repository (../shared/bench from its root) in every clone.
BENCH_KIT=${BENCH_KIT:-$(cd "$ROOT/.." && pwd)/shared/bench} KIT_CACHE=${KIT_CACHE:-/tmp/wsrelay-bench-kit}
WSRELAY_LAUNCH=${WSRELAY_LAUNCH:-auto} WSRELAY_JAVA_OPTS=${WSRELAY_JAVA_OPTS:-}
LOADGEN_JAVA_OPTS=${LOADGEN_JAVA_OPTS:--Xmx2g} WSRELAY_CAPTURE=${WSRELAY_CAPTURE:-off}
PATH=$PATH:/usr/sbin:/sbin # nginx lives in /usr/sbin on Debian
CHURN_CONNS=${CHURN_CONNS:-32} BEFORE_ROOT=${BEFORE_ROOT:-} BEFORE_PORT=${BEFORE_PORT:-3004}
RATE=${RATE:-5000} MEM_CONNS=${MEM_CONNS:-2000} MEM_BASE=${MEM_BASE:-200} CAP_CONNS=${CAP_CONNS:-9000}
# This script's own WSRELAY_* knobs are not relay settings: keep them out of the relays' environment
# (the relay refuses an unknown WSRELAY_* variable, and WSRELAY_PORT would override WEBSOCKET_PORT).
export -n WSRELAY_LAUNCH WSRELAY_CAPTURE WSRELAY_PORT WSRELAY_JAVA_OPTS 2>/dev/null || true
REPS=3 SECS=5 WARMUP=2 HOLD_SECS=5 TARGETS="direct nginx seed wsrelay" MEMORY=1 CAPACITY=1
ORDER="w64t w4kb w64kb r64t churn"
OUT=/tmp/wsrelay-compare-$(date +%Y%m%d-%H%M%S)
COMMAND="$0 $*"

while [ $# -gt 0 ]; do
  case $1 in
    --reps) REPS=$2; shift 2 ;;
    --secs) SECS=$2; shift 2 ;;
    --targets) TARGETS=$2; shift 2 ;;
    --quick) REPS=1 SECS=2 WARMUP=1 HOLD_SECS=2 MEM_CONNS=500 MEM_BASE=100 CAP_CONNS=2000; shift ;;
    --no-memory) MEMORY=0; shift ;;
    --no-capacity) CAPACITY=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    --workloads) ORDER=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

[ -f "$BENCH_KIT/echo.js" ] || { echo "bench kit not found at $BENCH_KIT (set BENCH_KIT)" >&2; exit 1; }
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl LOG=$OUT/loadgen.log
: > "$RESULTS"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# ---- stop exactly what we started (roles: echo nginx seed before wsrelay) ---------------------
# shellcheck source=processes.sh
. "$ROOT/benchmarks/processes.sh"
cleanup() { for r in wsrelay before seed nginx echo; do stop "$r"; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_port() { # port: bounded wait (60 s: a JVM opening its store on a busy machine) for a listener
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  log "nothing listening on 127.0.0.1:$1 after 60 s; see $OUT/*.log"; return 1
}
require_free() { # port
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
    echo "port $1 is already in use; set ${2}_PORT to a free one" >&2; exit 1
  fi
}

# ---- preparation ---------------------------------------------------------------------------------
[ -x "$JAVA" ] || { echo "JDK 25 not found at $JAVA (set JAVA)" >&2; exit 1; }
if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/benchmarks/src" "$ROOT/relay/src/main" -newer "$JAR" -type f -print -quit)" ]; then
  log "building $JAR"
  (cd "$ROOT" && mvn -q -pl benchmarks -am package -DskipTests)
fi
if [ ! -d "$KIT_CACHE/node_modules/ws" ]; then
  log "copying the bench kit to $KIT_CACHE and installing ws"
  rm -rf "$KIT_CACHE" && cp -r "$BENCH_KIT" "$KIT_CACHE" && chmod -R u+w "$KIT_CACHE"
  (cd "$KIT_CACHE" && npm install --no-audit --no-fund --silent)
fi
# The shared nginx.conf and endpoints.json name fixed ports and /tmp paths; adapt copies.
sed -e "s#127.0.0.1:9001#127.0.0.1:$ECHO_PORT#; s#listen 127.0.0.1:3002#listen 127.0.0.1:$NGINX_PORT#" \
    -e "s#^pid .*#pid $OUT/nginx.pid;#; s#^error_log .*#error_log $OUT/nginx-error.log warn;#" \
    -e "s#^http {#http {\n  client_body_temp_path $OUT/nginx-tmp; proxy_temp_path $OUT/nginx-tmp;#" \
    "$BENCH_KIT/nginx.conf" > "$OUT/nginx.conf"
mkdir -p "$OUT/nginx-tmp"
sed "s#127.0.0.1:9001#127.0.0.1:$ECHO_PORT#g" "$BENCH_KIT/endpoints.json" > "$OUT/endpoints.json"

if [ "$WSRELAY_LAUNCH" = auto ]; then
  if [ -x "$ROOT/bin/wsrelay" ]; then WSRELAY_LAUNCH=bin; else WSRELAY_LAUNCH=embedded; fi
fi

# Sessions need a descriptor each on the client side and two in a relay (client + upstream).
need=$((CAP_CONNS * 2 + MEM_BASE + 512))
if [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  [ "$(ulimit -n)" -ge "$need" ] || log "warning: ulimit -n is $(ulimit -n), a relay at $CAP_CONNS sessions needs about $need"
fi

# ---- targets ---------------------------------------------------------------------------------------
start() { # role
  case $1 in
    echo)
      require_free "$ECHO_PORT" ECHO
      (cd "$KIT_CACHE" && exec node echo.js "$ECHO_PORT") >> "$OUT/echo.log" 2>&1 &
      PID[echo]=$!; wait_port "$ECHO_PORT" ;;
    nginx)
      require_free "$NGINX_PORT" NGINX
      nginx -c "$OUT/nginx.conf" -g 'daemon off;' >> "$OUT/nginx.log" 2>&1 &
      PID[nginx]=$!; wait_port "$NGINX_PORT" ;;
    seed)
      require_free "$SEED_PORT" SEED
      (cd "$KIT_CACHE" && exec node seed-relay.js "$SEED_PORT" "$OUT/endpoints.json") >> "$OUT/seed.log" 2>&1 &
      PID[seed]=$!; wait_port "$SEED_PORT" ;;
    before)
      [ -x "$BEFORE_ROOT/bin/wsrelay" ] || { log "target before needs BEFORE_ROOT (a checkout with bin/wsrelay)"; return 1; }
      require_free "$BEFORE_PORT" BEFORE
      local benv=(WSRELAY_DATA_DIR="$OUT/before-data" WEBSOCKET_PORT="$BEFORE_PORT" WSRELAY_JAVA_OPTS="$WSRELAY_JAVA_OPTS")
      if [ ! -d "$OUT/before-data" ]; then
        env "${benv[@]}" "$BEFORE_ROOT/bin/wsrelay" endpoint add e1 "ws://127.0.0.1:$ECHO_PORT" >> "$OUT/before.log" 2>&1
      fi
      env "${benv[@]}" "$BEFORE_ROOT/bin/wsrelay" serve --set "relay.limits.max-sessions=$((CAP_CONNS + MEM_BASE + 1000))" \
        --set relay.upstream.allow-private-addresses=true \
        --set "relay.limits.max-sessions-per-client=$((CAP_CONNS + MEM_BASE + 1000))" \
        --set relay.limits.upgrades-per-minute-per-client=0 --set relay.host=127.0.0.1 >> "$OUT/before.log" 2>&1 &
      PID[before]=$!; wait_port "$BEFORE_PORT" ;;
    wsrelay)
      require_free "$WSRELAY_PORT" WSRELAY
      local max="relay.limits.max-sessions=$((CAP_CONNS + MEM_BASE + 1000))"
      # The echo upstream is on loopback and every load client comes from 127.0.0.1: lift the
      # destination guard's loopback refusal and the per-address limits for this run.
      local local_run=(--set relay.upstream.allow-private-addresses=true
        --set "relay.limits.max-sessions-per-client=$((CAP_CONNS + MEM_BASE + 1000))"
        --set relay.limits.upgrades-per-minute-per-client=0
        --set "relay.limits.max-pending-heads=$((CAP_CONNS + MEM_BASE + 1000))"
        --set "relay.limits.max-pending-heads-per-client=$((CAP_CONNS + MEM_BASE + 1000))")
      if [ "$WSRELAY_LAUNCH" = bin ]; then
        # The embedded store lives in this run's folder; the endpoint is registered once.
        local env=(WSRELAY_DATA_DIR="$OUT/wsrelay-data" WEBSOCKET_PORT="$WSRELAY_PORT" WSRELAY_JAVA_OPTS="$WSRELAY_JAVA_OPTS")
        if [ ! -d "$OUT/wsrelay-data" ]; then
          env "${env[@]}" "$ROOT/bin/wsrelay" endpoint add e1 "ws://127.0.0.1:$ECHO_PORT" --capture "$WSRELAY_CAPTURE" >> "$OUT/wsrelay.log" 2>&1
        fi
        env "${env[@]}" "$ROOT/bin/wsrelay" serve --set "$max" "${local_run[@]}" --set relay.host=127.0.0.1 >> "$OUT/wsrelay.log" 2>&1 &
      else
        # shellcheck disable=SC2086 # options are words
        "$JAVA" $WSRELAY_JAVA_OPTS -cp "$JAR" io.wsrelay.benchmarks.BenchmarkRelay --port "$WSRELAY_PORT" \
          --endpoint "e1=ws://127.0.0.1:$ECHO_PORT" --set "$max" "${local_run[@]}" >> "$OUT/wsrelay.log" 2>&1 &
      fi
      PID[wsrelay]=$!; wait_port "$WSRELAY_PORT" ;;
  esac
}
url() { # target
  case $1 in
    direct) echo "ws://127.0.0.1:$ECHO_PORT/echo" ;;
    nginx) echo "ws://127.0.0.1:$NGINX_PORT/ws-proxy/echo" ;;
    seed) echo "ws://127.0.0.1:$SEED_PORT/ws-proxy/echo?endpointId=e1" ;;
    wsrelay) echo "ws://127.0.0.1:$WSRELAY_PORT/ws-proxy/echo?endpointId=e1" ;;
    before) echo "ws://127.0.0.1:$BEFORE_PORT/ws-proxy/echo?endpointId=e1" ;;
  esac
}
role() { if [ "$1" = direct ]; then echo echo; else echo "$1"; fi; }
memory_pid() { # target -> the process that holds its connections (a launcher script's java child)
  local p=${PID[$(role "$1")]}
  if [ "$1" = nginx ]; then pgrep -P "$p" | head -1; return; fi
  if [ "$(cat "/proc/$p/comm")" != java ] && [ "$(cat "/proc/$p/comm")" != node ]; then
    pgrep -P "$p" | head -1; return
  fi
  echo "$p"
}
restart() { # target; on failure the run is skipped, the rest goes on
  stop "$(role "$1")"
  start "$(role "$1")" || { log "$1 did not start; skipping this run"; stop "$(role "$1")"; return 1; }
}

# ---- running the load generator -----------------------------------------------------------------
loadgen() { # target workload rep args...
  local target=$1 workload=$2 rep=$3; shift 3
  local json rc=0
  echo "== $workload $target rep $rep: $*" >> "$LOG"
  # shellcheck disable=SC2086
  json=$(timeout 600 "$JAVA" $LOADGEN_JAVA_OPTS -cp "$JAR" io.wsrelay.benchmarks.LoadGenerator \
           "$(url "$target")" "$@" 2>> "$LOG") || rc=$?
  if [ -z "$json" ]; then
    log "$workload $target rep $rep: no result (exit $rc), see $LOG"; return 0
  fi
  printf '{"target":"%s","workload":"%s","rep":%d,"exit":%d,"result":%s}\n' \
    "$target" "$workload" "$rep" "$rc" "$json" >> "$RESULTS"
  log "$workload $target rep $rep: $(jq -c 'if .mode == "hold" then {opened, verified, still_open, kib_per_conn, errors}
        elif .mode == "churn" then {sessions_per_s, open_p50_us, open_p99_us, cpu_us_per_session, errors}
        else {msgs_per_s, mb_per_s, p50_us, p99_us, cpu_us_per_msg, errors} end' <<< "$json")"
}
rotated() { # n: TARGETS rotated left by n, so every target takes its turn first
  local -a t=($TARGETS); local n=$(($1 % ${#t[@]}))
  echo "${t[@]:n}" "${t[@]:0:n}"
}

declare -A WORKLOADS=(
  [w64t]="--conns 32 --size 64 --window 4"
  [w4kb]="--conns 32 --size 4096 --window 4 --binary"
  [w64kb]="--conns 32 --size 65536 --window 4 --binary"
  [r64t]="--conns 32 --size 64 --rate $RATE"
  [churn]="--churn --conns $CHURN_CONNS --size 64"
)
for w in $ORDER; do [ -n "${WORKLOADS[$w]:-}" ] || { echo "unknown workload: $w (w64t w4kb w64kb r64t churn)" >&2; exit 2; }; done

log "results in $OUT; targets: $TARGETS; wsrelay launched as: $WSRELAY_LAUNCH"
start echo
for t in $TARGETS; do [ "$t" = direct ] || start "$t"; done

# Priming: every target serves a few seconds of each message size and of churn (the opening and
# closing handshakes' code) before anything is measured, so a JIT-compiled relay (the JVM, V8) is
# not measured while it still compiles.
for t in $TARGETS; do
  for w in w64t w64kb churn; do
    # shellcheck disable=SC2086
    loadgen "$t" prime 0 ${WORKLOADS[$w]} --secs 5 --warmup 0 > /dev/null
  done
done

# Throughput and latency: every rep runs every workload on every target, the first target rotating.
for rep in $(seq "$REPS"); do
  i=0
  for w in $ORDER; do
    for t in $(rotated $((rep + i))); do
      # shellcheck disable=SC2086
      # The target's CPU time over the measured seconds, per echoed message (or per session).
      loadgen "$t" "$w" "$rep" ${WORKLOADS[$w]} --secs "$SECS" --warmup "$WARMUP" --cpu-pid "$(memory_pid "$t")"
    done
    i=$((i + 1))
  done
done

# Idle memory: a fresh process per run, warmed by one short echo run, then MEM_BASE connections
# opened before the first reading, so the figure is the slope from MEM_BASE to MEM_BASE + MEM_CONNS.
if [ "$MEMORY" = 1 ]; then
  for rep in $(seq "$REPS"); do
    for t in $(rotated "$rep"); do
      restart "$t" || continue
      loadgen "$t" warm "$rep" --conns 16 --size 64 --window 4 --secs 1 --warmup 0 > /dev/null
      loadgen "$t" mem "$rep" --hold "$MEM_CONNS" --base "$MEM_BASE" --secs "$HOLD_SECS" --pid "$(memory_pid "$t")"
    done
  done
fi

# Capacity: CAP_CONNS concurrent sessions on a fresh process, once per target.
if [ "$CAPACITY" = 1 ]; then
  for t in $TARGETS; do
    restart "$t" || continue
    loadgen "$t" cap 1 --hold "$CAP_CONNS" --secs "$HOLD_SECS" --pid "$(memory_pid "$t")" --open-timeout 300
  done
fi

# ---- summary ---------------------------------------------------------------------------------------
grep -v '"workload":"warm"\|"workload":"prime"' "$RESULTS" > "$OUT/measured.jsonl" || true
{
  echo "## Load benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "- machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- software: $("$JAVA" -version 2>&1 | head -1), node $(node --version), $(nginx -v 2>&1 | sed 's/.*: //'); wsrelay as $WSRELAY_LAUNCH"
  echo "- command: \`$COMMAND\` ($REPS reps, $SECS s measured after $WARMUP s warm-up; medians)"
  "$JAVA" -cp "$JAR" io.wsrelay.benchmarks.CompareSummary "$OUT/measured.jsonl"
} | tee "$OUT/summary.md"
log "summary: $OUT/summary.md; raw results: $RESULTS; tables: $LOG"
