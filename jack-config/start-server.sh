#!/usr/bin/env bash
# Starts a JACK server unless one is already answering.
# Backend: ALSA when the machine has a sound card, else dummy; JACK_BACKEND=dummy|alsa overrides.
# Prints the PID of the server it started (nothing when one was already running).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(jack_wait -c 2>/dev/null)" = "running" ]; then
  exit 0
fi
backend=${JACK_BACKEND:-}
if [ -z "$backend" ]; then
  if [ -e /proc/asound/cards ] && grep -q '^ *[0-9]' /proc/asound/cards; then backend=alsa; else backend=dummy; fi
fi
# shellcheck source=/dev/null
. "$here/$backend.conf"
log=${JACK_LOG:-/tmp/synth-jack-jackd.log}
# Its own session: a Ctrl-C meant for synth-jack does not reach the server, which run-demo.sh
# stops after synth-jack has let go of it.
# shellcheck disable=SC2086
setsid jackd $JACKD_OPTS -d "$backend" $BACKEND_OPTS >"$log" 2>&1 &
pid=$!
if ! jack_wait -w -t 10 >/dev/null 2>&1; then
  echo "JACK server ($backend) did not start; see $log" >&2
  kill "$pid" 2>/dev/null || true
  exit 1
fi
echo "$pid"
