#!/usr/bin/env bash
# `make soak`: the long stability test, not part of CI. SOAK_SECONDS (default
# 600) of commits every 2 s alternating two patches, 1,000 /mod per second and
# random gates against a private jackd dummy server, which is stopped
# (SIGTERM) and started again every SOAK_RESTART_SECONDS (default 60; 0:
# never); then PASS/FAIL lines (drops outside the restarts, failovers, lost
# events, failed requests, unanswered commits, a reconnect per restart,
# resident memory growth < 1 MiB after the first minute and first restart,
# thread and fd counts) and the underruns around the restarts and elsewhere.
# Exits non-zero on any FAIL.
# Environment: SOAK_SECONDS, SOAK_RESTART_SECONDS, BENCH_REALTIME=0|1 (as
# bench/run.sh), BENCH_KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
export SOAK_SECONDS=${SOAK_SECONDS:-600}
$CARGO build --release --features fault-injection
echo "== soak: ${SOAK_SECONDS} s"
exec $CARGO bench -p synth-jack --bench engine --features fault-injection -- soak
