"""Mutation testing of the engine with mutmut, one scope (a module and its tests) at a time.

Not part of CI: a run takes minutes per module. The repository maps its folders into the
``mixreview`` package (``analysis/`` is ``mixreview.analysis``), which mutmut cannot follow, so
each scope is run in a scratch copy laid out as a plain package (``mixreview/analysis/...``):
the working tree is never modified.

    python tools/mutation.py checks            # one scope
    python tools/mutation.py checks loudness   # several, one after the other
    python tools/mutation.py --list            # the scopes and their tests

Each scope prints its mutants killed, survived and timed out, the score and the surviving
mutants (``mutmut show NAME`` in the scope's scratch folder prints one as a diff). The results
are kept in ``<scratch>/<scope>/mutants``; run again to re-test only what changed. See
docs/mutation.md for the last results.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRATCH = Path("/tmp/mixreview-mutation")


@dataclass(frozen=True)
class Scope:
    """One module to mutate and the tests that cover it."""

    module: str  # path under the repository, or a glob of them ("analysis/notes*.py")
    tests: tuple[str, ...]


SCOPES: dict[str, Scope] = {
    "checks": Scope(
        "analysis/checks.py",
        (
            "tests/test_thresholds_checks.py",
            "tests/test_meters_levels.py::test_limited_threshold_on_distinct_peaks",
            "tests/test_meters_levels.py::test_limited_threshold_on_the_share_exactly_at_the_top",
        ),
    ),
    "loudness": Scope(
        "analysis/meters/loudness.py",
        (
            "tests/test_thresholds_meters_loudness.py",
            "tests/test_thresholds_meters.py",
            "tests/test_thresholds_checks.py",
            "tests/test_meters_loudness.py",
            "tests/test_thresholds_open_meters.py",
        ),
    ),
    "stereo_meter": Scope(
        "analysis/meters/stereo.py",
        (
            "tests/test_thresholds_meters.py",
            "tests/test_meters_levels.py::test_stereo_correlation_width_balance",
        ),
    ),
    "balance": Scope(
        "analysis/suggest/balance.py",
        ("tests/test_thresholds_rules.py", "tests/test_thresholds_open_balance.py"),
    ),
    "roles": Scope("analysis/roles.py", ("tests/test_thresholds_rules.py",)),
    "masking": Scope(
        "analysis/suggest/masking.py",
        ("tests/test_thresholds_masking.py", "tests/test_thresholds_open_masking.py"),
    ),
    "masking_frames": Scope(
        "analysis/suggest/masking_frames.py",
        ("tests/test_thresholds_masking.py", "tests/test_thresholds_open_masking.py"),
    ),
    "stereo_width": Scope(
        "analysis/suggest/stereo_width.py",
        ("tests/test_thresholds_stereo.py", "tests/test_thresholds_open_stereo.py"),
    ),
    "stereo_pan": Scope(
        "analysis/suggest/stereo_pan.py",
        ("tests/test_thresholds_stereo.py", "tests/test_thresholds_open_stereo.py"),
    ),
    "stereo_polarity": Scope(
        "analysis/suggest/stereo_polarity.py",
        ("tests/test_thresholds_stereo.py", "tests/test_thresholds_open_stereo.py"),
    ),
    "dynamics": Scope(
        "analysis/suggest/dynamics.py",
        ("tests/test_thresholds_dynamics.py", "tests/test_thresholds_open_rules.py"),
    ),
    "section_balance": Scope(
        "analysis/suggest/section_balance.py",
        ("tests/test_thresholds_sections.py", "tests/test_thresholds_open_rules.py"),
    ),
    "reference_rules": Scope(
        "analysis/suggest/reference.py",
        ("tests/test_thresholds_reference.py",),
    ),
    "sections": Scope("analysis/sections.py", ("tests/test_thresholds_detection.py",)),
    "reference_doubts": Scope(
        "analysis/reference_doubts.py", ("tests/test_thresholds_reference.py",)
    ),
    "tone": Scope("analysis/suggest/tone.py", ("tests/test_thresholds_tone.py",)),
    "truepeak": Scope(
        "analysis/meters/truepeak.py",
        ("tests/test_thresholds_meters.py", "tests/test_meters_truepeak.py"),
    ),
    "bands": Scope(
        "analysis/meters/bands.py",
        (
            "tests/test_thresholds_meters.py",
            "tests/test_meters_levels.py::test_bands_put_a_sine_in_its_band_at_its_level",
        ),
    ),
    "levels_meter": Scope(
        "analysis/meters/levels.py",
        (
            "tests/test_thresholds_meters_levels.py",
            "tests/test_meters_levels.py::test_peak_rms_crest_of_a_sine",
            "tests/test_meters_levels.py::test_clipping_runs_are_counted_across_blocks",
            "tests/test_meters_levels.py::test_flat_tops_of_a_limited_signal",
            "tests/test_meters_levels.py::test_identical_drum_hits_are_not_limited",
            "tests/test_meters_levels.py::test_limited_threshold_on_distinct_peaks",
            "tests/test_meters_levels.py::test_limited_threshold_on_the_share_exactly_at_the_top",
            "tests/test_meters_levels.py::test_dc_and_nan",
            "tests/test_thresholds_open_meters.py",
        ),
    ),
    "segments": Scope("analysis/meters/segments.py", ("tests/test_thresholds_meters.py",)),
    "notes": Scope(
        "analysis/notes*.py",
        (
            "tests/test_notes.py",
            "tests/test_notes_checks.py",
            "tests/test_notes_figures.py",
            "tests/test_notes_markdown.py",
            "tests/test_notes_references.py",
            "tests/test_thresholds_notes.py",
            "tests/test_thresholds_notes_build.py",
            "tests/test_thresholds_notes_markdown.py",
        ),
    ),
    "notes_remarks": Scope(
        "analysis/notes_remarks.py",
        (
            "tests/test_thresholds_notes.py",
            "tests/test_thresholds_notes_build.py",
            "tests/test_thresholds_notes_markdown.py",
        ),
    ),
    "notes_build": Scope(
        "analysis/notes.py",
        ("tests/test_thresholds_notes_build.py", "tests/test_thresholds_notes_markdown.py"),
    ),
    "notes_markdown": Scope(
        "analysis/notes_markdown.py",
        (
            "tests/test_thresholds_notes_build.py",
            "tests/test_thresholds_notes_markdown.py",
            "tests/test_thresholds_open_notes.py",
        ),
    ),
    "review": Scope(
        "analysis/review.py",
        (
            "tests/test_review.py",
            "tests/test_review_damage.py::test_damaged_entries_are_kept_aside_and_the_rest_opens",
            "tests/test_review_damage.py::test_render_refuses_with_the_same_words",
            "tests/test_review_damage.py::test_two_copies_in_the_same_second_are_both_kept",
            "tests/test_review_damage.py::test_a_failed_save_leaves_memory_as_on_disk",
            "tests/test_review_damage.py::test_the_file_follows_the_umask_and_keeps_its_mode",
            "tests/test_review_damage.py::test_a_decision_in_a_large_review_encodes_only_that_decision",
            "tests/test_thresholds_review.py",
        ),
    ),
    "lowend": Scope(
        "analysis/suggest/lowend.py",
        ("tests/test_thresholds_lowend.py", "tests/test_thresholds_rules.py"),
    ),
    "suggest_levels": Scope(
        "analysis/suggest/levels.py",
        (
            "tests/test_thresholds_levels.py",
            "tests/test_thresholds_rules.py",
            "tests/test_thresholds_open_balance.py",
        ),
    ),
    "spectrum": Scope(
        "analysis/suggest/spectrum.py",
        ("tests/test_thresholds_tone.py", "tests/test_thresholds_lowend.py"),
    ),
    "live": Scope(
        "analysis/suggest/live.py",
        (
            "tests/test_thresholds_live.py",
            "tests/test_thresholds_live_more.py",
            "tests/test_live.py::test_decisions_re_derive_the_others",
        ),
    ),
    "model": Scope(
        "analysis/suggest/model.py",
        (
            "tests/test_thresholds_live.py",
            "tests/test_live.py::test_a_decided_suggestion_round_trips",
        ),
    ),
    "problems": Scope("analysis/suggest/problems.py", ("tests/test_thresholds_live.py",)),
    "verify": Scope(
        "analysis/suggest/verify.py",
        (
            "tests/test_thresholds_live.py",
            "tests/test_suggestion_claims.py::test_tilt_just_outside_its_window_keeps_its_claim",
        ),
    ),
    "suggest_stereo": Scope(
        "analysis/suggest/stereo.py",
        ("tests/test_thresholds_small_scopes.py", "tests/test_thresholds_stereo.py"),
    ),
    "suggest_all": Scope(
        "analysis/suggest/__init__.py", ("tests/test_thresholds_small_scopes.py",)
    ),
    "notes_document": Scope(
        "analysis/notes_document.py", ("tests/test_thresholds_small_scopes.py",)
    ),
    "notes_references": Scope(
        "analysis/notes_references.py", ("tests/test_thresholds_notes_references.py",)
    ),
    "notes_entries": Scope("analysis/notes_entries.py", ("tests/test_thresholds_notes_parts.py",)),
    "notes_checks": Scope("analysis/notes_checks.py", ("tests/test_thresholds_notes_parts.py",)),
    "notes_text": Scope("analysis/notes_text.py", ("tests/test_thresholds_notes_parts.py",)),
    "describe": Scope("analysis/suggest/describe.py", ("tests/test_thresholds_suggest_parts.py",)),
    "features": Scope("analysis/suggest/features.py", ("tests/test_thresholds_suggest_parts.py",)),
    "memo": Scope("analysis/suggest/memo.py", ("tests/test_thresholds_suggest_parts.py",)),
    "stereo_common": Scope(
        "analysis/suggest/stereo_common.py", ("tests/test_thresholds_suggest_parts.py",)
    ),
    "render_plan": Scope("analysis/render_plan.py", ("tests/test_thresholds_render.py",)),
    "render_stems": Scope("analysis/render_stems.py", ("tests/test_thresholds_render.py",)),
}
PACKAGE_DIRS = {"analysis": "analysis", "tui": "tui", "sample_sessions": "sample_sessions"}
MUTMUT_CONFIG = """
[tool.mutmut]
source_paths = ["mixreview"]
only_mutate = ["{module}"]
also_copy = ["docs", "sample_sessions", "tools"]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-q"]
pytest_add_cli_args_test_selection = [{tests}]
mutate_only_covered_lines = true
"""


def _ignore(_dir: str, names: list[str]) -> set[str]:
    return {n for n in names if n in ("__pycache__", ".mixreview", "mutants") or n.endswith(".pyc")}


def prepare(name: str, scope: Scope, scratch: Path, fresh: bool = False) -> Path:
    """A scratch copy of the repository with ``mixreview`` as a plain package folder."""
    root = scratch / name
    if fresh:
        shutil.rmtree(root / "mutants", ignore_errors=True)
    if root.exists():
        for stale in ("mixreview", "tests", "docs", "sample_sessions", "tools"):
            shutil.rmtree(root / stale, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "mixreview", root / "mixreview", ignore=_ignore)
    for package, folder in PACKAGE_DIRS.items():
        shutil.copytree(REPO / folder, root / "mixreview" / package, ignore=_ignore)
    for folder in ("tests", "docs", "sample_sessions", "tools"):
        shutil.copytree(REPO / folder, root / folder, ignore=_ignore)
    module = "mixreview/" + scope.module
    tests = ", ".join(f'"{t}"' for t in scope.tests)
    text = (REPO / "pyproject.toml").read_text()
    text = re.sub(r"\n\[tool\.mutmut\][^\[]*", "\n", text)
    (root / "pyproject.toml").write_text(text + MUTMUT_CONFIG.format(module=module, tests=tests))
    return root


def results(root: Path) -> dict[str, list[str]]:
    """Mutant names by status (``killed``, ``survived``, ``timeout``, ...)."""
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    found: dict[str, list[str]] = {}
    for line in out.stdout.splitlines():
        match = re.match(r"\s*(\S+):\s*(\w[\w ]*)$", line)
        if match:
            found.setdefault(match.group(2).strip(), []).append(match.group(1))
    return found


def run(name: str, scratch: Path, workers: int, fresh: bool = False) -> float:
    """Mutate one scope; print its counts, score and survivors; the score back."""
    scope = SCOPES[name]
    root = prepare(name, scope, scratch, fresh)
    start = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "mutmut", "run", "--max-children", str(workers)],
        cwd=root, check=False,
    )  # fmt: skip
    elapsed = time.monotonic() - start
    by_status = results(root)
    killed = len(by_status.get("killed", [])) + len(by_status.get("timeout", []))
    survived = by_status.get("survived", [])
    counted = killed + len(survived)
    score = killed / counted if counted else 1.0
    print(f"\n== {name} ({scope.module}): {elapsed:.0f} s")
    for status, names in sorted(by_status.items()):
        print(f"  {status}: {len(names)}")
    print(f"  score: {killed}/{counted} = {100 * score:.1f}% killed")
    for mutant in survived:
        print(f"  survived: {mutant}")
    return score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scopes", nargs="*", help="scopes to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the scopes and exit")
    parser.add_argument("--scratch", type=Path, default=SCRATCH, help="scratch folder")
    parser.add_argument("--workers", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results")
    args = parser.parse_args()
    if args.list:
        for name, scope in SCOPES.items():
            print(f"{name}: {scope.module} <- {' '.join(scope.tests)}")
        return
    for name in args.scopes or list(SCOPES):
        if name not in SCOPES:
            parser.error(f"unknown scope {name!r}; --list shows them")
        run(name, args.scratch, args.workers, args.fresh)


if __name__ == "__main__":
    main()
