"""Score the engine's judgement on the benchmark takes against their truth files.

A planted problem is found when the engine reports the right check id on the right stem, or a
suggestion of an accepted kind on that stem, in the right section (by name, or by its time span
when the sections were detected and named otherwise) and in the right direction. On clean takes,
warning and error checks and high suggestions are false alarms. Two queue items on one stem
contradict when they move the same quantity (level, the EQ curve over overlapping frequencies,
width, pan, compression) in opposite directions over overlapping time.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from mixreview.analysis.analyze import analyze
from mixreview.analysis.session import load_session
from mixreview.analysis.suggest import suggest
from mixreview.analysis.suggest.model import Suggestion

SPAN_INSIDE_MIN = 0.5  # a detected section counts when at least half of it lies in the planted one
SPAN_COVER_MIN = 0.4  # ...and such sections cover this share of the planted one together
FALSE_ALARM_CHECKS = ("warning", "error")
FALSE_ALARM_SUGGESTIONS = ("high",)
CROWDED_ITEMS = 3  # the bar: no stem of a flawed take carries more
THIRD_OCTAVE = 2 ** (1 / 6)  # half a third of an octave each side of a bell's centre


@dataclass(frozen=True)
class Scope:
    """Where in the song an item acts (a section's name and span) and which way it moves there."""

    name: str | None
    span_s: tuple[float, float] | None
    direction: str | None = None


@dataclass(frozen=True)
class Item:
    """One finding of the engine on one take, reduced to what the scorer compares.

    ``scopes`` is empty when the item acts on the whole song."""

    source: str  # check | suggestion
    name: str  # check id or suggestion kind
    stems: tuple[str, ...]
    severity: str
    scopes: tuple[Scope, ...] = ()
    direction: str | None = None
    rule: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    alternative: bool = False  # another answer, or one waiting for a decision: not in the queue

    @property
    def section(self) -> str | None:
        names = [s.name for s in self.scopes if s.name]
        return ", ".join(names) if names else None

    def label(self) -> str:
        where = f" in {self.section}" if self.section else ""
        how = f" {self.direction}" if self.direction else ""
        rule = f" ({self.rule})" if self.rule and self.rule != self.name else ""
        return f"{self.name}{rule}{how}{where} [{self.severity}]"


@dataclass
class TakeResult:
    """What the scorer found on one take."""

    song: str
    take: str
    planted: list[dict]
    found: list[str]
    missed: list[dict]  # each truth entry plus ``engine``: the items on that stem
    false_alarms: list[str]
    contradictions: list[str]
    items_per_stem: dict[str, int]
    crowded: dict[str, list[str]]  # stems carrying more than CROWDED_ITEMS queue items
    suggestions_by_severity: dict[str, int]
    seconds: float = 0.0

    @property
    def max_items(self) -> int:
        return max(self.items_per_stem.values(), default=0)

    @property
    def mean_items(self) -> float:
        n = len(self.items_per_stem)
        return sum(self.items_per_stem.values()) / n if n else 0.0


# ---------------------------------------------------------------- reading the engine


def _gain_direction(gain_db: float) -> str:
    return "boost" if gain_db > 0 else "cut"


def direction_of(s: Suggestion) -> str | None:
    """Which way a suggestion moves its stem: boost/cut, narrow/widen, more/less, left/right.

    A rule can say it itself in ``evidence["direction"]`` (e.g. "less" for a part that is
    compressed too hard); otherwise it is read from the parameters."""
    p = s.params
    if "direction" in s.evidence:
        return str(s.evidence["direction"])
    if s.kind in ("gain", "headroom"):
        return _gain_direction(p["gain_db"])
    if s.kind == "section_gain":
        return _gain_direction(sum(seg["gain_db"] for seg in p["segments"]))
    if s.kind in ("unmask", "highpass"):
        return "cut"
    if s.kind == "eq":
        return _gain_direction(sum(b.get("gain_db", -1.0) for b in p["bands"]))
    if s.kind == "mono_bass":
        return "narrow"
    if s.kind == "width":
        return "narrow" if p["width"] < 1 else "widen"
    if s.kind == "compressor":
        return "more" if p.get("ratio", 2.0) > 1 else "less"
    if s.kind == "pan":
        return "right" if p["pan"] > 0 else "left"
    return None


def engine_items(session: Path) -> list[Item]:
    """Run the engine in-process (no cache) and list its checks and suggestions."""
    analysis = analyze(session, use_cache=False)
    items = [
        Item("check", c.id, (c.file,) if c.file else (), c.severity) for c in analysis.all_checks
    ]
    for top in suggest(analysis):
        for s in (*top.members(), *top.waiting):
            items.append(
                Item(
                    "suggestion",
                    s.kind,
                    tuple(s.stems),
                    s.severity,
                    scopes_of(s),
                    direction_of(s),
                    s.rule,
                    dict(s.params),
                    alternative=s is not top,
                )
            )
    return items


def scopes_of(s: Suggestion) -> tuple[Scope, ...]:
    """The sections a suggestion acts in: one per segment of a section gain (whose ``section``
    joins the segments' names), else its section and span."""
    segments = s.params.get("segments") if s.kind == "section_gain" else None
    if segments:
        names = (s.section or "").split(", ")
        if len(names) != len(segments):
            names = [None] * len(segments)
        return tuple(
            Scope(name, (seg["start_s"], seg["end_s"]), _gain_direction(seg["gain_db"]))
            for name, seg in zip(names, segments, strict=True)
        )
    if s.section is None and s.section_span_s is None:
        return ()
    span = tuple(s.section_span_s) if s.section_span_s else None
    return (Scope(s.section, span, direction_of(s)),)


# ---------------------------------------------------------------- matching


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def _inside(planted: tuple[float, float], scope: Scope, direction: str | None) -> float:
    """Seconds of ``scope`` inside the planted span when it lies mostly there (and moves the
    planted way), else 0."""
    if scope.span_s is None or (direction and scope.direction != direction):
        return 0.0
    shared = _overlap(planted, scope.span_s)
    return shared if shared >= SPAN_INSIDE_MIN * (scope.span_s[1] - scope.span_s[0]) else 0.0


def section_matches(truth: dict, item: Item) -> bool:
    """The planted section: a scope of the same name, or (sections detected, so named
    differently) scopes lying mostly inside the planted span and covering a good part of it
    together (a detector may cut a chorus in two)."""
    direction = truth.get("direction")
    named = truth.get("section")
    if named is not None and any(
        scope.name == named and (not direction or scope.direction == direction)
        for scope in item.scopes
    ):
        return True
    if not truth.get("span_s"):
        return False
    span = (float(truth["span_s"][0]), float(truth["span_s"][1]))
    covered = sum(_inside(span, scope, direction) for scope in item.scopes)
    return covered >= SPAN_COVER_MIN * (span[1] - span[0])


def matches(truth: dict, item: Item) -> bool:
    """Does ``item`` report the planted problem ``truth``?"""
    if truth["stem"] not in item.stems:
        return False
    if truth["expect"] == "check":
        return item.source == "check" and item.name == truth["check_id"]
    if item.source != "suggestion" or item.name not in truth["kinds"]:
        return False
    if truth.get("section") is None and truth.get("span_s") is None:
        return not truth.get("direction") or item.direction == truth["direction"]
    return section_matches(truth, item)


def is_false_alarm(item: Item) -> bool:
    if item.source == "check":
        return item.severity in FALSE_ALARM_CHECKS
    return item.severity in FALSE_ALARM_SUGGESTIONS


# ---------------------------------------------------------------- contradictions


def _freq_range(item: Item) -> list[tuple[float, float, float]]:
    """(low Hz, high Hz, signed gain) of what an EQ-like item does to the spectrum."""
    p = item.params
    if item.name == "highpass":
        return [(0.0, p["freq_hz"], -1.0)]
    if item.name == "unmask":
        return [(p["freq_hz"] / THIRD_OCTAVE, p["freq_hz"] * THIRD_OCTAVE, p["gain_db"])]
    out = []
    for band in p.get("bands", []):
        f, g, shape = band["freq_hz"], band.get("gain_db", -1.0), band.get("type", "peaking")
        if shape in ("highpass", "low_shelf", "lowshelf"):
            out.append((0.0, f, g if "shelf" in shape else -1.0))
        elif shape in ("lowpass", "high_shelf", "highshelf"):
            out.append((f, 1e6, g if "shelf" in shape else -1.0))
        else:
            out.append((f / THIRD_OCTAVE, f * THIRD_OCTAVE, g))
    return out


def _quantity(item: Item) -> str | None:
    """The quantity an item moves, for comparing signs."""
    if item.name in ("gain", "section_gain"):
        return "level"
    if item.name in ("unmask", "highpass", "eq"):
        return "eq"
    if item.name in ("width", "mono_bass"):
        return "width"
    return item.name if item.name in ("pan", "compressor") else None


def _times_overlap(a: Item, b: Item) -> bool:
    """Whole-song items overlap everything; sections overlap when their spans do."""
    if not a.scopes or not b.scopes:
        return True
    return any(
        x.span_s is None or y.span_s is None or _overlap(x.span_s, y.span_s) > 0
        for x in a.scopes
        for y in b.scopes
    )


def contradicts(a: Item, b: Item) -> bool:
    """Opposite moves of the same quantity on the same stem at the same time."""
    qa, qb = _quantity(a), _quantity(b)
    if qa is None or qa != qb or not _times_overlap(a, b):
        return False
    if qa == "eq":
        return any(
            _overlap((la, ha), (lb, hb)) > 0 and ga * gb < 0
            for la, ha, ga in _freq_range(a)
            for lb, hb, gb in _freq_range(b)
        )
    opposite = {("boost", "cut"), ("narrow", "widen"), ("more", "less"), ("left", "right")}
    return tuple(sorted((a.direction or "", b.direction or ""))) in opposite


def per_stem(items: list[Item], stems: set[str]) -> dict[str, list[Item]]:
    """Queue items by stem; an item on every stem of the session (headroom) counts for none."""
    out: dict[str, list[Item]] = {s: [] for s in stems}
    for item in items:
        if item.source != "suggestion" or item.alternative:
            continue
        if len(stems) > 1 and set(item.stems) >= stems:
            continue
        for stem in item.stems:
            out.setdefault(stem, []).append(item)
    return out


def contradictions(queue: dict[str, list[Item]]) -> list[str]:
    return [
        f"{stem}: {a.label()} vs {b.label()}"
        for stem, items in queue.items()
        for a, b in combinations(items, 2)
        if contradicts(a, b)
    ]


# ---------------------------------------------------------------- a take


def audio_stems(session: Path) -> set[str]:
    return {s.file for s in load_session(session).stems}


def score_take(session: Path) -> TakeResult:
    """Run the engine on one take folder and compare with its truth file."""
    truth = json.loads((session / "truth.json").read_text())
    start = time.perf_counter()
    items = engine_items(session)
    seconds = time.perf_counter() - start
    stems = audio_stems(session)
    planted = truth["problems"]
    found, missed = [], []
    for problem in planted:
        hit = next((i for i in items if matches(problem, i)), None)
        if hit:
            found.append(problem["id"])
        else:
            near = [i.label() for i in items if problem["stem"] in i.stems and len(i.stems) == 1]
            missed.append(problem | {"engine": near})
    alarms = (
        [
            f"{','.join(i.stems) or 'session'}: {i.source} {i.label()}"
            for i in items
            if is_false_alarm(i)
        ]
        if truth["take"] == "clean"
        else []
    )
    queue = per_stem(items, stems)
    return TakeResult(
        song=truth["song"],
        take=truth["take"],
        planted=planted,
        found=found,
        missed=missed,
        false_alarms=alarms,
        contradictions=contradictions(queue),
        items_per_stem={stem: len(q) for stem, q in sorted(queue.items())},
        crowded={s: [i.label() for i in q] for s, q in queue.items() if len(q) > CROWDED_ITEMS},
        suggestions_by_severity={
            level: sum(1 for i in items if i.source == "suggestion" and i.severity == level)
            for level in ("high", "medium", "low")
        },
        seconds=seconds,
    )


def as_json(results: list[TakeResult]) -> dict[str, Any]:
    """Everything the scorer knows, for machines."""
    takes = []
    for r in results:
        d = asdict(r)
        d["max_items"], d["mean_items"] = r.max_items, round(r.mean_items, 2)
        takes.append(d)
    return {"schema": "mixreview.bench-judgement/1", "takes": takes, "total": totals(results)}


def totals(results: list[TakeResult]) -> dict[str, Any]:
    flawed = [r for r in results if r.take == "flawed"]
    clean = [r for r in results if r.take == "clean"]
    return {
        "planted": sum(len(r.planted) for r in flawed),
        "found": sum(len(r.found) for r in flawed),
        "missed": sum(len(r.missed) for r in flawed),
        "false_alarms": sum(len(r.false_alarms) for r in clean),
        "contradictions": sum(len(r.contradictions) for r in results),
        "max_items_flawed": max((r.max_items for r in flawed), default=0),
        "max_items_clean": max((r.max_items for r in clean), default=0),
    }
