"""The judgement benchmark in CI: two benchmark songs, generated short, scored against their truth.

Today's results are floors: every planted problem found today must stay found, and false alarms,
contradictions and the longest queue on one stem must not grow. A change that loses a finding
fails here. Run the whole benchmark with ``python bench/bench_judgement.py``.
"""

from __future__ import annotations

import pytest

from mixreview.analysis.suggest.model import Suggestion, Target
from tools.bench_songs.build import ensure_songs, missing_tools
from tools.bench_songs.score import (
    Item,
    Scope,
    TakeResult,
    contradicts,
    direction_of,
    matches,
    scopes_of,
    score_take,
)

SONGS = ("neon_drive", "dust_road")

# Today's numbers on SONGS (short forms). Raise them when the engine gets better.
FOUND_TODAY = frozenset(
    {
        "arp_dominates",
        "arp_float_over",
        "vocal_rumble",
        "bass_wide",
        "keys_cover_vocal",
        "clap_dual_mono",
        "pluck_default_name",
        "empty_double",
        "arp_float_over:Drums",
        "vocal_low",
        "acoustic_rumble",
        "rhythm_covers_vocal",
        "drums_clipped",
        "organ_inverted",
        "tambourine_48k",
        "shaker_nan",
    }
)
FALSE_ALARMS_MAX = 0
CONTRADICTIONS_MAX = 0
ITEMS_PER_STEM_MAX = 3


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], TakeResult]:
    missing = missing_tools()
    if missing:
        pytest.skip("benchmark songs cannot be generated; missing: " + ", ".join(missing))
    built = ensure_songs(SONGS, short=True, log=lambda *_: None)
    return {(s.slug, take): score_take(s.take(take)) for s in built for take in ("clean", "flawed")}


@pytest.mark.slow
def test_truth_lists_the_planted_problems(results: dict[tuple[str, str], TakeResult]) -> None:
    """Flawed takes carry problems of both kinds, clean takes none: the floors below mean
    something."""
    for (song, take), result in results.items():
        kinds = {p["expect"] for p in result.planted}
        if take == "clean":
            assert not result.planted, song
        else:
            assert kinds == {"check", "suggestion"}, song
    planted = {p["id"] for (_, take), r in results.items() if take == "flawed" for p in r.planted}
    assert FOUND_TODAY <= planted


@pytest.mark.slow
def test_planted_problems_found_today_stay_found(results) -> None:
    found = {pid for (_, take), r in results.items() if take == "flawed" for pid in r.found}
    lost = sorted(FOUND_TODAY - found)
    details = {m["id"]: m["engine"] for r in results.values() for m in r.missed if m["id"] in lost}
    assert not lost, f"no longer found: {details}"
    assert len(found) >= len(FOUND_TODAY)


@pytest.mark.slow
def test_no_more_false_alarms_on_clean_takes(results) -> None:
    alarms = [a for (_, take), r in results.items() if take == "clean" for a in r.false_alarms]
    assert len(alarms) <= FALSE_ALARMS_MAX, alarms


@pytest.mark.slow
def test_no_more_contradictions(results) -> None:
    found = [c for r in results.values() for c in r.contradictions]
    assert len(found) <= CONTRADICTIONS_MAX, found


@pytest.mark.slow
def test_queues_stay_short(results) -> None:
    longest = max(r.max_items for (_, take), r in results.items() if take == "flawed")
    crowded = {k: r.crowded for k, r in results.items() if r.crowded}
    assert longest <= ITEMS_PER_STEM_MAX, crowded


# ---------------------------------------------------------------- the scorer's own rules


def _suggestion(kind: str, direction: str | None = None, **extra) -> Item:
    return Item("suggestion", kind, ("Keys.wav",), "medium", direction=direction, **extra)


def _in(name: str | None, span_s: tuple[float, float], direction: str) -> tuple[Scope, ...]:
    return (Scope(name, span_s, direction),)


TRUTH = {"id": "x", "expect": "suggestion", "stem": "Keys.wav", "kinds": ["unmask", "eq"],
         "direction": "cut", "section": None, "span_s": None}  # fmt: skip
CHORUS = TRUTH | {"kinds": ["section_gain"], "direction": "boost", "section": "Chorus",
                  "span_s": [10.0, 20.0]}  # fmt: skip


def test_a_finding_needs_kind_stem_and_direction() -> None:
    assert matches(TRUTH, _suggestion("unmask", "cut"))
    assert not matches(TRUTH, _suggestion("unmask", "boost"))
    assert not matches(TRUTH, _suggestion("gain", "cut"))
    other_stem = Item("suggestion", "eq", ("Pad.wav",), "low", direction="cut")
    assert not matches(TRUTH, other_stem)
    check = {"id": "c", "expect": "check", "stem": "Keys.wav", "check_id": "clipping"}
    assert matches(check, Item("check", "clipping", ("Keys.wav",), "error"))
    assert not matches(check, Item("check", "limited", ("Keys.wav",), "warning"))


def test_a_section_matches_by_name_or_by_span() -> None:
    assert matches(CHORUS, _suggestion("section_gain", scopes=_in("Chorus", (9, 21), "boost")))
    assert not matches(CHORUS, _suggestion("section_gain", scopes=_in("Chorus", (9, 21), "cut")))
    assert not matches(CHORUS, _suggestion("section_gain", scopes=_in("Verse", (0, 9), "boost")))
    detected = CHORUS | {"section": None}
    assert matches(detected, _suggestion("section_gain", scopes=_in("B", (10.4, 19.6), "boost")))
    too_long = _suggestion("section_gain", scopes=_in("B", (0.0, 40.0), "boost"))
    assert not matches(detected, too_long)
    halves = (Scope("C", (10.0, 15.0), "boost"), Scope("C2", (15.0, 20.0), "boost"))
    assert matches(detected, _suggestion("section_gain", scopes=halves))
    assert matches(detected, _suggestion("section_gain", scopes=halves[1:]))  # half of it
    assert not matches(detected, _suggestion("section_gain", scopes=_in("C", (17, 20), "boost")))
    assert not matches(CHORUS, _suggestion("section_gain", "boost"))  # the whole song


def test_a_merged_section_gain_is_read_segment_by_segment() -> None:
    merged = Suggestion(
        kind="section_gain",
        stems=("Keys.wav",),
        params={
            "segments": [
                {"start_s": 10.0, "end_s": 20.0, "gain_db": 6.0},
                {"start_s": 30.0, "end_s": 40.0, "gain_db": 5.0},
            ]
        },
        severity="high",
        category="technical",
        why="",
        evidence={},
        target=Target("section_gap_lu", 8.0, 0.5, "lower"),
        rule="section_balance",
        section="Chorus, Chorus 2",
        section_span_s=(10.0, 20.0),
    )
    item = _suggestion("section_gain", direction_of(merged), scopes=scopes_of(merged))
    second = CHORUS | {"section": "Chorus 2", "span_s": [30.0, 40.0]}
    assert matches(CHORUS, item)
    assert matches(second, item)
    assert not matches(second | {"direction": "cut"}, item)


def test_opposite_moves_of_one_quantity_contradict() -> None:
    boost = _suggestion("gain", "boost")
    cut_in_chorus = _suggestion("section_gain", "cut", scopes=_in("Chorus", (10, 20), "cut"))
    boost_in_chorus = _suggestion("section_gain", "boost", scopes=_in("Chorus", (10, 20), "boost"))
    cut_in_verse = _suggestion("section_gain", "cut", scopes=_in("Verse", (0, 10), "cut"))
    assert contradicts(boost, cut_in_chorus)
    assert not contradicts(boost, boost_in_chorus)
    assert not contradicts(boost_in_chorus, cut_in_verse)  # different times
    eq_cut = _suggestion("unmask", "cut", params={"freq_hz": 2000.0, "gain_db": -3.0})
    eq_boost = _suggestion("eq", "boost", params={"bands": [{"freq_hz": 2100.0, "gain_db": 2.0}]})
    far_boost = _suggestion("eq", "boost", params={"bands": [{"freq_hz": 8000.0, "gain_db": 2.0}]})
    assert contradicts(eq_cut, eq_boost)
    assert not contradicts(eq_cut, far_boost)
    assert not contradicts(boost, eq_cut)  # a level and a tone move are different quantities
