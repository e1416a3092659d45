"""Every suggestion on the sample sessions, and on a session built to trigger the rules they
miss, does what it claims: applied through the processors and measured again, its target metric
moves as its goal says. Every goal form a rule uses has a check that can fail. The clean session
gets no high severity."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.suggest import families, suggest
from mixreview.analysis.suggest.verify import ENDS_AT_MOST, GOAL_FORMS, claim_holds, verify
from tests.conftest import SR
from tests.suggest_support import band_noise, frames, run, save, syllables, times, vocal
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


def rumble() -> np.ndarray:
    return 0.05 * np.sin(2 * np.pi * 30.0 * times()) + 0.02 * band_noise(20.0, 45.0, seed=9)


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    """Parts that trigger what the sample sessions do not: a dark vocal (tilt, a 'closer' goal),
    mono supporting parts (pan placements, 'closer' goals), DC offsets alone and on a stem with
    rumble (one high-pass saying both)."""
    parts = {
        "Lead_Vocal.wav": 0.1 * band_noise(200.0, 700.0, seed=1) * syllables(),
        "Guitar.wav": 0.05 * band_noise(150.0, 6000.0, seed=2) * syllables(3.0),
        "Keys.wav": 0.05 * band_noise(100.0, 3000.0, seed=3),
        "Pad.wav": 0.05 * band_noise(100.0, 2000.0, seed=4) + 0.02,
        "Backing_Vocal.wav": vocal(seed=5) + rumble() + 0.005,
    }
    folder = save(tmp_path_factory.mktemp("zoo") / "session", parts)
    return analyze(folder, workers=2, use_cache=False)


def check_all(analysis: Analysis) -> list[str]:
    failures = []
    for s in suggest(analysis):
        assert any(ch.isdigit() for ch in s.why), f"{s.id}: why quotes no number"
        result = verify(analysis, s)
        if not result.holds:
            failures.append(
                f"{s.kind} {s.stems} {s.rule} {s.target.goal}: {result.before:.3f} -> "
                f"{result.after:.3f} (predicted {result.predicted:.3f}, dc {result.dc_after})"
            )
    return failures


def test_clean_session_has_no_high_severity(clean: Analysis) -> None:
    assert [s.why for s in suggest(clean) if s.severity == "high"] == []


def test_every_suggestion_on_the_clean_session_does_what_it_claims(clean: Analysis) -> None:
    assert check_all(clean) == []


def test_every_suggestion_on_the_flawed_session_does_what_it_claims(flawed: Analysis) -> None:
    assert check_all(flawed) == []


def test_every_suggestion_on_the_zoo_session_does_what_it_claims(zoo: Analysis) -> None:
    found = suggest(zoo)
    assert {s.rule for s in found} >= {"tilt", "mono_placement", "dc_offset", "rumble"}
    assert {s.target.goal.split(":")[0] for s in found} >= {"lower", "closer"}
    folded = [s for s in found if s.rule == "rumble"]
    assert [s.evidence.get("dc_offset") for s in folded] == [pytest.approx(0.005, abs=1e-4)]
    assert check_all(zoo) == []


def tilted_noise(db_per_octave: float, seed: int = 0) -> np.ndarray:
    """Unit-RMS noise, 100 Hz-12 kHz, whose third-octave levels slope by ``db_per_octave``."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(frames()))
    freq_hz = np.fft.rfftfreq(frames(), 1.0 / SR)
    exponent = db_per_octave / (20.0 * np.log10(2.0)) - 0.5  # white noise rises 3 dB/octave
    inside = (freq_hz > 100.0) & (freq_hz < 12000.0)
    x = np.fft.irfft(spectrum * np.where(inside, np.maximum(freq_hz, 1.0) ** exponent, 0.0))
    return x / np.sqrt(np.mean(x**2))


def test_tilt_just_outside_its_window_keeps_its_claim(tmp_path: Path) -> None:
    dark = 0.1 * tilted_noise(-9.1) * syllables()
    analysis, found = run(save(tmp_path / "song", {"Lead_Vocal.wav": dark}))
    (tilt,) = [s for s in found if s.rule == "tilt"]
    result = verify(analysis, tilt)
    assert result.after == pytest.approx(result.predicted, abs=0.05)  # the prediction is right
    assert result.holds


def _goal_texts(node: ast.expr) -> set[str]:
    """A goal expression's possible texts: a string, an f-string's leading text ("within:",
    "closer:"), or either branch of a conditional."""
    if isinstance(node, ast.IfExp):
        return _goal_texts(node.body) | _goal_texts(node.orelse)
    if isinstance(node, ast.JoinedStr):
        node = node.values[0]
    assert isinstance(node, ast.Constant), f"a goal the test cannot read: {ast.unparse(node)}"
    return {str(node.value)}


def _goal_forms_in(source: str) -> set[str]:
    """The goal argument of every ``Target(...)`` in a module."""
    forms: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Target":
            goal = next((k.value for k in node.keywords if k.arg == "goal"), None)
            forms |= _goal_texts(goal if goal is not None else node.args[3])
    return forms


def test_every_goal_form_a_rule_uses_is_checked() -> None:
    # every module of the rule families, the family modules and the ones their rules are split
    # into (model.py only rebuilds stored targets)
    folder = Path(str(families()[0].__file__)).parent
    sources = [p.read_text() for p in sorted(folder.glob("*.py")) if p.name != "model.py"]
    forms = set().union(*(_goal_forms_in(source) for source in sources))
    assert {"lower", "closer:"} <= forms  # the parser sees the rules' goals
    assert forms <= set(GOAL_FORMS), f"goal forms no claim check knows: {forms - set(GOAL_FORMS)}"


@pytest.mark.parametrize(
    ("goal", "before", "predicted", "kept", "broken"),
    [
        ("lower", 10.0, 6.0, 9.0, 9.5),  # a quarter of the predicted 4 is 1
        ("higher", -20.0, -14.0, -18.5, -19.0),
        ("within:-7..-1", -13.0, -6.0, -9.9, -10.1),  # the distance of 6 halves to 3
        ("closer:-9", -16.0, -15.0, -15.5, -15.6),  # half of the predicted 1 is 0.5
        ("closer:0.707", 0.0, 0.707, 0.36, 0.35),
        ("closer:0.707", 0.0, 0.707, 0.707, 1.5),  # overshooting the goal is no closer
    ],
)
def test_each_goal_form_can_fail(
    goal: str, before: float, predicted: float, kept: float, broken: float
) -> None:
    assert claim_holds("metric", goal, before, kept, predicted)
    assert not claim_holds("metric", goal, before, broken, predicted)


def test_a_closer_claim_that_predicts_no_progress_fails() -> None:
    assert not claim_holds("metric", "closer:-9", -9.1, -9.0, -8.5)


def test_bounded_metrics_must_end_under_their_bound() -> None:
    assert claim_holds("dc_offset", "lower", 0.02, 0.0001, 0.0)
    assert not claim_holds("dc_offset", "lower", 0.02, 0.002, 0.0)  # lower, but still over
    bound = ENDS_AT_MOST["section_gap_lu"]
    assert not claim_holds("section_gap_lu", "lower", 6.0, bound + 0.1, 0.0)
    assert claim_holds("section_gap_lu", "lower", 6.0, bound - 0.1, 0.0)


def test_an_unknown_goal_form_is_an_error_not_a_pass() -> None:
    with pytest.raises(ValueError, match="unknown goal form"):
        claim_holds("metric", "nearer:3", 0.0, 3.0, 3.0)


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
