"""The small parts of the notes pinned word for word: reviewer text escaped and quoted, sentences
joined, spans named by their section and changes at partial strength (notes_text); the checks'
open or fixed status after each change (notes_checks); one entry per suggestion, manual change
or orphaned decision, and the listening tally (notes_entries).

Every input is a small object made here: no session is analysed or exported.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.checks import RECHECKED, Check
from mixreview.analysis.notes_checks import LISTED_SEVERITIES, check_entries, check_status
from mixreview.analysis.notes_entries import (
    STATUS_WORDS,
    heard_entry,
    listening_summary,
    manual_entry,
    orphan_entries,
    suggestion_entry,
)
from mixreview.analysis.notes_text import (
    ALWAYS_ESCAPED,
    SPAN_TOLERANCE_S,
    describe_change,
    escape_markdown,
    quote,
    sentence,
    span_label,
)
from mixreview.analysis.render_stems import StageChecks
from mixreview.analysis.review_document import HEARD_MIN_S, Heard

# --- notes_text: escaping and quoting ------------------------------------------------------------


def test_the_escaped_characters_are_the_stated_ones() -> None:
    assert frozenset("\\`*[]<>#|~&") == ALWAYS_ESCAPED


def test_every_markdown_character_is_escaped_where_it_stands() -> None:
    assert escape_markdown("a\\b`c*d[e]f<g>h#i|j~k&l") == (
        "a\\\\b\\`c\\*d\\[e\\]f\\<g\\>h\\#i\\|j\\~k\\&l"
    )
    assert escape_markdown("plain text, 1.5 dB (ok) = fine - yes + no") == (
        "plain text, 1.5 dB (ok) = fine - yes + no"
    )


def test_only_underscores_that_can_open_or_close_emphasis_are_escaped() -> None:
    assert escape_markdown("Lead_Vocal take_2 3_4") == "Lead_Vocal take_2 3_4"
    assert escape_markdown("_x_ a_ _b a _ b") == "\\_x\\_ a\\_ \\_b a \\_ b"
    assert escape_markdown("__init__") == "\\_\\_init\\_\\_"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("1. first", "1\\. first"),
        ("2) second", "2\\) second"),
        ("123456789. nine digits", "123456789\\. nine digits"),
        ("1234567890. ten digits", "1234567890. ten digits"),
        ("- dash", "\\- dash"),
        ("+ plus", "\\+ plus"),
        ("=== rule", "\\=== rule"),
        ("a 1. b - c + d = e", "a 1. b - c + d = e"),
        ("1.5 dB", "1\\.5 dB"),
        ("# head", "\\# head"),
        ("x1. y", "x1. y"),
    ],
)
def test_a_line_start_that_makes_a_list_or_a_rule_is_escaped(text: str, want: str) -> None:
    assert escape_markdown(text) == want


def test_a_quote_keeps_line_breaks_and_paragraphs() -> None:
    text = "\n\n  first *line*  \nsecond\n\n  third  \nfourth\n\n"
    assert quote(text) == ["> first \\*line\\*\\", "> second", ">", "> third\\", "> fourth"]
    assert quote(text, "   ") == [
        "   > first \\*line\\*\\", "   > second", "   >", "   > third\\", "   > fourth",
    ]  # fmt: skip
    assert quote("one line") == ["> one line"]
    assert quote("- a\n- b") == ["> \\- a\\", "> \\- b"]


# --- notes_text: sentences ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "want"),
    [
        ((), ""),
        (("", "  ", ""), ""),
        (("a",), "a."),
        ((" a ",), "a."),
        (("a", "b"), "a. b."),
        (("a.", "b."), "a. b."),
        (("a!", "b!"), "a! b!"),
        (("a?", "b?"), "a? b?"),
        (("a:", "b:"), "a: b:"),
        (("a", "", "  b  ", "c."), "a. b. c."),
        (("ends.", "then"), "ends. then."),
    ],
)
def test_sentences_are_joined_with_one_full_stop(parts: tuple[str, ...], want: str) -> None:
    assert sentence(*parts) == want


# --- notes_text: spans and section gains ---------------------------------------------------------

OUTRO = {"name": "Outro", "start_s": 21.8, "end_s": 30.0}
VERSE = {"name": "Verse", "start_s": 0.0, "end_s": 5.04}


def test_a_span_is_named_by_the_section_with_its_bounds() -> None:
    assert span_label(21.8, 30.0) == "21.8-30.0 s"
    assert span_label(21.8, 30.0, [VERSE, OUTRO]) == "Outro (21.8-30.0 s)"
    assert span_label(0.0, 5.04, [VERSE, OUTRO]) == "Verse (0.0-5.0 s)"
    assert span_label(21.83, 29.97, [OUTRO]) == "Outro (21.8-30.0 s)"
    # both bounds must match, the start and the end each against its own
    assert span_label(21.8, 25.0, [OUTRO]) == "21.8-25.0 s"
    assert span_label(10.0, 30.0, [OUTRO]) == "10.0-30.0 s"
    assert span_label(30.0, 21.8, [OUTRO]) == "30.0-21.8 s"
    # the first section that fits names it
    twin = {**OUTRO, "name": "Coda"}
    assert span_label(21.8, 30.0, [twin, OUTRO]) == "Coda (21.8-30.0 s)"
    assert span_label(21.8, 30.0, [{**VERSE}, twin]) == "Coda (21.8-30.0 s)"


def test_a_span_is_named_within_the_tolerance_and_not_past_it() -> None:
    assert SPAN_TOLERANCE_S == 0.05
    tol = SPAN_TOLERANCE_S
    past = float(np.nextafter(tol, 1.0))
    assert abs(0.0 - tol) == tol  # the test's own premise: exactly on the tolerance
    section = {"name": "Intro", "start_s": 0.0, "end_s": 0.0}
    assert span_label(tol, 0.0, [section]) == "Intro (0.1-0.0 s)"
    assert span_label(0.0, tol, [section]) == "Intro (0.0-0.1 s)"
    assert span_label(-tol, -tol, [section]) == "Intro (-0.1--0.1 s)"
    assert span_label(past, 0.0, [section]) == "0.1-0.0 s"
    assert span_label(0.0, past, [section]) == "0.0-0.1 s"
    assert span_label(0.0, -past, [section]) == "0.0--0.1 s"
    assert span_label(-past, 0.0, [section]) == "-0.1-0.0 s"
    # the bounds are compared with those of the section, not added to them
    assert span_label(10.0, 20.0, [{"name": "A", "start_s": 10.04, "end_s": 19.96}]) == (
        "A (10.0-20.0 s)"
    )
    assert span_label(10.0, 20.0, [{"name": "A", "start_s": "10", "end_s": "20"}]) == (
        "A (10.0-20.0 s)"
    )


def test_changes_other_than_section_gains_read_as_described() -> None:
    assert describe_change("gain", {"gain_db": -8.0}) == "-8.0 dB"
    assert describe_change("gain", {"gain_db": -8.0}, 0.75) == (
        "-8.0 dB at 75% strength: -6.0 dB applied"
    )
    assert describe_change("gain", {"gain_db": -8.0}, 0.75, [VERSE]) == (
        "-8.0 dB at 75% strength: -6.0 dB applied"
    )


SEGMENTS = {
    "segments": [
        {"start_s": 0.0, "end_s": 5.04, "gain_db": -4.0},
        {"start_s": 5.04, "end_s": 10.0, "gain_db": 1.5},
    ]
}


def test_a_section_gain_names_its_sections() -> None:
    assert (
        describe_change("section_gain", SEGMENTS) == "-4.0 dB at 0.0-5.0 s, +1.5 dB at 5.0-10.0 s"
    )
    assert describe_change("section_gain", SEGMENTS, 1.0, [VERSE]) == (
        "-4.0 dB in Verse (0.0-5.0 s), +1.5 dB at 5.0-10.0 s"
    )
    one = {"start_s": 21.8, "end_s": 30.0, "gain_db": 2.0}
    assert describe_change("section_gain", one, 1.0, [OUTRO]) == "+2.0 dB in Outro (21.8-30.0 s)"
    assert describe_change("section_gain", {**one, "segments": []}) == "no segments"
    assert describe_change("section_gain", {**one, "segments": None}) == "no segments"
    assert describe_change("section_gain", {"start_s": 1, "end_s": 2, "gain_db": -3}) == (
        "-3.0 dB at 1.0-2.0 s"
    )


def test_a_section_gain_at_partial_strength_says_what_is_applied() -> None:
    assert describe_change("section_gain", SEGMENTS, 0.5, [VERSE]) == (
        "-4.0 dB in Verse (0.0-5.0 s), +1.5 dB at 5.0-10.0 s at 50% strength: "
        "-2.0 dB in Verse (0.0-5.0 s), +0.8 dB at 5.0-10.0 s applied"
    )
    one = {"start_s": 21.8, "end_s": 30.0, "gain_db": 2.0}
    assert describe_change("section_gain", one, 0.25) == (
        "+2.0 dB at 21.8-30.0 s at 25% strength: +0.5 dB at 21.8-30.0 s applied"
    )
    assert describe_change("section_gain", one, 0.0) == (
        "+2.0 dB at 21.8-30.0 s at 0% strength: +0.0 dB at 21.8-30.0 s applied"
    )


def test_full_strength_starts_at_0_999() -> None:
    one = {"start_s": 0.0, "end_s": 1.0, "gain_db": -10.0}
    assert describe_change("section_gain", one, 0.999) == "-10.0 dB at 0.0-1.0 s"
    assert describe_change("section_gain", one, 2.0) == "-10.0 dB at 0.0-1.0 s"
    assert describe_change("section_gain", one, 0.998) == (
        "-10.0 dB at 0.0-1.0 s at 100% strength: -10.0 dB at 0.0-1.0 s applied"
    )


# --- notes_checks -------------------------------------------------------------------------------


def check(cid: Any, severity: Any = "warning", file: str | None = "Pad.wav") -> Check:
    return Check(cid, severity, 0.25, 0.1, f"{cid} message", f"{cid} fix.", file)


def stage(
    change_id: str, *fired: str, dc: float = 0.000123456, corr: float | None = 0.51234,
    over: int = 7,
) -> StageChecks:  # fmt: skip
    return StageChecks(change_id, tuple(check(f) for f in fired), dc, corr, over)


def test_the_rechecked_checks_and_the_listed_severities() -> None:
    assert RECHECKED == ("dc_offset", "channel_polarity", "over_full_scale")
    assert LISTED_SEVERITIES == ("error", "warning")


def test_a_check_no_change_can_answer_stays_open() -> None:
    open_ = {"status": "open", "fixed_by": [], "rechecked": False, "value_after": None}
    assert check_status(check("clipping"), [stage("m-1")]) == open_
    assert check_status(check("dc_offset"), []) == open_
    assert check_status(check("dc_offset"), ()) == open_


@pytest.mark.parametrize(
    ("cid", "value"),
    [("dc_offset", 0.00012), ("channel_polarity", 0.512), ("over_full_scale", 7)],
)
def test_the_value_after_is_the_last_stages_rounded(cid: str, value: float) -> None:
    stages = [stage("m-1", cid, dc=0.5, corr=-0.9, over=99), stage("m-2")]
    got = check_status(check(cid), stages)
    assert got == {"status": "fixed", "fixed_by": ["m-2"], "rechecked": True, "value_after": value}
    assert type(got["value_after"]) is type(value)


@pytest.mark.parametrize("corr", [None, math.nan, math.inf, -math.inf])
def test_no_correlation_after_is_none(corr: float | None) -> None:
    got = check_status(check("channel_polarity"), [stage("m-1", corr=corr)])
    assert got == {"status": "fixed", "fixed_by": ["m-1"], "rechecked": True, "value_after": None}


def test_a_check_still_firing_after_the_last_change_is_open() -> None:
    stages = [stage("m-1"), stage("m-2", "dc_offset")]
    assert check_status(check("dc_offset"), stages) == {
        "status": "open", "fixed_by": [], "rechecked": True, "value_after": 0.00012,
    }  # fmt: skip
    # another check firing does not keep this one open
    assert check_status(check("dc_offset"), [stage("m-1", "over_full_scale")])["status"] == "fixed"
    assert check_status(check("over_full_scale"), [stage("m-1", "over_full_scale")]) == {
        "status": "open", "fixed_by": [], "rechecked": True, "value_after": 7,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("firing", "fixer"),
    [
        ((False,), "c0"),
        ((False, False), "c0"),
        ((True, False), "c1"),
        ((True, True, False), "c2"),
        ((False, True, False), "c2"),
        ((False, True, False, False), "c2"),
        ((True, False, True, False, False), "c3"),
    ],
)
def test_the_fix_is_the_last_change_after_which_it_stopped(
    firing: tuple[bool, ...], fixer: str
) -> None:
    stages = [stage(f"c{i}", *(["dc_offset"] if f else [])) for i, f in enumerate(firing)]
    got = check_status(check("dc_offset"), stages)
    assert got["status"] == "fixed" and got["fixed_by"] == [fixer] and got["rechecked"] is True


def test_check_entries_list_errors_and_warnings_with_their_status() -> None:
    checks = [
        check("dc_offset", "error"),
        check("channel_polarity", "info"),
        Check("over_full_scale", "warning", 3, 0, "overs", "Turn it down.", "Bass.wav"),
        check("dc_offset", "warning", None),
        check("dc_offset", "warning", ""),
    ]
    rechecks = {"Pad.wav": [stage("m-1")], "Bass.wav": [stage("m-2", "over_full_scale")]}
    got = check_entries(checks, rechecks)
    assert got == [
        {"file": "Pad.wav", "id": "dc_offset", "severity": "error", "value": 0.25,
         "message": "dc_offset message", "fix": "dc_offset fix.", "status": "fixed",
         "fixed_by": ["m-1"], "rechecked": True, "value_after": 0.00012},
        {"file": "Bass.wav", "id": "over_full_scale", "severity": "warning", "value": 3,
         "message": "overs", "fix": "Turn it down.", "status": "open", "fixed_by": [],
         "rechecked": True, "value_after": 7},
        {"file": None, "id": "dc_offset", "severity": "warning", "value": 0.25,
         "message": "dc_offset message", "fix": "dc_offset fix.", "status": "open",
         "fixed_by": [], "rechecked": False, "value_after": None},
        {"file": "", "id": "dc_offset", "severity": "warning", "value": 0.25,
         "message": "dc_offset message", "fix": "dc_offset fix.", "status": "open",
         "fixed_by": [], "rechecked": False, "value_after": None},
    ]  # fmt: skip
    # a stem with no re-run checks: open, not rechecked
    assert check_entries([check("dc_offset", file="Keys.wav")], rechecks)[0]["rechecked"] is False
    assert check_entries([check("dc_offset", file="Keys.wav")], {})[0]["status"] == "open"
    # a check without a file is not looked up under None
    keyed_by_none: dict[Any, Any] = {None: [stage("m-1")]}
    assert check_entries([check("dc_offset", file=None)], keyed_by_none)[0]["rechecked"] is False


# --- notes_entries: suggestions -------------------------------------------------------------------


def suggestion(sid: str = "gain-1", kind: str = "gain", **given: Any) -> Any:
    facts: dict[str, Any] = {
        "id": sid, "kind": kind, "params": {"gain_db": -2.0}, "stems": ("Bass.wav", "Pad.wav"),
        "section": None, "section_span_s": None, "category": "balance", "severity": "medium",
        "why": "too loud", **given,
    }  # fmt: skip
    return SimpleNamespace(**facts)


def review_of(
    status: str, amount: float = 1.0, params: dict[str, Any] | None = None, note: str = "",
    heard: Heard | None = None, sid: str = "gain-1",
) -> Any:  # fmt: skip
    """A review holding one decision, on ``sid``; every other suggestion is pending."""
    decision = SimpleNamespace(amount=amount, note=note, heard=heard)
    undecided = SimpleNamespace(amount=1.0, note="", heard=None)
    return SimpleNamespace(
        decision=lambda i: decision if i == sid else undecided,
        status=lambda i: status if i == sid else "pending",
        params_of=lambda s: dict(params) if params is not None and s.id == sid else dict(s.params),
    )


def base_entry(**given: Any) -> dict[str, Any]:
    return {
        "id": "gain-1", "origin": "assistant", "status": "pending", "applied": False,
        "kind": "gain", "stems": ["Bass.wav", "Pad.wav"], "section": None,
        "section_span_s": None, "description": "-2.0 dB", "params": {"gain_db": -2.0},
        "amount": 1.0, "applied_params": None,
        "suggested": {"params": {"gain_db": -2.0}, "description": "-2.0 dB"},
        "adjustments": [], "category": "balance", "severity": "medium", "why": "too loud",
        "note": "", "heard": None, **given,
    }  # fmt: skip


def test_the_status_words() -> None:
    assert STATUS_WORDS == {
        "accepted": "accepted as suggested",
        "adjusted": "adjusted by the reviewer",
        "rejected": "rejected: kept as it was, a deliberate choice",
        "pending": "not reviewed: not applied",
        "manual": "the reviewer's own change",
    }


def test_heard_entries() -> None:
    assert heard_entry(None) == {
        "heard": None, "played_s": None, "matched_s": None, "blind_trials": None,
    }  # fmt: skip
    assert heard_entry(Heard(HEARD_MIN_S, 1.04, 0)) == {
        "heard": True, "played_s": 2.0, "matched_s": 1.0, "blind_trials": 0,
    }  # fmt: skip
    assert heard_entry(Heard(1.96, 0.0, 0))["heard"] is False
    assert heard_entry(Heard(0.0, 0.0, 2)) == {
        "heard": True, "played_s": 0.0, "matched_s": 0.0, "blind_trials": 2,
    }  # fmt: skip


def test_a_suggestion_without_a_review_is_pending() -> None:
    sec = suggestion(section="Chorus", section_span_s=(5.0, 9.5))
    assert suggestion_entry(sec, None) == base_entry(section="Chorus", section_span_s=[5.0, 9.5])
    assert suggestion_entry(suggestion(), None) == base_entry()


def test_an_accepted_suggestion_is_applied_as_suggested() -> None:
    heard = Heard(3.04, 1.0, 1)
    got = suggestion_entry(suggestion(), review_of("accepted", note="fine", heard=heard))
    assert got == base_entry(
        status="accepted", applied=True, applied_params={"gain_db": -2.0}, note="fine",
        heard={"heard": True, "played_s": 3.0, "matched_s": 1.0, "blind_trials": 1},
    )  # fmt: skip
    unknown = suggestion_entry(suggestion(), review_of("accepted"))
    assert unknown["heard"] == heard_entry(None)


def test_an_adjusted_suggestion_shows_the_reviewers_change() -> None:
    review = review_of("adjusted", 0.5, {"gain_db": -4.0})
    assert suggestion_entry(suggestion(), review) == base_entry(
        status="adjusted", applied=True, description="-4.0 dB", params={"gain_db": -4.0},
        amount=0.5, applied_params={"gain_db": -2.0},
        adjustments=["amount 100% -> 50%", "gain_db -2 -> -4"], heard=heard_entry(None),
    )  # fmt: skip


def test_an_adjusted_suggestion_at_zero_is_not_applied() -> None:
    got = suggestion_entry(suggestion(), review_of("adjusted", 0.0))
    assert got["applied"] is False and got["applied_params"] is None and got["amount"] == 0.0
    assert got["adjustments"] == ["amount 100% -> 0%"]
    small = suggestion_entry(suggestion(), review_of("adjusted", 0.01))
    assert small["applied"] is True and small["applied_params"] == {"gain_db": -0.02}


def test_the_decision_is_the_one_on_this_suggestion() -> None:
    review = review_of("adjusted", 0.5, {"gain_db": -4.0}, "mine", Heard(3.0, 0.0, 0), "gain-7")
    assert suggestion_entry(suggestion(), review) == base_entry()
    got = suggestion_entry(suggestion("gain-7"), review)
    assert got["status"] == "adjusted" and got["note"] == "mine" and got["amount"] == 0.5
    assert got["params"] == {"gain_db": -4.0} and got["heard"]["heard"] is True


def test_the_adjusted_amount_is_a_whole_percentage() -> None:
    for amount, words in ((0.75, "75%"), (0.333, "33%"), (0.006, "1%"), (1.5, "150%")):
        got = suggestion_entry(suggestion(), review_of("adjusted", amount))
        assert got["adjustments"] == [f"amount 100% -> {words}"]
    assert suggestion_entry(suggestion(), review_of("adjusted", 1.0))["adjustments"] == []


def test_a_change_that_cannot_be_described_lists_its_parameters() -> None:
    got = suggestion_entry(suggestion(params={"gain_db": "loud", "q": 1}), None)
    assert got["description"] == "gain_db=loud, q=1"
    assert got["suggested"]["description"] == "gain_db=loud, q=1"


def test_a_rejected_suggestion_keeps_what_was_suggested() -> None:
    review = review_of("rejected", 0.3, {"gain_db": -9.0}, "no", Heard(0.5, 0.0, 0))
    assert suggestion_entry(suggestion(), review) == base_entry(
        status="rejected", note="no",
        heard={"heard": False, "played_s": 0.5, "matched_s": 0.0, "blind_trials": 0},
    )  # fmt: skip


def test_a_pending_decision_records_no_listening() -> None:
    review = review_of("pending", 1.0, None, "later", Heard(9.0, 9.0, 3))
    assert suggestion_entry(suggestion(), review) == base_entry(note="later")


def test_an_accepted_change_that_cannot_be_applied_has_no_applied_params() -> None:
    bad = suggestion(params={"gain_db": "loud"})
    got = suggestion_entry(bad, review_of("accepted"))
    assert got["applied"] is True and got["applied_params"] is None
    assert got["description"] == "gain_db=loud"
    for params in ({}, {"gain_db": None}):
        got = suggestion_entry(suggestion(params=params), review_of("accepted"))
        assert got["applied_params"] is None
    comp = {"ratio": 0.0, "threshold_db": -20.0, "attack_ms": 10.0, "release_ms": 100.0}
    got = suggestion_entry(suggestion(kind="compressor", params=comp), review_of("accepted", 0.5))
    assert got["applied_params"] is None


def test_the_adjustments_name_each_changed_parameter() -> None:
    before = {"a": 1, "b": 2.5, "c": "x", "d": 0.00001, "same": 3.0, "gone": 4}
    after = {"a": 2, "b": 2.25, "c": "y", "d": 2.0, "same": 3.0, "new": True}
    got = suggestion_entry(
        suggestion(kind="other", params=before), review_of("adjusted", 1.0, after)
    )
    assert got["adjustments"] == [
        "a 1 -> 2", "b 2.5 -> 2.25", "c x -> y", "d 1e-05 -> 2", "gone 4 -> unset",
        "new unset -> True",
    ]  # fmt: skip
    assert got["amount"] == 1.0


def test_the_adjustments_describe_changed_lists_and_mappings() -> None:
    one = [{"start_s": 0.0, "end_s": 5.0, "gain_db": -2.0}]
    two = [{"start_s": 0.0, "end_s": 5.0, "gain_db": -3.0}]
    got = suggestion_entry(
        suggestion(kind="section_gain", params={"segments": one}),
        review_of("adjusted", 0.25, {"segments": two}),
    )
    assert got["adjustments"] == [
        "amount 100% -> 25%", "segments: -2.0 dB at 0.0-5.0 s -> -3.0 dB at 0.0-5.0 s",
    ]  # fmt: skip
    got = suggestion_entry(
        suggestion(kind="gain", params={"gain_db": -1.0}),
        review_of("adjusted", 1.0, {"gain_db": -1.0, "shape": {"q": 1}}),
    )
    assert got["adjustments"] == ["shape: unset -> shape={'q': 1}"]
    got = suggestion_entry(
        suggestion(kind="gain", params={"gain_db": -1.0, "bands": [1]}),
        review_of("adjusted", 1.0, {"gain_db": -1.0}),
    )
    assert got["adjustments"] == ["bands: bands=[1] -> unset"]


# --- notes_entries: manual changes and orphans ---------------------------------------------------


def test_a_manual_change_with_every_field() -> None:
    manual = {
        "id": "m-1", "kind": "gain", "stems": ["Pad.wav", "Bass.wav"], "params": {"gain_db": -3.0},
        "section_span_s": (1.0, 2.5), "amount": 0.5, "note": "mine", "enabled": True,
    }  # fmt: skip
    assert manual_entry(manual) == {
        "id": "m-1", "origin": "manual", "status": "manual", "applied": True, "enabled": True,
        "kind": "gain", "stems": ["Pad.wav", "Bass.wav"], "section": None,
        "section_span_s": [1.0, 2.5], "description": "-3.0 dB", "params": {"gain_db": -3.0},
        "amount": 0.5, "applied_params": {"gain_db": -1.5}, "suggested": None,
        "adjustments": [], "category": "manual", "severity": None, "why": "", "note": "mine",
        "heard": None,
    }  # fmt: skip


def test_a_manual_change_with_defaults() -> None:
    got = manual_entry({"id": "m-2", "kind": "gain"})
    assert got == {
        "id": "m-2", "origin": "manual", "status": "manual", "applied": True, "enabled": True,
        "kind": "gain", "stems": [], "section": None, "section_span_s": None,
        "description": "", "params": {}, "amount": 1.0, "applied_params": None,
        "suggested": None, "adjustments": [], "category": "manual", "severity": None,
        "why": "", "note": "", "heard": None,
    }  # fmt: skip
    assert type(got["amount"]) is float
    # an EQ without parameters is a flat bell, applied as such
    flat = manual_entry({"id": "m-4", "kind": "eq"})
    assert flat["applied_params"] == {"gain_db": 0.0} and flat["description"] == "bell 0 Hz +0.0 dB"
    full = manual_entry({"id": "m-3", "kind": "gain", "params": {"gain_db": 2.0}})
    assert full["applied_params"] == {"gain_db": 2.0} and full["section_span_s"] is None


def test_a_disabled_or_silenced_manual_change_is_not_applied() -> None:
    base = {"id": "m-1", "kind": "gain", "params": {"gain_db": -3.0}, "section_span_s": []}
    off = manual_entry({**base, "enabled": False})
    assert off["applied"] is False and off["enabled"] is False and off["applied_params"] is None
    assert off["section_span_s"] is None
    zero = manual_entry({**base, "amount": 0})
    assert zero["applied"] is False and zero["enabled"] is True and zero["applied_params"] is None
    assert zero["amount"] == 0.0 and type(zero["amount"]) is float
    low = manual_entry({**base, "amount": "0.25"})
    assert low["applied"] is True and low["applied_params"] == {"gain_db": -0.75}


def orphan_review(entries: dict[str, dict[str, Any]]) -> Any:
    return SimpleNamespace(
        orphans=lambda ss: [i for i in entries if i not in {s.id for s in ss}],
        entry=lambda sid: entries[sid],
    )


def test_orphaned_decisions_are_kept_with_what_they_were() -> None:
    entries: dict[str, dict[str, Any]] = {
        "gain-9": {"status": "accepted", "amount": 0.5, "note": "was good",
                   "snapshot": {"kind": "section_gain", "stems": ["Pad.wav"], "section": "Verse",
                                "params": {"start_s": 0, "end_s": 1, "gain_db": -1}},
                   "params": {"start_s": 0, "end_s": 2, "gain_db": -2}},
        "width-3-x": {"status": "rejected",
                      "snapshot": {"params": {"gain_db": 1.0}}},
        "eq-2": {"status": "accepted", "snapshot": None},
        "pan-4": {"status": "rejected", "params": {}, "snapshot": {"kind": "pan"}},
        "gain-1": {"status": "accepted"},
    }  # fmt: skip
    got = orphan_entries(orphan_review(entries), [suggestion("gain-1")])
    assert got == [
        {"id": "gain-9", "status": "accepted", "kind": "section_gain", "stems": ["Pad.wav"],
         "section": "Verse", "description": "-2.0 dB at 0.0-2.0 s", "amount": 0.5,
         "note": "was good"},
        {"id": "width-3-x", "status": "rejected", "kind": "width", "stems": [], "section": None,
         "description": "gain_db=1.0", "amount": 1.0, "note": ""},
        {"id": "eq-2", "status": "accepted", "kind": "eq", "stems": [], "section": None,
         "description": "", "amount": 1.0, "note": ""},
        {"id": "pan-4", "status": "rejected", "kind": "pan", "stems": [], "section": None,
         "description": "", "amount": 1.0, "note": ""},
    ]  # fmt: skip
    assert orphan_entries(None, []) == []


# --- notes_entries: the listening tally -----------------------------------------------------------


def change(cid: str, status: str, heard: bool | str | None, origin: str = "assistant") -> dict:
    if heard == "none":
        return {"id": cid, "origin": origin, "status": status, "heard": None}
    return {"id": cid, "origin": origin, "status": status, "heard": {"heard": heard}}


def test_the_listening_summary_counts_heard_unheard_and_unknown() -> None:
    changes = [
        change("a1", "accepted", True),
        change("a2", "adjusted", False),
        change("a3", "accepted", None),
        change("a4", "adjusted", True),
        change("r1", "rejected", False),
        change("r2", "rejected", "none"),
        change("p1", "pending", False),
        change("m1", "manual", False, origin="manual"),
        change("m2", "accepted", False, origin="manual"),
    ]
    assert listening_summary(changes) == {
        "total": 6, "heard": 2, "unheard": 2, "unknown": 2,
        "accepted": {"total": 4, "heard": 2, "unheard": 1, "unknown": 1},
        "rejected": {"total": 2, "heard": 0, "unheard": 1, "unknown": 1},
        "unheard_ids": ["a2", "r1"],
    }  # fmt: skip


def test_an_empty_listening_summary() -> None:
    zero = {"total": 0, "heard": 0, "unheard": 0, "unknown": 0}
    assert listening_summary([]) == {**zero, "accepted": zero, "rejected": zero, "unheard_ids": []}


def test_entries_feed_the_listening_summary() -> None:
    entries = [
        suggestion_entry(
            suggestion("s-1"), review_of("accepted", heard=Heard(HEARD_MIN_S, 0, 0), sid="s-1")
        ),
        suggestion_entry(
            suggestion("s-2"), review_of("rejected", heard=Heard(1.9, 0, 0), sid="s-2")
        ),
        suggestion_entry(suggestion("s-3"), review_of("accepted", sid="s-3")),
        suggestion_entry(suggestion("s-4"), None),
        manual_entry({"id": "m-1", "kind": "gain"}),
    ]
    got = listening_summary(entries)
    assert (got["total"], got["heard"], got["unheard"], got["unknown"]) == (3, 1, 1, 1)
    assert got["unheard_ids"] == ["s-2"]


def test_a_section_gain_with_no_segments_reads_as_changing_nothing() -> None:
    """The processor takes ``segments: []`` as no gain anywhere; the notes say so."""
    assert describe_change("section_gain", {"segments": []}) == "no segments"
