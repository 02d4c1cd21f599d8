#!/usr/bin/env python3
"""Writes the example sample files (deterministic; standard library only):
drums.wav, a one-bar drum loop at 120 BPM (kick, snare, closed hi-hat), and
pad.wav, one second of a soft A major chord, both 16 kHz 16-bit mono."""
import math, random, struct, wave

RATE = 16000


def write(name, samples):
    peak = max(abs(s) for s in samples)
    with wave.open(name, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(28000 * s / peak)) for s in samples))


def drums():
    rng = random.Random(14)
    step = RATE // 8  # sixteenth notes at 120 BPM
    out = [0.0] * (16 * step)
    def add(at, voice):
        for i, v in enumerate(voice):
            if at + i < len(out):
                out[at + i] += v
    kick, phase = [], 0.0
    for i in range(RATE // 3):
        t = i / RATE
        phase += 2 * math.pi * (45 + 110 * math.exp(-t * 30)) / RATE
        kick.append(math.sin(phase) * math.exp(-t * 9))
    snare = [(0.6 * rng.uniform(-1, 1) + 0.5 * math.sin(2 * math.pi * 190 * i / RATE))
             * math.exp(-i / RATE * 18) for i in range(RATE // 4)]
    hat, last = [], 0.0
    for i in range(RATE // 20):
        n = rng.uniform(-1, 1)
        hat.append(0.35 * (n - last) * math.exp(-i / RATE * 70))
        last = n
    for s in (0, 6, 8, 11):
        add(s * step, kick)
    for s in (4, 12):
        add(s * step, snare)
    for s in range(0, 16, 2):
        add(s * step, hat)
    return out


def pad():
    out = []
    for i in range(RATE):
        t = i / RATE
        s = 0.0
        for f in (220.0, 277.18, 329.63):
            for h, a in ((1, 1.0), (2, 0.4), (3, 0.2), (4, 0.1)):
                s += a * math.sin(2 * math.pi * f * h * t * (1 + 0.002 * math.sin(2 * math.pi * 5 * t)))
        out.append(s)
    return out


write("drums.wav", drums())
write("pad.wav", pad())
