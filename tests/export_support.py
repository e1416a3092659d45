"""A small session for the export tests: four stems of 4 s with two sections, a lead vocal with
one channel polarity-inverted and a pad with a DC offset, and suggestions made by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.review import Review
from mixreview.analysis.session import load_session
from mixreview.analysis.suggest.model import Suggestion, Target
from tests.conftest import SR, stereo, tone, write

SECONDS = 4.0
PAD_DC = 0.01
MANIFEST = """title = "Small Song"
tempo_bpm = 120

[[sections]]
name = "Verse"
start_s = 0.0

[[sections]]
name = "Outro"
start_s = 2.0
end_s = 4.0
"""


def small_song(folder: Path) -> Path:
    """Kick (mono), Bass (fake stereo), Pad (with DC), Lead_Vocal (right channel inverted),
    4 s at 48 kHz."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(11)
    frames = int(SECONDS * SR)
    kick = tone(60, SECONDS, 0.3) * np.exp(-(np.arange(frames) % (SR // 2)) / 2400)
    write(folder / "Kick.wav", kick.astype(np.float32)[:, None])
    write(folder / "Bass.wav", stereo(tone(110, SECONDS, 0.2)))  # both channels the same
    pad = (rng.standard_normal((frames, 2)) * 0.03).astype(np.float32) + PAD_DC
    write(folder / "Pad.wav", pad)
    voice = tone(330, SECONDS, 0.15) + (rng.standard_normal(frames) * 0.02).astype(np.float32)
    write(folder / "Lead_Vocal.wav", stereo(voice, -voice * 0.95))
    (folder / "mixreview.toml").write_text(MANIFEST)
    return folder


def suggestion(
    kind: str, stem: str, params: dict[str, Any], rule: str, why: str = "", **extra: Any
) -> Suggestion:
    target = Target("relative_level_lu", -12.0, -8.0, "within:-11..-3")
    return Suggestion(
        kind=kind, stems=(stem,), params=params, severity="medium", category="technical",
        why=why or f"{rule}: about -6.0 LU.", evidence={}, target=target, rule=rule, **extra,
    )  # fmt: skip


def hand_suggestions() -> dict[str, Suggestion]:
    """One suggestion of each kind the tests decide on, by a short name."""
    return {
        "polarity": suggestion("polarity", "Lead_Vocal.wav", {"channels": "right"}, "t-polarity"),
        "highpass": suggestion("highpass", "Pad.wav", {"freq_hz": 20.0, "order": 2}, "t-hp"),
        "pad_gain": suggestion("gain", "Pad.wav", {"gain_db": -4.0}, "t-pad-gain"),
        "bass_gain": suggestion("gain", "Bass.wav", {"gain_db": 3.0}, "t-bass-gain"),
        "kick_eq": suggestion(
            "eq", "Kick.wav",
            {"bands": [{"type": "peaking", "freq_hz": 60.0, "gain_db": -4.0, "q": 1.0}]},
            "t-kick-eq",
        ),
    }  # fmt: skip


def song_with_analysis(base: Path) -> tuple[Path, Analysis, dict[str, Suggestion]]:
    folder = small_song(base / "song")
    return folder, analyze(folder, workers=1), hand_suggestions()


def new_review(folder: Path, path: Path) -> Review:
    return Review.open(path, folder, [s.file for s in load_session(folder).stems])


def export_song(song: Any, review: Review, out: Path, **kwargs: Any) -> Any:
    """Export ``song`` (``song_with_analysis``'s folder, analysis and suggestions) with
    ``review``, reusing its analysis."""
    from mixreview.analysis.export import export_session

    folder, analysis, suggestions = song
    return export_session(
        folder, review_path=review.path, out=out, analysis=analysis,
        suggestions=list(suggestions.values()), **kwargs,
    )  # fmt: skip
