"""Reference tracks in the review app: adding one, the aspects to follow, A/B against the mix.

``ReferencesMixin`` is part of ``ReviewScreen``. A reference added here is stored with the
session's state (``analysis.user_references``), measured in a worker, and the comparison and the
direction suggestions are made again; every earlier decision stays, since suggestion ids do not
change. Each usable reference is one more thing ``v`` can compare: the chosen mix against it,
loudness-matched on the audible passage like every A/B.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from textual import work
from textual.message import Message
from textual.notifications import SeverityLevel

from mixreview.analysis.analyze import Analysis
from mixreview.analysis.comparisons import REFERENCE_COMPARE
from mixreview.analysis.playback_estimate import MatchEstimator
from mixreview.analysis.reference import (
    ReferenceReport,
    ReferenceSpec,
    compare,
    measure_reference,
    reference_stem,
    specs_from,
)
from mixreview.analysis.reference_doubts import confirm_reference as remember_confirmation
from mixreview.analysis.reference_doubts import judge_references
from mixreview.analysis.session import Stem
from mixreview.analysis.suggest.model import Suggestion
from mixreview.analysis.suggest.reference import ASPECTS, follow_aspects
from mixreview.analysis.timeline import format_time
from mixreview.analysis.user_references import (
    add_user_reference,
    load_user_references,
    remove_user_reference,
    resolve_reference_path,
)
from mixreview.tui.live import new_model
from mixreview.tui.parts import ReviewParts
from mixreview.tui.screens.references import ReferenceActions, ReferenceRow, ReferencesScreen
from mixreview.tui.widgets.detail import DetailPanel


class ReferenceMeasured(Message):
    """A reference added in the app was measured (or could not be)."""

    def __init__(
        self, report: ReferenceReport, analysis: Analysis, suggestions: list[Suggestion]
    ) -> None:
        super().__init__()
        self.report, self.analysis, self.suggestions = report, analysis, suggestions


def reference_summary(report: ReferenceReport) -> str:
    """Loudness, true peak and length, or why the reference cannot be used or is not followed."""
    if report.problem:
        return report.problem
    m = report.measurement
    assert m is not None
    text = (
        f"{m.loudness.integrated_lufs:.1f} LUFS · {m.true_peak.true_peak_dbtp:+.1f} dBTP · "
        f"{format_time(m.duration_s)}"
    )
    if report.doubts and not report.confirmed:
        text += f" · not followed: {'; '.join(report.doubts)} (t follows it anyway)"
    return text


class ReferencesMixin(ReviewParts):
    """The review screen's side of reference tracks (mixed into ``ReviewScreen``)."""

    _reference_busy: str | None
    _reference_stems: dict[str, Stem | str]

    def _init_references(self) -> None:
        self.all_suggestions = []
        self.reference_aspects = set(ASPECTS)
        self._reference_busy = None
        self._reference_stems = {}

    # -- what v compares -------------------------------------------------------------------------
    def reference_compares(self) -> list[tuple[str, str]]:
        """(compare id, words) for each usable reference."""
        if self.analysis is None:
            return []
        return [
            (f"{REFERENCE_COMPARE}{r.spec.path}", f"chosen mix vs {r.spec.name}")
            for r in self.analysis.references
            if r.usable
        ]

    def reference_for(self, compare_id: str) -> tuple[str, Stem] | None:
        """The reference a compare id plays (its name and source), or None."""
        if not compare_id.startswith(REFERENCE_COMPARE) or self.analysis is None:
            return None
        path = compare_id[len(REFERENCE_COMPARE) :]
        report = next((r for r in self.analysis.references if str(r.spec.path) == path), None)
        if report is None or not report.usable:
            return None
        cached = self._reference_stems.get(path)
        if cached is None:
            try:
                cached = reference_stem(Path(path))
            except ValueError as exc:
                cached = str(exc)
            self._reference_stems[path] = cached
        if isinstance(cached, str):
            raise ValueError(f"cannot play {report.spec.name}: {cached}")
        return report.spec.name, cached

    # -- the screen ----------------------------------------------------------------------------
    def action_references(self) -> None:
        if not self.ready or self.analysis is None:
            return
        actions = ReferenceActions(
            rows=self.reference_rows,
            add=self.add_reference,
            forget=self.forget_reference,
            compare=lambda row: self.set_compare(row.compare_id or "suggestion"),
            aspects=lambda: set(self.reference_aspects),
            set_aspects=self.set_reference_aspects,
            busy=lambda: self._reference_busy,
            confirm=self.confirm_reference,
        )
        self.app.push_screen(ReferencesScreen(actions))

    def confirm_reference(self, row: ReferenceRow) -> str | None:
        """Follow a reference despite its doubts: remembered for the session."""
        if self.analysis is None:
            return None
        report = next((r for r in self.analysis.references if r.spec.path == row.path), None)
        if report is None or not report.doubts:
            return f"{row.name} gives directions already."
        remember_confirmation(self.analysis.session.path, row.path)
        analysis = with_references(self.analysis, self.analysis.references)
        self.live_model, state = new_model(analysis, self.review)
        self.use_analysis(analysis, list(state.suggestions))
        return None

    def reference_rows(self) -> list[ReferenceRow]:
        assert self.analysis is not None
        session = self.analysis.session
        manifest = {p.resolve() for p in session.manifest.references}
        added = {s.path.resolve() for s in load_user_references(session.path)}
        rows = []
        for report in self.analysis.references:
            path = report.spec.path
            key = path.resolve()
            source = (
                "manifest" if key in manifest else "added here" if key in added else "command line"
            )
            rows.append(
                ReferenceRow(
                    name=report.spec.name, path=path, source=source, weight=report.spec.weight,
                    summary=reference_summary(report), usable=report.usable,
                    compare_id=f"{REFERENCE_COMPARE}{path}" if report.usable else None,
                )
            )  # fmt: skip
        return rows

    def add_reference(self, text: str) -> str | None:
        """Check the typed path at once; measure it in a worker. Returns a problem or None."""
        if self.analysis is None:
            return "the session is still loading"
        if self._reference_busy:
            return f"{self._reference_busy} Wait for it to finish."
        session = self.analysis.session
        typed = specs_from([text], [])[0]
        path = resolve_reference_path(str(typed.path), session.path)
        if any(r.spec.path.resolve() == path for r in self.analysis.references):
            return f"{path.name} is already a reference."
        try:
            reference_stem(path)
        except ValueError as exc:
            return str(exc)
        spec = ReferenceSpec(path, typed.weight)
        self._reference_busy = f"Measuring {path.name} ..."
        self.measure_reference_worker(spec)
        return None

    @work(thread=True, exclusive=True, exit_on_error=False, group="references")
    def measure_reference_worker(self, spec: ReferenceSpec) -> None:
        """Measure the new reference, compare, and make the suggestions again (off the UI)."""
        analysis = self.analysis
        assert analysis is not None
        try:
            report = measure_reference(spec, analysis.session.duration_s)
            if report.usable:
                add_user_reference(analysis.session.path, spec.path, spec.weight)
                analysis = with_references(analysis, (*analysis.references, report))
                self.live_model, state = new_model(analysis, self.review)
                suggestions = list(state.suggestions)
            else:
                suggestions = list(self.all_suggestions)
        finally:
            self._reference_busy = None
        self.post_message(ReferenceMeasured(report, analysis, suggestions))

    def on_reference_measured(self, message: ReferenceMeasured) -> None:
        report = message.report
        self._reload_references_screen()
        if not report.usable:
            self.tell_reference(f"Not added: {report.problem}", error=True)
            return
        self.use_analysis(message.analysis, message.suggestions)
        compare_id = f"{REFERENCE_COMPARE}{report.spec.path}"
        self.set_compare(compare_id)
        self._reload_references_screen()
        directions = sum(1 for s in self.suggestions if s.rule.startswith("reference_"))
        notes = "".join(f" {note}" for note in report.notes)
        self.tell_reference(
            f"Added {report.spec.name}. b now switches between the chosen mix and it, matched; "
            f"{directions} direction suggestion(s) toward the references.{notes}"
        )

    def tell_reference(self, text: str, error: bool = False) -> None:
        """In the references screen when it is open, else as a message."""
        screen = self.app.screen
        if isinstance(screen, ReferencesScreen):
            screen.status(text, error=error)
        else:
            severity: SeverityLevel = "error" if error else "information"
            self.notify(text, title="reference", severity=severity, timeout=10)

    def forget_reference(self, row: ReferenceRow) -> str | None:
        if self.analysis is None:
            return None
        if row.source != "added here":
            where = "mixreview.toml" if row.source == "manifest" else "the command line"
            return f"{row.name} comes from {where}: remove it there."
        session = self.analysis.session
        remove_user_reference(session.path, row.path)
        kept = tuple(r for r in self.analysis.references if r.spec.path != row.path)
        analysis = with_references(self.analysis, kept)
        self.live_model, state = new_model(analysis, self.review)
        self.use_analysis(analysis, list(state.suggestions))
        if self.compare == row.compare_id:
            self.set_compare("suggestion")
        return None

    def _reload_references_screen(self) -> None:
        screen = self.app.screen
        if isinstance(screen, ReferencesScreen):
            screen.reload()

    # -- aspects -------------------------------------------------------------------------------
    def set_reference_aspects(self, aspects: set[str]) -> None:
        """Follow only these aspects: the others' direction suggestions leave the queue, the
        assistant's mix and the export."""
        self.reference_aspects = {a for a in aspects if a in ASPECTS}
        assert self.analysis is not None
        self.use_analysis(self.analysis, self.all_suggestions)
        self.schedule_ui_save()

    def use_analysis(self, analysis: Analysis, suggestions: list[Suggestion]) -> None:
        """New references or aspects: the suggestions, the queue, the detail and A/B follow."""
        if analysis is not self.analysis:  # references changed (not a decision): so do matches
            self.audition.use_estimator(MatchEstimator.of(analysis))
        self.analysis = analysis
        self.all_suggestions = list(suggestions)
        self.suggestions = follow_aspects(self.all_suggestions, self.reference_aspects)
        self.by_id = {s.id: s for s in self.suggestions}
        detail = self.query_one(DetailPanel)
        if detail.context is not None:
            detail.context = dataclasses.replace(detail.context, analysis=analysis)
        if self.live:
            self.refresh_review()
            self.apply_versions()


def with_references(analysis: Analysis, references: tuple[ReferenceReport, ...]) -> Analysis:
    """The analysis with another set of references, judged and compared again."""
    references = judge_references(references, analysis.mix, analysis.session.path)
    comparison = compare(analysis.mix, references) if analysis.mix is not None else None
    return dataclasses.replace(analysis, references=references, comparison=comparison)
