"""The live model: suggestions derived again after every decision, balance solved as one."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.apply import chains_for
from mixreview.analysis.measure import mix_pass
from mixreview.analysis.predict import measure_processed_stem, predict_stem
from mixreview.analysis.review import Review
from mixreview.analysis.suggest import suggest
from mixreview.analysis.suggest.balance import HEADROOM_TARGET_DBTP, ROLE_RANGES_LU, solve_balance
from mixreview.analysis.suggest.features import Features
from mixreview.analysis.suggest.live import LiveModel
from mixreview.analysis.suggest.model import Suggestion
from tests.live_support import DEMO, open_review

pytest_plugins = ("tests.live_support",)  # the flawed fixture


def _pending(model: LiveModel, review: Review) -> list[Suggestion]:
    return [s for s in model.derive(review).suggestions if review.status(s.id) == "pending"]


def test_a_decided_suggestion_round_trips() -> None:
    analysis = analyze(DEMO, workers=1)
    for s in suggest(analysis):
        data = s.as_dict()
        again = Suggestion.from_dict(data)
        assert again.as_dict() == data and again.id == s.id


def test_gain_predictions_match_a_measurement(flawed: Analysis, tmp_path: Path) -> None:
    """Exact kinds: what the series predict is what processing the audio measures."""
    from mixreview.analysis.apply import Change

    session = flawed.session
    stem = next(s for s in session.stems if s.file == "Bass.flac")
    base = next(r.measurement for r in flawed.stems if r.stem.file == stem.file)
    assert base is not None
    frames = int(np.ceil(session.duration_s * 10 - 1e-9))
    for change in (
        Change("gain", (stem.file,), {"gain_db": -6.0}),
        Change("section_gain", (stem.file,),
               {"segments": [{"start_s": 10.0, "end_s": 20.0, "gain_db": -8.0}]}),
        Change("eq", (stem.file,),
               {"bands": [{"type": "peaking", "freq_hz": 100.0, "gain_db": -6.0, "q": 1.0}]}),
    ):  # fmt: skip
        predicted = predict_stem(base, [change], frames)
        measured = measure_processed_stem(session, stem, [change])
        tolerance_lu = 0.02 if change.kind != "eq" else 0.1  # eq: third-octave resolution
        assert predicted.loudness.integrated_lufs == pytest.approx(
            measured.loudness.integrated_lufs, abs=tolerance_lu
        ), change.kind


def test_decisions_re_derive_the_others(flawed: Analysis, tmp_path: Path) -> None:
    """Accept the headroom and one balance change at half its amount: the other balance and
    section gains are derived again (same ids, new numbers: the joint solve had counted on the
    whole change), decided ones stay exactly as decided."""
    model = LiveModel(flawed)
    review = open_review(tmp_path, flawed)
    first = {s.id: s for s in model.derive(review).suggestions}
    headroom = next(s for s in first.values() if s.kind == "headroom")
    review.accept(headroom)
    gain = max((s for s in _pending(model, review) if s.kind == "gain"),
               key=lambda s: abs(s.params["gain_db"]))  # fmt: skip
    review.set_amount(gain, 0.5)
    state = model.derive(review)
    now = {s.id: s for s in state.suggestions}
    assert now[headroom.id].as_dict() == headroom.as_dict()
    assert now[gain.id].as_dict() == gain.as_dict()
    others = [
        s for s in first.values()
        if s.kind in ("gain", "section_gain") and s.id not in (headroom.id, gain.id)
    ]  # fmt: skip
    assert others
    rederived = [s for s in others if s.id in now and now[s.id].params != s.params]
    solved = {x.suggestion.id for x in state.solved}
    assert rederived or solved & {s.id for s in others}
    assert all(s.id in now or s.id in solved for s in others)  # none vanishes unexplained


def test_accepting_everything_lands_at_the_headroom_target(
    flawed: Analysis, tmp_path: Path
) -> None:
    """Decide in queue order until nothing is pending; the chosen mix, rendered, peaks within
    1 dB of the target."""
    model = LiveModel(flawed)
    review = open_review(tmp_path, flawed)
    for _ in range(40):
        pending = _pending(model, review)
        if not pending:
            break
        review.accept(pending[0])
    assert not _pending(model, review)
    suggestions = list(model.derive(review).suggestions)
    chains = chains_for(review.changes(suggestions, "chosen"), flawed.session)
    mix = mix_pass(flawed.session, chains)
    assert abs(mix.true_peak.true_peak_dbtp - HEADROOM_TARGET_DBTP) <= 1.0


def _dominant_session(tmp_path: Path, over_db: float) -> Path:
    """The demo with its guitar driven ``over_db`` past the top of its role's window: the
    guitar's level against the others rises by what takes it to the window's top plus
    ``over_db`` (the others are lowered, so no file goes over full scale)."""
    from mixreview.analysis.suggest.balance import relative_level

    folder = tmp_path / "dominant"
    shutil.copytree(DEMO, folder)
    features = Features.build(analysis=analyze(folder, workers=1, use_cache=False))
    guitar = features.stems["Guitar.flac"]
    assert features.mix is not None
    rel = relative_level(guitar, features.mix, guitar.active)
    raise_db = ROLE_RANGES_LU["guitar"][1] - rel + over_db
    for path in folder.glob("*.flac"):
        if path.name != "Guitar.flac":
            data, rate = sf.read(path, dtype="float64")
            sf.write(path, data * 10 ** (-raise_db / 20), rate, subtype="PCM_24")
    return folder


def test_a_dominant_stem_gets_the_cut_and_nobody_else_a_big_boost(tmp_path: Path) -> None:
    folder = _dominant_session(tmp_path, over_db=12.0)
    analysis = analyze(folder, workers=1, use_cache=False)
    gains = [s for s in suggest(analysis) if s.kind == "gain"]
    assert gains
    largest = max(gains, key=lambda s: abs(s.params["gain_db"]))
    assert largest.stems == ("Guitar.flac",) and largest.params["gain_db"] < -8.0
    boosts = [s.params["gain_db"] for s in gains if s.stems != ("Guitar.flac",)]
    assert max(boosts, default=0.0) <= 3.0
    moves = solve_balance(Features.build(analysis))
    assert moves[0].file == "Guitar.flac"  # judged first: the others are judged without it


def _contradictions(suggestions: list[Suggestion]) -> list[str]:
    """Two items on one stem, same parameter, overlapping range, opposite signs."""
    found = []
    level = [s for s in suggestions if s.kind in ("gain", "section_gain") and len(s.stems) == 1]
    for a in level:
        for b in level:
            if a.id >= b.id or a.stems != b.stems:
                continue
            ga = a.params.get("gain_db", None)
            gb = b.params.get("gain_db", None)
            if ga is None:
                ga = a.params["segments"][0]["gain_db"]
            if gb is None:
                gb = b.params["segments"][0]["gain_db"]
            overlap = a.section is None or b.section is None or a.section == b.section
            if overlap and ga * gb < 0:
                found.append(f"{a.stems[0]}: {a.kind} {ga:+} vs {b.kind} {gb:+}")
    return found


def test_no_contradictions_on_the_sample_sessions(flawed: Analysis) -> None:
    for analysis in (analyze(DEMO, workers=1), flawed):
        assert _contradictions(suggest(analysis)) == []
