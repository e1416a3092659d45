"""A whole-stem gain in the live model: the stem is scaled, never read or measured again, and
the rules keep what they found for it; each shortcut checked against measuring the audio again
and against the rules worked out afresh."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.apply import Change, chains_for, change_of, changes_by_stem
from mixreview.analysis.measure import Measurement, mix_pass
from mixreview.analysis.predict import fader_split, measure_processed_stem, with_gain
from mixreview.analysis.review import Review
from mixreview.analysis.suggest import (
    dynamics,
    lowend,
    masking,
    section_balance,
    stereo_polarity,
    suggest,
)
from mixreview.analysis.suggest.features import Features, Offset, StemFeatures
from mixreview.analysis.suggest.live import LiveModel
from mixreview.analysis.suggest.memo import IdentityMemo, recomputing
from mixreview.analysis.suggest.model import Suggestion
from tests.live_support import open_review

pytest_plugins = ("tests.live_support",)  # the flawed fixture
LEVEL_TOLERANCE_DB = 0.01
MEMOS: dict[str, IdentityMemo] = {
    "masking": masking.MEMO,
    "pair cells": stereo_polarity.CELLS,
    "low end": lowend.MEMO,
    "section kinds": section_balance.KINDS,
    "steady parts": section_balance.STEADY,
    "compressor": dynamics.MEMO,
}


def _db(values: np.ndarray, floor: float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(np.maximum(np.abs(np.asarray(values, np.float64)), floor))


def _assert_same_series(name: str, a: np.ndarray, b: np.ndarray, floor: float) -> None:
    """Two power series within LEVEL_TOLERANCE_DB wherever either is above ``floor`` (over
    the frames both have: the session measures a short stem padded with silence)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape[1:] == b.shape[1:], name
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    loud = (np.abs(a) > floor) | (np.abs(b) > floor)
    if not loud.any():
        return  # silent in both (the side of a dual-mono stem)
    worst = float(np.max(np.abs(_db(a[loud], floor) - _db(b[loud], floor))))
    assert worst <= LEVEL_TOLERANCE_DB, f"{name}: {worst:.4f} dB"


def _assert_same_measurement(shortcut: Measurement, again: Measurement) -> None:
    """Every level, series and stereo figure the rules read, within 0.01 dB (0.0001 for the
    correlation). A mono stem's measurement (the analysis keeps it mono) has no stereo
    figures to compare with the stereo measurement of its processed audio; a stem shorter
    than the session, measured again, is padded with silence, which lowers its mean square."""
    ours, theirs = shortcut.metrics(), again.metrics()
    stereo = ("correlation", "side_to_mid_db")
    padded = ("rms_dbfs", "crest_db") if shortcut.frames != again.frames else ()
    for key, value in theirs.items():
        if key in padded:
            continue
        if key in stereo and shortcut.stereo is None:
            assert ours[key] is None, key
        elif key == "dc_offset":
            assert ours[key] == pytest.approx(value, rel=1e-3, abs=1e-6), key
        elif key == "correlation":
            assert ours[key] == pytest.approx(value, abs=1e-4), key
        elif value is None:
            assert ours[key] is None, key
        else:
            assert ours[key] == pytest.approx(value, abs=LEVEL_TOLERANCE_DB), key
    loud_a, loud_b = shortcut.loudness, again.loudness
    _assert_same_series("energy", loud_a.frame_energy, loud_b.frame_energy, 1e-9)
    for name in ("short_term_lufs", "momentary_lufs"):
        a, b = getattr(loud_a, name), getattr(loud_b, name)
        a, b = a[: min(len(a), len(b))], b[: min(len(a), len(b))]
        on = (a > -150.0) | (b > -150.0)
        assert np.max(np.abs(a[on] - b[on]), initial=0.0) <= LEVEL_TOLERANCE_DB, name
    tp_a, tp_b = shortcut.true_peak.peak_series_dbtp, again.true_peak.peak_series_dbtp
    tp_a, tp_b = tp_a[: min(len(tp_a), len(tp_b))], tp_b[: min(len(tp_a), len(tp_b))]
    on = (tp_a > -120.0) | (tp_b > -120.0)
    assert np.max(np.abs(tp_a[on] - tp_b[on]), initial=0.0) <= LEVEL_TOLERANCE_DB, (
        "true peak series"
    )
    _assert_same_series("mid bands", shortcut.bands.mid_power, again.bands.mid_power, 1e-9)
    _assert_same_series("side bands", shortcut.bands.side_power, again.bands.side_power, 1e-9)
    _assert_same_series(
        "mean square", shortcut.levels.mean_square_series, again.levels.mean_square_series, 1e-9
    )
    peaks_a, peaks_b = shortcut.levels.peak_series**2, again.levels.peak_series**2
    _assert_same_series("sample peaks", peaks_a, peaks_b, 1e-9)
    if shortcut.stereo is None:
        return
    assert again.stereo is not None
    for name in ("ll_series", "rr_series"):
        _assert_same_series(name, getattr(shortcut.stereo, name), getattr(again.stereo, name), 1e-9)


def test_a_gain_moves_every_measurement_as_measuring_again_does(flawed: Analysis) -> None:
    """The fader scales the stem ahead of it, also when a compressor (level-dependent, measured
    again) sits there: the channel strip puts the gain after it."""
    session = flawed.session
    bass = next(s for s in session.stems if s.file == "Bass.flac")
    compressor = next(s for s in suggest(flawed) if s.kind == "compressor")
    assert compressor.stems == (bass.file,)
    gain = Change("gain", (bass.file,), {"gain_db": -7.6})
    headroom = Change("headroom", (bass.file,), {"gain_db": 3.0}, amount=0.5)
    for ahead_changes in ([], [change_of(compressor)]):
        ahead = measure_processed_stem(session, bass, ahead_changes)
        changes = [*ahead_changes, gain, headroom]
        split, fader_db = fader_split(changes)
        assert split == ahead_changes and fader_db == pytest.approx(-6.1)
        again = measure_processed_stem(session, bass, changes)
        _assert_same_measurement(with_gain(ahead, fader_db), again)


def test_where_a_part_plays_is_read_ahead_of_its_fader(flawed: Analysis) -> None:
    """A deep cut takes quiet frames under the -60 LUFS floor: the stem still plays where it
    played, so what the rules found for it holds."""
    features = Features.build(flawed)
    stem = features.stems["Pad.flac"]
    cut = with_gain(stem.measurement, -40.0)
    moved = StemFeatures(stem.file, stem.role, cut, stem.frames, Offset(stem.measurement, -40.0))
    plain = StemFeatures(stem.file, stem.role, cut, stem.frames)
    assert not np.array_equal(plain.active, stem.active)  # the floor does move frames
    for name in ("active", "band_active", "playing"):
        assert np.array_equal(getattr(moved, name), getattr(stem, name)), name
    assert moved.before_fader.measurement is stem.measurement
    assert np.allclose(moved.energy, stem.energy * 1e-4, rtol=1e-9)


def _decide_all_but_the_headroom(model: LiveModel, review: Review) -> Suggestion:
    """Decide everything in queue order but the headroom (every third rejected, compressors
    accepted: measured again from the audio); the headroom, still pending."""
    for step in range(60):
        pending = [
            s
            for s in model.derive(review).suggestions
            if review.status(s.id) == "pending" and s.kind != "headroom"
        ]
        if not pending:
            break
        reject = step % 3 == 2 and pending[0].kind != "compressor"
        (review.reject if reject else review.accept)(pending[0])
    state = model.derive(review)
    return next(
        s for s in state.suggestions if s.kind == "headroom" and review.status(s.id) == "pending"
    )


@pytest.fixture
def headroom_last(flawed: Analysis, tmp_path: Path) -> Iterator[tuple[LiveModel, Review]]:
    model = LiveModel(flawed)
    review = open_review(tmp_path, flawed)
    decided = _decide_all_but_the_headroom(model, review)
    assert any(review.status(s.id) == "accepted" for s in model.derive(review).suggestions
               if s.kind == "compressor")  # fmt: skip
    review.accept(decided)
    yield model, review


def test_the_headroom_keeps_what_the_rules_found(
    headroom_last: tuple[LiveModel, Review],
) -> None:
    """After everything else was decided, the headroom (a gain on every stem) reads no stem
    again, works no per-stem or per-pair rule out again, and gives the queue the rules give
    worked out afresh."""
    model, review = headroom_last
    counts = {name: (memo.computed, memo.shifted) for name, memo in MEMOS.items()}
    state = model.derive(review)
    assert state.remeasured == ()
    moved = 0
    for name, memo in MEMOS.items():
        assert memo.computed == counts[name][0], f"{name} worked out again"
        moved += memo.shifted - counts[name][1]
    assert moved > 0
    with recomputing():
        fresh = LiveModel(model.base).derive(review)
    assert [s.as_dict() for s in state.suggestions] == [s.as_dict() for s in fresh.suggestions]
    assert [(x.suggestion.id, x.by_id) for x in state.solved] == [
        (x.suggestion.id, x.by_id) for x in fresh.solved
    ]


def _assert_kept_as_worked_out(model: LiveModel, review: Review) -> None:
    """What the memos hold for the stems as they are now, result by result, against each rule
    worked out afresh on them."""
    state = model.derive(review)
    offsets = model.processed(review.changes(list(state.suggestions), "chosen")).offsets
    assert offsets
    features = Features.build(state.analysis, offsets)
    stems = features.stems
    rules = {r.rule: r for r in masking.CLASSIC_RULES}
    checked = 0

    def current(entry_objects: tuple[Any, ...], *files: str) -> bool:
        return all(f in stems for f in files) and all(
            o is stems[f].ahead for o, f in zip(entry_objects, files, strict=False)
        )

    for key, entry in stereo_polarity.CELLS._items.items():
        if current(entry.objects, key[1], key[2]):
            kept, fresh = entry.value, stereo_polarity._pair(features, stems[key[1]], stems[key[2]])
            assert (kept is None) == (fresh is None), key
            if kept is not None and fresh is not None:
                assert np.array_equal(kept.cells, fresh.cells), key
                assert np.array_equal(kept.frames, fresh.frames), key
                assert kept.e_a == pytest.approx(fresh.e_a, rel=1e-6), key  # float32 bands
                assert kept.e_b == pytest.approx(fresh.e_b, rel=1e-6), key
            checked += 1
    for key, entry in masking.MEMO._items.items():
        _, rule, target, masker = key
        if current(entry.objects, target, masker):
            kept = entry.value
            fresh = masking._measure_pair(features, rules.get(rule), stems[target], stems[masker])
            assert (kept is None) == (fresh is None), key
            if kept is not None and fresh is not None:
                _close(dataclasses.asdict(kept), dataclasses.asdict(fresh), str(key))
            checked += 1
    for key, entry in lowend.MEMO._items.items():
        if current(entry.objects, key[1]):
            fresh_rules = lowend._stem_rules(features, stems[key[1]])
            assert [x.as_dict() for x in entry.value] == [x.as_dict() for x in fresh_rules], key
            checked += 1
    for key, entry in section_balance.STEADY._items.items():
        if current(entry.objects, key[1]):
            kinds = section_balance._kinds(features, stems[key[1]])
            assert section_balance.KINDS._items[("kinds", key[1])].value == kinds, key
            fresh_steps = section_balance._steady_gaps(features, stems[key[1]], kinds)
            assert [x.as_dict() for x in entry.value] == [x.as_dict() for x in fresh_steps], key
            checked += 1
    assert checked > len(stems)


def test_every_kept_result_is_the_one_its_rule_gives_again(
    headroom_last: tuple[LiveModel, Review],
) -> None:
    """Through the headroom (every stem moved alike), then a gain taken back to half on one
    stem (that stem moved alone: what reads it against the others is worked out again)."""
    model, review = headroom_last
    _assert_kept_as_worked_out(model, review)
    gain = next(
        s
        for s in model.derive(review).suggestions
        if s.kind == "gain" and review.status(s.id) == "accepted"
    )
    before = masking.MEMO.computed
    review.set_amount(gain, 0.5)
    _assert_kept_as_worked_out(model, review)
    assert masking.MEMO.computed > before


def test_a_gain_moves_the_high_pass_level_it_quotes(tmp_path: Path) -> None:
    """The one stem rule quoting a level of the stem's own (the energy under a high-pass's
    cut-off): moved with the gain, as the rule gives it on the stem after the gain."""
    from tests.suggest_support import band_noise, save, times, vocal

    sub = 0.05 * np.sin(2 * np.pi * 30.0 * times()) + 0.02 * band_noise(20.0, 45.0, seed=9)
    folder = save(tmp_path / "song", {"Lead_Vocal.wav": vocal() + sub})
    features = Features.build(analyze(folder, workers=1, use_cache=False))
    stem = features.stems["Lead_Vocal.wav"]
    found = lowend._stem_rules(features, stem)
    assert [s.rule for s in found if s.kind == "highpass"] == ["rumble"]
    for gain_db in (-9.3, 4.0):
        moved = StemFeatures(
            stem.file,
            stem.role,
            with_gain(stem.measurement, gain_db),
            stem.frames,
            Offset(stem.measurement, gain_db),
        )
        fresh = lowend._stem_rules(features, moved)
        shifted = lowend._shift_rumble(found, (gain_db,))
        assert [s.target.before for s in shifted] != [s.target.before for s in found]
        for a, b in zip(shifted, fresh, strict=True):
            _close(a.as_dict(), b.as_dict(), a.id)


def _close(ours: Any, theirs: Any, path: str) -> None:
    """Equal, numbers within rounding (0.011, or 0.1% of the value)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and ours.keys() == theirs.keys(), path
        for key in theirs:
            _close(ours[key], theirs[key], f"{path}.{key}")
    elif isinstance(theirs, list | tuple):
        assert len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            _close(a, b, f"{path}[{i}]")
    elif isinstance(theirs, float) and not isinstance(theirs, bool):
        assert math.isclose(ours, theirs, rel_tol=1e-3, abs_tol=0.011), f"{path}: {ours} {theirs}"
    else:
        assert ours == theirs, path


def test_the_headroom_queue_is_the_one_measuring_every_stem_again_gives(
    flawed: Analysis, tmp_path: Path
) -> None:
    """The headroom alone: every stem scaled and the mix with them, against every stem and the
    mix read and measured again with the gain applied. A stem the analysis measured otherwise
    than the session reads it (kept mono, at its own rate, shorter) is checked on the
    session's footing and judged on its scaled measurement, as before any decision."""
    model = LiveModel(flawed)
    review = open_review(tmp_path, flawed)
    headroom = next(s for s in model.derive(review).suggestions if s.kind == "headroom")
    review.accept(headroom)
    ours = model.derive(review)
    gain_db = headroom.params["gain_db"]
    changes = review.changes([headroom], "chosen")
    session = flawed.session
    offsets: dict[str, Offset] = {}
    reports = []
    for report, mine in zip(flawed.stems, ours.analysis.stems, strict=True):
        stem_changes = changes_by_stem(changes).get(report.stem.file)
        base = report.measurement
        if not stem_changes or base is None:
            reports.append(report)
            continue
        assert fader_split(stem_changes) == ([], gain_db)
        plain = measure_processed_stem(session, report.stem, [])
        again = measure_processed_stem(session, report.stem, stem_changes)
        _assert_same_measurement(with_gain(plain, gain_db), again)
        assert mine.measurement is not None
        if (base.channels, base.sample_rate, base.frames) == (2, plain.sample_rate, plain.frames):
            _assert_same_measurement(mine.measurement, again)
        else:
            again = with_gain(base, gain_db)
        offsets[report.stem.file] = Offset(base, gain_db)
        reports.append(dataclasses.replace(report, measurement=again))
    assert len(offsets) == len(headroom.stems)
    mix = mix_pass(session, chains_for(changes, session))
    assert ours.analysis.mix is not None
    _assert_same_measurement(ours.analysis.mix, mix)
    again = dataclasses.replace(flawed, stems=tuple(reports), mix=mix)
    decided = {headroom.id}
    with recomputing():
        expected = suggest(again, decided, offsets)
        derived = suggest(ours.analysis, decided, model.processed(changes).offsets)
    assert [s.id for s in derived] == [s.id for s in expected]
    for a, b in zip(derived, expected, strict=True):
        _close(a.as_dict(), b.as_dict(), a.id)
