"""The assistant: rule families that turn measurements into single, explained suggestions.

Each family module exposes ``suggest(features) -> list[Suggestion]`` and ``TARGETS``, a mapping
from its rule names to a function reading the suggestion's target metric from (re-)measured
features, so every suggestion can be checked by processing and measuring again. Rules, thresholds
and their sources: docs/rules.md.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from types import ModuleType

from mixreview.analysis.analyze import Analysis
from mixreview.analysis.suggest import balance, dynamics, lowend, masking, reference, stereo
from mixreview.analysis.suggest.features import Features, Offset
from mixreview.analysis.suggest.model import Suggestion
from mixreview.analysis.suggest.problems import consolidate

FAMILIES: tuple[ModuleType, ...] = (balance, masking, lowend, stereo, dynamics, reference)


def families() -> tuple[ModuleType, ...]:
    return FAMILIES


def _targets() -> dict[str, Callable[[Suggestion, Features], float]]:
    table: dict[str, Callable[[Suggestion, Features], float]] = {}
    for family in families():
        table.update(family.TARGETS)
    return table


def target_value(suggestion: Suggestion, features: Features) -> float:
    """The suggestion's target metric measured on ``features``."""
    return _targets()[suggestion.rule](suggestion, features)


def suggest(
    analysis: Analysis, decided: Collection[str] = (), offsets: Mapping[str, Offset] | None = None
) -> list[Suggestion]:
    """Every suggestion for the session, most important first; ids are unique. ``decided``:
    the ids the reviewer has decided (what waited for them is shown again); ``offsets``: the
    stems a whole-stem gain moved, as the live model made them."""
    features = Features.build(analysis, offsets)
    found: dict[str, Suggestion] = {}
    for family in families():
        for suggestion in family.suggest(features):
            found.setdefault(suggestion.id, suggestion)
    return consolidate(list(found.values()), decided)
