"""The checks panel: every stem-preparation check of the session with its fix, errors first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.content import Content

from mixreview.analysis.checks import Check
from mixreview.tui.widgets.detail import ScrollPage
from mixreview.tui.widgets.stem_detail import check_lines

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def ordered(checks: Sequence[tuple[str, Check]]) -> list[tuple[str, Check]]:
    """Errors first, then warnings, then notes; by stem within each."""
    return sorted(checks, key=lambda fc: (SEVERITY_RANK.get(fc[1].severity, 3), fc[0]))


class ChecksPanel(ScrollPage):
    """Shown under the stems when there is room; ``!`` opens the same list full screen."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.checks: list[tuple[str, Check]] = []

    def set_checks(self, checks: Sequence[tuple[str, Check]], names: Mapping[str, str]) -> None:
        self.checks = ordered(checks)
        if self.checks:
            self.set_content(check_lines(self.checks, names))
        else:
            self.set_content(Content("No findings: the stems are well prepared."))
