# Sourced by the benchmark scripts: stop exactly the processes a script started, by pid.
# PID maps a role (echo, nginx, wsrelay, ...) to the pid the script started for it.
declare -A PID=()

# stop ROLE: SIGTERM to the role's process and its children (nginx's worker, a launcher's JVM),
# up to 10 s for it to exit, then SIGKILL; forgets the role. A role never started is a no-op.
stop() {
  local p=${PID[$1]:-} q
  [ -n "$p" ] || return 0
  local all="$(pgrep -P "$p" || true) $p"
  for q in $all; do kill "$q" 2>/dev/null || true; done
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  for q in $all; do kill -9 "$q" 2>/dev/null || true; done
  wait "$p" 2>/dev/null || true
  unset "PID[$1]"
}
