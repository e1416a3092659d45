"""Bad options are usage errors (exit 2) that name what is valid, before any work starts."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from mixreview.cli import main
from mixreview.cli.progress import ProgressBar
from tests.conftest import stereo, tone, write


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--fail-on", "cliping"], "unknown cliping"),
        (["--fail-on", ","], "at least one"),
        (["--aspects", "bogus"], "choose from tone, width, dynamics"),
        (["--workers", "0"], "give 1 or more"),
        (["--workers", "-3"], "give 1 or more"),
        (["--workers", "two"], "not a whole number"),
        (["--reference", "REF:abc"], "'abc' is not a weight"),
        (["--reference", "REF:0"], "weight must be a number > 0"),
        (["--reference", "REF:-1"], "weight must be a number > 0"),
        (["--reference", "missing.wav"], "does not exist"),
    ],
)
def test_analyze_rejects(
    small_session: Path, argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = write(small_session.parent / "ref.wav", stereo(tone(440, 2.0)))
    argv = [a.replace("REF", str(ref)) for a in argv]
    err = _usage_error(["analyze", str(small_session), *argv], capsys)
    assert says in err


def test_fail_on_lists_the_valid_ids(
    small_session: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _usage_error(["analyze", str(small_session), "--fail-on", "cliping"], capsys)
    assert "clipping" in err and "unmask" in err and "suggestion:high" in err


def test_a_reference_with_a_weight_is_used(
    small_session: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = write(small_session.parent / "ref.wav", stereo(tone(440, 2.0)))
    assert main(["analyze", str(small_session), "--json", "--reference", f"{ref}:2"]) == 0
    assert '"weight": 2' in capsys.readouterr().out


def test_render_rejects_unknown_versions(
    small_session: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _usage_error(["render", str(small_session), "--versions", "chosen,mastered"], capsys)
    assert "unknown version mastered" in err and "original" in err


def test_render_without_a_chosen_mix_does_not_speak_of_one(
    small_session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "export"
    argv = ["render", str(small_session), "--out", str(out), "--versions", "original,assistant"]
    assert main([*argv, "--no-stems", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "Chosen mix" not in printed and "mix_chosen.wav" not in printed
    assert "Original mix:" in printed
    assert not (out / "mix_chosen.wav").exists() and (out / "mix_original.wav").exists()


def test_progress_in_a_log_is_plain_lines() -> None:
    stream = io.StringIO()
    bar = ProgressBar("Measuring", enabled=True, stream=stream)
    for done in range(4):
        bar(done, 3, "Kick.wav")
    bar.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[0] == "Measuring: 0/3 Kick.wav" and lines[-1] == "Measuring: 3/3 Kick.wav"
    assert len(lines) == 2  # in between, at most one line every few seconds


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_narrow_terminal_stays_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    stream = _Terminal()
    bar = ProgressBar("Measuring", enabled=True, stream=stream)
    for done in range(1, 21):
        bar(done, 20, f"A_Rather_Long_Stem_Name_{done:02d}.wav")
    bar.close()
    text = stream.getvalue()
    # every line break is taken back by a cursor-up: nothing piles up on the screen
    assert text.count("\n") == text.count("\x1b[1A") <= 2
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    frames = [f for line in plain.split("\n") for f in line.split("\r") if "Measuring" in f]
    assert frames and all(len(frame) <= 60 for frame in frames)
    assert "20/20" in frames[-1]
