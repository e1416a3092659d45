"""The live assistant's bookkeeping pinned from both sides: problems folded into one item, what
waits for another decision, each claim's goal judged at its bound, the suggestion's own record.

The rules' inputs are hand-made suggestions and numbers; the live model's tests run on one
small three-stem session analysed once for the module. The goal
tests use numbers that land exactly on each share (a quarter, a half) and the nearest ones past
it, so a ``>=`` turned into ``>`` fails a test as well as a share moved; the stated numbers are
those of docs/rules.md and the module docstrings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.apply import Change
from mixreview.analysis.checks import DC_OFFSET_MAX
from mixreview.analysis.measure import Measurement
from mixreview.analysis.review import Review
from mixreview.analysis.suggest import live, problems, verify
from mixreview.analysis.suggest.live import LiveModel, Solved, shared_gain_db
from mixreview.analysis.suggest.memo import LEVEL_TOLERANCE_DB
from mixreview.analysis.suggest.model import (
    CATEGORIES,
    KINDS,
    SEVERITY_ORDER,
    Suggestion,
    Target,
    suggestion_id,
)
from mixreview.analysis.suggest.problems import (
    consolidate,
    hold_back,
    level_swing_problem,
    merge_section_gains,
)
from mixreview.analysis.suggest.verify import Verification, claim_holds


def make(
    kind: Any = "gain",
    stems: tuple[str, ...] = ("Bass.wav",),
    rule: str = "balance",
    severity: Any = "medium",
    impact: float | None = None,
    params: dict[str, Any] | None = None,
    section: str | None = None,
    **more: Any,
) -> Suggestion:
    evidence = {} if impact is None else {"impact": impact}
    return Suggestion(
        kind=kind, stems=stems, params=params if params is not None else {"gain_db": 1.0},
        severity=severity, category="creative", why=f"{kind} {rule} {section}",
        evidence=evidence, rule=rule, section=section,
        target=Target("relative_level_lu", -12.0, -8.0, "within:-11..-3"), **more,
    )  # fmt: skip


def section_gain(
    section: str, start_s: float, severity: Any = "medium", impact: float = 1.0, **more: Any
) -> Suggestion:
    return Suggestion(
        kind="section_gain", stems=("Bass.wav",),
        params={"segments": [{"start_s": start_s, "end_s": start_s + 4.0, "gain_db": -2.0}],
                **more.pop("params", {})},
        severity=severity, category="creative", why=f"{section} jumps.",
        evidence={"impact": impact, "gap_lu": start_s}, rule="section_balance", section=section,
        section_span_s=(start_s, start_s + 4.0),
        target=Target("section_gap_lu", start_s, start_s / 10, "lower", "LU"), **more,
    )  # fmt: skip


# -- problems: one problem, one item ----------------------------------------------------------
def test_one_section_gain_is_renamed_for_its_stem() -> None:
    gain = section_gain("chorus", 8.0)
    merged = merge_section_gains([gain])
    assert merged.id == suggestion_id("section_gain", ("Bass.wav",), None, "section_balance")
    assert merged.id != gain.id
    assert merged == Suggestion(**{**vars(gain), "id": merged.id})
    assert level_swing_problem("Bass.wav") == "level-swing:Bass.wav"


def test_section_gains_merge_into_one_change_in_time_order() -> None:
    late = section_gain("outro", 30.0, "low", 5.0)
    early = section_gain("intro", 2.0, "medium", 1.0, params={"ramp_ms": 50.0})
    middle = section_gain("verse", 12.0, "medium", 3.0)
    merged = merge_section_gains([late, early, middle])
    assert merged.kind == "section_gain" and merged.stems == ("Bass.wav",)
    assert [seg["start_s"] for seg in merged.params["segments"]] == [2.0, 12.0, 30.0]
    assert merged.params["ramp_ms"] == 20.0  # the first given has none: the default
    assert merge_section_gains([early, late]).params["ramp_ms"] == 50.0
    assert merged.severity == "medium" and merged.category == "technical"
    assert merged.why == "intro jumps. verse jumps. outro jumps."
    assert merged.evidence == {
        "sections": [
            {"section": "intro", "gap_lu": 2.0}, {"section": "verse", "gap_lu": 12.0},
            {"section": "outro", "gap_lu": 30.0},
        ],
        "impact": 5.0,
    }  # fmt: skip
    assert merged.target == Target("section_gap_lu", 30.0, 3.0, "lower", "LU")
    assert merged.rule == "section_balance" and merged.section == "intro, verse, outro"
    assert merged.section_span_s == (2.0, 6.0)
    assert merged.id == merge_section_gains([early]).id
    high = section_gain("bridge", 20.0, "high", 0.5)
    assert merge_section_gains([late, high]).severity == "high"
    unnamed = Suggestion(**{**vars(section_gain("x", 40.0)), "section": None})
    assert merge_section_gains([early, unnamed]).section == "intro, "


def test_the_section_gains_lead_a_swing_at_equal_importance() -> None:
    gain = section_gain("chorus", 8.0, "medium", 1.0)
    squeeze = make("compressor", rule="compressor", impact=4.0)
    [item] = consolidate([squeeze, gain])
    assert item.kind == "section_gain" and item.problem == "level-swing:Bass.wav"
    assert [a.id for a in item.alternatives] == [squeeze.id]
    assert item.alternatives[0].problem == "level-swing:Bass.wav"
    louder = make("compressor", rule="compressor", severity="high")
    [item] = consolidate([gain, louder])
    assert item.id == louder.id and [a.kind for a in item.alternatives] == ["section_gain"]
    alone = make("compressor", rule="compressor")
    [item] = consolidate([alone])
    assert item.id == alone.id and item.problem == "level-swing:Bass.wav"
    assert item.alternatives == ()


def test_swings_group_by_stem_and_the_more_important_answer_leads() -> None:
    small = make("compressor", rule="compressor", impact=1.0)
    big = make("compressor", rule="compressor", impact=2.0, section="x")
    other = make("compressor", ("Kick.wav",), rule="compressor")
    both = make("compressor", ("Bass.wav", "Kick.wav"), rule="compressor", impact=9.0)
    level = make("gain", rule="balance")
    queue = consolidate([small, big, other, both, level])
    by_id = {s.id: s for s in queue}
    assert set(by_id) == {big.id, other.id, both.id, level.id}
    assert [a.id for a in by_id[big.id].alternatives] == [small.id]
    assert by_id[other.id].problem == "level-swing:Kick.wav"
    assert by_id[both.id].problem == "" and by_id[level.id].problem == ""
    assert [s.sort_key for s in queue] == sorted(s.sort_key for s in queue)


def test_a_stems_low_end_in_the_image_is_one_problem_narrower_change_first() -> None:
    width = make("width", rule="stereo_low", severity="high", impact=9.0)
    mono = make("mono_bass", rule="stereo_low", severity="low")
    width_kick = make("width", ("Kick.wav",), rule="stereo_low")
    pair = make("width", ("Bass.wav", "Kick.wav"), rule="stereo_low")
    reference = make("mono_bass", rule="reference_width")
    queue = consolidate([width, mono, width_kick, pair, reference])
    by_id = {s.id: s for s in queue}
    assert set(by_id) == {mono.id, width_kick.id, pair.id, reference.id}
    assert by_id[mono.id].problem == "stereo-low:Bass.wav"
    assert [(a.id, a.problem) for a in by_id[mono.id].alternatives] == [
        (width.id, "stereo-low:Bass.wav")
    ]
    assert by_id[width_kick.id].problem == "stereo-low:Kick.wav"
    assert by_id[width_kick.id].alternatives == ()
    assert by_id[pair.id].problem == "" and by_id[reference.id].problem == ""
    wide, wider = make("width", rule="a", impact=1.0), make("width", rule="b", impact=2.0)
    [item] = consolidate([wide, wider])
    assert item.id == wider.id and [a.id for a in item.alternatives] == [wide.id]


def test_answers_without_an_impact_count_as_none() -> None:
    quiet = Suggestion(**{**vars(section_gain("intro", 2.0)), "evidence": {}})
    loud = Suggestion(**{**vars(section_gain("outro", 9.0)), "evidence": {}})
    merged = merge_section_gains([quiet, loud])
    assert merged.evidence["impact"] == 0.0
    some = make("compressor", rule="compressor", impact=0.5)
    none = make("compressor", rule="compressor", section="x")
    [item] = consolidate([none, some])
    assert item.id == some.id and [a.id for a in item.alternatives] == [none.id]


def gain(db: float, stem: str = "Bass.wav", **more: Any) -> Suggestion:
    return make("gain", (stem,), rule=f"balance{db}", params={"gain_db": db}, **more)


def test_a_large_pending_gain_holds_its_stems_eq_and_pan() -> None:
    carve = make("unmask", rule="mask", impact=1.0)
    pan = make("pan", rule="pan")
    eq = make("eq", rule="eq")
    for db in (6.0, -6.0, 9.0):
        level = gain(db)
        shown = hold_back([level, carve, pan, eq])
        assert {s.id for s in shown} == {level.id, eq.id}
        [held] = [s for s in shown if s.id == level.id]
        assert {w.id for w in held.waiting} == {carve.id, pan.id}
    for db in (5.99, -5.99):
        assert {s.id for s in hold_back([gain(db), carve, pan])} == {
            gain(db).id, carve.id, pan.id,
        }  # fmt: skip
    kick = gain(8.0, "Kick.wav")
    assert len(hold_back([kick, carve, pan])) == 3
    assert all(s.waiting == () for s in hold_back([kick, carve, pan]))
    assert problems.HOLD_FOR_LEVEL_DB == 6.0


def test_a_decided_gain_holds_nothing_and_nothing_decided_waits() -> None:
    level, carve = gain(8.0), make("unmask", rule="mask")
    assert {s.id for s in hold_back([level, carve], {level.id})} == {level.id, carve.id}
    shown = hold_back([level, carve], {carve.id})
    assert {s.id for s in shown} == {level.id, carve.id}
    assert all(s.waiting == () for s in shown)
    params = make("gain", rule="no gain", params={})
    assert len(hold_back([params, carve])) == 2


def test_high_importance_and_shared_changes_never_wait() -> None:
    level = gain(8.0)
    urgent = make("unmask", rule="mask", severity="high")
    shared = make("pan", ("Bass.wav", "Kick.wav"), rule="pan")
    assert len(hold_back([level, urgent, shared])) == 3
    pair = make("gain", ("Bass.wav", "Kick.wav"), rule="pair", params={"gain_db": 9.0})
    pan = make("pan", rule="pan")
    assert len(hold_back([pair, pan])) == 2


def test_one_carve_per_stem_shows_the_others_wait_on_it() -> None:
    first = make("unmask", rule="a", impact=3.0)
    second = make("unmask", rule="b", impact=2.0)
    third = make("unmask", rule="c", impact=1.0)
    kick = make("unmask", ("Kick.wav",), rule="d")
    shown = hold_back([third, kick, second, first])
    assert [s.id for s in shown] == [first.id, kick.id]
    assert [w.id for w in shown[0].waiting] == [second.id, third.id]
    assert shown[1].waiting == ()
    urgent = make("unmask", rule="e", severity="high")
    shown = hold_back([first, urgent])
    assert [s.id for s in shown] == [urgent.id]
    assert [w.id for w in shown[0].waiting] == [first.id]
    shown = hold_back([first, second], {first.id})
    assert [s.id for s in shown] == [first.id]
    assert [w.id for w in shown[0].waiting] == [second.id]
    assert len(hold_back([first, second], {second.id})) == 2  # decided: shown, whatever its rank
    pan = make("pan", rule="urgent pan", severity="high")
    assert [s.id for s in hold_back([pan, first])] == [pan.id, first.id]


def test_consolidate_passes_the_decisions_on() -> None:
    level, carve = gain(8.0), make("unmask", rule="mask")
    assert len(consolidate([level, carve])) == 1
    assert len(consolidate([level, carve], {level.id})) == 2


# -- verify: each goal judged at its bound ----------------------------------------------------
def test_lower_and_higher_move_at_least_a_quarter_of_the_promise() -> None:
    assert verify.MOVE_SHARE == 0.25
    assert claim_holds("m", "lower", 10.0, 9.0, 6.0)  # 1 of 4
    assert not claim_holds("m", "lower", 10.0, 9.000001, 6.0)
    assert not claim_holds("m", "lower", 10.0, 10.0, 12.0)  # a promise of none: must still drop
    assert claim_holds("m", "lower", 10.0, 9.999, 12.0)
    assert claim_holds("m", "higher", 6.0, 7.0, 10.0)
    assert not claim_holds("m", "higher", 6.0, 6.999999, 10.0)
    assert not claim_holds("m", "higher", 6.0, 6.0, 4.0)
    assert claim_holds("m", "higher", 6.0, 6.001, 4.0)
    assert not claim_holds("m", "higher", 6.0, 5.0, 10.0)
    assert not claim_holds("m", "lower", 6.0, 7.0, 2.0)


def test_within_halves_the_distance_or_ends_near_the_window() -> None:
    assert (verify.WITHIN_SHARE, verify.WITHIN_NEAR) == (0.5, 0.5)
    goal = "within:-11..-3"
    assert claim_holds("m", goal, -15.0, -13.0, -10.0)  # 4 to 2
    assert not claim_holds("m", goal, -15.0, -13.001, -10.0)
    assert claim_holds("m", goal, 1.0, -1.0, -4.0)  # above the window: 4 to 2
    assert not claim_holds("m", goal, 1.0, -0.999, -4.0)
    assert claim_holds("m", goal, -11.6, -11.4, -10.0)  # 0.6 to 0.4: near
    assert not claim_holds("m", goal, -11.6, -11.5, -10.0)  # 0.5 is not near
    assert not claim_holds("m", goal, -2.6, -2.5, -4.0)
    assert claim_holds("m", goal, -7.0, -5.0, -6.0)  # inside stays inside
    assert not claim_holds("m", "within:0..1", 0.0, 5.0, 0.5)


def test_closer_shrinks_the_distance_by_half_the_promise() -> None:
    assert verify.CLOSER_SHARE == 0.5
    assert claim_holds("m", "closer:-9", -5.0, -7.0, -9.0)  # 2 of 4
    assert not claim_holds("m", "closer:-9", -5.0, -6.999, -9.0)
    assert claim_holds("m", "closer:-9", -13.0, -11.0, -9.0)
    assert not claim_holds("m", "closer:-9", -13.0, -11.001, -9.0)
    assert claim_holds("m", "closer:-9", -5.0, -11.0, -9.0)  # past it, as close
    assert not claim_holds("m", "closer:-9", -5.0, -9.0, -13.0)  # promised nothing
    assert not claim_holds("m", "closer:-9", -5.0, -9.0, -5.0)
    assert claim_holds("m", "closer:-9", -9.5, -9.25, -9.0)  # a small promise is one too
    assert not claim_holds("m", "closer:-9", -9.5, -9.2501, -9.0)


def test_bounded_metrics_end_at_most_at_their_bound() -> None:
    assert verify.ENDS_AT_MOST == {"section_gap_lu": 2.0, "dc_offset": DC_OFFSET_MAX}
    assert claim_holds("section_gap_lu", "lower", 6.0, 2.0, 0.0)
    assert not claim_holds("section_gap_lu", "lower", 6.0, 2.000001, 0.0)
    assert claim_holds("dc_offset", "lower", 0.01, DC_OFFSET_MAX, 0.0)
    assert claim_holds("other", "lower", 60.0, 50.0, 40.0)


def test_a_goal_form_not_known_is_an_error() -> None:
    assert verify.GOAL_FORMS == ("lower", "higher", "within:", "closer:")
    for goal in ("lowest", "within", "closer", "Lower", ""):
        with pytest.raises(ValueError) as info:
            claim_holds("m", goal, 1.0, 0.0, 0.0)
        assert str(info.value) == (
            f"unknown goal form {goal!r}: expected one of lower, higher, within:, closer:"
        )


def test_a_removed_dc_must_end_under_the_check() -> None:
    kept = Verification("id", "m", 10.0, 5.0, 0.0)
    assert kept.goal == "lower" and kept.dc_after is None and kept.holds
    assert Verification("id", "m", 10.0, 5.0, 0.0, "lower", DC_OFFSET_MAX * 0.999).holds
    assert not Verification("id", "m", 10.0, 5.0, 0.0, "lower", DC_OFFSET_MAX).holds
    assert not Verification("id", "m", 10.0, 5.0, 0.0, "higher", 0.0).holds
    assert Verification("id", "m", 10.0, 5.0, 0.0, "lower", 0.0).holds


# -- model: the suggestion's own record -------------------------------------------------------
def test_ids_name_the_problem_not_the_numbers() -> None:
    sid = suggestion_id("gain", ("Bass.wav",), None, "balance")
    assert len(sid) == len("gain-") + 10 and sid.startswith("gain-")
    int(sid.removeprefix("gain-"), 16)
    assert sid == suggestion_id("gain", ("Bass.wav",), None, "balance")
    others = {
        suggestion_id("eq", ("Bass.wav",), None, "balance").removeprefix("eq-"),
        suggestion_id("gain", ("Kick.wav",), None, "balance").removeprefix("gain-"),
        suggestion_id("gain", ("Bass.wav",), "chorus", "balance").removeprefix("gain-"),
        suggestion_id("gain", ("Bass.wav",), None, "other").removeprefix("gain-"),
    }
    assert sid.removeprefix("gain-") not in others and len(others) == 4
    s = make(params={"gain_db": 9.0})
    assert s.id == sid and make(params={"gain_db": -3.0}).id == sid
    assert make(id="mine").id == "mine"
    assert Suggestion.from_dict(make(id="mine").as_dict()).id == "mine"


def test_the_target_reads_its_goal_and_rounds_its_numbers() -> None:
    kinds = {
        "lower": "lower", "higher": "higher", "within:-1..2": "within", "closer:3": "closer",
    }  # fmt: skip
    for goal, kind in kinds.items():
        assert Target("m", 0.0, 0.0, goal).goal_kind == kind
    for goal in ("lowerx", "near:3", "", "Lower"):
        with pytest.raises(ValueError, match=f"unknown goal {goal!r}"):
            Target("m", 0.0, 0.0, goal).goal_kind  # noqa: B018
    target = Target("m", 1.23456, -2.71828, "lower")
    assert target.as_dict() == {
        "metric": "m", "before": 1.235, "predicted": -2.718, "goal": "lower", "unit": "",
    }  # fmt: skip


def test_the_order_is_severity_then_impact_then_id() -> None:
    assert SEVERITY_ORDER == {"high": 0, "medium": 1, "low": 2}
    assert CATEGORIES == ("technical", "creative") and "compressor" in KINDS and len(KINDS) == 11
    high = make(severity="high", rule="a")
    big = make(impact=5.0, rule="b")
    small = make(impact=0.5, rule="c")
    none = make(rule="d")
    low = make(severity="low", impact=9.0, rule="e")
    assert none.sort_key == (1, 0.0, none.id)
    ordered = sorted([low, none, small, big, high], key=lambda s: s.sort_key)
    assert ordered == [high, big, small, none, low]


def test_a_decided_suggestion_comes_back_as_it_was() -> None:
    alt = make("compressor", rule="alt", impact=1.0)
    wait = make("pan", rule="pan")
    full = make(
        "section_gain", rule="section_balance", impact=2.0, section="chorus",
        section_span_s=(4.0, 8.5), problem="level-swing:Bass.wav", alternatives=(alt,),
        waiting=(wait,),
    )  # fmt: skip
    data = json.loads(json.dumps(full.as_dict()))
    assert data["section_span_s"] == [4.0, 8.5] and data["problem"] == "level-swing:Bass.wav"
    assert Suggestion.from_dict(data) == full
    plain = make()
    data = plain.as_dict()
    assert data["section_span_s"] is None and data["problem"] is None
    assert data["alternatives"] == [] and data["waiting"] == []
    assert Suggestion.from_dict(data) == plain
    del data["evidence"], data["target"]["unit"], data["section"], data["section_span_s"]
    data["problem"], data["alternatives"], data["waiting"] = None, None, None
    again = Suggestion.from_dict(data)
    assert again == plain and again.problem == ""
    data["evidence"] = None
    data["target"]["before"] = "-12"
    assert Suggestion.from_dict(data).evidence == {}
    assert Suggestion.from_dict(data).target.before == -12.0
    assert Suggestion.from_dict({**data, "section_span_s": [1, 2]}).section_span_s == (1.0, 2.0)


def test_choosing_an_alternative_keeps_the_problem() -> None:
    a, b, c = make(rule="a"), make(rule="b"), make(rule="c")
    lead = Suggestion(**{**vars(a), "problem": "p", "alternatives": (b, c)})
    assert lead.members() == (lead, b, c)
    assert lead.choosing(a.id) is lead and lead.choosing("none") is lead
    chosen = lead.choosing(c.id)
    assert chosen.id == c.id and chosen.problem == "p"
    assert [m.id for m in chosen.alternatives] == [a.id, b.id]
    assert chosen.alternatives[0].alternatives == ()
    assert chosen.members()[0] is chosen


# -- live: the pure helpers -------------------------------------------------------------------
def test_the_shared_gain_is_the_whole_stem_gains_on_every_mix_stem() -> None:
    mix = {"Bass.wav", "Kick.wav"}
    everyone = ("Bass.wav", "Kick.wav", "Pad.wav")
    changes = [
        Change("headroom", everyone, {"gain_db": -3.0}),
        Change("gain", tuple(mix), {"gain_db": -1.0}, amount=0.5),
        Change("gain", ("Bass.wav",), {"gain_db": 4.0}),  # one stem: its own
        Change("gain", everyone, {"gain_db": 2.0}, section_span_s=(0.0, 1.0)),  # a section
        Change("eq", everyone, {"gain_db": 6.0}),  # not a gain
    ]
    assert shared_gain_db(changes, mix) == -3.5
    assert shared_gain_db([], mix) == 0.0
    assert isinstance(shared_gain_db([], mix), float)
    assert shared_gain_db([Change("gain", ("1",), {"gain_db": 2}, amount=1)], {"1"}) == 2.0


def test_a_solved_suggestion_names_what_solved_it() -> None:
    solved = Solved(make(), "gain-1", "gain on Kick.wav (chorus)")
    assert solved.line == "solved by gain on Kick.wav (chorus)"
    assert live._label("gain", ["A", "B"], None) == "gain on A, B"
    assert live._label("headroom", ["A", "B", "C"], "verse") == "headroom on 3 stems (verse)"
    assert live._label("pan", ["A"], "") == "pan on A"
    x, y = object(), object()
    assert live._same((x, y), (x, y)) and not live._same((x,), (x, y))
    assert not live._same((x, y), (x, object())) and live._same((), ())
    assert live.TRIM_RULE == "headroom_trim"


# -- live: the model on a small session ------------------------------------------------------
@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    """Ten seconds of kick, bass and a quiet vocal: a gain, a carve, the headroom, a high-pass."""
    from tests.suggest_support import band_noise, kick, save, vocal

    folder = save(
        tmp_path_factory.mktemp("live") / "song",
        {"Kick.wav": kick(), "Bass.wav": 0.5 * band_noise(40.0, 120.0, seed=3),
         "Lead_Vocal.wav": vocal(0.02)},
    )  # fmt: skip
    return analyze(folder, workers=1, use_cache=False)


def new_review(tmp_path: Path, analysis: Analysis) -> Review:
    session = analysis.session
    return Review.open(tmp_path / "review.json", session.path, [s.file for s in session.stems])


def first(model: LiveModel, kind: str, stem: str | None = None) -> Suggestion:
    return next(
        s for s in model.base_suggestions if s.kind == kind and (stem is None or stem in s.stems)
    )


def measured(analysis: Analysis, file: str) -> Measurement:
    [report] = [r for r in analysis.stems if r.stem.file == file]
    assert report.measurement is not None
    return report.measurement


def level(analysis: Analysis, file: str) -> float:
    return measured(analysis, file).levels.rms_dbfs


def test_with_nothing_decided_the_queue_is_the_sessions(small: Analysis, tmp_path: Path) -> None:
    model = LiveModel(small)
    assert model.frames == 100
    state = model.derive()
    assert state.suggestions == model.base_suggestions and state.solved == ()
    assert state.analysis is small and state.remeasured == ()
    review = new_review(tmp_path, small)
    state = model.derive(review)
    assert list(state.suggestions) == sorted(model.base_suggestions, key=lambda s: s.sort_key)
    assert state.analysis is small and state.solved == () and state.remeasured == ()
    assert model.processed([]) == (small, (), {})
    away = Change("gain", ("Other.wav",), {"gain_db": 3.0})
    assert model.processed([away]) == (small, (), {})


def test_a_gain_is_the_stems_fader(small: Analysis, tmp_path: Path) -> None:
    model = LiveModel(small)
    review = new_review(tmp_path, small)
    boost = first(model, "gain", "Lead_Vocal.wav")
    db = float(boost.params["gain_db"])
    review.accept(boost)
    state = model.derive(review)
    assert level(state.analysis, "Lead_Vocal.wav") == pytest.approx(
        level(small, "Lead_Vocal.wav") + db, abs=1e-6
    )
    assert level(state.analysis, "Kick.wav") == level(small, "Kick.wav")
    assert state.analysis.mix is not None and small.mix is not None
    assert state.analysis.mix.levels.rms_dbfs > small.mix.levels.rms_dbfs
    assert state.remeasured == ()
    [decided] = [s for s in state.suggestions if s.id == boost.id]
    queued = {s.id for s in state.suggestions}
    assert {first(model, "highpass").id, first(model, "gain", "Bass.wav").id} <= queued
    assert decided.as_dict() == boost.as_dict()
    processed = model.processed(review.changes([boost], "chosen"))
    [(file, offset)] = processed.offsets.items()
    assert file == "Lead_Vocal.wav" and offset.gain_db == db
    again = model.processed(review.changes([boost], "chosen"))
    vocal = measured(again.analysis, "Lead_Vocal.wav")
    assert vocal is measured(processed.analysis, "Lead_Vocal.wav")
    assert again.analysis.mix is processed.analysis.mix
    review.set_amount(boost, 0.0)
    state = model.derive(review)
    assert level(state.analysis, "Lead_Vocal.wav") == level(small, "Lead_Vocal.wav")


def test_the_headroom_moves_the_mix_exactly_and_is_trimmed_after(
    small: Analysis, tmp_path: Path
) -> None:
    model = LiveModel(small)
    review = new_review(tmp_path, small)
    headroom = first(model, "headroom")
    db = float(headroom.params["gain_db"])
    review.accept(headroom)
    state = model.derive(review)
    assert small.mix is not None and state.analysis.mix is not None
    assert state.analysis.mix.levels.rms_dbfs == pytest.approx(
        small.mix.levels.rms_dbfs + db, abs=1e-6
    )
    assert state.analysis.mix.true_peak.true_peak_dbtp == pytest.approx(
        small.mix.true_peak.true_peak_dbtp + db, abs=1e-6
    )
    for file in ("Kick.wav", "Bass.wav", "Lead_Vocal.wav"):
        assert level(state.analysis, file) == pytest.approx(level(small, file) + db, abs=1e-6)

    def trims(state: live.LiveState) -> list[Suggestion]:
        return [s for s in state.suggestions if s.rule.startswith("headroom_trim")]

    assert [s.id for s in state.suggestions if s.kind == "headroom"] == [
        headroom.id, *(s.id for s in trims(state))
    ]  # fmt: skip
    review.accept(first(model, "gain", "Lead_Vocal.wav"))  # the peak rises again
    state = model.derive(review)
    [trim] = trims(state)
    assert trim.rule == "headroom_trim:1" and float(trim.params["gain_db"]) < 0
    review.accept(trim)
    later = trims(model.derive(review))
    assert trim.id in {s.id for s in later}
    assert all(s.rule == "headroom_trim:2" for s in later if s.id != trim.id)


def test_a_change_that_cannot_be_predicted_is_measured_again_once(
    small: Analysis, tmp_path: Path
) -> None:
    model = LiveModel(small)
    review = new_review(tmp_path, small)
    review.add_manual(
        "compressor",
        "Bass.wav",
        {"threshold_db": -30.0, "ratio": 4.0, "attack_ms": 10.0, "release_ms": 100.0},
    )
    state = model.derive(review)
    assert state.remeasured == ("Bass.wav",)
    assert level(state.analysis, "Bass.wav") < level(small, "Bass.wav")
    again = model.derive(review)
    assert again.remeasured == () and level(again.analysis, "Bass.wav") == level(
        state.analysis, "Bass.wav"
    )


def test_a_solved_problem_credits_the_decision_on_its_stem(small: Analysis, tmp_path: Path) -> None:
    model = LiveModel(small)
    review = new_review(tmp_path, small)
    carve = first(model, "unmask")
    cut = first(model, "gain", "Bass.wav")
    review.set_amount(cut, 1.0)
    review.add_manual("gain", "Bass.wav", {"gain_db": -30.0})
    state = model.derive(review)
    by_id = {s.suggestion.id: s for s in state.solved}
    assert carve.id in by_id
    assert by_id[carve.id].by_id.startswith("manual-")
    assert by_id[carve.id].line == "solved by your own gain on Bass.wav"
    review.reject(cut)
    review.update_manual("manual-1", enabled=False)
    assert carve.id not in {s.suggestion.id for s in model.derive(review).solved}


def test_a_claim_is_checked_by_processing_and_measuring_again(small: Analysis) -> None:
    model = LiveModel(small)
    boost = first(model, "gain", "Lead_Vocal.wav")
    checked = verify.verify(small, boost)
    assert (checked.suggestion_id, checked.metric, checked.goal) == (
        boost.id, boost.target.metric, boost.target.goal,
    )  # fmt: skip
    assert checked.before == pytest.approx(boost.target.before, abs=1e-3)
    assert checked.after == pytest.approx(boost.target.predicted, abs=0.05)
    assert checked.predicted == boost.target.predicted and checked.dc_after is None
    assert checked.holds
    dc = first(model, "highpass", "Kick.wav")
    assert "dc_offset" in dc.evidence
    checked = verify.verify(small, dc)
    assert checked.dc_after is not None and 0.0 <= checked.dc_after < DC_OFFSET_MAX
    assert abs(measured(small, "Kick.wav").levels.dc_offset) > DC_OFFSET_MAX
    assert checked.holds
    plain = Suggestion(**{**vars(dc), "evidence": {}})
    assert verify.verify(small, plain).dc_after is None
    quoted = Suggestion(**{**vars(boost), "evidence": dict(dc.evidence)})
    assert verify.verify(small, quoted).dc_after is None
    features = verify.features_after(small, [boost, dc])
    kick_dc = features.stems["Kick.wav"].measurement.levels.dc_offset
    assert abs(kick_dc) == pytest.approx(checked.dc_after, abs=1e-9)
    assert features.stems["Bass.wav"].measurement is measured(small, "Bass.wav")


def test_the_credit_goes_to_the_latest_accepted_change_on_the_stem(
    small: Analysis, tmp_path: Path
) -> None:
    model = LiveModel(small)
    review = new_review(tmp_path, small)
    carve = first(model, "unmask")
    cut = first(model, "gain", "Bass.wav")
    review.set_params(cut, {"gain_db": -30.0})
    review.accept(first(model, "headroom"))  # on every stem: not aimed at the bass
    review.reject(first(model, "highpass"))
    review.accept(first(model, "gain", "Lead_Vocal.wav"))  # later, on another stem
    off = review.add_manual("gain", "Bass.wav", {"gain_db": -1.0})
    review.update_manual(off, enabled=False)
    by_id = {s.suggestion.id: s for s in model.derive(review).solved}
    assert (by_id[carve.id].by_id, by_id[carve.id].line) == (cut.id, "solved by gain on Bass.wav")


def test_a_fader_is_scaled_once_and_the_latest_two_are_kept(small: Analysis) -> None:
    model = LiveModel(small)
    ahead = measured(small, "Bass.wav")
    assert model._fade("Bass.wav", ahead, 0.0) is ahead
    assert model._fade("Bass.wav", ahead, LEVEL_TOLERANCE_DB) is ahead
    down = model._fade("Bass.wav", ahead, -3.0)
    up = model._fade("Bass.wav", ahead, 6.0)
    assert up.levels.rms_dbfs == pytest.approx(ahead.levels.rms_dbfs + 6.0, abs=1e-9)
    assert down.levels.rms_dbfs == pytest.approx(ahead.levels.rms_dbfs - 3.0, abs=1e-9)
    assert model._fade("Bass.wav", ahead, -3.0) is down
    assert model._fade("Bass.wav", ahead, 6.0) is up
    model._fade("Bass.wav", ahead, 1.0)
    assert model._fade("Bass.wav", ahead, -3.0) is not down  # the oldest was let go


def test_a_predicted_change_is_predicted_once_per_set_of_changes(
    small: Analysis, tmp_path: Path
) -> None:
    model = LiveModel(small)
    review = new_review(tmp_path, small)
    carve = first(model, "unmask")
    review.accept(carve)
    state = model.derive(review)
    assert state.remeasured == ()
    bass = measured(state.analysis, "Bass.wav")
    assert bass.levels.rms_dbfs < level(small, "Bass.wav")
    again = model.derive(review)
    assert measured(again.analysis, "Bass.wav") is bass and again.remeasured == ()
    review.accept(first(model, "highpass", "Kick.wav"))
    assert measured(model.derive(review).analysis, "Bass.wav") is bass


def test_the_credit_names_a_pair_and_a_section_else_the_decisions_so_far(
    small: Analysis, tmp_path: Path
) -> None:
    """A change on two stems is still aimed at them (only a change on more is not), a decision
    on a section says which, and with nothing accepted or done the credit goes to no decision."""
    model = LiveModel(small)
    review = new_review(tmp_path, small)
    carve = make("unmask", ("Bass.wav",), rule="mask")
    assert model._credit(carve, [], review) == Solved(carve, "", "the decisions so far")
    pair = make("pan", ("Bass.wav", "Kick.wav"), rule="pan")
    chorus = make("gain", ("Kick.wav",), rule="chorus", section="chorus")
    dropped = make("eq", ("Bass.wav",), rule="eq")
    review.accept(pair)
    review.accept(chorus)
    review.reject(dropped)
    assert model._credit(carve, [dropped], review) == Solved(carve, "", "the decisions so far")
    credit = model._credit(carve, [pair, chorus, dropped], review)
    assert (credit.by_id, credit.line) == (pair.id, "solved by pan on Bass.wav, Kick.wav")
    elsewhere = make("eq", ("Lead_Vocal.wav",), rule="eq")
    credit = model._credit(elsewhere, [pair, chorus, dropped], review)
    assert (credit.by_id, credit.line) == (chorus.id, "solved by gain on Kick.wav (chorus)")


def test_a_decided_answer_settles_its_problem_and_a_choice_leads_the_other(
    small: Analysis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deciding one answer to a problem takes its other answers out of the queue; a problem
    with a chosen answer shows that answer first; the rest stay pending after a decided one."""
    chosen_bass = make(rule="b", problem="p")
    bass = Suggestion(**{**vars(make(rule="a")), "problem": "p", "alternatives": (chosen_bass,)})
    other_kick = make("gain", ("Kick.wav",), rule="d", problem="q")
    kick = Suggestion(
        **{**vars(make("gain", ("Kick.wav",), rule="c")), "problem": "q",
           "alternatives": (other_kick,)}
    )  # fmt: skip
    plain = make("gain", ("Lead_Vocal.wav",), rule="e")
    calls: list[tuple[Any, ...]] = []

    def fake_suggest(analysis: Analysis, *more: Any) -> list[Suggestion]:
        calls.append(more)
        decided = more[0] if more else set()
        return [*([chosen_bass] if chosen_bass.id in decided else []), bass, kick, plain]

    monkeypatch.setattr(live, "suggest", fake_suggest)
    model = LiveModel(small)
    review = new_review(tmp_path, small)
    unchanged = model.derive(review).suggestions
    assert sorted(unchanged, key=lambda s: s.id) == sorted([bass, kick, plain], key=lambda s: s.id)
    assert calls == [()]  # nothing decided or done: the session's own queue, not derived again
    review.accept(chosen_bass)
    review.choose("q", other_kick.id)
    state = model.derive(review)
    assert len(calls) == 2 and chosen_bass.id in calls[1][0]
    assert set(calls[1][1]) == {"Bass.wav"} and calls[1][1]["Bass.wav"].gain_db == 1.0
    by_id = {s.id: s for s in state.suggestions}
    assert set(by_id) == {chosen_bass.id, other_kick.id, plain.id}
    assert [a.id for a in by_id[other_kick.id].alternatives] == [kick.id]
    assert by_id[other_kick.id].problem == "q"
    assert [(s.suggestion.id, s.by_id) for s in state.solved] == [(bass.id, chosen_bass.id)]
    own = Review.open(tmp_path / "own.json", small.session.path, ["Kick.wav"])
    own.add_manual("gain", "Kick.wav", {"gain_db": -2.0})
    model.derive(own)
    assert len(calls) == 3 and calls[2][0] == set()


def test_a_second_trim_follows_a_second_rise_of_the_peak(small: Analysis, tmp_path: Path) -> None:
    """Each accepted trim counts once: the peak raised again after the first trim is offered as
    the second, and the headroom itself is never offered again once accepted."""
    model = LiveModel(small)
    review = new_review(tmp_path, small)
    headroom = first(model, "headroom")
    review.accept(headroom)
    review.add_manual("gain", "Kick.wav", {"gain_db": 6.0})
    [trim] = [
        s for s in model.derive(review).suggestions if s.id != headroom.id and s.kind == "headroom"
    ]
    assert trim.rule == "headroom_trim:1"
    review.accept(trim)
    review.add_manual("gain", "Bass.wav", {"gain_db": 9.0})
    state = model.derive(review)
    later = [s for s in state.suggestions if s.kind == "headroom"]
    assert [s.rule for s in later if s.id not in {headroom.id, trim.id}] == ["headroom_trim:2"]
    assert {headroom.id, trim.id} <= {s.id for s in later}
