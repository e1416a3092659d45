"""The live model: the assistant's suggestions as they stand after the decisions made so far.

A review is a chain of decisions, so the suggestions are a function of (stems, measurements,
decisions), not a list made once. After every decision the stems it touches get new
measurements (predicted from the processor where that is exact, else measured again from the
processed stem alone, cached), the mix follows from them, and every rule family runs again on the
result. Decided suggestions stay exactly as they were decided; pending ones keep their ids (ids
name problems) and show their new numbers; a pending problem that a decision solved leaves the
queue with the decision credited.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from mixreview.analysis.analyze import Analysis
from mixreview.analysis.apply import Change
from mixreview.analysis.measure import Measurement
from mixreview.analysis.predict import (
    changes_by_stem,
    measure_processed_stem,
    predict_mix,
    predict_stem,
    predictable,
    signature,
)
from mixreview.analysis.reference import compare
from mixreview.analysis.review import Review
from mixreview.analysis.suggest import suggest
from mixreview.analysis.suggest.balance import headroom_trim
from mixreview.analysis.suggest.features import Features
from mixreview.analysis.suggest.model import Suggestion

TRIM_RULE = "headroom_trim"


@dataclasses.dataclass(frozen=True)
class Solved:
    """A pending suggestion that a decision made unnecessary."""

    suggestion: Suggestion
    by_id: str
    by_label: str

    @property
    def line(self) -> str:
        return f"solved by {self.by_label}"


@dataclasses.dataclass(frozen=True)
class LiveState:
    """The queue after the review's decisions, and the mix it was derived from."""

    suggestions: tuple[Suggestion, ...]
    solved: tuple[Solved, ...]
    analysis: Analysis
    remeasured: tuple[str, ...] = ()


def _label(kind: str, stems: Sequence[str], section: str | None) -> str:
    where = ", ".join(stems) if len(stems) <= 2 else f"{len(stems)} stems"
    return f"{kind} on {where}" + (f" ({section})" if section else "")


class LiveModel:
    """Derives the queue for a review of one analysed session; cheap to call again."""

    def __init__(self, analysis: Analysis) -> None:
        self.base = analysis
        self.frames = int(np.ceil(analysis.session.duration_s * 10 - 1e-9))
        self.base_suggestions = tuple(suggest(analysis))
        self._measured: dict[tuple[str, str], Measurement] = {}
        # the latest prediction per stem: the same changes give back the very same object, so
        # the rules' identity memos keep what they computed for a stem decided earlier
        self._predicted: dict[str, tuple[str, Measurement]] = {}

    # -- the chosen mix so far -------------------------------------------------------------------
    def _stem_after(self, file: str, changes: Sequence[Change]) -> tuple[Measurement, bool]:
        report = next(r for r in self.base.stems if r.stem.file == file)
        assert report.measurement is not None
        key = (file, signature(changes))
        if predictable(changes):
            kept = self._predicted.get(file)
            if kept is not None and kept[0] == key[1]:
                return kept[1], False
            predicted = predict_stem(report.measurement, changes, self.frames)
            self._predicted[file] = (key[1], predicted)
            return predicted, False
        if key not in self._measured:
            self._measured[key] = measure_processed_stem(self.base.session, report.stem, changes)
        return self._measured[key], True

    def processed(self, changes: Sequence[Change]) -> tuple[Analysis, tuple[str, ...]]:
        """The analysis of the stems after ``changes`` (checks and sections unchanged)."""
        measured = {r.stem.file: r.measurement for r in self.base.stems if r.measurement}
        after: dict[str, Measurement] = {}
        remeasured: list[str] = []
        for file, stem_changes in changes_by_stem(changes).items():
            if file not in measured:
                continue
            after[file], again = self._stem_after(file, stem_changes)
            if again:
                remeasured.append(file)
        if not after or self.base.mix is None:
            return self.base, ()
        mix_stems = {s.file for s in self.base.session.mix_stems}
        stems_now = {f: m for f, m in measured.items() if f in mix_stems and m is not None}
        mix = predict_mix(self.base.mix, stems_now, after, self.frames)
        stems = tuple(
            dataclasses.replace(r, measurement=after[r.stem.file]) if r.stem.file in after else r
            for r in self.base.stems
        )
        comparison = compare(mix, self.base.references) if self.base.references else None
        analysis = dataclasses.replace(self.base, stems=stems, mix=mix, comparison=comparison)
        return analysis, tuple(sorted(remeasured))

    # -- the queue -------------------------------------------------------------------------------
    def _decided(self, review: Review) -> list[Suggestion]:
        files = {r.stem.file for r in self.base.stems}
        decided = []
        for _sid, data in review.decided():
            try:
                suggestion = Suggestion.from_dict(data)
            except (KeyError, TypeError, ValueError):
                continue
            if set(suggestion.stems) <= files:
                decided.append(suggestion)
        return decided

    def derive(self, review: Review | None = None) -> LiveState:
        """The suggestions after ``review``'s decisions (none: the session as it is)."""
        if review is None:
            return LiveState(self.base_suggestions, (), self.base)
        decided = self._decided(review)
        changes = review.changes(decided, "chosen")
        analysis, remeasured = self.processed(changes)
        decided_all = {m.id for d in decided for m in d.members()}
        # own changes alone move the mix too: derive again whenever anything was decided or done
        derived = (
            suggest(analysis, decided_all) if decided or changes else list(self.base_suggestions)
        )
        decided_ids = {s.id for s in decided}
        decided_problems = {s.problem for s in decided if s.problem}
        accepted_kinds = {s.kind for s in decided if review.decision(s.id).status == "accepted"}
        choices = review.choices()
        pending: list[Suggestion] = []
        if "headroom" in accepted_kinds:
            # the headroom was set: what the later decisions did to the peak is trimmed
            derived = [s for s in derived if s.kind != "headroom"]
            trims = sum(1 for d in decided if d.rule.startswith(TRIM_RULE))
            trim = headroom_trim(Features.build(analysis), trims + 1)
            if trim is not None:
                derived.append(trim)
        for s in derived:
            if s.id in decided_ids:
                continue
            if s.problem and s.problem in decided_problems:
                continue  # one of its answers is decided: the problem is the reviewer's now
            if any(m.id in decided_ids for m in s.alternatives):
                continue
            pending.append(s.choosing(choices[s.problem]) if s.problem in choices else s)
        queue = sorted([*decided, *pending], key=lambda s: s.sort_key)
        live_ids = {m.id for s in queue for m in s.members()}
        solved = tuple(
            self._credit(s, decided, review) for s in self.base_suggestions if s.id not in live_ids
        )
        return LiveState(tuple(queue), solved, analysis, remeasured)

    def _credit(self, s: Suggestion, decided: Sequence[Suggestion], review: Review) -> Solved:
        """The decision that solved ``s``: the latest one aimed at one of its stems (not a
        change on every stem), else the latest decision."""
        acting: list[tuple[str, str, tuple[str, ...]]] = [
            (d.id, _label(d.kind, d.stems, d.section), d.stems)
            for d in decided
            if review.decision(d.id).status == "accepted"
        ]
        acting += [
            (m["id"], "your own " + _label(m["kind"], m["stems"], None), tuple(m["stems"]))
            for m in review.manual
            if m.get("enabled", True)
        ]
        touching = [a for a in acting if set(a[2]) & set(s.stems) and len(a[2]) <= 2]
        chosen = (touching or acting or [("", "the decisions so far", ())])[-1]
        return Solved(s, chosen[0], chosen[1])
