"""The review's decisions pinned one by one: defaults, clamps, what is undoable, what is saved.

Each test builds a review in a temporary folder from hand-made suggestions (no audio, no
analysis) and checks both what the review answers and what reaches ``review.json``, so a default
moved, a bound loosened or a change that skips the disk fails a test. Undo steps are counted
exactly: a change that should not be undoable (listening time, choices, where the user is) and
one that should are told apart.
"""

from __future__ import annotations

import errno
import json
import re
from pathlib import Path
from typing import Any

import pytest

from mixreview.analysis import review as review_mod
from mixreview.analysis.apply import Change
from mixreview.analysis.review import (
    HEARD_MIN_S,
    UNDO_DEPTH,
    Decision,
    Review,
    ReviewError,
    review_path,
)
from mixreview.analysis.review_document import Heard
from mixreview.analysis.review_file import SCHEMA
from mixreview.analysis.suggest.model import Suggestion, Target

STEMS = ["Bass.wav", "Kick.wav"]


def make(
    kind: Any = "gain",
    stem: str = "Bass.wav",
    rule: str = "balance",
    why: str = "because",
    span: tuple[float, float] | None = None,
    **params: Any,
) -> Suggestion:
    return Suggestion(
        kind=kind, stems=(stem,), params=params or {"gain_db": 3.0}, severity="medium",
        category="creative", why=why, evidence={}, rule=rule,
        target=Target("relative_level_lu", -12.0, -8.0, "within:-11..-3"),
        section="chorus" if span else None, section_span_s=span,
    )  # fmt: skip


@pytest.fixture
def review(tmp_path: Path) -> Review:
    return Review.open(tmp_path / "review.json", tmp_path, STEMS)


def on_disk(review: Review) -> dict[str, Any]:
    return json.loads(review.path.read_text())


def steps(review: Review) -> tuple[int, int]:
    """The undo and redo steps, as saved."""
    history = on_disk(review)["history"]
    return len(history["undo"]), len(history["redo"])


def refuse_saves(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(review_mod, "write_text_atomic", refuse)


# -- opening ----------------------------------------------------------------------------------
def test_a_new_review_is_empty_and_not_written_until_a_change(tmp_path: Path) -> None:
    path = tmp_path / "state" / "review.json"
    review = Review.open(path, tmp_path, ["Kick.wav", "Bass.wav"])
    assert not path.exists() and review.messages == []
    assert review.made_for == str(tmp_path.resolve())
    assert review.data["session"]["stems"] == ["Bass.wav", "Kick.wav"]
    assert not review.can_undo and not review.can_redo
    assert review.manual == [] and review.stem_notes == {} and review.blind_tallies == {}
    assert review.ui == {} and review.choices() == {}
    assert review_path(tmp_path) == tmp_path / "review.json"


def test_a_clean_file_opens_without_a_word_and_keeps_its_history(review: Review) -> None:
    s = make()
    review.accept(s)
    review.reject(s)
    review.undo()
    text = review.path.read_text()
    again = Review.open(review.path, review.path.parent, STEMS)
    assert again.messages == [] and again.path == review.path
    assert again.can_undo and again.can_redo
    assert review.path.read_text() == text
    again.accept(make(rule="other"))  # the first change after opening writes the rest as it was
    saved = on_disk(again)
    assert saved["decisions"][s.id] == json.loads(text)["decisions"][s.id]


def test_an_unreadable_file_starts_a_new_review_and_says_where_the_old_one_is(
    tmp_path: Path,
) -> None:
    path = tmp_path / "review.json"
    path.write_text("[1, 2")
    review = Review.open(path, tmp_path, STEMS)
    [aside] = tmp_path.glob("review.json.corrupt-*")
    [message] = review.messages
    assert message.startswith("The review file could not be read (")
    assert f"kept as {aside.name} and a new review started" in message
    assert on_disk(review)["schema"] == SCHEMA and on_disk(review)["decisions"] == {}


def test_a_file_that_cannot_be_kept_aside_is_refused_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "review.json"
    path.write_text("[1, 2")

    def cannot(*_args: object) -> Path:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(review_mod, "keep_aside", cannot)
    with pytest.raises(ReviewError) as info:
        Review.open(path, tmp_path, STEMS)
    message = str(info.value)
    assert message.startswith(f"{path} needs to be kept aside (")
    assert "but could not be: Permission denied. Free some space" in message
    assert info.value.__suppress_context__
    path.write_text(json.dumps({"schema": SCHEMA, "decisions": {"x": "accepted"}}))
    with pytest.raises(ReviewError, match=r"kept aside \(damaged entries\) but could not be"):
        Review.open(path, tmp_path, STEMS)


def test_an_error_without_a_reason_names_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "review.json"
    path.write_text("[1, 2")

    def cannot(*_args: object) -> Path:
        raise OSError("quota")

    monkeypatch.setattr(review_mod, "keep_aside", cannot)
    with pytest.raises(ReviewError, match=r"but could not be: quota\. Free"):
        Review.open(path, tmp_path, STEMS)


def test_a_save_that_fails_after_keeping_aside_still_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "review.json"
    path.write_text("{ nope")
    refuse_saves(monkeypatch)
    review = Review.open(path, tmp_path, STEMS)
    assert len(review.messages) == 1 and review.data["decisions"] == {}
    assert path.read_text() == "{ nope"


def test_render_reads_without_writing_and_refuses_what_it_cannot_use(review: Review) -> None:
    s = make()
    review.accept(s)
    text = review.path.read_text()
    same = Review.load_for_render(review.path, ["Kick.wav", "Other.wav"])  # one stem shared
    assert same.status(s.id) == "accepted" and same.messages == []
    assert review.path.read_text() == text
    assert not list(review.path.parent.glob("review.json.*"))
    review.path.write_text("{ nope")
    with pytest.raises(ReviewError, match=r"could not be read \("):
        Review.load_for_render(review.path, STEMS)
    review.path.write_text(json.dumps({"schema": SCHEMA, "decisions": {"x": "accepted"}}))
    with pytest.raises(ReviewError, match="decision x"):
        Review.load_for_render(review.path, STEMS)
    assert review.path.read_text().startswith("{")
    assert not list(review.path.parent.glob("review.json.*"))


def test_render_takes_a_review_that_names_no_stems(tmp_path: Path) -> None:
    path = tmp_path / "review.json"
    path.write_text(json.dumps({"schema": SCHEMA, "session": {"path": "/x", "stems": []}}))
    assert Review.load_for_render(path, STEMS).decided() == []


def test_render_names_the_other_sessions_first_three_stems(review: Review) -> None:
    review.accept(make())
    data = on_disk(review)
    data["session"]["stems"] = ["D", "A", "C", "B"]
    review.path.write_text(json.dumps(data))
    with pytest.raises(ReviewError) as info:
        Review.load_for_render(review.path, STEMS)
    assert "(none of its stems A, B, C... are here)" in str(info.value)


# -- copies, saving, undo ---------------------------------------------------------------------
def test_a_copy_reads_alone_and_is_never_saved(review: Review) -> None:
    s = make()
    review.accept(s)
    review.set_stem_note("Bass.wav", "warm")
    review.set_ui(selected=s.id)
    text = review.path.read_text()
    copied = review.copy()
    assert copied.path == review.path and not copied.can_undo and not copied.can_redo
    assert copied.data["history"] == {"undo": [], "redo": []}
    assert copied.status(s.id) == "accepted" and copied.stem_note("Bass.wav") == "warm"
    review.reject(s)
    review.set_stem_note("Bass.wav", "cold")
    review.set_ui(selected="other")
    assert copied.status(s.id) == "accepted" and copied.stem_note("Bass.wav") == "warm"
    assert copied.ui == {"selected": s.id}
    assert review.can_undo  # the copy took nothing from the original
    review.path.write_text(text)
    copied.data["stem_notes"]["Kick.wav"] = "x"
    assert review.stem_note("Kick.wav") == ""
    assert review.path.read_text() == text


def test_save_writes_the_review_as_it_is(review: Review) -> None:
    s = make()
    review.accept(s)
    review.path.unlink()
    review.save()
    saved = on_disk(review)
    assert saved["decisions"][s.id]["status"] == "accepted"
    assert saved["history"]["undo"] == [{"decisions": {s.id: None}, "parts": {}}]
    review.data["decisions"][s.id]["note"] = "changed behind"
    review.save()
    assert on_disk(review)["decisions"][s.id]["note"] == "changed behind"


def test_each_undoable_change_is_one_step_and_the_others_none(review: Review) -> None:
    s = make()
    review.record_listen(s.id, 3.0, 1.0)
    review.set_ui(selected=s.id)
    review.choose("problem", s.id)
    assert steps(review) == (0, 0) and not review.can_undo
    review.accept(s)
    review.set_note(s, "hm")
    review.set_stem_note("Kick.wav", "dry")
    review.record_blind(s.id, "with", "with", "without")
    manual = review.add_manual("pan", "Kick.wav", {"pan": 0.1})
    review.update_manual(manual, amount=0.5)
    review.remove_manual(manual)
    assert steps(review) == (7, 0) and review.can_undo and not review.can_redo
    review.set_ui(selected="x")
    assert steps(review) == (7, 0)


def test_undo_and_redo_report_what_they_touched(review: Review) -> None:
    a, b = make(), make(rule="other")
    review.accept(a)
    review.accept(b)
    manual = review.add_manual("gain", "Kick.wav", {"gain_db": 1.0})
    review.remove_manual(manual)
    assert review.last_touched == []
    assert review.undo() and review.last_touched == [manual]
    assert steps(review) == (3, 1)
    assert review.undo() and review.undo() and review.last_touched == [b.id]
    assert review.redo() and review.last_touched == [b.id]
    assert steps(review) == (2, 2) and review.can_redo
    assert review.redo() and review.last_touched == [manual]
    assert review.redo() and not review.can_redo and steps(review) == (4, 0)
    assert not review.redo() and review.undo() and review.last_touched == [manual]


def test_undoing_a_manual_change_names_only_that_change(review: Review) -> None:
    """Undoing an added manual change names it; undoing a removal names the one put back, not
    every manual change the review holds."""
    first = review.add_manual("gain", "Kick.wav", {"gain_db": 1.0})
    second = review.add_manual("gain", "Bass.wav", {"gain_db": -1.0})
    assert review.undo() and review.last_touched == [second]
    assert review.redo() and review.last_touched == [second]
    review.remove_manual(first)
    assert review.undo() and review.last_touched == [first]


def test_an_undo_that_cannot_be_saved_is_not_done(
    review: Review, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = make()
    review.accept(s)
    review.reject(s)
    review.undo()
    with monkeypatch.context() as patch:
        refuse_saves(patch)
        with pytest.raises(OSError):
            review.undo()
        assert review.status(s.id) == "accepted"
        assert review.data["history"]["undo"] == review._undo
        assert len(review._undo) == 1 and len(review._redo) == 1
        with pytest.raises(OSError):
            review.redo()
        assert review.status(s.id) == "accepted"
        assert review.data["history"]["redo"] == review._redo
        assert len(review._undo) == 1 and len(review._redo) == 1
    review.set_note(s, "saved")  # everything in memory is as the last save left it
    saved = on_disk(review)
    assert saved["decisions"][s.id]["status"] == "accepted"
    assert len(saved["history"]["undo"]) == 2 and saved["history"]["redo"] == []
    assert review.undo() and review.undo() and review.status(s.id) == "pending"


def test_a_failed_change_keeps_the_steps_as_they_were(
    review: Review, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = make()
    review.accept(s)
    review.reject(s)
    review.undo()
    with monkeypatch.context() as patch:
        refuse_saves(patch)
        with pytest.raises(OSError):
            review.set_amount(s, 0.5)
    assert review.can_redo and len(review._undo) == 1
    assert review.data["history"] == {"undo": review._undo, "redo": review._redo}
    review.set_ui(selected=s.id)
    assert steps(review) == (1, 1)
    assert review.redo() and review.status(s.id) == "rejected"


def test_a_change_that_raises_inside_is_undone(review: Review) -> None:
    with pytest.raises(KeyError):
        review.update_manual("manual-9", amount=0.5)
    assert not review.path.exists() and not review.can_undo
    assert review.data["history"] == {"undo": [], "redo": []}


def test_the_undo_history_keeps_the_newest_steps(review: Review) -> None:
    s = make()
    for i in range(UNDO_DEPTH + 2):
        review.set_note(s, f"n{i}")
    assert UNDO_DEPTH == 100 and steps(review) == (100, 0)
    oldest = on_disk(review)["history"]["undo"][0]  # the steps to n0 and n1 are dropped
    assert oldest["decisions"][s.id]["note"] == "n1"


# -- decisions --------------------------------------------------------------------------------
def test_a_first_decision_records_the_suggestion_and_its_defaults(review: Review) -> None:
    s = make(span=(1.0, 2.0))
    review.set_note(s, "later")
    entry = review.entry(s.id)
    assert entry["status"] == "pending" and entry["amount"] == 1.0
    assert entry["params"] is None and entry["note"] == "later"
    assert entry["suggestion"] == s.as_dict()
    assert entry["snapshot"] == {
        "kind": "gain", "stems": ["Bass.wav"], "section": "chorus", "params": {"gain_db": 3.0},
        "why": "because",
    }  # fmt: skip
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", entry["updated"])
    assert entry["seq"] == 1
    assert "heard" not in entry and review.decision(s.id).heard is None
    assert review.decision(s.id) == Decision("pending", 1.0, None, "later", None)
    assert review.entry("nothing") == {}
    assert review.decision("nothing") == Decision("pending", 1.0, None, "")


def test_a_decided_suggestion_keeps_its_first_words(review: Review) -> None:
    first, later = make(why="first"), make(why="later")
    assert first.id == later.id
    review.set_note(first, "pending")
    review.set_note(later, "still pending")
    assert review.entry(first.id)["suggestion"]["why"] == "later"
    review.accept(later)
    review.accept(make(why="third"))
    entry = review.entry(first.id)
    assert entry["suggestion"]["why"] == "later"
    assert entry["snapshot"]["why"] == "third"
    del review.data["decisions"][first.id]["suggestion"]
    review.reject(make(why="fourth"))
    assert review.entry(first.id)["suggestion"]["why"] == "fourth"


def test_decisions_are_numbered_in_the_order_they_were_changed(review: Review) -> None:
    a, b, c = make(), make(rule="b"), make(rule="c")
    review.accept(a)
    review.reject(b)
    review.set_note(c, "pending")
    assert [review.entry(x.id)["seq"] for x in (a, b, c)] == [1, 2, 3]
    review.set_amount(a, 0.5)
    assert review.entry(a.id)["seq"] == 4
    assert [sid for sid, _ in review.decided()] == [b.id, a.id]
    assert review.decided()[1][1] == a.as_dict()
    review.data["decisions"][b.id]["suggestion"] = "not a dict"  # type: ignore[typeddict-item]
    assert [sid for sid, _ in review.decided()] == [a.id]
    del review.data["decisions"][a.id]["seq"]
    review.accept(c)
    assert review.entry(c.id)["seq"] == 3
    assert [sid for sid, _ in review.decided()] == [a.id, c.id]


def test_only_the_three_statuses_can_be_decided(review: Review) -> None:
    s = make()
    for wrong in ("adjusted", "Accepted", ""):
        with pytest.raises(ValueError, match="unknown decision"):
            review.decide(s, wrong)  # type: ignore[arg-type]
    assert review.entry(s.id) == {} and not review.can_undo
    review.decide(s, "accepted")
    review.decide(s, "pending")
    assert review.status(s.id) == "pending"
    review.decide(s, "rejected")
    assert on_disk(review)["decisions"][s.id]["status"] == "rejected"


def test_the_amount_is_clamped_rounded_and_accepts_a_pending_suggestion(review: Review) -> None:
    s = make()
    review.record_listen(s.id, 4.0, 2.0)
    review.set_amount(s, 1.7)
    assert review.decision(s.id).amount == 1.0 and review.status(s.id) == "accepted"
    assert review.decision(s.id).heard == Heard(4.0, 2.0, 0)
    review.set_amount(s, -0.3)
    assert review.decision(s.id).amount == 0.0 and review.status(s.id) == "adjusted"
    review.set_amount(s, 0.12345)
    assert on_disk(review)["decisions"][s.id]["amount"] == 0.123
    review.set_amount(s, 0.9996)
    assert review.decision(s.id).amount == 1.0 and review.status(s.id) == "accepted"
    review.set_amount(s, 0.0004)
    assert review.decision(s.id).amount == 0.0
    review.set_amount(s, "0.5")  # type: ignore[arg-type]
    assert review.decision(s.id).amount == 0.5


def test_an_amount_or_params_keep_a_rejection(review: Review) -> None:
    s = make()
    review.reject(s)
    review.record_listen(s.id, 9.0, 0.0)
    review.set_amount(s, 0.5)
    review.set_params(s, {"gain_db": 1.0})
    decision = review.decision(s.id)
    assert decision.status == "rejected" and review.status(s.id) == "rejected"
    assert decision.heard == Heard(0.0, 0.0, 0)  # as heard when it was rejected


def test_params_override_accept_and_are_dropped_when_as_suggested(review: Review) -> None:
    s = make(freq_hz=90.0, q=1.0)
    review.record_listen(s.id, 2.0, 2.0)
    review.set_params(s, {"freq_hz": 110.0, "q": 1.0})
    assert review.status(s.id) == "adjusted" and review.decision(s.id).amount == 1.0
    assert review.decision(s.id).heard == Heard(2.0, 2.0, 0)
    assert review.params_of(s) == {"freq_hz": 110.0, "q": 1.0}
    review.params_of(s)["freq_hz"] = 1.0  # a copy
    assert review.decision(s.id).params == {"freq_hz": 110.0, "q": 1.0}
    review.set_params(s, {"q": 1.0, "freq_hz": 90.0})
    assert review.decision(s.id).params is None and review.status(s.id) == "accepted"
    assert review.params_of(s) == {"freq_hz": 90.0, "q": 1.0}
    review.params_of(s)["q"] = 5.0
    assert s.params["q"] == 1.0
    assert on_disk(review)["decisions"][s.id]["params"] is None


def test_a_note_changes_nothing_else(review: Review) -> None:
    s = make()
    review.accept(s)
    review.set_amount(s, 0.25)
    review.set_note(s, "too much")
    d = review.decision(s.id)
    assert (d.status, d.amount, d.note) == ("accepted", 0.25, "too much")
    assert on_disk(review)["decisions"][s.id]["note"] == "too much"


def test_orphans_are_the_decided_ids_no_suggestion_answers(review: Review) -> None:
    live, pending = make(), make(rule="pending")
    gone = [make(stem="Z.wav"), make(stem="A.wav")]
    for s in (live, *gone):
        review.accept(s)
    review.set_note(pending, "undecided")
    review.reject(gone[0])
    assert review.orphans([live]) == sorted(g.id for g in gone)
    assert review.orphans([live, *gone]) == []


# -- listening --------------------------------------------------------------------------------
def test_listening_adds_up_and_nothing_is_saved_for_none(review: Review) -> None:
    s = make()
    review.record_listen(s.id, 0.0, 0.0)
    review.record_listen(s.id, -1.0, 0.0)
    assert not review.path.exists()
    review.record_listen(s.id, 0.04, 0.02)
    review.record_listen(s.id, 1.5, 0.5)
    assert review.heard_of(s.id) == Heard(1.5, 0.5, 0)  # 1.54 saved to a tenth
    assert on_disk(review)["listened"][s.id] == {
        "played_s": 1.5, "matched_s": 0.5, "blind_trials": 0,
    }  # fmt: skip
    assert not review.heard_of(s.id).heard and HEARD_MIN_S == 2.0
    review.record_listen(s.id, 0.5, 0.0)
    assert review.heard_of(s.id).heard
    assert review.heard_of("other") == Heard(0.0, 0.0, 0)


def test_blind_trials_count_toward_hearing(review: Review) -> None:
    s = make()
    review.record_blind(s.id, "with", "with", "without")
    review.record_blind(s.id, "without", "without", "with")
    review.record_blind(s.id, "with", "with", "the original")
    tally = review.blind_tallies[s.id]
    assert tally == {
        "trials": 3, "wins": {"with": 2, "without": 1},
        "labels": ["the original", "with", "without"],
    }  # fmt: skip
    assert on_disk(review)["blind"][s.id] == tally
    assert review.heard_of(s.id) == Heard(0.0, 0.0, 3)
    review.data["listened"][s.id] = {"played_s": 1.0, "matched_s": 0.0, "blind_trials": 5}
    assert review.heard_of(s.id) == Heard(1.0, 0.0, 5)
    review.data["blind"][s.id] = "damaged"  # type: ignore[assignment]
    assert review.heard_of(s.id).blind_trials == 5
    del review.data["listened"]
    review.data["blind"][s.id] = {"trials": 2, "wins": {}, "labels": []}
    assert review.heard_of(s.id) == Heard(0.0, 0.0, 2)
    review.data["blind"][s.id] = {"wins": {}, "labels": []}  # type: ignore[typeddict-item]
    del review.data["blind"]
    assert review.heard_of(s.id) == Heard(0.0, 0.0, 0)
    assert review.blind_tallies == {}


def test_a_blind_tally_without_trials_counts_none(review: Review) -> None:
    review.data["blind"]["x"] = {"wins": {}, "labels": []}  # type: ignore[typeddict-item]
    assert review.heard_of("x").blind_trials == 0


def test_a_blind_trial_is_undone_as_one_step(review: Review) -> None:
    review.record_blind("k", "a", "a", "b")
    review.record_blind("k", "b", "a", "b")
    assert review.undo() and review.blind_tallies["k"]["trials"] == 1
    assert review.undo() and review.blind_tallies == {}


# -- choices, notes, manual changes -----------------------------------------------------------
def test_choices_are_saved_and_read_as_text(review: Review) -> None:
    review.choose("swing:Bass", "gain-1")
    review.choose("swing:Bass", "gain-2")
    review.choose("mud:Kick", "eq-1")
    assert review.choices() == {"swing:Bass": "gain-2", "mud:Kick": "eq-1"}
    assert on_disk(review)["choices"] == {"swing:Bass": "gain-2", "mud:Kick": "eq-1"}
    review.data["choices"] = {1: 2}  # type: ignore[typeddict-unknown-key]
    assert review.choices() == {"1": "2"}
    review.data["choices"] = ["x"]  # type: ignore[typeddict-unknown-key]
    assert review.choices() == {}


def test_stem_notes_are_undoable_and_read_as_copies(review: Review) -> None:
    review.set_stem_note("Bass.wav", "warm")
    assert review.stem_note("Bass.wav") == "warm" and review.stem_note("Kick.wav") == ""
    review.stem_notes["Kick.wav"] = "x"
    assert review.stem_notes == {"Bass.wav": "warm"}
    assert on_disk(review)["stem_notes"] == {"Bass.wav": "warm"}
    assert review.undo() and review.stem_notes == {}
    del review.data["stem_notes"]
    assert review.stem_note("Bass.wav") == "" and review.stem_notes == {}


def test_where_the_user_is_merges_and_is_saved(review: Review) -> None:
    review.set_ui(selected="a", filter="all")
    review.set_ui(selected="b")
    assert review.ui == {"selected": "b", "filter": "all"}
    assert on_disk(review)["ui"] == {"selected": "b", "filter": "all"}
    del review.data["ui"]
    assert review.ui == {}
    del review.data["session"]
    assert review.made_for is None


def test_manual_changes_are_numbered_from_one_filling_gaps(review: Review) -> None:
    first = review.add_manual("gain", "Kick.wav", {"gain_db": -2.0})
    second = review.add_manual("pan", "Bass.wav", {"pan": 0.3}, (1.0, 2.5), "left")
    assert (first, second) == ("manual-1", "manual-2")
    assert review.manual[0] == {
        "id": "manual-1", "kind": "gain", "stems": ["Kick.wav"], "params": {"gain_db": -2.0},
        "section_span_s": None, "amount": 1.0, "note": "", "enabled": True,
    }  # fmt: skip
    assert on_disk(review)["manual"][1]["section_span_s"] == [1.0, 2.5]
    assert on_disk(review)["manual"][1]["note"] == "left"
    review.remove_manual(first)
    assert [m["id"] for m in review.manual] == ["manual-2"]
    assert review.add_manual("gain", "Kick.wav", {}) == "manual-1"
    assert review.add_manual("gain", "Kick.wav", {}) == "manual-3"
    review.manual.clear()
    assert len(review.manual) == 3
    with pytest.raises(ValueError, match="manual changes are one of gain, "):
        review.add_manual("reverb", "Kick.wav", {})
    assert len(review.manual) == 3


def test_updating_a_manual_change_touches_that_one_alone(review: Review) -> None:
    first = review.add_manual("gain", "Kick.wav", {"gain_db": -2.0})
    second = review.add_manual("gain", "Bass.wav", {"gain_db": 1.0})
    review.update_manual(second, amount=0.5, note="less")
    by_id = {m["id"]: m for m in on_disk(review)["manual"]}
    assert by_id[second]["amount"] == 0.5 and by_id[second]["note"] == "less"
    assert by_id[first]["amount"] == 1.0 and by_id[first]["note"] == ""
    review.data["manual"].append({**review.data["manual"][1]})
    review.update_manual(second, enabled=False)
    assert [m["enabled"] for m in review.manual] == [True, False, True]
    with pytest.raises(KeyError):
        review.update_manual("manual-7", amount=0.0)
    review.remove_manual("manual-7")
    assert len(review.manual) == 3


# -- what to render ---------------------------------------------------------------------------
def test_the_versions_hold_the_changes_they_name(review: Review) -> None:
    full = make(span=(4.0, 8.0))
    part, zero = make(rule="part", gain_db=-1.0), make(rule="zero")
    pending, rejected = make(rule="pending"), make(rule="rejected")
    review.accept(full)
    review.set_amount(part, 0.5)
    review.set_params(part, {"gain_db": -2.0})
    review.set_amount(zero, 0.0)
    review.reject(rejected)
    manual = review.add_manual("pan", "Kick.wav", {"pan": 0.1}, (1.0, 2.0))
    off = review.add_manual("gain", "Kick.wav", {"gain_db": 1.0})
    silent = review.add_manual("gain", "Bass.wav", {"gain_db": 1.0})
    review.update_manual(off, enabled=False)
    review.update_manual(silent, amount=0.0)
    suggestions = [full, part, zero, pending, rejected]
    assert review.changes(suggestions, "original") == []
    assistant = review.changes(suggestions, "assistant")
    assert [(c.source_id, c.amount, dict(c.params)) for c in assistant] == [
        (s.id, 1.0, s.params) for s in suggestions
    ]
    mine = Change("pan", ("Kick.wav",), {"pan": 0.1}, 1.0, (1.0, 2.0), manual)
    assert review.changes(suggestions, "manual") == [mine]
    assert review.changes(suggestions) == [
        Change("gain", ("Bass.wav",), {"gain_db": 3.0}, 1.0, (4.0, 8.0), full.id),
        Change("gain", ("Bass.wav",), {"gain_db": -2.0}, 0.5, None, part.id),
        mine,
    ]
    with pytest.raises(ValueError, match="unknown version 'both'"):
        review.changes(suggestions, "both")


def test_a_manual_change_missing_its_optional_fields_is_applied_in_full(review: Review) -> None:
    review.data["manual"].append(
        {"id": "manual-1", "kind": "gain", "stems": ["Bass.wav"], "params": {"gain_db": 1}}  # type: ignore[typeddict-item]
    )
    [change] = review.changes([], "manual")
    assert change == Change("gain", ("Bass.wav",), {"gain_db": 1}, 1.0, None, "manual-1")
    assert isinstance(change.amount, float)
    review.data["manual"][0]["amount"] = 1  # type: ignore[typeddict-item]
    review.data["manual"][0]["section_span_s"] = [1, 2]
    [change] = review.changes([], "chosen")
    assert isinstance(change.amount, float) and change.section_span_s == (1.0, 2.0)
    assert all(isinstance(x, float) for x in change.section_span_s)


# -- entries and documents missing what they usually hold -------------------------------------
def test_a_document_without_history_or_parts_still_works(tmp_path: Path) -> None:
    path = tmp_path / "review.json"
    for history in (None, [1], "x"):
        data: Any = {"schema": SCHEMA, "decisions": {}, "manual": [], "blind": {}, "ui": {}}
        if history is not None:
            data["history"] = history
        review = Review(path, data)
        assert not review.can_undo and not review.can_redo
    s = make()
    review.record_listen(s.id, 3.0, 0.0)  # no listening part yet
    review.choose("p", s.id)  # no choices part yet
    assert review.heard_of(s.id).played_s == 3.0 and review.choices() == {"p": s.id}
    assert on_disk(review)["listened"][s.id]["played_s"] == 3.0


def test_a_step_without_decisions_is_undone_and_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "review.json"
    data: Any = {
        "schema": SCHEMA, "decisions": {}, "manual": [], "stem_notes": {"Bass.wav": "new"},
        "history": {"undo": [{"parts": {"stem_notes": {}}}], "redo": []},
    }  # fmt: skip
    review = Review(path, data)
    with monkeypatch.context() as patch:
        refuse_saves(patch)
        with pytest.raises(OSError):
            review.undo()
    assert review.stem_notes == {"Bass.wav": "new"} and review.can_undo
    assert review.undo() and review.stem_notes == {} and review.last_touched == []


def test_a_failed_undo_leaves_no_stale_line_for_the_next_save(
    review: Review, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = make(), make(rule="other")
    review.accept(a)
    review.reject(a)
    with monkeypatch.context() as patch:
        refuse_saves(patch)
        with pytest.raises(OSError):
            review.undo()
        with pytest.raises(OSError):
            review.choose("p", a.id)
    assert review.choices() == {}
    review.accept(b)  # saves a as it is in memory, not as the failed undo encoded it
    assert on_disk(review)["decisions"][a.id]["status"] == "rejected"
    assert "choices" not in on_disk(review)


def test_an_entry_missing_its_status_seq_or_note_reads_as_pending(review: Review) -> None:
    a, b, c = make(), make(rule="b"), make(rule="c")
    review.accept(a)
    del review.data["decisions"][a.id]["seq"]
    review.accept(b)
    assert review.entry(b.id)["seq"] == 1  # an entry without a number counts as 0
    review.accept(c)
    del review.data["decisions"][c.id]["seq"]
    assert [sid for sid, _ in review.decided()] == [a.id, c.id, b.id]
    del review.data["decisions"][b.id]["status"]  # type: ignore[misc]
    del review.data["decisions"][b.id]["note"]  # type: ignore[misc]
    assert [sid for sid, _ in review.decided()] == [a.id, c.id]
    review.data["decisions"][b.id]["status"] = "pending"
    assert review.decision(b.id).note == ""
    del review.data["decisions"][b.id]["status"]  # type: ignore[misc]
    review.set_note(make(rule="b", why="new words"), "n")
    assert review.entry(b.id)["suggestion"]["why"] == "new words"


def test_decisions_numbered_alike_keep_the_order_they_were_made(review: Review) -> None:
    first, second = make(rule="z"), make(rule="y")
    later, earlier = sorted([first, second], key=lambda s: s.id, reverse=True)
    review.accept(later)
    review.accept(earlier)
    for s in (later, earlier):
        del review.data["decisions"][s.id]["seq"]
    assert [sid for sid, _ in review.decided()] == [later.id, earlier.id]
    review.data["decisions"][later.id]["seq"] = 1
    assert [sid for sid, _ in review.decided()] == [earlier.id, later.id]


def test_a_damaged_blind_tally_counts_no_trial(review: Review) -> None:
    review.data["blind"]["x"] = "damaged"  # type: ignore[assignment]
    assert review.heard_of("x") == Heard(0.0, 0.0, 0)


def test_a_copy_shares_no_tally_with_the_original(review: Review) -> None:
    review.record_blind("k", "a", "a", "b")
    copied = review.copy()
    review.record_blind("k", "a", "a", "b")
    assert copied.blind_tallies["k"]["trials"] == 1
    assert copied.blind_tallies["k"]["wins"] == {"a": 1}


def test_messages_name_the_file(review: Review) -> None:
    review.accept(make())
    data = on_disk(review)
    review.path.write_text("{ nope")
    with pytest.raises(ReviewError, match=f"^the review file {re.escape(str(review.path))} "):
        Review.load_for_render(review.path, STEMS)
    review.path.write_text(json.dumps({"schema": SCHEMA, "decisions": {"x": "accepted"}}))
    with pytest.raises(ReviewError, match=re.escape(str(review.path))):
        Review.load_for_render(review.path, STEMS)
    review.path.write_text(json.dumps(data))
    with pytest.raises(ReviewError, match=f"^{re.escape(str(review.path))} was made for"):
        Review.load_for_render(review.path, ["Other.wav"])
    assert Review.load_for_render(review.path, STEMS).path == review.path


def test_an_unknown_manual_change_is_named(review: Review) -> None:
    with pytest.raises(KeyError) as info:
        review.update_manual("manual-7", amount=0.0)
    assert info.value.args == ("manual-7",)


def test_a_manual_change_at_part_strength_is_rendered_at_it(review: Review) -> None:
    manual = review.add_manual("gain", "Kick.wav", {"gain_db": 2.0})
    review.update_manual(manual, amount=0.5)
    [change] = review.changes([], "chosen")
    assert change.amount == 0.5 and review.changes([], "manual") == [change]
