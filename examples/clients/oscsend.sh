#!/bin/sh
# Drive synth-jack from the shell with liblo's oscsend (liblo-tools).
#
# oscsend sends from a throw-away port and does not wait, so it never sees
# the replies; use it for fire-and-forget control and `synth-jack send` when
# you want the answer (it prints replies and exits 0 / 1 on /fail / 2 on no
# reply). oscsend's type string comes before the arguments: i int, f float,
# s string, T true, F false.
#
#   ./oscsend.sh [port]
set -e
HOST=localhost
PORT=${1:-5005}
send() { oscsend "$HOST" "$PORT" "$@"; }
ask() { synth-jack send --host "$HOST" --port "$PORT" "$@"; }

# Build the pending patch: an LFO sweeping a filtered saw.
send /patch/clear
send /patch/create sssi osc saw freq 110
send /patch/create sssssf filt biquad mode lowpass q 4.0
send /patch/create sssf sweep lfo depth 800.0
send /patch/set ssf sweep offset 0.0
send /patch/create ss out output
send /patch/connect ss osc filt
send /patch/connect ss sweep filt.cutoff
send /patch/connect ss filt out.in1

# Commit and wait for the switch (prints /done /patch/commit SLOT VERSION).
ask /patch/commit

# Live changes: silent on success.
send /mod/filt/cutoff f 600
send /mod/sweep/rate f 0.5
send /mod/filt/mode s bandpass
ask /sync 1                      # /synced 1 once those took effect

# Errors come back as /fail with a reason (exit code 1 here).
ask /mod/filt/cutof 600 || echo "(that was expected)"

# Watch notifications in another terminal:
#   synth-jack send --port 5005 --timeout 3600 /notify 1
ask /status
ask /patch/dump
ask /patch/save sweep            # -> patches/sweep.patch
