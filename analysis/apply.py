"""Turn decided suggestions into per-stem processor chains, and measure what they produce.

One place maps suggestions to processors (the player, the renderer and the assistant's own
verification all come through here), in a fixed channel-strip order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mixreview.analysis.dsp import Chain, Processor, build_processor
from mixreview.analysis.dsp.scope import SectionScope
from mixreview.analysis.measure import Measurement, MeterBank, mix_pass
from mixreview.analysis.session import Session

# Channel-strip order: fix the signal, shape it, control it, set its level, place it.
KIND_ORDER = (
    "polarity", "highpass", "mono_bass", "eq", "unmask", "compressor",
    "gain", "headroom", "section_gain", "width", "pan",
)  # fmt: skip

# Suggestion kinds rendered by another kind's processor.
KIND_ALIASES = {"headroom": "gain"}


@dataclass(frozen=True)
class Change:
    """A change to apply: a suggestion (or a manual change) at an amount, with its params."""

    kind: str
    stems: tuple[str, ...]
    params: Mapping[str, Any]
    amount: float = 1.0
    section_span_s: tuple[float, float] | None = None
    source_id: str = ""


def change_of(suggestion: Any, amount: float = 1.0, params: Mapping | None = None) -> Change:
    """A Change from a Suggestion (or its dict), optionally with adjusted params."""
    get: Callable[[str], Any] = (
        suggestion.get if isinstance(suggestion, Mapping) else suggestion.__getattribute__
    )
    span = get("section_span_s")
    return Change(
        kind=get("kind"),
        stems=tuple(get("stems")),
        params=dict(params if params is not None else get("params")),
        amount=amount,
        section_span_s=tuple(span) if span and get("kind") != "section_gain" else None,
        source_id=get("id"),
    )


def processor_for(change: Change, sample_rate: int) -> Processor:
    """The processor of one change, confined to its section when it has one."""
    kind = KIND_ALIASES.get(change.kind, change.kind)
    processor = build_processor(kind, change.params, sample_rate, amount=1.0)
    if change.section_span_s is not None:
        start_s, end_s = change.section_span_s
        processor = SectionScope(sample_rate, processor, start_s, end_s)
    processor.amount = change.amount
    return processor


def changes_by_stem(changes: Iterable[Change]) -> dict[str, list[Change]]:
    """Each affected stem's changes, in the order given."""
    per_stem: dict[str, list[Change]] = {}
    for change in changes:
        for file in change.stems:
            per_stem.setdefault(file, []).append(change)
    return per_stem


def chains_for(changes: Iterable[Change], session: Session) -> dict[str, Chain]:
    """One chain per affected stem, processors in channel-strip order."""
    chains: dict[str, Chain] = {}
    for file, stem_changes in changes_by_stem(changes).items():
        ordered = sorted(
            stem_changes,
            key=lambda c: KIND_ORDER.index(c.kind) if c.kind in KIND_ORDER else len(KIND_ORDER),
        )
        chains[file] = Chain(
            [processor_for(c, session.sample_rate) for c in ordered], session.sample_rate
        )
    return chains


def measure_processed(
    session: Session, changes: Sequence[Change], files: Iterable[str] | None = None
) -> tuple[dict[str, Measurement], Measurement]:
    """Measure the stems in ``files`` (default: the changed ones) and the mix after processing.

    Stems are read at the session rate in stereo (as they enter the mix), processed by their
    chain, fed to meters, and summed into the mix meters in the same pass.
    """
    chains = chains_for(changes, session)
    wanted = set(chains) if files is None else set(files)
    banks = {f: MeterBank.of_session(session) for f in wanted}
    mix = mix_pass(session, chains, banks)
    return {f: bank.result() for f, bank in banks.items()}, mix
