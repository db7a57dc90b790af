#!/usr/bin/env bash
# Profiles the relay under one load workload with async-profiler and writes a flame graph
# (flame.svg), the raw stacks (stacks.collapsed) and a short text summary (summary.txt).
#
# Usage: benchmarks/profile.sh [--workload w64t|w4kb|w64kb|r64t|churn] [--secs S] [--prime S]
#                              [--event itimer|cpu|alloc|wall] [--out DIR]
# Environment: JAVA [JDK 25], ECHO_PORT [9011], RELAY_PORT [3011], BENCH_KIT [<repo>/../shared/bench],
#   KIT_CACHE [/tmp/wsrelay-bench-kit], RELAY_JAVA_OPTS [the launcher's JVM options], RATE [5000].
# The relay is BenchmarkRelay (the RelayServer, endpoint e1 in memory) in front of the kit's Node
# echo server; async-profiler 4.1 comes from Maven Central (tools.profiler:async-profiler:4.1,
# fetched with `mvn dependency:get` once) and is loaded with -agentpath. Starts everything on
# 127.0.0.1 and stops exactly what it started (by pid) on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAR=$ROOT/benchmarks/target/benchmarks.jar
ECHO_PORT=${ECHO_PORT:-9011} RELAY_PORT=${RELAY_PORT:-3011} RATE=${RATE:-5000}
BENCH_KIT=${BENCH_KIT:-$(cd "$ROOT/.." && pwd)/shared/bench} KIT_CACHE=${KIT_CACHE:-/tmp/wsrelay-bench-kit}
# The launcher's JVM options (bin/wsrelay JVM_OPTS), so the profile is of the relay as shipped.
RELAY_JAVA_OPTS=${RELAY_JAVA_OPTS:--Djdk.httpclient.bufsize=8192 -Djdk.httpclient.websocket.writeBufferSize=8192 -Djdk.httpclient.websocket.intermediateBufferSize=1024 -XX:+UseSerialGC}
AP_VERSION=4.1
WORKLOAD=w64t SECS=10 PRIME=10 EVENT=itimer OUT=/tmp/wsrelay-profile-$(date +%Y%m%d-%H%M%S)

while [ $# -gt 0 ]; do
  case $1 in
    --workload) WORKLOAD=$2; shift 2 ;;
    --secs) SECS=$2; shift 2 ;;
    --prime) PRIME=$2; shift 2 ;;
    --event) EVENT=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
declare -A WORKLOADS=(
  [w64t]="--conns 32 --size 64 --window 4"
  [w4kb]="--conns 32 --size 4096 --window 4 --binary"
  [w64kb]="--conns 32 --size 65536 --window 4 --binary"
  [r64t]="--conns 32 --size 64 --rate $RATE"
  [churn]="--churn --conns 32 --size 64"
)
[ -n "${WORKLOADS[$WORKLOAD]:-}" ] || { echo "unknown workload $WORKLOAD" >&2; exit 2; }
[ -x "$JAVA" ] || { echo "JDK 25 not found at $JAVA (set JAVA)" >&2; exit 1; }
mkdir -p "$OUT"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# ---- async-profiler from Maven Central ------------------------------------------------------
AP_JAR=$HOME/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION.jar
if [ ! -f "$AP_JAR" ]; then
  log "fetching tools.profiler:async-profiler:$AP_VERSION"
  mvn -q -B dependency:get -Dartifact=tools.profiler:async-profiler:$AP_VERSION >&2
fi
AP_DIR=/tmp/wsrelay-async-profiler-$AP_VERSION
if [ ! -f "$AP_DIR/linux-x64/libasyncProfiler.so" ]; then
  mkdir -p "$AP_DIR" && (cd "$AP_DIR" && unzip -q -o "$AP_JAR" 'linux-x64/*')
fi
if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/benchmarks/src" "$ROOT/relay/src/main" -newer "$JAR" -type f -print -quit)" ]; then
  log "building $JAR"
  (cd "$ROOT" && mvn -q -B -pl benchmarks -am package -DskipTests)
fi
if [ ! -d "$KIT_CACHE/node_modules/ws" ]; then
  rm -rf "$KIT_CACHE" && cp -r "$BENCH_KIT" "$KIT_CACHE" && chmod -R u+w "$KIT_CACHE"
  (cd "$KIT_CACHE" && npm install --no-audit --no-fund --silent)
fi

# ---- processes --------------------------------------------------------------------------------
ECHO_PID= RELAY_PID=
cleanup() {
  for p in $RELAY_PID $ECHO_PID; do kill "$p" 2>/dev/null || true; done
  for p in $RELAY_PID $ECHO_PID; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
wait_port() { for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

(cd "$KIT_CACHE" && exec node echo.js "$ECHO_PORT") >> "$OUT/echo.log" 2>&1 &
ECHO_PID=$!
wait_port "$ECHO_PORT"
# The agent samples from JVM start to exit (it writes the stacks at exit): start-up and priming
# are in the profile too. Priming runs the same workload, so the Java frames' shares are the
# workload's; the summary counts JIT-compiler and GC threads apart.
# shellcheck disable=SC2086
"$JAVA" $RELAY_JAVA_OPTS \
  "-agentpath:$AP_DIR/linux-x64/libasyncProfiler.so=start,event=$EVENT,interval=1ms,file=$OUT/stacks.collapsed,collapsed" \
  -cp "$JAR" io.wsrelay.benchmarks.BenchmarkRelay --port "$RELAY_PORT" --endpoint "e1=ws://127.0.0.1:$ECHO_PORT" \
  --set relay.upstream.allow-private-addresses=true --set relay.limits.max-sessions-per-client=100000 \
  --set relay.limits.upgrades-per-minute-per-client=0 >> "$OUT/relay.log" 2>&1 &
RELAY_PID=$!
wait_port "$RELAY_PORT"
URL="ws://127.0.0.1:$RELAY_PORT/ws-proxy/echo?endpointId=e1"
log "priming $PRIME s (not in the summary's figures, but in the profile: see below)"
# shellcheck disable=SC2086
"$JAVA" -cp "$JAR" io.wsrelay.benchmarks.LoadGenerator "$URL" ${WORKLOADS[$WORKLOAD]} --secs "$PRIME" --warmup 0 \
  --no-table > /dev/null 2>> "$OUT/loadgen.log" || true
log "measuring $WORKLOAD for $SECS s"
# shellcheck disable=SC2086
"$JAVA" -cp "$JAR" io.wsrelay.benchmarks.LoadGenerator "$URL" ${WORKLOADS[$WORKLOAD]} --secs "$SECS" --warmup 1 \
  --cpu-pid "$RELAY_PID" > "$OUT/loadgen.json" 2>> "$OUT/loadgen.log" || true
kill "$RELAY_PID"; wait "$RELAY_PID" 2>/dev/null || true; RELAY_PID=
[ -s "$OUT/stacks.collapsed" ] || { log "no profile written; see $OUT/relay.log"; exit 1; }

# ---- flame graph and summary --------------------------------------------------------------------
python3 - "$OUT" "$WORKLOAD" "$EVENT" <<'EOF'
import collections, html, json, sys
out, workload, event = sys.argv[1:4]
stacks = []
for line in open(f"{out}/stacks.collapsed"):
    stack, _, n = line.rstrip("\n").rpartition(" ")
    if stack and n.isdigit():
        stacks.append((stack.split(";"), int(n)))
total = sum(n for _, n in stacks) or 1

# Flame graph: one rectangle per frame, width = samples, children stacked above their parent.
root = {}
for frames, n in stacks:
    node = root
    for f in frames:
        child = node.setdefault(f, {"n": 0, "c": {}})
        child["n"] += n
        node = child["c"]
W, H, MINW = 1800, 16, 0.5
rects, depth_max = [], 0
def walk(children, x, depth):
    global depth_max
    depth_max = max(depth_max, depth)
    for name, node in sorted(children.items()):
        w = node["n"] * W / total
        if w >= MINW:
            rects.append((x, depth, w, name, node["n"]))
            walk(node["c"], x, depth + 1)
        x += w
walk(root, 0.0, 0)
def colour(name):
    if name.startswith("io/wsrelay"): return "#6fbf73"
    if "jetty" in name: return "#72a0e5"
    if name.startswith(("java/", "jdk/", "sun/")): return "#e5b072"
    if "::" in name or name.startswith(("Compile", "C2", "GC", "G1", "VM")): return "#c9c9c9"
    return "#e57272"
height = (depth_max + 2) * H + 40
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" font-family="monospace" font-size="11">',
       f'<text x="4" y="14">wsrelay {html.escape(workload)}, event={html.escape(event)}, {total} samples; hover for names</text>']
for x, d, w, name, n in rects:
    y = height - (d + 1) * H - 4
    label = html.escape(name)
    svg.append(f'<g><title>{label} ({n} samples, {100*n/total:.2f}%)</title>'
               f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{H-1}" fill="{colour(name)}"/>')
    if w > 60:
        svg.append(f'<text x="{x+2:.1f}" y="{y+11}">{label[: int(w / 7)]}</text>')
    svg.append('</g>')
svg.append('</svg>')
open(f"{out}/flame.svg", "w").write("\n".join(svg))

# Summary: where the samples are, by kind of thread and by frame.
self_count, incl = collections.Counter(), collections.Counter()
kinds = collections.Counter()
for frames, n in stacks:
    self_count[frames[-1]] += n
    for f in set(frames):
        incl[f] += n
    joined = ";".join(frames)
    if "CompileBroker" in joined: kinds["JIT compiler"] += n
    elif "GCTaskThread" in joined or "ConcurrentGCThread" in joined or "VM_GC" in joined or "GC" in frames[0]: kinds["garbage collector"] += n
    elif any(f.startswith(("java/", "jdk/", "org/", "io/", "sun/")) for f in frames): kinds["Java threads"] += n
    else: kinds["other native / VM"] += n
lines = [f"wsrelay profile: workload {workload}, event {event}, {total} samples", ""]
try:
    r = json.load(open(f"{out}/loadgen.json"))
    for k in ("msgs_per_s", "p50_us", "p99_us", "cpu_us_per_msg", "sessions_per_s", "open_p99_us", "cpu_us_per_session", "errors"):
        if r.get(k) is not None: lines.append(f"  {k}: {r[k]}")
    lines.append("")
except (OSError, ValueError):
    lines.append("  (no load generator result)\n")
lines.append("Samples by thread kind (priming included):")
for k, n in kinds.most_common(): lines.append(f"  {100*n/total:5.1f}%  {k}")
lines.append("\nTop 25 frames by self samples:")
for f, n in self_count.most_common(25): lines.append(f"  {100*n/total:5.1f}%  {f[:140]}")
lines.append("\nRelay and library hot spots (inclusive):")
for key in ("io/wsrelay/relay/Pump.run", "io/wsrelay/relay/Inbox", "io/wsrelay/relay/DownstreamSink", "io/wsrelay/relay/UpstreamSink",
            "org/eclipse/jetty/websocket/core/WebSocketConnection.fillAndParse", "org/eclipse/jetty/io/ManagedSelector",
            "jdk/internal/net/http/websocket/WebSocketImpl", "jdk/internal/net/http/common/SequentialScheduler",
            "sun/security/provider/SecureRandom", "org/eclipse/jetty/util/Utf8StringBuilder", "java/lang/VirtualThread.run",
            "java/lang/VirtualThread.park", "writev", "epoll_wait"):
    best = max((n for f, n in incl.items() if key in f), default=0)
    lines.append(f"  {100*best/total:5.1f}%  {key}")
open(f"{out}/summary.txt", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
log "flame graph: $OUT/flame.svg; summary: $OUT/summary.txt; stacks: $OUT/stacks.collapsed"
