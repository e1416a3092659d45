"""Property tests of the two files people edit by hand: review.json and mixreview.toml.

Any JSON document as a review gives a review (its damaged entries left out and named) or a
ReviewError with one line; never another exception. What opens works everywhere it is read
(decisions, changes, processors, undo and redo), saves, and opens again equal and clean. Any
TOML document (and any bytes) as a manifest gives a manifest whose values are in range, and
the session around it loads and checks.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mixreview.analysis.apply import processor_for
from mixreview.analysis.checks import session_checks
from mixreview.analysis.manifest import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, read_manifest
from mixreview.analysis.review import SCHEMA, Review, ReviewError
from mixreview.analysis.session import load_session
from mixreview.analysis.suggest.model import Suggestion
from tests.bad_input_cases import GOOD_DECISION, GOOD_MANUAL
from tests.test_review import make

STEMS = ["Bass.wav", "Kick.wav"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none() | st.booleans() | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8)
)  # fmt: skip


def containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)


json_values = st.recursive(scalars, containers, max_leaves=8)


def maybe(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value that fits, sometimes anything at all."""
    return st.one_of(good, good, json_values)


SUGGESTION = make(kind="highpass", rule="sub", freq_hz=80).as_dict()
suggestion_dicts = maybe(
    st.builds(
        lambda p: {**SUGGESTION, "params": p},
        maybe(st.fixed_dictionaries({"freq_hz": st.floats(20, 400)})),
    )
)
decisions = maybe(st.fixed_dictionaries(
    {"status": maybe(st.sampled_from(["pending", "accepted", "rejected"])),
     "amount": maybe(st.floats(0, 1))},
    optional={"params": maybe(st.none() | st.fixed_dictionaries({"freq_hz": st.floats(20, 400)})),
              "note": maybe(st.text(max_size=5)), "seq": maybe(st.integers(0, 9)),
              "suggestion": suggestion_dicts},
))  # fmt: skip
manual = maybe(st.builds(lambda params, amount, enabled: {
    **GOOD_MANUAL, "params": params, "amount": amount, "enabled": enabled},
    maybe(st.fixed_dictionaries({"gain_db": st.floats(-12, 12)})), maybe(st.floats(0, 1)),
    maybe(st.booleans())))  # fmt: skip
steps = maybe(st.fixed_dictionaries({
    "decisions": maybe(st.dictionaries(st.sampled_from(["a", "b"]), st.none() | decisions)),
    "parts": maybe(st.dictionaries(st.sampled_from(["manual", "ui", "x"]), json_values)),
}))  # fmt: skip
ui = maybe(
    st.fixed_dictionaries(
        {},
        optional={
            key: json_values for key in ("selected", "filter", "focus", "position_s", "aspects")
        },
    )
)
reviews = st.fixed_dictionaries(
    {"schema": maybe(st.just(SCHEMA))},
    optional={
        "session": maybe(st.just({"path": "/x", "stems": STEMS})),
        "decisions": maybe(st.dictionaries(st.sampled_from(["a", "b", "c"]), decisions)),
        "manual": maybe(st.lists(manual, max_size=3)),
        "stem_notes": maybe(st.dictionaries(st.sampled_from(STEMS), maybe(st.text(max_size=4)))),
        "blind": maybe(st.just({"a": {"trials": 1, "wins": {"A": 1}, "labels": ["A", "B"]}})),
        "listened": maybe(st.just({"a": {"played_s": 3.0, "matched_s": 1.0, "blind_trials": 0}})),
        "choices": maybe(st.dictionaries(st.text(max_size=3), maybe(st.text(max_size=3)))),
        "ui": ui,
        "history": maybe(st.fixed_dictionaries({"undo": maybe(st.lists(steps, max_size=3)),
                                                "redo": maybe(st.lists(steps, max_size=2))})),
    },
)  # fmt: skip
documents = reviews | json_values


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True)


def use_everything(review: Review) -> None:
    """Every reader of a review, as the app, the live model and a render call them."""
    for sid in review.data["decisions"]:
        review.decision(sid)
        review.status(sid)
    decided = [Suggestion.from_dict(d) for _, d in review.decided()]
    for change in review.changes(decided, "chosen"):
        processor_for(change, 48000)
    review.orphans([])
    assert isinstance(review.ui, dict) and isinstance(review.choices(), dict)
    review.stem_notes, review.blind_tallies, review.manual  # noqa: B018


@SETTINGS
@given(document=documents)
def test_any_review_file_opens_or_says_why(document: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "review.json"
        path.write_text(json.dumps(document))
        try:
            Review.load_for_render(path, STEMS)
            renders = True
        except ReviewError as exc:
            assert "\n" not in str(exc)
            renders = False
        try:
            review = Review.open(path, folder, STEMS)
        except ReviewError as exc:
            assert "\n" not in str(exc)
            return
        assert renders == (not review.messages)
        assert all("\n" not in m for m in review.messages)
        use_everything(review)
        review.save()
        again = Review.open(path, folder, STEMS)
        assert not again.messages
        assert canonical(again.data) == canonical(review.data)
        Review.load_for_render(path, STEMS)
        while again.undo():
            use_everything(again)
        while again.redo():
            use_everything(again)


@SETTINGS
@given(amount=json_values, status=json_values, params=json_values)
def test_a_decision_opens_only_when_it_can_be_applied(
    amount: Any, status: Any, params: Any
) -> None:
    entry = {**GOOD_DECISION, "amount": amount, "status": status, "params": params,
             "suggestion": SUGGESTION}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "review.json"
        path.write_text(json.dumps({"schema": SCHEMA, "decisions": {"a": entry}}))
        review = Review.open(path, Path(tmp), STEMS)
        if "a" in review.data["decisions"]:
            use_everything(review)
            assert 0 <= review.decision("a").amount <= 1


# -- mixreview.toml ----------------------------------------------------------------------------
toml_scalars = (
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.text(max_size=8)
)  # fmt: skip
toml_values = st.recursive(toml_scalars, containers, max_leaves=8)


def tmaybe(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value that fits, sometimes any TOML value."""
    return st.one_of(good, good, toml_values)


manifests = st.fixed_dictionaries({}, optional={
    "title": tmaybe(st.text(max_size=10)),
    "tempo": tmaybe(st.floats()),
    "tempo_bpm": tmaybe(st.floats(0, 500)),
    "beats_per_bar": tmaybe(st.integers(-2, 40)),
    "sample_rate": tmaybe(st.integers(0, 10**6)),
    "sections": tmaybe(st.lists(tmaybe(st.fixed_dictionaries({}, optional={
        "name": tmaybe(st.text(max_size=6)), "start_s": tmaybe(st.floats()),
        "end_s": tmaybe(st.floats())})), max_size=4)),
    "stems": tmaybe(st.dictionaries(st.sampled_from([*STEMS, "x.wav", "../y.wav", "/z.wav", ""]),
                                   tmaybe(st.fixed_dictionaries({}, optional={
                                       "role": tmaybe(st.sampled_from(["bass", "tuba"])),
                                       "name": tmaybe(st.text(max_size=5))})), max_size=3)),
    "references": tmaybe(st.lists(tmaybe(st.text(max_size=12)), max_size=3)),
})  # fmt: skip


def toml_value(value: Any) -> str:
    """``value`` as a TOML value (inline tables and arrays, every string a basic string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(
            value) else repr(value)  # fmt: skip
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    pairs = (f"{toml_value(str(k))} = {toml_value(v)}" for k, v in value.items())
    return "{" + ", ".join(pairs) + "}"


def toml_document(data: dict[str, Any]) -> str:
    return "".join(f"{toml_value(key)} = {toml_value(value)}\n" for key, value in data.items())


def check_manifest(folder: Path) -> None:
    manifest = read_manifest(folder)
    assert manifest.tempo_bpm is None or 20 <= manifest.tempo_bpm <= 400
    rate = manifest.sample_rate
    assert rate is None or (isinstance(rate, int) and MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE)
    assert 1 <= manifest.beats_per_bar <= 32
    starts = [s.start_s for s in manifest.sections]
    assert starts == sorted(starts) and all(math.isfinite(s) and s >= 0 for s in starts)
    assert all(s.end_s is None or s.end_s > s.start_s for s in manifest.sections)
    assert all("\n" not in p for p in manifest.problems)
    session = load_session(folder)
    assert all("\n" not in c.message for c in session_checks(session))


def _session(tmp: str) -> Path:
    folder = Path(tmp)
    sf.write(str(folder / "Kick.wav"), np.zeros(4800, np.float32), 48000, subtype="PCM_16")
    return folder


@SETTINGS
@given(data=manifests)
def test_any_manifest_loads_with_values_in_range(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = _session(tmp)
        (folder / "mixreview.toml").write_text(toml_document(data), encoding="utf-8")
        check_manifest(folder)


@SETTINGS
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_as_a_manifest(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = _session(tmp)
        (folder / "mixreview.toml").write_bytes(raw)
        check_manifest(folder)
