#!/usr/bin/env bash
# `make bench`: the DSP benchmarks (cargo bench -p dsp --bench dsp) and the
# engine benchmarks (benches/engine: private jackd dummy servers, the release
# synth-jack, scsynth and supernova for comparison), merged into one table:
# target/bench/report.md, report.json, report.txt. About 12 minutes.
# Figures and method: docs/performance.md. Environment (all optional):
#   BENCH_REALTIME=0|1     servers --no-realtime / -R (default: -R when allowed)
#   BENCH_STRICT_XRUNS=1   every xrun fails a voice trial (default: overruns only)
#   BENCH_PERIODS=256      periods of the per-period measurements (default 256,128)
#   BENCH_KEEP=1           keep the scratch directory with every server's log
# Arguments select engine sections: runtime commit osc stall voices scsynth
# plugins instruments carryover.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
OUT=target/bench
mkdir -p "$OUT"
start=$(date +%s)

# scsynth and supernova for the comparison: installed here only, never by `make test`.
for pair in scsynth:supercollider-server supernova:supercollider-supernova; do
  prog=${pair%%:*} pkg=${pair#*:}
  command -v "$prog" >/dev/null 2>&1 && continue
  cmd="apt-get install -y --no-install-recommends $pkg"
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing $pkg ($prog) for the comparison"
    export DEBIAN_FRONTEND=noninteractive
    $cmd >/dev/null 2>&1 || { apt-get update -q >/dev/null && $cmd >/dev/null; } ||
      echo "could not install $pkg: the $prog rows will say so"
  else
    echo "$prog is missing (run as root: $cmd); the $prog rows will say so"
  fi
done

echo "== build (release, fault-injection)"
$CARGO build --release --features fault-injection

echo "== DSP benchmarks (cargo bench -p dsp --bench dsp; log: $OUT/dsp.log)"
$CARGO bench -p dsp --bench dsp >"$OUT/dsp.log" 2>&1 || {
  tail -20 "$OUT/dsp.log"
  echo "DSP benchmarks failed"
  exit 1
}
grep -c '^BENCH' "$OUT/dsp.log" | sed 's/^/   BENCH lines: /'

echo "== engine benchmarks (log: $OUT/engine.log)"
# Progress ([bench] lines) on the terminal; everything in the log.
set +e
$CARGO bench -p synth-jack --bench engine --features fault-injection -- "$@" 2>&1 |
  tee "$OUT/engine.log" | grep --line-buffered -E '^\[bench\]'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ] || [ ! -f "$OUT/report.txt" ]; then
  tail -30 "$OUT/engine.log"
  echo "engine benchmarks failed (exit $status)"
  exit 1
fi

echo
cat "$OUT/report.txt"
echo "make bench took $(( $(date +%s) - start )) s"
