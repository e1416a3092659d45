"""The small entry points pinned: the stereo family's order and what each rule leaves to the
next (suggest/stereo.py), the assistant's families, targets and queue (suggest/__init__.py),
and the shape of notes.json (notes_document.py).

The wiring tests swap the rules for stand-ins that record what they are given, so each test says
exactly which suggestion survives which filter; one test runs the real families on the small
session of test_thresholds_live.py.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from types import ModuleType, SimpleNamespace, UnionType
from typing import Any, get_args, get_origin, get_type_hints, is_typeddict

import pytest

import mixreview.analysis.suggest as assistant
from mixreview.analysis.analyze import Analysis
from mixreview.analysis.notes_document import (
    NotesDocument,
    NotesExport,
    NotesReview,
    NotesSession,
)
from mixreview.analysis.suggest import (
    balance,
    dynamics,
    lowend,
    masking,
    reference,
    stereo,
    stereo_pan,
    stereo_polarity,
    stereo_width,
)
from mixreview.analysis.suggest.features import Features, Offset
from mixreview.analysis.suggest.model import Suggestion
from tests.test_thresholds_live import make, measured, small
from tests.test_thresholds_notes_build import exported_notes

__all__ = ["small"]  # the fixture, reused: its name must stay in this module


# -- suggest/stereo.py: the family's order and hand-offs ------------------------------------
def _stereo_stand_ins(
    monkeypatch: pytest.MonkeyPatch,
    per_stem: Mapping[str, Mapping[str, Suggestion]],
    pairs: Sequence[Suggestion] = (),
    mix: Suggestion | None = None,
    placed: Sequence[Suggestion] = (),
) -> list[tuple[Any, ...]]:
    """Each rule replaced: per stem by rule name, the pair and mono rules by their lists; the
    calls recorded as (rule, features, stem file or the pans so far)."""
    calls: list[tuple[Any, ...]] = []

    def one(name: str) -> Any:
        def rule(features: Any, stem: Any) -> Suggestion | None:
            calls.append((name, features, stem.file))
            return per_stem.get(stem.file, {}).get(name)

        return rule

    for name in ("channel_polarity_rule", "width_rule", "centre_pan_rule"):
        monkeypatch.setattr(stereo, name, one(name))

    def pair_rules(features: Any) -> list[Suggestion]:
        calls.append(("pair_polarity_rules", features))
        return list(pairs)

    def mix_rule(features: Any, panned: set[str]) -> Suggestion | None:
        calls.append(("mix_balance_rule", features, set(panned)))
        return mix

    def mono_rules(features: Any) -> list[Suggestion]:
        calls.append(("mono_placement_rules", features))
        return list(placed)

    monkeypatch.setattr(stereo, "pair_polarity_rules", pair_rules)
    monkeypatch.setattr(stereo, "mix_balance_rule", mix_rule)
    monkeypatch.setattr(stereo, "mono_placement_rules", mono_rules)
    return calls


def _stems(*files: str) -> Any:
    return SimpleNamespace(stems={f: SimpleNamespace(file=f) for f in files})


def test_the_stereo_rules_run_per_stem_in_name_order_then_on_pairs_then_on_the_mix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flip_a = make("polarity", ("A.wav",), rule="channel_polarity")
    pan_a = make("pan", ("A.wav",), rule="centre_pan")
    narrow_b = make("width", ("B.wav",), rule="width")
    calls = _stereo_stand_ins(
        monkeypatch,
        {"A.wav": {"channel_polarity_rule": flip_a, "centre_pan_rule": pan_a},
         "B.wav": {"width_rule": narrow_b}},
    )  # fmt: skip
    features = _stems("B.wav", "A.wav")
    assert stereo.suggest(features) == [flip_a, pan_a, narrow_b]
    assert calls == [
        ("channel_polarity_rule", features, "A.wav"),
        ("width_rule", features, "A.wav"),
        ("centre_pan_rule", features, "A.wav"),
        ("channel_polarity_rule", features, "B.wav"),
        ("width_rule", features, "B.wav"),
        ("centre_pan_rule", features, "B.wav"),
        ("pair_polarity_rules", features),
        ("mix_balance_rule", features, {"A.wav"}),
        ("mono_placement_rules", features),
    ]


def test_a_stem_flipped_on_its_own_is_not_flipped_again_for_a_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flip_a = make("polarity", ("A.wav",), rule="channel_polarity")
    narrow_b = make("width", ("B.wav",), rule="width")
    pair_a = make("polarity", ("A.wav", "B.wav"), rule="pair_polarity")
    pair_b = make("polarity", ("B.wav", "C.wav"), rule="pair_polarity")
    pair_c = make("polarity", ("C.wav", "A.wav"), rule="pair_polarity")
    _stereo_stand_ins(
        monkeypatch,
        {"A.wav": {"channel_polarity_rule": flip_a}, "B.wav": {"width_rule": narrow_b}},
        pairs=[pair_a, pair_b, pair_c],
    )
    found = stereo.suggest(_stems("A.wav", "B.wav", "C.wav"))
    # the flip is named by its first stem; a width change on B does not count as a flip
    assert found == [flip_a, narrow_b, pair_b, pair_c]


def test_the_mix_balance_and_the_mono_placements_skip_the_stems_already_panned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pan_a = make("pan", ("A.wav",), rule="centre_pan")
    flip_b = make("polarity", ("B.wav",), rule="channel_polarity")
    lean_b = make("pan", ("B.wav",), rule="mix_balance")
    place = [make("pan", (f,), rule="mono_placement") for f in ("A.wav", "B.wav", "C.wav")]
    calls = _stereo_stand_ins(
        monkeypatch,
        {"A.wav": {"centre_pan_rule": pan_a}, "B.wav": {"channel_polarity_rule": flip_b}},
        mix=lean_b,
        placed=place,
    )
    found = stereo.suggest(_stems("A.wav", "B.wav", "C.wav"))
    assert found == [pan_a, flip_b, lean_b, place[2]]
    [(_, _, panned)] = [c for c in calls if c[0] == "mix_balance_rule"]
    assert panned == {"A.wav"}  # a polarity flip is not a pan
    calls = _stereo_stand_ins(monkeypatch, {}, placed=place)
    assert stereo.suggest(_stems("A.wav", "B.wav", "C.wav")) == place
    assert [c[2] for c in calls if c[0] == "mix_balance_rule"] == [set()]


def test_the_stereo_targets_are_its_three_rule_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    parts = (stereo_polarity.TARGETS, stereo_width.TARGETS, stereo_pan.TARGETS)
    assert stereo.TARGETS == {k: v for part in parts for k, v in part.items()}
    assert set(stereo.TARGETS) == {
        "channel_polarity", "pair_polarity", "width", "centre_pan", "mix_balance",
        "mono_placement",
    }  # fmt: skip
    calls = _stereo_stand_ins(monkeypatch, {})
    assert stereo.suggest(_stems()) == []
    assert [c[0] for c in calls] == [
        "pair_polarity_rules", "mix_balance_rule", "mono_placement_rules",
    ]  # fmt: skip


# -- suggest/__init__.py: the families, the targets, the queue ------------------------------
def test_the_families_are_the_six_in_order() -> None:
    assert assistant.families() == (balance, masking, lowend, stereo, dynamics, reference)
    assert assistant.families() is assistant.FAMILIES


def _family(name: str, found: Sequence[Suggestion], targets: Mapping[str, Any]) -> ModuleType:
    module = ModuleType(name)
    module.TARGETS = dict(targets)  # type: ignore[attr-defined]
    seen: list[Any] = []
    module.seen = seen  # type: ignore[attr-defined]

    def family_suggest(features: Any) -> list[Suggestion]:
        seen.append(features)
        return list(found)

    module.suggest = family_suggest  # type: ignore[attr-defined]
    return module


def test_the_targets_table_joins_every_family_and_a_later_one_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def first_level(s: Any, f: Any) -> Any:
        return ("first", s, f)

    def later_level(s: Any, f: Any) -> Any:
        return ("later", s, f)

    def peak(s: Any, f: Any) -> Any:
        return ("peak", s, f)

    one = _family("one", [], {"level": first_level, "spread": first_level})
    two = _family("two", [], {"level": later_level, "peak": peak})
    monkeypatch.setattr(assistant, "FAMILIES", (one, two))
    assert assistant._targets() == {"level": later_level, "spread": first_level, "peak": peak}
    suggestion, features = make(rule="level"), object()
    assert assistant.target_value(suggestion, features) == (  # type: ignore[arg-type]
        "later", suggestion, features,
    )  # fmt: skip
    spread = make(rule="spread")
    assert assistant.target_value(spread, features)[0] == "first"  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        assistant.target_value(make(rule="nothing"), features)  # type: ignore[arg-type]


def test_the_real_targets_cover_every_family() -> None:
    table = assistant._targets()
    for family in assistant.families():
        assert set(family.TARGETS) <= set(table)
    assert table["compressor"] is dynamics.TARGETS["compressor"]
    assert table["width"] is stereo.TARGETS["width"]


def test_the_queue_keeps_the_first_of_an_id_and_passes_the_decisions_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    level = make(rule="level")
    again = Suggestion(**{**vars(level), "why": "the second family's"})
    other = make("eq", rule="eq")
    assert again.id == level.id and again != level
    one = _family("one", [level, other], {})
    two = _family("two", [again, make("pan", rule="pan")], {})
    monkeypatch.setattr(assistant, "FAMILIES", (one, two))
    built: list[tuple[Any, Any]] = []
    features = object()

    def build(analysis: Any, offsets: Any = "none given") -> Any:
        built.append((analysis, offsets))
        return features

    folded: list[tuple[list[Suggestion], Collection[str]]] = []

    def consolidate(found: list[Suggestion], decided: Collection[str] = ()) -> list[Suggestion]:
        folded.append((found, decided))
        return list(reversed(found))

    monkeypatch.setattr(assistant.Features, "build", build)
    monkeypatch.setattr(assistant, "consolidate", consolidate)
    analysis, offsets = object(), {"Bass.wav": Offset(object(), 2.0)}  # type: ignore[arg-type]
    decided = {"gain-1"}
    queue = assistant.suggest(analysis, decided, offsets)  # type: ignore[arg-type]
    assert built == [(analysis, offsets)]
    assert one.seen == [features] and two.seen == [features]  # type: ignore[attr-defined]
    assert [(s.id, s.why) for s in folded[0][0]] == [
        (level.id, level.why), (other.id, other.why), (make("pan", rule="pan").id, "pan pan None"),
    ]  # fmt: skip
    assert folded[0][1] is decided
    assert queue == list(reversed(folded[0][0]))
    assistant.suggest(analysis)  # type: ignore[arg-type]
    assert built[1] == (analysis, None) and folded[1][1] == ()


def test_the_real_families_on_a_small_session(small: Analysis) -> None:
    queue = assistant.suggest(small)
    ids = [s.id for s in queue]
    assert len(ids) == len(set(ids))
    assert {s.kind for s in queue} == {"gain", "unmask", "headroom", "highpass"}
    [headroom] = [s for s in queue if s.kind == "headroom"]
    features = Features.build(small)
    assert small.mix is not None
    assert assistant.target_value(headroom, features) == pytest.approx(
        float(small.mix.true_peak.true_peak_dbtp)
    )
    [boost] = [s for s in queue if s.kind == "gain" and s.stems == ("Lead_Vocal.wav",)]
    assert assistant.target_value(boost, features) == pytest.approx(boost.target.before, abs=1e-3)
    vocal = measured(small, "Lead_Vocal.wav")
    moved = assistant.suggest(small, (), {"Lead_Vocal.wav": Offset(vocal, 0.0)})
    assert [s.id for s in moved] == ids


# -- notes_document.py: the shape of notes.json ---------------------------------------------
PARTS = {"session": NotesSession, "export": NotesExport, "review": NotesReview}


def _types(hint: Any) -> tuple[type, ...]:
    """The runtime types a hint allows: ``str | None`` both, ``list[...]`` a list, a TypedDict
    a dict."""
    if is_typeddict(hint):
        return (dict,)
    if get_origin(hint) is UnionType:
        return tuple(t for arg in get_args(hint) for t in _types(arg))
    return (get_origin(hint) or hint,)


def _holds(document: Mapping[str, Any], shape: Any) -> None:
    hints = get_type_hints(shape)
    assert list(document) == list(hints), shape.__name__  # every key, in the document's order
    assert shape.__required_keys__ == frozenset(hints) and shape.__optional_keys__ == frozenset()
    for key, hint in hints.items():
        assert isinstance(document[key], _types(hint)), (shape.__name__, key, hint)


def test_notes_json_has_exactly_the_documents_keys_and_types() -> None:
    plain = exported_notes()
    timed = exported_notes(
        analysis_given={"manifest": SimpleNamespace(tempo_bpm=120.0, beats_per_bar=3)},
        build_given={"review_file": Path("/song/review.json")},
    )
    assert plain["session"]["tempo_bpm"] is None and plain["review"]["file"] is None
    assert timed["session"]["tempo_bpm"] == 120.0 and timed["session"]["beats_per_bar"] == 3
    assert timed["review"]["file"] == "/song/review.json"
    for notes in (plain, timed):
        _holds(notes, NotesDocument)
        for key, part in PARTS.items():
            _holds(notes[key], part)
    hints = get_type_hints(NotesDocument)
    assert {key: hints[key] for key in PARTS} == PARTS
    assert _types(hints["measurements"]) == (dict,) and _types(hints["schema"]) == (str,)
