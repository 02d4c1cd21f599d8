#!/usr/bin/env bash
# Installs the Debian packages synth-jack needs to build, run and test, if missing.
# Noninteractive; answers jackd2's realtime-limits question with "no".
set -euo pipefail
# liblilv-dev: the LV2 host library (linked); lv2-examples, mda-lv2: plugins the tests and examples use.
pkgs=(jackd2 libjack-jackd2-dev pkg-config liblilv-dev lv2-examples mda-lv2)
# Test tools: oscsend (liblo), curl (OSCQuery), dot (pictures), Pure Data and pip (client examples).
[ "${WITH_TEST_TOOLS:-0}" = 1 ] && pkgs+=(liblo-tools curl graphviz puredata-core python3-pip)

# python-osc for the Python client example's test, into target/pydeps (the tests put it on
# PYTHONPATH); the system's Python packages are left alone.
python_osc() {
  [ "${WITH_TEST_TOOLS:-0}" = 1 ] || return 0
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/target/pydeps"
  PYTHONPATH="$dir" python3 -c 'import pythonosc' 2>/dev/null && return 0
  echo "installing python-osc into $dir"
  python3 -m pip install --quiet --disable-pip-version-check --target "$dir" python-osc
}
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { python_osc; exit 0; }
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]}" >&2
  echo "run as root: echo 'jackd2 jackd/tweak_rt_limits boolean false' | debconf-set-selections && apt-get update && DEBIAN_FRONTEND=noninteractive $cmd" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
echo "jackd2 jackd/tweak_rt_limits boolean false" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
$cmd
python_osc
