"""The README's examples are what the program prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mixreview.cli import main
from tools.make_flawed_session import make_flawed_session

REPO = Path(__file__).resolve().parent.parent


def _example_lines() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"Example: an excerpt of `mixreview analyze`.*?```\n(.*?)```", text, re.S)
    assert block is not None, "the README's example block is missing"
    return [line.rstrip() for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_example_is_what_analyze_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "flawed"
    make_flawed_session(REPO / "sample_sessions" / "demo_song", folder)
    assert main(["analyze", str(folder), "--quiet", "--workers", "2"]) == 0
    printed = {line.rstrip() for line in capsys.readouterr().out.splitlines()}
    lines = _example_lines()
    assert len(lines) >= 4
    missing = [line for line in lines if line not in printed]
    assert missing == []


def test_the_readme_names_every_command_option() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for option in ("--review", "--fail-on", "--workers", "--no-cache", "--quiet", "--version"):
        assert option in text
