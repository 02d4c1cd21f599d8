#!/usr/bin/env bash
# make run: start a server if none runs, play the demo patch, stop only the server we started.
# Runs the binary cargo built (honours CARGO_TARGET_DIR and cargo's config). On Ctrl-C it stops
# synth-jack first, then the server it started, and returns only once that server has exited.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cargo=${CARGO:-cargo}
target=$(cd "$root" && "$cargo" metadata --format-version 1 --no-deps |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin="${target:-$root/target}/release/synth-jack"
if [ ! -x "$bin" ]; then
  echo "no synth-jack binary at $bin; run 'make build' (or 'cargo build --release') first" >&2
  exit 1
fi
pid=$("$here/start-server.sh")
child=
# Waits until process $1 is gone (it is not our child, so `wait` cannot); SIGKILL after 10 s.
await_exit() {
  local n=0
  while kill -0 "$1" 2>/dev/null; do
    n=$((n + 1))
    if [ "$n" -eq 100 ]; then kill -KILL "$1" 2>/dev/null || true; fi
    sleep 0.1
  done
}
cleanup() {
  if [ -n "$child" ]; then
    kill -INT "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    await_exit "$pid"
    echo "JACK server (pid $pid) stopped"
  fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM
[ -n "$pid" ] && echo "started JACK server (pid $pid); it stops when synth-jack exits"
"$bin" --patch "$root/examples/demo.patch" "$@" &
child=$!
rc=0
wait "$child" || rc=$?
child=
exit "$rc"
