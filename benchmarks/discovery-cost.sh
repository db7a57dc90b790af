#!/usr/bin/env bash
# API discovery's cost on the relay's small-message throughput, A/B in one relay process:
# endpoint "off" (capture off) and endpoint "samples" (capture samples) on the same wsrelay
# (bin/wsrelay serve, embedded store), the same echo upstream, the load generator alternating
# between the two for ROUNDS rounds (so machine load drifts hit both alike); prints each run's
# throughput and the relay process's CPU time per relayed message (user + system, from
# /proc/PID/stat; far less sensitive than throughput to other load on the machine), then the
# medians and their ratios (Markdown).
#
# Usage: benchmarks/discovery-cost.sh [ROUNDS] (default 6)
# Environment: JAVA [JDK 25], ECHO_PORT [19201], WSRELAY_PORT [19202], SECS [4], WORKLOAD
#   ["--conns 32 --size 64 --window 4"], LOADGEN_JAVA_OPTS [-Xmx1g].
# Stops exactly what it started (by pid) on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAR=$ROOT/benchmarks/target/benchmarks.jar
ECHO_PORT=${ECHO_PORT:-19201} WSRELAY_PORT=${WSRELAY_PORT:-19202} SECS=${SECS:-4}
WORKLOAD=${WORKLOAD:---conns 32 --size 64 --window 4} LOADGEN_JAVA_OPTS=${LOADGEN_JAVA_OPTS:--Xmx1g}
ROUNDS=${1:-6}
OUT=$(mktemp -d /tmp/wsrelay-discovery-cost-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_port() { for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B -pl benchmarks -am package -DskipTests)
export WSRELAY_DATA_DIR=$OUT/data WEBSOCKET_PORT=$WSRELAY_PORT
"$ROOT/bin/wsrelay" echo-server --port "$ECHO_PORT" > "$OUT/echo.log" 2>&1 & PIDS+=($!)
"$ROOT/bin/wsrelay" endpoint add off "ws://127.0.0.1:$ECHO_PORT" --capture off > /dev/null
"$ROOT/bin/wsrelay" endpoint add samples "ws://127.0.0.1:$ECHO_PORT" --capture samples > /dev/null
"$ROOT/bin/wsrelay" serve --set relay.host=127.0.0.1 --set relay.upstream.allow-private-addresses=true \
  > "$OUT/wsrelay.log" 2>&1 & PIDS+=($!)
RELAY=$!   # bin/wsrelay execs the JVM: this is the relay process
TICKS=$(getconf CLK_TCK)
wait_port "$ECHO_PORT"; wait_port "$WSRELAY_PORT"

cpu() { awk '{print $14 + $15}' "/proc/$RELAY/stat"; }   # relay CPU ticks, user + system
run() { # endpoint secs warmup -> "msgs/s cpu-us-per-message"
  local before after json
  before=$(cpu)
  # shellcheck disable=SC2086
  json=$("$JAVA" $LOADGEN_JAVA_OPTS -cp "$JAR" io.wsrelay.benchmarks.LoadGenerator \
    "ws://127.0.0.1:$WSRELAY_PORT/ws-proxy/echo?endpointId=$1" $WORKLOAD --secs "$2" --warmup "$3" --no-table \
    2>> "$OUT/loadgen.log")
  after=$(cpu)
  # Each message crosses the relay twice (there and back): CPU per relayed message.
  jq -r --argjson d "$((after - before))" --argjson t "$TICKS" \
    '"\(.msgs_per_s) \(if .msgs > 0 then ($d / $t * 1e6 / (2 * .msgs) * 100 | round / 100) else 0 end)"' <<< "$json"
}
run off 3 2 > /dev/null; run samples 3 2 > /dev/null   # priming: both paths JIT-compiled first
declare -a OFF=() ON=() COFF=() CON=()
echo "| round | off msgs/s | samples msgs/s | off CPU µs/msg | samples CPU µs/msg | load average |"
echo "|---:|---:|---:|---:|---:|---|"
for i in $(seq "$ROUNDS"); do
  if [ $((i % 2)) -eq 1 ]; then a=$(run off "$SECS" 0); b=$(run samples "$SECS" 0); else b=$(run samples "$SECS" 0); a=$(run off "$SECS" 0); fi
  OFF+=("${a% *}"); ON+=("${b% *}"); COFF+=("${a#* }"); CON+=("${b#* }")
  echo "| $i | ${a% *} | ${b% *} | ${a#* } | ${b#* } | $(cut -d' ' -f1-3 /proc/loadavg) |"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
m_off=$(median "${OFF[@]}"); m_on=$(median "${ON[@]}"); c_off=$(median "${COFF[@]}"); c_on=$(median "${CON[@]}")
echo
echo "medians: throughput off $m_off, samples $m_on msgs/s (samples/off $(ratio "$m_on" "$m_off")); relay CPU per relayed message off $c_off µs, samples $c_on µs (samples/off $(ratio "$c_on" "$c_off"))"
echo "workload: $WORKLOAD, $SECS s per run, $ROUNDS rounds; logs in $OUT"
