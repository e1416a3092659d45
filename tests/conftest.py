"""Shared fixtures: small synthetic sessions written to temporary folders."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SR = 48000


def tone(freq_hz: float, seconds: float, amp: float = 0.25, sr: int = SR) -> np.ndarray:
    t = np.arange(round(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def stereo(left: np.ndarray, right: np.ndarray | None = None) -> np.ndarray:
    return np.stack([left, left if right is None else right], axis=1)


def write(path: Path, data: np.ndarray, sr: int = SR, subtype: str = "PCM_24") -> Path:
    sf.write(str(path), data, sr, subtype=subtype)
    return path


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def small_session(tmp_path: Path) -> Path:
    """Three clean stems, 3 s, stereo and mono."""
    rng = np.random.default_rng(7)
    folder = tmp_path / "song"
    folder.mkdir()
    kick = tone(55, 3.0, 0.3) * np.exp(-(np.arange(3 * SR) % (SR // 2)) / 2400).astype(np.float32)
    write(folder / "Kick.wav", kick)
    bass_l = tone(110, 3.0, 0.2)
    write(folder / "Bass.flac", stereo(bass_l, bass_l * 0.95))
    noise = rng.standard_normal((3 * SR, 2)).astype(np.float32) * 0.05
    noise[:, 1] = 0.7 * noise[:, 1] + 0.3 * noise[:, 0]
    write(folder / "Pad.wav", noise)
    return folder
