#!/bin/sh
# Live coding on the bar: edit the playing bassline and let each change land
# exactly on the first frame of the next bar.
#
#   jack_transport                      # type: master, play   (or: synth-jack send /transport start)
#   synth-jack --patch examples/bassline.patch &
#   examples/clients/live-coding.sh [port]
#
# Each `/patch/commit bar` is answered when it has switched, with the bar and
# beat it landed on: `/done /patch/commit SLOT VERSION BAR 1`. Edits go to the
# pending patch, so nothing changes until the commit's bar line.
set -e
PORT=${1:-5005}
ask() { synth-jack send --port "$PORT" --timeout 10 "$@"; }

ask /transport                                 # state, bpm, bar, beat, frame, beats/bar, master

# Variation 1: up a fourth, the gaps filled.
ask /patch/set bass v1 73.42
ask /patch/set bass v2 73.42
ask /patch/set bass g4 1
ask /patch/commit bar

# Variation 2: run the sequence back and forth, open the filter.
ask /patch/set bass direction pingpong
ask /patch/set filt cutoff 700
ask /patch/commit bar

# Variation 3: a Euclidean hi-hat, 5 hits over 8 sixteenths, on top.
ask /patch/create hats euclid k=5 n=8 div=4 gatelen=0.2
ask /patch/create hiss noise
ask /patch/create hatenv adsr attack=0 decay=30 sustain=0 release=20
ask /patch/create hatamp vca gain=0.15
ask /patch/connect hats hatenv.gate
ask /patch/connect hiss hatenv.in
ask /patch/connect hatenv hatamp
ask /patch/connect hatamp mix.in3
ask /patch/commit bar

# Four beats from now, a one-shot filter move, then back to the original
# sequence on the bar after that.
ask /at +4 /mod/filt/cutoff 1500
ask /patch/set bass direction forward
ask /patch/set bass v1 55
ask /patch/set bass v2 55
ask /patch/commit 8                            # the next multiple of 8 beats (every 2nd bar)
