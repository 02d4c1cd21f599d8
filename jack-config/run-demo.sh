#!/usr/bin/env bash
# make run: start a server if none runs, play the demo patch, stop only the server we started.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
pid=$("$here/start-server.sh")
cleanup() { if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
trap 'exit 0' INT TERM
[ -n "$pid" ] && echo "started JACK server (pid $pid); it stops when synth-jack exits"
"$root/target/release/synth-jack" --patch "$root/examples/demo.patch" "$@" &
child=$!
trap 'kill -INT $child 2>/dev/null; wait $child; exit 0' INT TERM
wait $child
