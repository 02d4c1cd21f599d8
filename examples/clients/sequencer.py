#!/usr/bin/env python3
"""Play a phrase on a synth-jack instrument with timed /note bundles.

Needs nothing but Python 3 (a minimal OSC encoder is included). Each note is
sent ahead of time in a bundle whose timetag is its start, so synth-jack
plays it on that exact frame, whatever the network or Python's timing did.

    synth-jack --patch examples/instrument.patch &
    python3 examples/clients/sequencer.py [--host 127.0.0.1] [--port 5005] [--bpm 120]
"""

import argparse
import socket
import struct
import time

NTP_EPOCH = 2208988800  # seconds from 1900 to 1970


def pad(b):
    return b + b"\0" * (4 - len(b) % 4)


def message(address, *args):
    tags, data = ",", b""
    for a in args:
        if isinstance(a, int):
            tags, data = tags + "i", data + struct.pack(">i", a)
        elif isinstance(a, float):
            tags, data = tags + "f", data + struct.pack(">f", a)
        else:
            tags, data = tags + "s", data + pad(str(a).encode())
    return pad(address.encode()) + pad(tags.encode()) + data


def bundle(unix_time, *messages):
    secs = unix_time + NTP_EPOCH
    tag = struct.pack(">II", int(secs), int((secs % 1) * (1 << 32)))
    out = pad(b"#bundle") + tag
    for m in messages:
        out += struct.pack(">i", len(m)) + m
    return out


# (beat, MIDI note, velocity, length in beats): a C major arpeggio and a chord.
PHRASE = [
    (0.0, 60, 100, 0.5), (0.5, 64, 90, 0.5), (1.0, 67, 90, 0.5), (1.5, 72, 110, 0.5),
    (2.0, 67, 80, 0.5), (2.5, 64, 80, 0.5), (3.0, 60, 100, 1.0),
    (4.0, 60, 90, 2.0), (4.0, 64, 90, 2.0), (4.0, 67, 90, 2.0), (4.0, 71, 70, 2.0),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5005)
    ap.add_argument("--bpm", type=float, default=120.0)
    ap.add_argument("--instrument", default="lead")
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    target = (a.host, a.port)
    beat = 60.0 / a.bpm
    start = time.time() + 0.25  # first note a quarter second from now
    for r in range(a.repeat):
        t0 = start + r * 6 * beat
        for at, note, vel, length in PHRASE:
            # /note: the note-off follows exactly `length` later.
            ms = length * beat * 1000.0
            sock.sendto(bundle(t0 + at * beat, message("/note", a.instrument, note, vel, ms)), target)
        # Send one bar ahead of time at most; synth-jack holds up to 4096 timed events.
        time.sleep(max(0.0, t0 + 5 * beat - time.time()))
    time.sleep(max(0.0, start + a.repeat * 6 * beat - time.time()))
    print("done")


if __name__ == "__main__":
    main()
