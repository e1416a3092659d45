"""The demo song's arrangement: drums, bass, keys, pad, guitar and lead synth as MIDI notes per
bar and section, humanized with a fixed seed so the parts come out the same every time."""

from __future__ import annotations

import numpy as np

from tools.sample_session.midi import Layer
from tools.sample_session.song import (
    BASS_FIFTH,
    BASS_ROOT,
    BEAT,
    GTR_ARP,
    KEYS_VOICING,
    KIT_808,
    KIT_ELECTRONIC,
    N_BARS,
    PAD_VOICING,
    PROGRESSION,
    SECTIONS,
)


def section_of(bar: int) -> str:
    name = SECTIONS[0][0]
    for sec, start in SECTIONS:
        if bar >= start:
            name = sec
    return name


def bars(section: str) -> list[int]:
    return [b for b in range(N_BARS) if section_of(b) == section]


def humanize(notes, rng, t_ms=4.0, v_sd=5.0):
    jitter = t_ms / 1000.0 / BEAT
    out = []
    for start, dur, note, vel in notes:
        s = max(0.0, start + rng.uniform(-jitter, jitter)) if start > 0 else start
        out.append((s, dur, note, int(np.clip(vel + rng.normal(0, v_sd), 20, 127))))
    return out


def arrangement() -> dict[str, list[Layer]]:
    rng = np.random.default_rng(20240611)
    kick, snare, hats = [], [], []
    bass, keys, pad, lead = [], [], [], []
    gtr_l, gtr_r = [], []

    for b, chord in enumerate(PROGRESSION):
        sec = section_of(b)
        t0 = 4.0 * b
        final = b == N_BARS - 1
        loud = sec == "Chorus"

        # Drums
        if final:
            kick.append((t0, 0.5, 36, 112))
        else:
            kpat = {
                "Intro": [0, 2],
                "Verse": [0, 1.5, 2],
                "Chorus": [0, 1, 2, 3],
                "Outro": [0, 2, 2.5],
            }[sec]
            for k in kpat:
                kick.append((t0 + k, 0.25, 36, 112 if k in (0, 2) else 98))
            for k in (1, 3):
                snare.append((t0 + k, 0.25, 38, 112 if loud else 92))
            if b == 5:  # fill into the chorus
                for i, k in enumerate((3.25, 3.5, 3.75)):
                    snare.append((t0 + k, 0.2, 38, 70 + 12 * i))
            for i in range(8):
                vel = (88 if i % 2 == 0 else 66) + {"Intro": -14, "Chorus": 10}.get(sec, 0)
                note = 46 if (loud and i == 7) else 42
                hats.append((t0 + i / 2, 0.45, note, vel))

        # Pad: whole notes throughout, two detuned layers spread left/right
        pad_vel = {"Intro": 72, "Verse": 62, "Chorus": 80, "Outro": 68}[sec]
        dur = 4.0 if final else 4.05
        pad += [(t0, dur, n, pad_vel) for n in PAD_VOICING[chord]]

        if sec == "Intro":
            continue

        # Bass
        root, fifth = BASS_ROOT[chord], BASS_FIFTH[chord]
        if final:
            bass.append((t0, 3.8, root, 100))
        elif loud:
            bass += [(t0 + i / 2, 0.45, root, 104 if i % 2 == 0 else 90) for i in range(8)]
        else:
            bass += [
                (t0, 1.4, root, 94),
                (t0 + 1.5, 0.45, root, 82),
                (t0 + 2, 0.95, root, 90),
                (t0 + 3, 0.45, root, 82),
                (t0 + 3.5, 0.45, fifth, 84),
            ]

        # Keys (electric piano)
        kv = KEYS_VOICING[chord]
        if final:
            keys += [(t0, 4.0, n, 76) for n in kv]
        elif loud:
            for k in range(4):
                keys += [(t0 + k, 0.9, n, 84 if k % 2 == 0 else 74) for n in kv]
        else:
            for k, d in ((0, 1.4), (1.5, 0.9), (2.5, 1.4)):
                keys += [(t0 + k, d, n, 72 if k == 0 else 62) for n in kv]

        # Guitar (clean electric, double tracked) and lead synth: chorus + outro
        if sec in ("Chorus", "Outro") and not final:
            arp = GTR_ARP[chord]
            order = (0, 1, 2, 3, 2, 1, 2, 3)
            for i, j in enumerate(order):
                vel = 86 if i % 2 == 0 else 72
                gtr_l.append((t0 + i / 2, 0.5, arp[j], vel))
                gtr_r.append((t0 + i / 2, 0.5, arp[j] + (12 if j == 0 else 0), vel - 4))
        lead_bar = {
            "F": [(2, 0.5, 72), (2.5, 0.5, 77), (3, 1.0, 76)],
            "C": [(2, 0.5, 72), (2.5, 0.5, 79), (3, 1.0, 76)],
            "G": [(2, 0.5, 74), (2.5, 0.5, 79), (3, 1.0, 77)],
            "Am": [(1, 0.5, 76), (1.5, 0.5, 74), (2, 0.5, 72), (2.5, 0.5, 71), (3, 1.0, 69)],
        }[chord]
        if sec == "Chorus" or (sec == "Outro" and not final):
            lead += [(t0 + k, d * 0.95, n, 96) for k, d, n in lead_bar]

    return {
        "Kick": [Layer(9, KIT_808, humanize(kick, rng, 2, 3))],  # thump at ~54 Hz
        "Snare": [Layer(9, KIT_ELECTRONIC, humanize(snare, rng, 3, 4))],
        "Hats": [Layer(9, KIT_808, humanize(hats, rng, 4, 5))],
        "Bass": [Layer(0, 33, humanize(bass, rng, 4, 4))],
        "Keys": [Layer(0, 4, humanize(keys, rng, 5, 4), pan=52)],
        "Guitar": [
            Layer(0, 27, humanize(gtr_l, rng, 8, 5), pan=22, bend_cents=4),
            Layer(1, 27, humanize(gtr_r, rng, 8, 5), pan=106, bend_cents=-4),
        ],
        "Pad": [Layer(0, 89, pad, pan=30, bend_cents=7), Layer(1, 89, pad, pan=98, bend_cents=-7)],
        "Lead_Synth": [Layer(0, 81, humanize(lead, rng, 3, 3), pan=74, volume=90)],
    }
