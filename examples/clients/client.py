#!/usr/bin/env python3
"""Drive synth-jack from Python with python-osc (pip install python-osc).

Builds a patch, commits it, plays a few notes with sample-accurate timed
bundles, reads /status and prints every reply. Replies come back to the port
we send from, so one UDP socket does both.

    python3 client.py [--host 127.0.0.1] [--port 5005]
"""

import argparse
import socket
import time

from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder


def message(address, *args):
    b = OscMessageBuilder(address=address)
    for a in args:
        b.add_arg(a)  # int -> i, float -> f, str -> s, bool -> T/F
    return b.build()


def bundle(when, *messages):
    """`when`: Unix time in seconds, or IMMEDIATELY."""
    b = OscBundleBuilder(when)
    for m in messages:
        b.add_content(m)
    return b.build()


class Synth:
    def __init__(self, host, port):
        self.target = (host, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("0.0.0.0", 0))
        self.sock.settimeout(2.0)

    def send(self, packet):
        self.sock.sendto(packet.dgram, self.target)

    def reply(self):
        data, _ = self.sock.recvfrom(65536)
        m = OscMessage(data)  # synth-jack replies are plain messages
        return m.address, list(m.params)

    def call(self, address, *args):
        """Sends a message and waits for its answer (/done, /fail, *.reply...)."""
        self.send(message(address, *args))
        addr, params = self.reply()
        print(addr, *params)
        if addr == "/fail":
            raise RuntimeError(f"{params[0]}: {params[1]}")
        return addr, params

    def sync(self, n=1):
        """Waits until everything sent so far has taken effect."""
        self.send(message("/sync", n))
        while True:
            addr, params = self.reply()
            if addr == "/synced" and params == [n]:
                return
            print(addr, *params)  # e.g. a /fail for an earlier /mod


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5005)
    args = ap.parse_args()
    s = Synth(args.host, args.port)

    # A subtractive voice, built in the pending patch...
    s.call("/patch/clear")
    s.call("/patch/create", "osc", "saw", "freq", 110.0, "gain", 0.5)
    s.call("/patch/create", "filt", "ladder", "cutoff=900", "resonance=0.4")
    s.call("/patch/create", "env", "adsr", "attack", 5, "decay", 200, "sustain", 0.4)
    s.call("/patch/create", "out", "output")
    s.call("/patch/connect", "osc", "filt")
    s.call("/patch/connect", "filt", "env.in")
    s.call("/patch/connect", "env", "out.in1")
    # ...then switched in; the reply comes once the switch has happened.
    s.call("/patch/commit")

    # Live changes are not answered on success (errors are); /sync confirms.
    s.send(message("/mod/filt/cutoff", 1500))
    s.send(message("/mod/filt/resonance", 0.6))
    s.sync()

    # A melody as timed bundles: each note's gate on/off lands exactly on
    # its frame. Timetags need to be ahead of the engine's lead (a few ms)
    # plus network delay; 200 ms is plenty.
    start = time.time() + 0.2
    step = 0.25
    for i, freq in enumerate([110, 130.81, 146.83, 164.81, 196, 164.81, 146.83, 130.81]):
        t = start + i * step
        s.send(bundle(t, message("/mod/osc/freq", float(freq)), message("/gate/env", 1)))
        s.send(bundle(t + step * 0.6, message("/gate/env", 0)))
    # IMMEDIATELY means at once, never late. Errors are always answered:
    s.send(bundle(IMMEDIATELY, message("/mod/nosuch/freq", 1)))
    addr, params = s.reply()
    print(addr, *params)  # /fail /mod/nosuch/freq unknown module 'nosuch' ...
    time.sleep(8 * step + 0.5)

    addr, st = s.call("/status")
    names = ["active_slot", "patch_version", "modules", "dsp_load_avg", "dsp_load_peak",
             "underruns", "xruns", "drops", "late", "switches", "failovers",
             "sample_rate", "buffer_size", "lead", "ring"]
    for n, v in zip(names, st):
        print(f"  {n:14} {v}")
    s.call("/patch/dump")


if __name__ == "__main__":
    main()
