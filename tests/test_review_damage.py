"""A review file that is damaged, a disk that refuses a save, a review that grew large: what is
in memory is always what is on disk, nothing is lost, and a decision stays quick."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest

from mixreview.analysis import review as review_mod
from mixreview.analysis import review_file
from mixreview.analysis.review import SCHEMA, Review, ReviewError
from tests.bad_input_cases import GOOD_DECISION, GOOD_MANUAL
from tests.test_review import make
from tests.test_tui_support import new_app, notifications, session_copy, wait_ready

STEMS = ["Bass.wav", "Kick.wav"]


def damaged(folder: Path) -> Path:
    path = folder / "review.json"
    path.write_text(json.dumps({
        "schema": SCHEMA,
        "decisions": {"good": dict(GOOD_DECISION), "bad": {**GOOD_DECISION, "amount": "lots"},
                      "text": "accepted"},
        "manual": [dict(GOOD_MANUAL), {**GOOD_MANUAL, "id": "manual-2", "params": [1]}],
    }))  # fmt: skip
    return path


def test_damaged_entries_are_kept_aside_and_the_rest_opens(tmp_path: Path) -> None:
    path = damaged(tmp_path)
    original = path.read_bytes()
    review = Review.open(path, tmp_path, STEMS)
    [message] = review.messages
    assert "\n" not in message and "3 damaged entries" in message
    assert 'decision bad (amount "lots"' in message and "decision text" in message
    assert "manual change 2 (params is a list" in message
    assert set(review.data["decisions"]) == {"good"}
    assert [m["id"] for m in review.manual] == ["manual-1"]
    [aside] = tmp_path.glob("review.json.damaged-*")
    assert aside.name in message and aside.read_bytes() == original
    again = Review.open(path, tmp_path, STEMS)  # saved clean: opens without a word
    assert not again.messages and again.data == review.data


def test_render_refuses_with_the_same_words(tmp_path: Path) -> None:
    path = damaged(tmp_path)
    with pytest.raises(ReviewError) as info:
        Review.load_for_render(path, STEMS)
    app_message = Review.open(path, tmp_path, STEMS).messages[0]
    named = app_message.split(": ", 1)[1].split(". The rest")[0]
    assert named in str(info.value) and "\n" not in str(info.value)


def test_two_copies_in_the_same_second_are_both_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_file.time, "strftime", lambda fmt, *a: "20260101-120000")
    contents = []
    for text in ("{ one", "{ two"):
        (tmp_path / "review.json").write_text(text)
        contents.append(text)
        Review.open(tmp_path / "review.json", tmp_path, STEMS)
    damaged(tmp_path)
    Review.open(tmp_path / "review.json", tmp_path, STEMS)
    kept = sorted(p.name for p in tmp_path.glob("review.json.*-*"))
    assert kept == [
        "review.json.corrupt-20260101-120000", "review.json.corrupt-20260101-120000-2",
        "review.json.damaged-20260101-120000",
    ]  # fmt: skip
    assert sorted(p.read_text() for p in tmp_path.glob("review.json.corrupt-*")) == contents


def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(review_mod, "write_text_atomic", refuse)


def test_a_failed_save_leaves_memory_as_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    review = Review.open(tmp_path / "review.json", tmp_path, STEMS)
    a, b = make(), make(kind="highpass", rule="sub", freq_hz=90)
    review.accept(a)
    on_disk = json.loads(review.path.read_text())
    with monkeypatch.context() as patch:
        full_disk(patch)
        for change in (
            lambda: review.reject(a),
            lambda: review.accept(b),
            lambda: review.set_amount(b, 0.5),
            lambda: review.undo(),
            lambda: review.set_ui(selected=b.id),
            lambda: review.record_listen(b.id, 3.0, 3.0),
            lambda: review.add_manual("gain", "Bass.wav", {"gain_db": 1.0}),
        ):
            with pytest.raises(OSError):
                change()
            assert review_file.review_text(review.data) == review_file.review_text(on_disk)
    assert review.status(a.id) == "accepted" and review.status(b.id) == "pending"
    review.set_note(a, "kept")  # the next save that works writes no hidden decision
    saved = json.loads(review.path.read_text())
    assert saved["decisions"][a.id]["status"] == "accepted" and b.id not in saved["decisions"]
    assert saved["manual"] == [] and saved["ui"] == {} and saved["listened"] == {}
    assert review.undo() and review.data["decisions"][a.id]["note"] == ""
    assert review.undo() and review.status(a.id) == "pending"


def test_the_file_follows_the_umask_and_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        review = Review.open(tmp_path / "review.json", tmp_path, STEMS)
        review.accept(make())
        assert stat.S_IMODE(review.path.stat().st_mode) == 0o640
        review.path.chmod(0o600)
        review.reject(make())
        assert stat.S_IMODE(review.path.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_a_decision_in_a_large_review_encodes_only_that_decision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decisions = {f"gain-{i}": {**GOOD_DECISION, "note": "x" * 200} for i in range(3000)}
    path = tmp_path / "review.json"
    path.write_text(json.dumps({"schema": SCHEMA, "decisions": decisions}))
    review = Review.open(path, tmp_path, STEMS)
    encoded: list[object] = []
    real = review_file.json.dumps

    def counting(value: object, **kwargs: object) -> str:
        encoded.append(value)
        return real(value, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(review_file.json, "dumps", counting)
    review.accept(make())
    assert sum(isinstance(v, dict) and "status" in v for v in encoded) == 1
    monkeypatch.undo()
    saved = json.loads(path.read_text())
    assert len(saved["decisions"]) == 3001 and saved["decisions"]["gain-7"]["note"] == "x" * 200


async def test_could_not_save_in_the_app_leaves_the_row_as_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        first = app.main.suggestions[0].id
        with monkeypatch.context() as patch:
            full_disk(patch)
            await pilot.press("a")
            await pilot.pause()
        assert any(m.startswith("Could not save") for m in notifications(app))
        assert {i.id: i.status for i in app.main.items}[first] == "pending"
        await pilot.press("j", "r")  # a save that works
        await pilot.pause()
        saved = json.loads((session / ".mixreview" / "review.json").read_text())
        assert first not in saved["decisions"] or saved["decisions"][first]["status"] == "pending"
