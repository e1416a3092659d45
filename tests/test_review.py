"""Review state: decisions saved atomically on every change, undo/redo, corrupt files kept aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mixreview.analysis.review import Review, ReviewError
from mixreview.analysis.suggest.model import Suggestion, Target


def make(kind: str = "gain", stem: str = "Bass.wav", rule: str = "balance", **params) -> Suggestion:
    return Suggestion(
        kind=kind, stems=(stem,), params=params or {"gain_db": 3.0}, severity="medium",
        category="creative", why="because", evidence={}, rule=rule,
        target=Target("relative_level_lu", -12.0, -8.0, "within:-11..-3"),
    )  # fmt: skip


@pytest.fixture
def review(tmp_path: Path) -> Review:
    return Review.open(tmp_path / ".mixreview" / "review.json", tmp_path, ["Bass.wav", "Kick.wav"])


def reread(review: Review) -> dict:
    return json.loads(review.path.read_text())


def test_each_decision_is_on_disk_immediately(review: Review) -> None:
    s = make()
    review.accept(s)
    assert reread(review)["decisions"][s.id]["status"] == "accepted"
    review.reject(s)
    assert reread(review)["decisions"][s.id]["status"] == "rejected"
    review.set_amount(s, 0.5)
    assert reread(review)["decisions"][s.id]["amount"] == 0.5
    assert not list(review.path.parent.glob(".*.tmp"))


def test_reopen_resumes(review: Review, tmp_path: Path) -> None:
    a, b = make(), make(kind="highpass", rule="sub", freq_hz=90)
    review.accept(a)
    review.set_params(b, {"freq_hz": 110})
    review.set_ui(selected=b.id)
    again = Review.open(review.path, tmp_path, ["Bass.wav", "Kick.wav"])
    assert again.status(a.id) == "accepted"
    assert again.status(b.id) == "adjusted"
    assert again.params_of(b) == {"freq_hz": 110}
    assert again.data["ui"]["selected"] == b.id


def test_undo_redo(review: Review) -> None:
    s = make()
    review.accept(s)
    review.reject(s)
    assert review.undo() and review.status(s.id) == "accepted"
    assert reread(review)["decisions"][s.id]["status"] == "accepted"
    assert review.undo() and review.status(s.id) == "pending"
    assert not review.undo()
    assert review.redo() and review.status(s.id) == "accepted"
    review.set_amount(s, 0.25)
    assert not review.redo()  # a new change clears the redo stack


def test_amount_and_overrides_make_adjusted(review: Review) -> None:
    s = make()
    review.set_amount(s, 0.5)
    assert review.status(s.id) == "adjusted"
    review.set_amount(s, 1.0)
    assert review.status(s.id) == "accepted"
    review.set_params(s, dict(s.params))  # same as suggested: no override kept
    assert review.decision(s.id).params is None


def test_corrupt_file_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "review.json"
    path.write_text("{ not json")
    review = Review.open(path, tmp_path, ["Bass.wav"])
    aside = list(tmp_path.glob("review.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == "{ not json"
    assert "kept as" in review.messages[0]
    review.accept(make())
    assert json.loads(path.read_text())["schema"] == "mixreview.review/1"


def test_orphans_are_kept_and_reported(review: Review) -> None:
    gone, live = make(stem="Old.wav"), make()
    review.accept(gone)
    review.accept(live)
    assert review.orphans([live]) == [gone.id]
    assert gone.id in reread(review)["decisions"]


def test_versions(review: Review) -> None:
    a, b, c = make(), make(kind="highpass", rule="sub", freq_hz=90), make(stem="Kick.wav")
    review.accept(a)
    review.set_amount(b, 0.5)
    review.reject(c)
    manual = review.add_manual("pan", "Kick.wav", {"pan": -0.2}, note="a touch left")
    assert review.changes([a, b, c], "original") == []
    assert [x.source_id for x in review.changes([a, b, c], "assistant")] == [a.id, b.id, c.id]
    chosen = review.changes([a, b, c], "chosen")
    assert [(x.source_id, x.amount) for x in chosen] == [(a.id, 1.0), (b.id, 0.5), (manual, 1.0)]
    review.undo()
    assert [x.source_id for x in review.changes([a, b, c], "chosen")] == [a.id, b.id]


def test_render_refuses_a_review_of_another_session(review: Review, tmp_path: Path) -> None:
    review.accept(make())
    with pytest.raises(ReviewError, match="another session"):
        Review.load_for_render(review.path, ["Vocal.wav", "Drums.wav"])
    assert Review.load_for_render(review.path, ["Bass.wav"]).status(make().id) == "accepted"


def test_undo_and_redo_survive_a_restart(review: Review, tmp_path: Path) -> None:
    a, b = make(), make(kind="highpass", rule="sub", freq_hz=90)
    review.accept(a)
    review.reject(b)
    manual_id = review.add_manual("gain", "Kick.wav", {"gain_db": -2.0})
    review.set_ui(selected=a.id)  # not a decision: never undone
    again = Review.open(review.path, tmp_path, ["Bass.wav", "Kick.wav"])
    assert again.undo() and again.manual == []  # the last step first
    assert again.undo() and again.status(b.id) == "pending"
    assert again.data["ui"]["selected"] == a.id
    third = Review.open(review.path, tmp_path, ["Bass.wav", "Kick.wav"])
    assert third.status(a.id) == "accepted" and third.status(b.id) == "pending"
    assert third.redo() and third.status(b.id) == "rejected"
    assert third.redo() and [m["id"] for m in third.manual] == [manual_id]
    assert not third.redo()
    assert third.undo() and third.undo() and third.undo() and not third.undo()
    assert third.status(a.id) == "pending"


def test_a_damaged_history_is_dropped_not_fatal(review: Review, tmp_path: Path) -> None:
    s = make()
    review.accept(s)
    data = reread(review)
    data["history"] = {"undo": ["not a step", {"decisions": []}], "redo": 3}
    review.path.write_text(json.dumps(data))
    again = Review.open(review.path, tmp_path, ["Bass.wav", "Kick.wav"])
    assert not again.undo() and again.status(s.id) == "accepted"


def test_the_undo_history_is_small_and_bounded(review: Review) -> None:
    suggestions = [make(rule=f"r{i}") for i in range(30)]
    for s in suggestions:
        review.accept(s)
    steps = reread(review)["history"]["undo"]
    assert len(steps) == 30
    assert all(list(step["decisions"]) in ([s.id] for s in suggestions) for step in steps)
    for _ in range(120):
        review.set_amount(suggestions[0], 0.5)
        review.set_amount(suggestions[0], 1.0)
    assert len(reread(review)["history"]["undo"]) == 100


def test_the_manual_version_is_the_reviewers_own_changes_alone(review: Review) -> None:
    a, b = make(), make(kind="highpass", rule="sub", freq_hz=90)
    review.accept(a)
    review.set_params(b, {"freq_hz": 120})  # the assistant's idea, the reviewer's value
    assert review.changes([a, b], "manual") == []
    manual_id = review.add_manual("gain", "Kick.wav", {"gain_db": -2.0})
    off = review.add_manual("polarity", "Bass.wav", {})
    review.update_manual(off, enabled=False)
    manual = review.changes([a, b], "manual")
    assert [c.source_id for c in manual] == [manual_id]
    chosen = review.changes([a, b], "chosen")
    assert {c.source_id for c in chosen} == {a.id, b.id, manual_id}


def test_each_decision_records_how_its_ab_was_heard(review: Review, tmp_path: Path) -> None:
    heard, unheard, blind = make(), make(rule="other"), make(rule="third")
    review.record_listen(heard.id, 5.0, 3.0)
    review.record_listen(heard.id, 1.5, 0.0)
    review.accept(heard)
    review.accept(unheard)
    review.record_blind(blind.id, "with", "with", "without")
    review.reject(blind)
    again = Review.open(review.path, tmp_path, ["Bass.wav", "Kick.wav"])
    first = again.decision(heard.id).heard
    assert first is not None and first.heard
    assert (first.played_s, first.matched_s, first.blind_trials) == (6.5, 3.0, 0)
    second = again.decision(unheard.id).heard
    assert second is not None and not second.heard and second.played_s == 0
    third = again.decision(blind.id).heard
    assert third is not None and third.heard and third.blind_trials == 1
    # a second's listening is not a hearing
    short = make(rule="short")
    again.record_listen(short.id, 1.0, 1.0)
    again.accept(short)
    assert not again.decision(short.id).heard.heard  # type: ignore[union-attr]
    # listening is saved but never undone
    assert again.undo() and again.heard_of(short.id).played_s == 1.0
