"""What each A/B comparison plays, headless: the engine decides the versions the app hears."""

from __future__ import annotations

from pathlib import Path

from mixreview.analysis.apply import change_of
from mixreview.analysis.comparisons import COMPARE_WORDS, versions_for
from mixreview.analysis.review import Review
from tests.test_review import make


def test_each_comparison_plays_its_versions(tmp_path: Path) -> None:
    review = Review.open(tmp_path / "review.json", tmp_path, ["Bass.wav", "Kick.wav"])
    accepted, pending = make(), make(kind="highpass", rule="sub", freq_hz=90)
    suggestions = [accepted, pending]
    review.accept(accepted)
    manual_id = review.add_manual("gain", "Kick.wav", {"gain_db": -2.0})
    ids = lambda changes: [c.source_id for c in changes]  # noqa: E731

    selected = change_of(pending, amount=0.5)
    v = versions_for("suggestion", review, suggestions, selected=selected)
    assert (v.label_a, v.label_b) == ("without", "with")
    assert ids(v.a) == [accepted.id, manual_id]
    assert ids(v.b) == [accepted.id, manual_id, pending.id] and v.b[-1].amount == 0.5
    # the selected change already in the chosen mix is left out of A
    v = versions_for("suggestion", review, suggestions, selected=change_of(accepted))
    assert ids(v.a) == [manual_id] and ids(v.b) == [manual_id, accepted.id]

    v = versions_for("original_chosen", review, suggestions)
    assert v.a == [] and ids(v.b) == [accepted.id, manual_id]
    v = versions_for("chosen_assistant", review, suggestions)
    assert ids(v.a) == [accepted.id, manual_id] and ids(v.b) == [accepted.id, pending.id]
    v = versions_for("original_assistant", review, suggestions)
    assert v.a == [] and (v.label_a, v.label_b) == ("original", "assistant")
    v = versions_for("reference:/x/Master.wav", review, suggestions, reference_label="Master")
    assert ids(v.a) == ids(v.b) == [accepted.id, manual_id] and v.label_b == "Master"
    assert set(COMPARE_WORDS) == {
        "suggestion", "original_chosen", "chosen_assistant", "original_assistant",
    }  # fmt: skip


def test_every_rule_states_a_goal_of_a_known_kind() -> None:
    from mixreview.analysis.suggest.model import Target

    assert Target("m", 0.0, 1.0, "within:-7..-1").goal_kind == "within"
    assert Target("m", 0.0, 1.0, "closer:-6.0").goal_kind == "closer"
    assert Target("m", 0.0, 1.0, "lower").goal_kind == "lower"
    import pytest

    with pytest.raises(ValueError):
        _ = Target("m", 0.0, 1.0, "sideways").goal_kind
