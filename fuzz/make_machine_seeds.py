#!/usr/bin/env python3
"""Writes the hand-chosen seeds of machine_fuzz to fuzz/corpus/machine/ (the encoding is
described at the top of machine_fuzz.cpp). Run after changing the encoding:
python3 fuzz/make_machine_seeds.py"""
import pathlib

# Events: low 3 bits the event, high 5 bits its argument.
FAIL, CONNECTED, END, WAIT_ON_TIME, WAIT_NOW, WAKE, TIME, META = range(8)
RESET, START, MESSAGE = bytes([META]), bytes([META | 1 << 3]), bytes([META | 2 << 3])


def ev(kind, arg=0):
    return bytes([kind | (arg << 3)])


def forward(k):  # 2^(2k + 10) ns
    return ev(TIME, k)


def back(k):  # k in 0..3
    return ev(TIME, 24 + k)


def dur(kind, v=0):  # kind: 0 zero, 1 ns, 2 ms, 3 s, 4 min, 5 h, 6 largest - v ns
    return bytes([kind, v])


def raw(n):
    return bytes([7, 0]) + (n & (2**64 - 1)).to_bytes(8, "little")


def options(jitter=0, stability=0, clip=False, raw_timeout=False, overshoot=False,
            initial=dur(3, 1), max_=dur(3, 30), timeout=dur(4, 5), stable_after=dur(0),
            window=dur(3, 5), half_life=dur(4, 15), multiplier=20, fraction=40, drops=1,
            attempts=0, seed=1):
    flags = jitter | stability << 3 | clip << 5 | raw_timeout << 6 | overshoot << 7
    return (bytes([flags]) + initial + max_ + timeout + stable_after + window + half_life +
            bytes([multiplier, fraction, drops, attempts, seed]))


flap = ev(CONNECTED) + ev(END) + ev(WAIT_ON_TIME)
refuse = ev(FAIL) + ev(WAIT_ON_TIME)
seeds = {
    # The seeds' flap scenario: accept then reset, escalating to the 5 m give-up.
    "flap-gives-up": options() + b"\0" + flap * 16,
    "always-refuse": options() + b"\0" + refuse * 16,
    # Two refusals, a ~4.3 s session (stable), then refusals again.
    "stable-then-drop": options() + b"\0" + refuse * 2 + ev(CONNECTED) + forward(11) +
    ev(END) + ev(WAIT_ON_TIME) + refuse * 3,
    "clip-to-deadline": options(clip=True, timeout=dur(3, 20)) + b"\0" + refuse * 8,
    "max-attempts": options(attempts=3) + b"\0" + refuse * 4,
    "terminal": options() + b"\0" + ev(FAIL, 1) + RESET + START + ev(CONNECTED) + ev(END, 1),
    "damping-hold-down": options(stability=2, timeout=dur(0), half_life=dur(3, 10)) + b"\0" +
    flap * 4 + ev(FAIL) + ev(WAKE) + ev(WAIT_ON_TIME) + flap * 2,
    "intensity": options(stability=3, drops=2, window=dur(3, 5)) + b"\0" + flap * 6,
    "always-stable": options(stability=1) + b"\0" + flap * 4,
    "full-jitter": options(jitter=1, seed=7) + b"\0" + refuse * 10,
    "grpc-jitter": options(jitter=4, multiplier=12, max_=dur(4, 2), timeout=dur(0)) + b"\0" +
    refuse * 10,
    "negative-raw-timeout": options(raw_timeout=True) + raw(-1) + b"\0" + refuse,
    "raw-zero-timeout": options(raw_timeout=True) + dur(0) + b"\0" + refuse * 12,
    "largest-delays": options(initial=dur(6, 0), max_=dur(6, 0), timeout=dur(0)) + b"\2" +
    refuse * 3 + forward(25) + ev(TIME, 31) + refuse * 2,
    "clock-steps-back": options() + b"\0" + ev(FAIL) + back(3) + ev(WAIT_NOW) + ev(FAIL) +
    back(2) + ev(WAIT_ON_TIME) + ev(CONNECTED) + back(1) + ev(END),
    "misplaced-events": options() + b"\0" + ev(WAIT_NOW) + ev(WAKE) + ev(END) + START +
    ev(FAIL, 1) + ev(FAIL) + ev(CONNECTED) + MESSAGE + RESET + START,
    "wake-then-stable": options(timeout=dur(3, 10)) + b"\0" + refuse * 3 + ev(FAIL) +
    forward(12) + ev(WAKE) + ev(CONNECTED) + forward(13) + ev(END) + ev(WAIT_ON_TIME, 20) +
    ev(FAIL) + ev(WAIT_ON_TIME),
    "invalid-initial-above-max": options(initial=dur(3, 60)) + b"\0" + refuse,
}

out = pathlib.Path(__file__).resolve().parent / "corpus" / "machine"
out.mkdir(parents=True, exist_ok=True)
for name, data in seeds.items():
    (out / f"seed-{name}").write_bytes(data)
print(f"{len(seeds)} seeds in {out}")
