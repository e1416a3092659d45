"""Every case of the bad-input corpus through ``mixreview analyze``, ``analyze --json`` and
``render``: the exit status the case expects, one clear line about it, never a traceback, and no
raw control character on the terminal. The commands run in this process (``main(argv)``), so an
exception would fail the test; a few cases also run as real processes."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mixreview.analysis.printable import shown
from mixreview.cli.main import main
from tests.bad_input_cases import CASES, Case

CONTROL = tuple(chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])
# What these checks are (analysis/checks.py): a manifest problem never stops the work, and a
# stem linked from outside the session is only worth knowing about.
SEVERITY = {"manifest": "warning", "linked_outside": "info"}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*argv])
    return code, out.getvalue(), err.getvalue()


def clean_terminal_text(text: str) -> None:
    """Nothing a terminal would obey: no escape or other control character, no traceback."""
    assert "Traceback" not in text
    assert not [c for c in CONTROL if c in text], repr(text[:300])


def one_line_error(err: str, says: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if says in line]
    assert errors, f"no line says {says!r}: {err!r}"
    assert all(line.startswith("mixreview: ") for line in lines), err


@pytest.fixture(params=CASES, ids=str)
def case(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Case, Path]:
    return request.param, request.param.build(tmp_path)


def test_analyze_text(case: tuple[Case, Path]) -> None:
    spec, session = case
    code, out, err = run("analyze", str(session), "--workers", "1", "--quiet", "--no-cache")
    assert code == spec.analyze_exit, err
    clean_terminal_text(out + err)
    if code:
        one_line_error(err, spec.says)
    elif not spec.review:
        assert spec.says in out


def _checks(report: dict) -> list[dict]:
    return [*report["session_checks"], *(c for s in report["stems"] for c in s["checks"])]


def test_analyze_json(case: tuple[Case, Path]) -> None:
    spec, session = case
    code, out, err = run("analyze", str(session), "--workers", "1", "--quiet", "--json")
    assert code == spec.analyze_exit, err
    clean_terminal_text(out + err)
    if code:
        one_line_error(err, spec.says)
        assert out == ""
        return
    report = json.loads(out)
    if spec.check:
        hits = [c for c in _checks(report) if c["id"] == spec.check]
        assert hits, [c["id"] for c in _checks(report)]
        if not spec.review:
            assert any(spec.says in shown(c["message"]) for c in hits)
        if spec.check in SEVERITY:
            assert {c["severity"] for c in hits} == {SEVERITY[spec.check]}, hits
    if spec.name == "float_over_full_scale":
        assert "clipping" not in {c["id"] for c in _checks(report)}


def test_render(case: tuple[Case, Path], tmp_path: Path) -> None:
    spec, session = case
    out_dir = tmp_path / "export"
    code, out, err = run("render", str(session), "--out", str(out_dir), "--quiet")
    expected = 2 if spec.review else spec.render_exit
    assert code == expected, err
    clean_terminal_text(out + err)
    if code:
        one_line_error(err, spec.render_says or spec.says)
        assert not out_dir.exists()
        return
    notes = json.loads((out_dir / "notes.json").read_text())
    if spec.check:
        _, report_text, _ = run("analyze", str(session), "--workers", "1", "--quiet", "--json")
        listed = [
            c for c in _checks(json.loads(report_text))
            if c["id"] == spec.check and c["severity"] != "info"
        ]  # fmt: skip
        if listed and spec.check != "manifest":
            assert spec.check in {c["id"] for c in notes["checks"]}


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("name", ["symlink_loop", "amount_text", "empty_folder"])
def test_as_a_real_process(name: str, tmp_path: Path) -> None:
    """The installed entry point behaves as ``main`` does: status, one line, no traceback."""
    spec = next(c for c in CASES if c.name == name)
    session = spec.build(tmp_path)
    for argv, expected in (
        (["analyze", str(session), "--quiet", "--workers", "1"], spec.analyze_exit),
        (["render", str(session), "--out", str(tmp_path / "x"), "--quiet"],
         2 if spec.review else spec.render_exit),
    ):  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-m", "mixreview", *argv], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == expected, result.stderr
        clean_terminal_text(result.stdout + result.stderr)
        if expected:
            one_line_error(result.stderr, spec.render_says or spec.says)


def test_control_chars_in_progress(tmp_path: Path) -> None:
    """Without --quiet, as a real process: progress goes to standard error (a pipe: plain
    lines), and neither it nor the report lets the file name's escape sequences through."""
    spec = next(c for c in CASES if c.name == "control_chars_in_name")
    session = spec.build(tmp_path)
    for argv, progress in (
        (["analyze", str(session), "--no-cache"], "Measuring:"),
        (["render", str(session), "--out", str(tmp_path / "x")], "Rendering:"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "mixreview", *argv], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert progress in result.stderr, result.stderr
        clean_terminal_text(result.stdout + result.stderr)
        if argv[0] == "analyze":
            assert spec.says in result.stdout
