"""The stem-preparation checks in the notes, each open or fixed: a check a change can answer is
judged on the stem as the render processed it (``RenderResult.rechecks``), and one that no longer
fires is fixed by the change after which it stopped firing."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mixreview.analysis.checks import RECHECKED, Check
from mixreview.analysis.render_stems import StageChecks

LISTED_SEVERITIES = ("error", "warning")


def _value_after(check_id: str, stage: StageChecks) -> float | int | None:
    if check_id == "dc_offset":
        return round(stage.dc_offset, 5)
    if check_id == "channel_polarity":
        corr = stage.correlation
        return round(corr, 3) if corr is not None and math.isfinite(corr) else None
    if check_id == "over_full_scale":
        return stage.over_full_scale_samples
    return None


def check_status(check: Check, stages: Sequence[StageChecks]) -> dict[str, Any]:
    """Open or fixed, by which change, and the value measured after the last change.

    ``stages`` are the re-run checks after each chosen change of the stem, in processing order;
    none (the check is not one a change can answer, or the stem has no change): open."""
    if check.id not in RECHECKED or not stages:
        return {"status": "open", "fixed_by": [], "rechecked": False, "value_after": None}
    firing = [True] + [any(c.id == check.id for c in s.fired) for s in stages]
    after = _value_after(check.id, stages[-1])
    if firing[-1]:
        return {"status": "open", "fixed_by": [], "rechecked": True, "value_after": after}
    last_fix = max(i for i in range(len(stages)) if firing[i] and not firing[i + 1])
    return {
        "status": "fixed",
        "fixed_by": [stages[last_fix].change_id],
        "rechecked": True,
        "value_after": after,
    }


def check_entries(
    checks: Iterable[Check], rechecks: Mapping[str, Sequence[StageChecks]]
) -> list[dict[str, Any]]:
    """The errors and warnings of the analysis, each with its status in the chosen mix."""
    out = []
    for check in checks:
        if check.severity not in LISTED_SEVERITIES:
            continue
        stages = rechecks.get(check.file, ()) if check.file else ()
        out.append({
            "file": check.file, "id": check.id, "severity": check.severity,
            "value": check.value, "message": check.message, "fix": check.fix,
            **check_status(check, stages),
        })  # fmt: skip
    return out
