"""Check many sessions: each analysed exactly as ``mixreview analyze`` does, one row each.

A session is measured (with the same cache), checked and given its suggestions, and its report
(what ``mixreview analyze --json`` prints) is written to its state folder as ``report.json``. The
row summarises the report for a catalogue: stems, rate, checks by severity, the unity mix's
loudness and true peak, suggestions by importance. A session that cannot be analysed is a row
with its error and the batch goes on; Ctrl+C (KeyboardInterrupt) stops it, workers and all.

Locally (``run_local``) the sessions run one after another, each on the one process pool
(``tasks``); on a Dask cluster (``batch_dask.run_on_cluster``) the measurements of all sessions
spread over its workers. Both build the report with the same functions, so the rows are the same.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixreview.analysis.analyze import Analysis, analyze, task_label
from mixreview.analysis.atomic import write_text_atomic
from mixreview.analysis.checks import SEVERITIES
from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.report import report_dict
from mixreview.analysis.state import state_dir
from mixreview.analysis.suggest import suggest
from mixreview.analysis.suggest.model import SEVERITY_ORDER
from mixreview.analysis.suggest.reference import ASPECTS, follow_aspects

SCHEMA = "mixreview.batch/1"
REPORT_NAME = "report.json"
OK, FAILED = "ok", "failed"

ROW_FIELDS = (
    "path",
    "status",
    "stems",
    "sample_rate",
    "duration_s",
    "worst_check",
    *(f"checks_{severity}" for severity in SEVERITIES),
    "mix_integrated_lufs",
    "mix_true_peak_dbtp",
    *(f"suggestions_{importance}" for importance in SEVERITY_ORDER),
    "error",
)

OnResult = Callable[["SessionResult"], None]
BatchProgress = Callable[[int, int, str], None]  # (sessions finished, sessions, what runs now)


@dataclass(frozen=True)
class SessionResult:
    """One session of the batch: its report (``analyze --json``'s document) or why it failed.

    ``path`` is the session folder as it was found or listed."""

    path: str
    report: dict[str, Any] | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.report is not None

    def row(self) -> dict[str, Any]:
        """The catalogue's row (``ROW_FIELDS``); measurements are None where missing."""
        row: dict[str, Any] = dict.fromkeys(ROW_FIELDS)
        row.update(path=self.path, status=OK if self.ok else FAILED, error=self.error)
        report = self.report
        if report is None:
            return row
        checks = [
            *report["session_checks"],
            *(check for stem in report["stems"] for check in stem["checks"]),
        ]
        counts = {s: sum(1 for c in checks if c["severity"] == s) for s in SEVERITIES}
        mix = report["mix"]["metrics"] or {}
        row.update(
            stems=report["session"]["stem_count"],
            sample_rate=report["session"]["sample_rate"],
            duration_s=report["session"]["duration_s"],
            worst_check=next((s for s in SEVERITIES if counts[s]), None),
            mix_integrated_lufs=mix.get("integrated_lufs"),
            mix_true_peak_dbtp=mix.get("true_peak_dbtp"),
            **{f"checks_{s}": counts[s] for s in SEVERITIES},
            **{
                f"suggestions_{level}": sum(
                    1 for s in report["suggestions"] if s["severity"] == level
                )
                for level in SEVERITY_ORDER
            },
        )
        return row


def session_report(analysis: Analysis) -> dict[str, Any]:
    """The report ``mixreview analyze --json`` prints for this analysis (all reference aspects
    followed, as its default)."""
    suggestions = follow_aspects(suggest(analysis), ASPECTS)
    return report_dict(analysis, [s.as_dict() for s in suggestions])


def save_report(session_path: Path, report: dict[str, Any]) -> None:
    """``report.json`` in the session's state folder; a folder that cannot take it is skipped
    (the row still holds the summary)."""
    with contextlib.suppress(OSError):
        text = json.dumps(report, indent=2, allow_nan=False) + "\n"
        write_text_atomic(state_dir(session_path) / REPORT_NAME, text)


def describe_error(exc: BaseException) -> str:
    """One line for a failed session: the engine's own message, else the exception's."""
    if isinstance(exc, BrokenProcessPool):
        text = "a worker process died while measuring (killed, or out of memory)"
    elif isinstance(exc, MixreviewError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return " ".join(text.split())


def analyze_one(
    path: Path,
    workers: int | None = None,
    use_cache: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> SessionResult:
    """Analyse one session as ``mixreview analyze`` does; any failure becomes the result's
    error (KeyboardInterrupt still stops)."""
    try:
        analysis = analyze(path, workers=workers, progress=progress, use_cache=use_cache)
        report = session_report(analysis)
    except Exception as exc:
        return SessionResult(str(path), None, describe_error(exc))
    save_report(analysis.session.path, report)
    return SessionResult(str(path), report)


def run_local(
    paths: Sequence[Path],
    workers: int | None = None,
    use_cache: bool = True,
    on_result: OnResult | None = None,
    progress: BatchProgress | None = None,
) -> list[SessionResult]:
    """Every session in turn, each measured on the local process pool; results in order."""
    results: list[SessionResult] = []
    total = len(paths)
    for index, path in enumerate(paths):

        def measuring(done: int, tasks: int, key: str, index: int = index, path: Path = path):
            if progress:
                progress(index, total, f"{path.name}: {task_label(key)} ({done}/{tasks})")

        result = analyze_one(path, workers, use_cache, measuring)
        results.append(result)
        if on_result:
            on_result(result)
        if progress:
            progress(index + 1, total, path.name)
    return results


def cluster_address(given: str | None) -> str | None:
    """``--cluster`` as given, else the DASK_SCHEDULER_ADDRESS environment variable."""
    return given or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
