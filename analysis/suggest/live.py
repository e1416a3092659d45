"""The live model: the assistant's suggestions as they stand after the decisions made so far.

A review is a chain of decisions, so the suggestions are a function of (stems, measurements,
decisions), not a list made once. After every decision the stems it touches get new
measurements (predicted from the processor where that is exact, else measured again from the
processed stem alone, cached), the mix follows from them, and every rule family runs again on the
result. A whole-stem gain is the stem's fader: it scales the stem as measured ahead of it (never
read again), and the rules keep what they found there (``Offset``, suggest/memo.py), so the
headroom, a gain on every stem, costs no more than a decision on one. Decided suggestions stay
exactly as they were decided; pending ones keep their ids (ids name problems) and show their new
numbers; a pending problem that a decision solved leaves the queue with the decision credited.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import NamedTuple

from mixreview.analysis.analyze import Analysis, StemReport
from mixreview.analysis.apply import Change
from mixreview.analysis.measure import Measurement
from mixreview.analysis.predict import (
    GAIN_KINDS,
    changes_by_stem,
    fader_split,
    predict_mix,
    predict_stem,
    predictable,
    signature,
    with_gain,
)
from mixreview.analysis.processed_cache import measure_processed
from mixreview.analysis.reference import compare
from mixreview.analysis.review import Review
from mixreview.analysis.sections import grid_frames
from mixreview.analysis.state import state_dir
from mixreview.analysis.suggest import suggest
from mixreview.analysis.suggest.balance import headroom_trim
from mixreview.analysis.suggest.features import Features, Offset
from mixreview.analysis.suggest.memo import LEVEL_TOLERANCE_DB
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


class Processed(NamedTuple):
    """The analysis after the decisions, the stems measured again for it, and the stems a
    whole-stem gain moved (by file)."""

    analysis: Analysis
    remeasured: tuple[str, ...]
    offsets: dict[str, Offset]


def shared_gain_db(changes: Sequence[Change], mix_stems: set[str]) -> float:
    """The whole-stem gain every stem of the mix shares (the headroom and its trims, dB)."""
    return sum(
        (
            float(c.params["gain_db"]) * c.amount
            for c in changes
            if c.kind in GAIN_KINDS and c.section_span_s is None and mix_stems <= set(c.stems)
        ),
        0.0,
    )


def _same(held: tuple[object, ...], objects: tuple[object, ...]) -> bool:
    return len(held) == len(objects) and all(a is b for a, b in zip(held, objects, strict=True))


@dataclasses.dataclass(frozen=True)
class LiveState:
    """The queue after the review's decisions, and the mix it was derived from.
    ``remeasured``: the stems this derivation read and measured again."""

    suggestions: tuple[Suggestion, ...]
    solved: tuple[Solved, ...]
    analysis: Analysis
    remeasured: tuple[str, ...] = ()


def _label(kind: str, stems: Sequence[str], section: str | None) -> str:
    where = ", ".join(stems) if len(stems) <= 2 else f"{len(stems)} stems"
    return f"{kind} on {where}" + (f" ({section})" if section else "")


class LiveModel:
    """Derives the queue for a review of one analysed session; cheap to call again."""

    def __init__(self, analysis: Analysis, use_cache: bool = True) -> None:
        """``use_cache``: keep the stems measured again in the session's cache, and read them
        from there (``processed_cache``)."""
        self.base = analysis
        self.cache_dir = state_dir(analysis.session.path) / "cache" if use_cache else None
        self.frames = grid_frames(analysis.session.duration_s, analysis.frame_s)
        self.base_suggestions = tuple(suggest(analysis))
        self._measured: dict[tuple[str, str], Measurement] = {}
        # the latest prediction per stem: the same changes give back the very same object, so
        # the rules' identity memos keep what they computed for a stem decided earlier
        self._predicted: dict[str, tuple[str, Measurement]] = {}
        # per stem, the latest two (ahead of the fader, fader dB, after it): with and without
        # the gain every stem shares, each the same object while it holds
        self._faded: dict[str, list[tuple[Measurement, float, Measurement]]] = {}
        self._mix: tuple[tuple[Measurement, ...], Measurement] | None = None

    # -- the chosen mix so far -------------------------------------------------------------------
    def _ahead(self, report: StemReport, changes: Sequence[Change]) -> tuple[Measurement, bool]:
        """The stem ahead of its fader after ``changes`` (no whole-stem gain among them), and
        whether the stem was read and measured again for it (once per set of changes)."""
        assert report.measurement is not None
        if not changes:
            return report.measurement, False
        file = report.stem.file
        key = (file, signature(changes))
        if predictable(changes):
            kept = self._predicted.get(file)
            if kept is not None and kept[0] == key[1]:
                return kept[1], False
            predicted = predict_stem(report.measurement, changes, self.frames)
            self._predicted[file] = (key[1], predicted)
            return predicted, False
        if key in self._measured:
            return self._measured[key], False
        measured, read = measure_processed(self.base.session, report.stem, changes, self.cache_dir)
        self._measured[key] = measured
        return measured, read

    def _fade(self, file: str, ahead: Measurement, gain_db: float) -> Measurement:
        """``ahead`` after a fader of ``gain_db``: scaled, never read or measured again."""
        if abs(gain_db) <= LEVEL_TOLERANCE_DB:
            return ahead
        kept = self._faded.get(file, [])
        for before, fader_db, after in kept:
            if before is ahead and abs(fader_db - gain_db) <= LEVEL_TOLERANCE_DB:
                return after
        after = with_gain(ahead, gain_db)
        self._faded[file] = [*kept[-1:], (ahead, gain_db, after)]
        return after

    def _mix_after(
        self, stems: dict[str, Measurement], after: dict[str, Measurement]
    ) -> Measurement:
        """The mix after the mix stems in ``after`` changed: the same object while they do."""
        assert self.base.mix is not None
        if not after:
            return self.base.mix
        held = tuple(after[f] for f in sorted(after))
        if self._mix is not None and _same(self._mix[0], held):
            return self._mix[1]
        mix = predict_mix(self.base.mix, stems, after, self.frames)
        self._mix = (held, mix)
        return mix

    def processed(self, changes: Sequence[Change]) -> Processed:
        """The analysis of the stems after ``changes`` (checks and sections unchanged).

        Each stem's changes ahead of its fader are predicted (or measured again, once per set
        of changes), its fader scales the result. A gain on every stem of the mix (the
        headroom) scales the mix the same way, exactly; the rest moves it by prediction."""
        reports = {r.stem.file: r for r in self.base.stems if r.measurement is not None}
        if not changes or self.base.mix is None:
            return Processed(self.base, (), {})
        mix_stems = {s.file for s in self.base.session.mix_stems}
        stems_now = {
            r.stem.file: r.measurement
            for r in self.base.stems
            if r.measurement is not None and r.stem.file in mix_stems
        }
        common_db = shared_gain_db(changes, set(stems_now))
        after: dict[str, Measurement] = {}
        into_mix: dict[str, Measurement] = {}  # without the shared gain
        offsets: dict[str, Offset] = {}
        remeasured: list[str] = []
        for file, stem_changes in changes_by_stem(changes).items():
            if file not in reports:
                continue
            ahead_changes, fader_db = fader_split(stem_changes)
            ahead, again = self._ahead(reports[file], ahead_changes)
            if again:
                remeasured.append(file)
            after[file] = self._fade(file, ahead, fader_db)
            if abs(fader_db) > LEVEL_TOLERANCE_DB:
                offsets[file] = Offset(ahead, fader_db)
            own_db = fader_db - common_db if file in stems_now else fader_db
            if file in stems_now and (ahead_changes or abs(own_db) > LEVEL_TOLERANCE_DB):
                into_mix[file] = self._fade(file, ahead, own_db)
        if not after:
            return Processed(self.base, (), {})
        mix = with_gain(self._mix_after(stems_now, into_mix), common_db)
        stems = tuple(
            dataclasses.replace(r, measurement=after[r.stem.file]) if r.stem.file in after else r
            for r in self.base.stems
        )
        comparison = compare(mix, self.base.references) if self.base.references else None
        analysis = dataclasses.replace(self.base, stems=stems, mix=mix, comparison=comparison)
        return Processed(analysis, tuple(sorted(remeasured)), offsets)

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
        analysis, remeasured, offsets = self.processed(changes)
        decided_all = {m.id for d in decided for m in d.members()}
        # own changes alone move the mix too: derive again whenever anything was decided or done
        derived = (
            suggest(analysis, decided_all, offsets)
            if decided or changes
            else list(self.base_suggestions)
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
