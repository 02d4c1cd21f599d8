#!/usr/bin/env bash
# Runs every test; a test that fails is run once more on its own, and the run
# passes only if every such rerun passes.
# Why: the tests run JACK dummy servers without real-time scheduling, and on a
# VM such a server can miss a cycle (an xrun from a late timer wake-up), which
# tears a captured tone. A real defect fails twice; each rerun is printed.
set -uo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
args=(--workspace --features fault-injection)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$CARGO" test "${args[@]}" --no-fail-fast 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && exit 0
# "Running tests/NAME.rs (...)" or "Running unittests src/lib.rs (...)", then
# "test PATH ... FAILED": one "TARGET PATH" line per failed test.
failed=$(awk '
  /^ +Running unittests/ { target = "--lib"; next }
  /^ +Running tests\// { t = $2; sub(/^tests\//, "", t); sub(/(\/main)?\.rs$/, "", t); target = "--test " t; next }
  /^test .* \.\.\. FAILED$/ { print target "\t" $2 }
' "$log" | sort -u)
if [ -z "$failed" ]; then
  echo "run-tests: cargo test failed ($rc) outside any test (build or doc test); no rerun" >&2
  exit "$rc"
fi
echo
echo "run-tests: $(echo "$failed" | wc -l) failed test(s); each runs once more on its own:"
echo "$failed"
again=0
while IFS=$'\t' read -r target name; do
  # shellcheck disable=SC2086
  if ! "$CARGO" test "${args[@]}" $target -- --exact "$name"; then
    echo "run-tests: $name failed twice" >&2
    again=1
  fi
done <<< "$failed"
exit "$again"
