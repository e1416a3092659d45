"""Every figure of the notes traced to the mix it claims to measure.

The review makes the four versions differ: the reviewer turns every stem down 3 dB (the manual
and the chosen mix), accepts the assistant's cut on the pad (the chosen mix only, with the
reviewer's own changes), and the assistant's mix carries all five suggestions and none of the
reviewer's. Each mix file is measured again here, and the notes' figures for it, the remarks for
mastering and the measurement table of notes.md must be that file's, not another version's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.export import export_session
from mixreview.analysis.measure import MeterBank
from tests.conftest import SR
from tests.export_support import new_review, song_with_analysis
from tests.test_render import read_stereo

STEMS = ("Kick.wav", "Bass.wav", "Pad.wav", "Lead_Vocal.wav")
VERSIONS = ("chosen", "original", "assistant", "manual")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("figures")
    folder, analysis, suggestions = song_with_analysis(base)
    review = new_review(folder, base / "review.json")
    for stem in STEMS:
        review.add_manual("gain", stem, {"gain_db": -3.0})
    review.accept(suggestions["pad_gain"])
    return export_session(
        folder, review_path=review.path, out=base / "out", analysis=analysis,
        suggestions=list(suggestions.values()), subtype="float", stems=False,
    )  # fmt: skip


def _measured(path: Path) -> dict[str, float]:
    bank = MeterBank(SR, 2)
    bank.update(read_stereo(path).astype(np.float32))
    m = bank.result()
    return {
        "integrated_lufs": float(m.loudness.integrated_lufs),
        "true_peak_dbtp": float(m.true_peak.true_peak_dbtp),
        "sample_peak_dbfs": float(m.levels.sample_peak_dbfs),
    }


@pytest.fixture(scope="module")
def measured(exported: Any) -> dict[str, dict[str, float]]:
    return {v: _measured(exported.mixes[v]) for v in VERSIONS}


def test_the_versions_differ(measured: dict[str, dict[str, float]]) -> None:
    loudness = [measured[v]["integrated_lufs"] for v in VERSIONS]
    assert min(abs(a - b) for i, a in enumerate(loudness) for b in loudness[i + 1 :]) > 0.1
    chosen, original = measured["chosen"], measured["original"]
    assert chosen["true_peak_dbtp"] < original["true_peak_dbtp"] - 2.0


@pytest.mark.parametrize("version", VERSIONS)
def test_each_versions_figures_are_its_own_file(
    exported: Any, measured: dict[str, dict[str, float]], version: str
) -> None:
    notes = exported.notes["measurements"][version]
    assert notes["file"] == exported.mixes[version].name
    for key, value in measured[version].items():
        assert notes[key] == pytest.approx(value, abs=0.02), key


def test_the_mastering_remarks_read_the_chosen_mix(
    exported: Any, measured: dict[str, dict[str, float]]
) -> None:
    remarks = " ".join(exported.notes["mastering"])
    figures = exported.notes["measurements"]
    assert f"peaks at {figures['chosen']['true_peak_dbtp']:.1f} dBTP" in remarks
    assert f"integrated {figures['chosen']['integrated_lufs']:.1f} LUFS" in remarks
    for other in ("original", "assistant"):
        assert f"integrated {figures[other]['integrated_lufs']:.1f} LUFS" not in remarks


def test_the_measurement_table_reads_each_version_in_its_column(exported: Any) -> None:
    text = exported.notes_md.read_text()
    header = "| | chosen | original | assistant | manual |"
    assert header in text
    rows = text.split(header, 1)[1].splitlines()[2:]
    figures = exported.notes["measurements"]
    found = 0
    for row in rows:
        if not row.startswith("|"):
            break
        cells = [c.strip() for c in row.strip("|").split("|")]
        for key, label in (("integrated_lufs", "ntegrated"), ("true_peak_dbtp", "rue peak")):
            if label in cells[0]:
                found += 1
                for version, cell in zip(VERSIONS, cells[1:], strict=True):
                    assert float(cell.split()[0]) == pytest.approx(figures[version][key], abs=0.051)
    assert found == 2
