"""Every suggestion on the sample sessions does what it claims: applied through the processors and
measured again, its target metric moves as promised. The clean session gets no high severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.suggest import suggest
from mixreview.analysis.suggest.model import Suggestion
from mixreview.analysis.suggest.verify import verify
from tools.make_flawed_session import make_flawed_session

DEMO = Path(__file__).resolve().parent.parent / "sample_sessions" / "demo_song"


@pytest.fixture(scope="module")
def clean() -> Analysis:
    return analyze(DEMO, workers=2, use_cache=False)


@pytest.fixture(scope="module")
def flawed(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    folder = tmp_path_factory.mktemp("claims") / "session"
    make_flawed_session(DEMO, folder)
    return analyze(folder, workers=2, use_cache=False)


def improved(s: Suggestion, before: float, after: float) -> bool:
    """The stated margin: a 'within' goal halves its distance to the window (or lands in it);
    a 'lower' goal drops by at least a quarter of what it predicted (section gaps end within
    1.5 LU)."""
    goal = s.target.goal
    if goal.startswith("within:"):
        low, high = (float(x) for x in goal.split(":", 1)[1].split(".."))

        def distance(v: float) -> float:
            return max(low - v, v - high, 0.0)

        return distance(after) <= 0.5 * distance(before) or distance(after) < 0.5
    if s.target.metric == "section_gap_lu":
        return after <= 1.5
    if goal == "lower":
        promised = max(before - s.target.predicted, 0.0)
        return after < before and before - after >= 0.25 * promised
    if goal == "higher":
        return after > before
    return True


def check_all(analysis: Analysis) -> list[str]:
    failures = []
    for s in suggest(analysis):
        assert any(ch.isdigit() for ch in s.why), f"{s.id}: why quotes no number"
        result = verify(analysis, s)
        if not improved(s, result.before, result.after):
            failures.append(
                f"{s.kind} {s.stems} {s.rule}: {result.before:.2f} -> {result.after:.2f}"
            )
    return failures


def test_clean_session_has_no_high_severity(clean: Analysis) -> None:
    assert [s.why for s in suggest(clean) if s.severity == "high"] == []


def test_every_suggestion_on_the_clean_session_does_what_it_claims(clean: Analysis) -> None:
    assert check_all(clean) == []


def test_every_suggestion_on_the_flawed_session_does_what_it_claims(flawed: Analysis) -> None:
    assert check_all(flawed) == []


def test_flawed_kick_bass_conflict_is_found(flawed: Analysis) -> None:
    unmask = [s for s in suggest(flawed) if s.kind == "unmask"]
    pair = [
        s for s in unmask if {s.stems[0], s.evidence.get("against")} == {"Bass.flac", "Kick.flac"}
    ]
    assert pair, [(s.stems, s.evidence.get("against")) for s in unmask]
    assert 40 <= pair[0].params["freq_hz"] <= 120


def test_suggestions_are_deterministic(clean: Analysis) -> None:
    first = [s.as_dict() for s in suggest(clean)]
    again = [s.as_dict() for s in suggest(analyze(DEMO, workers=1, use_cache=False))]
    assert first == again
