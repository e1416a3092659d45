"""Loudness matching from kept K-weighted mixes against the full render it stands in for: the same
offsets (well within 0.1 dB) on known signals and on a multi-stem session with real processors,
only the stems that differ rendered again, kept mixes never reused for other chains, bounded
memory, and many threads at once."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy import signal

from mixreview.analysis import playback_match
from mixreview.analysis.apply import Change
from mixreview.analysis.playback_match import LoudnessMatcher, Match, measure_versions
from mixreview.analysis.playback_match_cache import PassageSums, Work, segment_bounds
from mixreview.analysis.reference import reference_stem
from mixreview.analysis.session import Session, Stem, load_session

SR = 48000
SECONDS = 6.0
TOLERANCE_DB = 1e-3
"""Required: 0.1 dB. Both paths sum the same float32 renders, so they agree far closer."""


def _sine(freq_hz: float, level_dbfs: float, seconds: float, rate: int = SR) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (10 ** (level_dbfs / 20) * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def _write(folder: Path, name: str, data: np.ndarray, rate: int = SR) -> None:
    subtype = "PCM_24" if name.endswith(".flac") else "FLOAT"
    sf.write(str(folder / name), data.astype(np.float32), rate, subtype=subtype)


@pytest.fixture(scope="module")
def tones(tmp_path_factory: pytest.TempPathFactory) -> Session:
    """Two 997 Hz stems at -26 dBFS on both channels: -26 LUFS each, -19.98 LUFS together
    (the same signal twice is 20 log10(2) dB louder)."""
    folder = tmp_path_factory.mktemp("tones") / "song"
    folder.mkdir()
    tone = _sine(997.0, -26.0, SECONDS)
    for name in ("One.wav", "Two.wav"):
        _write(folder, name, np.stack([tone, tone], axis=1))
    return load_session(folder)


def _stems(seconds: float) -> dict[str, tuple[np.ndarray, int]]:
    """Music-like stems: mono and stereo, a correlated pair (so polarity and pan move the sum),
    a stem at 44.1 kHz (resampled as it enters the mix), quiet and loud passages."""
    n = round(seconds * SR)
    t = np.arange(n) / SR
    rng = np.random.default_rng(3)
    env = (0.5 + 0.5 * np.sin(2 * np.pi * t / 2.3)) ** 2
    kick = 0.7 * np.sin(2 * np.pi * 52 * t) * np.exp(-(t % 0.5) * 12)
    bass = 0.35 * np.sin(2 * np.pi * 98 * t + 2 * np.sin(2 * np.pi * 0.5 * t)) * env
    guitar = signal.lfilter([1.0, -0.5], [1.0, -0.6], rng.standard_normal(n)) * 0.08
    pad = signal.lfilter([0.03], [1.0, -0.97], rng.standard_normal((n, 2)), axis=0) * 0.4
    hats = signal.lfilter([1.0, -1.0], [1.0], rng.standard_normal((n, 2)), axis=0)
    hats *= 0.05 * (t % 0.25 < 0.04)[:, None]
    vocal = _sine(997.0, -18.0, seconds) * (t > 2.0)  # silent for 2 s, then in
    m = round(seconds * 44100)
    keys = _sine(440.0, -20.0, seconds, 44100)[:, None] * np.array([[1.0, 0.6]])
    return {
        "Kick.wav": (kick, SR),
        "Bass.wav": (np.stack([bass, 0.9 * bass], axis=1), SR),
        "Gtr_A.wav": (np.stack([guitar, 0.7 * guitar], axis=1), SR),
        "Gtr_B.wav": (np.stack([0.9 * guitar, guitar], axis=1), SR),  # the same part, doubled
        "Pad.flac": (pad, SR),
        "Hats.wav": (hats, SR),
        "Vocal.wav": (np.stack([vocal, vocal], axis=1), SR),
        "Keys.wav": (keys[:m], 44100),
    }


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    folder = tmp_path_factory.mktemp("match") / "song"
    folder.mkdir()
    for name, (data, rate) in _stems(SECONDS).items():
        _write(folder, name, data, rate)
    return load_session(folder)


def eq(file: str, freq_hz: float, gain_db: float, amount: float = 1.0) -> Change:
    bands = [{"type": "peaking", "freq_hz": freq_hz, "gain_db": gain_db, "q": 1.2}]
    return Change("eq", (file,), {"bands": bands}, amount, source_id=f"eq-{file}")


def comp(file: str, amount: float = 1.0) -> Change:
    params = {"threshold_db": -30.0, "ratio": 4.0, "attack_ms": 5.0, "release_ms": 120.0}
    return Change("compressor", (file,), {**params, "makeup_db": 3.0}, amount, source_id="c")


def gain(file: str, gain_db: float) -> Change:
    return Change("gain", (file,), {"gain_db": gain_db}, source_id=f"gain-{file}")


CHOSEN = [
    eq("Bass.wav", 98.0, -4.0),
    comp("Bass.wav"),
    comp("Vocal.wav"),
    Change("highpass", ("Pad.flac",), {"freq_hz": 150.0}),
    Change("width", ("Pad.flac",), {"width": 1.6}),
    Change("pan", ("Gtr_A.wav",), {"pan": -0.5}),
    Change("pan", ("Gtr_B.wav",), {"pan": 0.5}),
    Change("mono_bass", ("Kick.wav",), {"freq_hz": 120.0}),
    Change("gain", ("Hats.wav",), {"gain_db": -6.0}, section_span_s=(1.0, 3.5)),
    Change("section_gain", ("Keys.wav",), {"start_s": 2.0, "end_s": 4.0, "gain_db": 4.0}),
]


def assert_same(fast: Match, exact: Match) -> None:
    assert fast.loudness_a_lufs == pytest.approx(exact.loudness_a_lufs, abs=TOLERANCE_DB)
    assert fast.loudness_b_lufs == pytest.approx(exact.loudness_b_lufs, abs=TOLERANCE_DB)
    assert fast.offset_db == pytest.approx(exact.offset_db, abs=TOLERANCE_DB)
    assert fast.span_s == exact.span_s


def check(
    matcher: LoudnessMatcher,
    a: list[Change],
    b: list[Change],
    span: tuple[float, float],
    audible: set[str] | None = None,
    reference: Stem | None = None,
) -> Match:
    """Match through ``matcher`` and check it against the full render."""
    fast = matcher.match(a, b, span, audible, reference)
    assert_same(fast, measure_versions(matcher.session, a, b, span, audible, 0.0, reference))
    return fast


# ------------------------------------------------------------------------- known signals ---


def test_known_levels_read_the_same_both_ways(tones: Session) -> None:
    matcher = LoudnessMatcher(tones)
    match = check(matcher, [], [gain("Two.wav", -144.0)], (0.5, 5.5))
    assert match.loudness_a_lufs == pytest.approx(-26.0 + 20 * np.log10(2), abs=0.01)
    assert match.loudness_b_lufs == pytest.approx(-26.0, abs=0.01)
    assert match.offset_db == pytest.approx(20 * np.log10(2), abs=0.01)
    # One stem inverted: the two cancel; B is silent and is not matched.
    flip = Change("polarity", ("Two.wav",), {})
    match = check(matcher, [], [flip], (0.5, 5.5))
    assert match.loudness_b_lufs == float("-inf") and match.offset_db == 0.0
    assert matcher.last_work == Work(units=2, stems=1, sides_weighted=1, sides_kept=1)
    # A gain on one stem: +6 dB on a copy of the other makes 20 log10(3) dB over one alone.
    match = check(matcher, [], [gain("Two.wav", 20 * np.log10(2))], (0.5, 5.5))
    assert match.loudness_b_lufs == pytest.approx(-26.0 + 20 * np.log10(3), abs=0.01)


def test_the_meter_grid_at_any_rate() -> None:
    assert segment_bounds(48000, 48000).tolist() == list(range(0, 48001, 4800))
    assert segment_bounds(48000, 4799).tolist() == [0]
    assert segment_bounds(11025, 3000).tolist() == [0, 1102, 2205]  # j * rate // 10


# --------------------------------------------------------------- a session of real stems ---


def test_matches_in_one_passage_equal_full_renders(session: Session) -> None:
    """The review's moves in one section: each match starts from kept mixes and renders only
    the stems that differ, and reads as the full render does."""
    matcher = LoudnessMatcher(session)
    span = (0.5, 5.5)
    first = check(matcher, CHOSEN, [*CHOSEN, eq("Vocal.wav", 2500.0, 5.0)], span)
    assert matcher.last_work is not None and matcher.last_work.stems == 8
    moves = [
        [*CHOSEN, comp("Pad.flac")],  # another suggestion: Vocal back as chosen, Pad changed
        [*CHOSEN, Change("polarity", ("Gtr_B.wav",), {})],  # the doubled part inverted
        [*CHOSEN, eq("Keys.wav", 440.0, -8.0, amount=0.5)],
        [*CHOSEN, eq("Keys.wav", 440.0, -8.0, amount=0.75)],  # the amount moved
        [*CHOSEN, gain("Kick.wav", 3.0)],
    ]
    offsets = [first.offset_db]
    for b in moves:
        offsets.append(check(matcher, CHOSEN, b, span).offset_db)
        work = matcher.last_work
        assert work is not None and work.sides_kept == 1  # A, the chosen mix, is kept
        assert (work.stems, work.units) == (1, 2), work  # that stem's chain leaves, one arrives
    assert len(set(np.round(offsets, 6))) == len(offsets)  # every change moved the offset


def test_a_change_on_one_stem_is_never_served_from_another_chain(session: Session) -> None:
    """Kept mixes are found by the exact chain of every stem: nothing else reuses them."""
    matcher = LoudnessMatcher(session)
    span = (1.0, 4.0)
    base = check(matcher, [], CHOSEN, span)
    louder = [c if c.kind != "compressor" or "Vocal.wav" not in c.stems else comp("Vocal.wav", 0.5)
              for c in CHOSEN]  # fmt: skip
    changed = check(matcher, [], louder, span)
    assert changed.loudness_b_lufs != base.loudness_b_lufs
    assert changed.loudness_a_lufs == base.loudness_a_lufs
    # The same change given in another order builds the same chains: the same kept mix.
    again = check(matcher, list(reversed(CHOSEN)), [], span)
    assert matcher.last_work == Work(units=0, stems=0, sides_weighted=0, sides_kept=2)
    assert again.loudness_b_lufs == base.loudness_a_lufs
    # Two changes of one kind on one stem, swapped: another chain (compressors do not commute).
    c1 = comp("Bass.wav")
    c2 = Change("compressor", ("Bass.wav",), {"threshold_db": -12.0, "ratio": 8.0,
                "attack_ms": 1.0, "release_ms": 40.0})  # fmt: skip
    swapped = check(matcher, [c1, c2], [c2, c1], span, audible={"Bass.wav"})
    assert abs(swapped.offset_db) > 0.05, swapped
    assert matcher.last_work == Work(units=2, stems=1, sides_weighted=2, sides_kept=0)


def test_solo_mute_and_other_passages(session: Session) -> None:
    matcher = LoudnessMatcher(session)
    a, b = CHOSEN, [*CHOSEN, gain("Bass.wav", -3.0)]
    check(matcher, a, b, (0.0, 5.0))
    check(matcher, a, b, (0.0, 5.0), audible={"Bass.wav", "Kick.wav"})
    assert matcher.last_work is not None and matcher.last_work.units <= 12
    check(matcher, a, b, (0.0, 5.0), audible=set())  # all muted: both sides silent
    check(matcher, a, b, (0.37, 3.81))  # another passage: nothing kept for it
    assert matcher.last_work is not None and matcher.last_work.stems == 8
    check(matcher, a, b, (5.0, 9.0))  # past the end: the session's last second
    check(matcher, a, b, (5.7, 6.0))  # shorter than a gating block: nothing to match


def test_reference_side(session: Session, tmp_path: Path) -> None:
    n = round(4.0 * 44100)
    noise = np.random.default_rng(9).standard_normal((n, 2)).astype(np.float32) * 0.1
    path = tmp_path / "Master.wav"
    sf.write(str(path), noise, 44100, subtype="FLOAT")
    reference = reference_stem(path)
    matcher = LoudnessMatcher(session)
    check(matcher, CHOSEN, CHOSEN, (1.0, 5.0), reference=reference)
    check(matcher, CHOSEN, [], (1.0, 5.0))
    check(matcher, [], [], (1.0, 5.0), reference=reference)


def test_long_passages_are_rendered_in_full(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(playback_match, "FAST_MAX_S", 2.0)
    matcher = LoudnessMatcher(session)
    check(matcher, [], CHOSEN, (0.0, 5.0))
    assert matcher.last_work == Work() and len(matcher.sums) == 0
    check(matcher, [], CHOSEN, (0.0, 1.5))
    assert matcher.last_work is not None and matcher.last_work.stems == 8


# ---------------------------------------------------------------------- memory, threads ---


def test_kept_mixes_stay_under_the_limit(session: Session) -> None:
    side_mb = 4.0 * SR * 2 * 4 / 1e6  # a 4 s side: 1.5 MB
    matcher = LoudnessMatcher(session, cache_mb=2.5 * side_mb)
    for gain_db in (-6.0, -3.0, 3.0, 6.0):
        check(matcher, CHOSEN, [*CHOSEN, gain("Pad.flac", gain_db)], (1.0, 5.0))
        assert matcher.sums.nbytes <= matcher.sums.limit_bytes
        assert len(matcher.sums) <= 2
    sums = PassageSums(session, limit_mb=0.1)  # smaller than one side: nothing kept
    loudness, _ = sums.measure([CHOSEN], SR, 4 * SR)
    assert len(sums) == 0 and np.isfinite(loudness[0])


def test_many_threads_at_once(session: Session) -> None:
    """One matcher shared by threads that match different versions in the same passages."""
    span_a, span_b = (0.5, 3.5), (2.0, 5.0)
    jobs = [
        (CHOSEN, [*CHOSEN, gain(file, gain_db)], span)
        for file in ("Pad.flac", "Bass.wav", "Gtr_A.wav")
        for gain_db in (-4.0, 4.0)
        for span in (span_a, span_b)
    ]
    expected = [measure_versions(session, a, b, span) for a, b, span in jobs]
    matcher = LoudnessMatcher(session, cache_mb=12.0)
    results: dict[int, Match] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def run(worker: int) -> None:
        try:
            barrier.wait()
            for index in range(worker, len(jobs) * 2, 4):
                a, b, span = jobs[index % len(jobs)]
                found = matcher.match(a, b, span)
                previous = results.setdefault(index % len(jobs), found)
                assert previous.offset_db == pytest.approx(found.offset_db, abs=TOLERANCE_DB)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sorted(results) == list(range(len(jobs)))
    for index, exact in enumerate(expected):
        assert_same(results[index], exact)
    assert matcher.sums.nbytes <= matcher.sums.limit_bytes
