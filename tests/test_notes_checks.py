"""Checks in the notes are judged on the stems as processed: a check an accepted change fixed is
reported fixed, by that change; one it did not fix stays open."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.export_support import PAD_DC, new_review, song_with_analysis
from tests.export_support import export_song as export


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory):
    return song_with_analysis(tmp_path_factory.mktemp("checks"))


def checks_by_id(result) -> dict[tuple[str, str], dict]:
    return {(c["file"], c["id"]): c for c in result.notes["checks"]}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_fixed_check_names_its_change_and_an_unfixed_one_stays_open(
    song, tmp_path: Path, workers: int
) -> None:
    _, analysis, s = song
    found = {(c.file, c.id) for c in analysis.all_checks}
    assert {("Lead_Vocal.wav", "channel_polarity"), ("Pad.wav", "dc_offset")} <= found
    review = new_review(song[0], tmp_path / "review.json")
    review.accept(s["polarity"])
    review.accept(s["pad_gain"])  # lowers the DC, does not remove it
    review.reject(s["highpass"])
    review.accept(s["bass_gain"])
    result = export(song, review, tmp_path / "out", workers=workers, versions="chosen")
    checks = checks_by_id(result)

    polarity = checks[("Lead_Vocal.wav", "channel_polarity")]
    assert polarity["status"] == "fixed" and polarity["fixed_by"] == [s["polarity"].id]
    assert polarity["value_after"] > 0.9  # the channels now agree
    dc = checks[("Pad.wav", "dc_offset")]
    assert dc["status"] == "open" and dc["fixed_by"] == [] and dc["rechecked"]
    assert dc["value_after"] == pytest.approx(PAD_DC * 10 ** (-4 / 20), rel=0.05)
    fake = checks[("Bass.wav", "fake_stereo")]  # not one a change answers: not measured again
    assert fake["status"] == "open" and not fake["rechecked"]
    assert ("Lead_Vocal.wav", "channel_polarity") not in {
        (c["file"], c["id"]) for c in result.notes["checks_open"]
    }

    text = result.notes_md.read_text()
    still_open = text[text.index("## Stem-preparation checks still open") :]
    still_open = still_open[: still_open.index("## Stem-preparation checks fixed")]
    fixed = text[text.index("## Stem-preparation checks fixed in the mix") :]
    assert "`Lead_Vocal.wav`" not in still_open and "`Pad.wav`: DC offset" in still_open
    assert "Still there after the mix's changes: DC offset now +0.0063" in still_open
    assert (
        "- [fixed] `Lead_Vocal.wav`: left/right correlation of -1.00; one channel is "
        "polarity-inverted"
    ) in fixed
    assert (
        "Fixed in the mix and the exported stem by the accepted polarity change (flip polarity "
        "of the right channel): left/right correlation now +1.00."
    ) in fixed


def test_the_change_that_removed_the_problem_is_named_not_a_later_one(song, tmp_path: Path) -> None:
    _, _, s = song
    review = new_review(song[0], tmp_path / "review.json")
    review.accept(s["highpass"])
    review.accept(s["pad_gain"])  # after the high-pass in the strip: the DC is already gone
    result = export(song, review, tmp_path / "out", stems=False, versions="chosen")
    dc = checks_by_id(result)[("Pad.wav", "dc_offset")]
    assert dc["status"] == "fixed" and dc["fixed_by"] == [s["highpass"].id]
    assert abs(dc["value_after"]) < 0.001


def test_a_manual_change_can_fix_a_check(song, tmp_path: Path) -> None:
    review = new_review(song[0], tmp_path / "review.json")
    manual = review.add_manual("polarity", "Lead_Vocal.wav", {"channels": "left"})
    result = export(song, review, tmp_path / "out", stems=False, versions="manual")
    polarity = checks_by_id(result)[("Lead_Vocal.wav", "channel_polarity")]
    assert polarity["status"] == "fixed" and polarity["fixed_by"] == [manual]
    assert "by the reviewer's own polarity change (flip polarity of the left channel)" in (
        result.notes_md.read_text()
    )


def test_without_changes_every_check_stays_open(song, tmp_path: Path) -> None:
    review = new_review(song[0], tmp_path / "review.json")
    review.reject(song[2]["polarity"])
    result = export(song, review, tmp_path / "out", stems=False, versions="chosen")
    assert {c["status"] for c in result.notes["checks"]} == {"open"}
    assert not any(c["rechecked"] for c in result.notes["checks"])
    assert "## Stem-preparation checks fixed" not in result.notes_md.read_text()
