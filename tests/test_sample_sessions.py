"""The shipped demo session is well prepared, and the flawed variant carries each
planted problem measurably. Independent of the analysis engine: numpy/scipy/soundfile."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy import signal

from tools.make_flawed_session import make_flawed_session

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "sample_sessions" / "demo_song"
SR = 48_000
REQUIRED = ["Kick", "Snare", "Hats", "Bass", "Pad", "Lead_Synth", "Lead_Vocal"]
MONO_OK = {"Kick", "Bass"}
FULL_SCALE_24 = 8388607 / 8388608


# ------------------------------------------------------------------ helpers ---


def true_peak_db(x: np.ndarray) -> float:
    x = x if x.ndim == 2 else x[:, None]
    peak = 0.0
    for c in range(x.shape[1]):
        ch = np.ascontiguousarray(x[:, c], dtype=np.float32)
        peak = max(peak, float(np.abs(signal.resample_poly(ch, 4, 1)).max()))
    return 20 * np.log10(peak + 1e-30)


def corr(x: np.ndarray) -> float:
    left, right = x[:, 0].astype(np.float64), x[:, 1].astype(np.float64)
    return float(left @ right / np.sqrt((left @ left) * (right @ right) + 1e-30))


_K1 = (
    [1.53512485958697, -2.69169618940638, 1.19839281085285],
    [1.0, -1.69065929318241, 0.73248077421585],
)
_K2 = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])


def lufs(x: np.ndarray) -> float:
    """BS.1770 integrated loudness at 48 kHz (gated, 400 ms blocks, 75 % overlap)."""
    x = (x if x.ndim == 2 else x[:, None]).astype(np.float64)
    y = signal.lfilter(*_K2, signal.lfilter(*_K1, x, axis=0), axis=0)
    hop, win = SR // 10, SR * 4 // 10
    e = np.concatenate([np.zeros((1, y.shape[1])), np.cumsum(y**2, axis=0)])
    starts = np.arange(0, len(y) - win + 1, hop)
    z = ((e[starts + win] - e[starts]) / win).sum(axis=1)
    z = z[-0.691 + 10 * np.log10(z + 1e-30) > -70]
    rel = -0.691 + 10 * np.log10(z.mean()) - 10
    z = z[-0.691 + 10 * np.log10(z) > rel]
    return float(-0.691 + 10 * np.log10(z.mean()))


def low_band_overlap_db(
    kick: np.ndarray, bass: np.ndarray, sr: int, lo: float = 40.0, hi: float = 80.0
) -> float:
    """Bass energy relative to kick energy in the kick's thump band, over the
    20 ms frames where the kick sounds there."""
    sos = signal.butter(4, [lo, hi], "bandpass", fs=sr, output="sos")

    def band_energy(x: np.ndarray) -> np.ndarray:
        x = x.mean(axis=1) if x.ndim == 2 else x
        y = signal.sosfilt(sos, x.astype(np.float64))
        n = int(0.02 * sr)
        m = len(y) // n
        return (y[: m * n] ** 2).reshape(m, n).sum(axis=1)

    k, b = band_energy(kick), band_energy(bass)
    m = min(len(k), len(b))
    k, b = k[:m], b[:m]
    active = k > k.max() * 1e-3
    return float(10 * np.log10(b[active].sum() / k[active].sum()))


def dual_mono_lufs(x: np.ndarray) -> float:
    """Loudness as heard centred in a stereo mix (mono files read 3 dB low)."""
    return lufs(x) + (3.01 if x.ndim == 1 else 0.0)


# ------------------------------------------------------------- clean session ---


@pytest.fixture(scope="module")
def clean() -> dict[str, tuple[np.ndarray, sf._SoundFileInfo]]:
    out = {}
    for path in sorted(DEMO.glob("*.flac")):
        x, _ = sf.read(path, dtype="float32")
        out[path.stem] = (x, sf.info(path))
    return out


def test_expected_files(clean):
    assert set(REQUIRED) <= set(clean)
    assert any(k in clean for k in ("Keys", "Guitar"))
    for extra in ("mixreview.toml", "SOUNDFONT-LICENSE.txt", "README.md"):
        assert (DEMO / extra).is_file()
    notice = (DEMO / "SOUNDFONT-LICENSE.txt").read_text()
    assert "Frank Wen" in notice and "MIT license" in notice
    assert "Permission is hereby granted" in notice


def test_format_and_length(clean):
    lengths = {info.frames for _, info in clean.values()}
    assert len(lengths) == 1, "stems are not sample-accurately the same length"
    assert 28 * SR <= lengths.pop() <= 32 * SR
    for name, (_x, info) in clean.items():
        assert info.samplerate == SR, name
        assert info.subtype == "PCM_24", name
        assert info.format == "FLAC", name
        assert info.channels in ((1, 2) if name in MONO_OK else (2,)), name


def test_levels_peaks_dc(clean):
    for name, (x, _) in clean.items():
        tp = true_peak_db(x)
        assert -30.0 < tp <= -5.5, f"{name}: true peak {tp:.1f} dBTP"
        a = np.abs(x)
        assert np.count_nonzero(a >= 0.999) == 0, f"{name}: clipped"
        per_ch = a if a.ndim == 2 else a[:, None]
        for c in range(per_ch.shape[1]):
            at_max = np.count_nonzero(per_ch[:, c] == per_ch[:, c].max())
            assert at_max <= 8, f"{name}: {at_max} samples at the peak (flat tops)"
        assert np.all(np.abs(x.mean(axis=0)) < 1e-4), f"{name}: DC {x.mean(axis=0)}"


def test_stereo_image(clean):
    for name, (x, _) in clean.items():
        if x.ndim == 1:
            assert name in MONO_OK, f"{name} should be stereo"
            continue
        c = corr(x)
        assert 0.3 <= c <= 0.95, f"{name}: L/R correlation {c:.2f}"
        assert not np.array_equal(x[:, 0], x[:, 1])


def test_sum_headroom(clean):
    total = sum(x if x.ndim == 2 else x[:, None] for x, _ in clean.values())
    assert true_peak_db(total) < -3.0
    assert -24.0 < lufs(total) < -12.0


def test_balance(clean):
    loud = {name: dual_mono_lufs(x) for name, (x, _) in clean.items()}
    ranked = sorted(loud, key=loud.get, reverse=True)
    assert "Lead_Vocal" in ranked[:3] and "Kick" in ranked[:3], loud
    assert loud["Pad"] <= loud["Lead_Vocal"] - 6, loud
    assert loud["Pad"] <= loud["Kick"] - 6, loud


def test_kick_and_bass_apart(clean):
    kick, bass = clean["Kick"][0], clean["Bass"][0]
    k = kick.mean(axis=1) if kick.ndim == 2 else kick
    spec = np.abs(np.fft.rfft(k.astype(np.float64))) ** 2
    f = np.fft.rfftfreq(len(k), 1 / SR)
    band = (f > 20) & (f < 300)
    thump = f[band][np.argmax(spec[band])]
    assert 45 <= thump <= 70, thump
    assert low_band_overlap_db(kick, bass, SR) < -12


def test_manifest(clean):
    meta = tomllib.loads((DEMO / "mixreview.toml").read_text())
    assert meta["title"] and meta["tempo_bpm"] == 110
    secs = meta["sections"]
    assert [s["name"] for s in secs][:3] == ["Intro", "Verse", "Chorus"]
    starts = [s["start_s"] for s in secs]
    assert starts[0] == 0.0 and starts == sorted(starts)
    length_s = next(iter(clean.values()))[1].frames / SR
    assert abs(secs[-1]["end_s"] - length_s) < 1e-3
    for fname in meta.get("stems", {}):
        assert (DEMO / fname).is_file(), fname
    assert meta["stems"]["Lead_Vocal.flac"]["role"] == "lead_vocal"


def test_chorus_louder_than_verse(clean):
    meta = tomllib.loads((DEMO / "mixreview.toml").read_text())
    bounds = {s["name"]: s["start_s"] for s in meta["sections"]}
    total = sum(x if x.ndim == 2 else x[:, None] for x, _ in clean.values())

    def part(a: float, b: float) -> np.ndarray:
        return total[int(a * SR) : int(b * SR)]

    verse = lufs(part(bounds["Verse"], bounds["Chorus"]))
    chorus = lufs(part(bounds["Chorus"], bounds["Outro"]))
    assert chorus > verse + 1.5


def test_repo_size():
    size = sum(
        p.stat().st_size
        for p in DEMO.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(DEMO).parts)
    )
    assert size < 20.5e6, f"{size / 1e6:.1f} MB"


# ------------------------------------------------------------ flawed session ---


@pytest.fixture(scope="module")
def flawed(tmp_path_factory):
    out = tmp_path_factory.mktemp("flawed")
    planted = make_flawed_session(DEMO, out)
    return out, planted


EXPECTED_CHECKS = {
    "sample_rate_mismatch",
    "bit_depth",
    "clipping",
    "limited",
    "dc_offset",
    "silent",
    "fake_stereo",
    "channel_polarity",
    "bad_label",
    "length_mismatch",
    "kick_bass_masking",
}


def _read(out: Path, fname: str) -> np.ndarray:
    return sf.read(out / fname, dtype="float64")[0]


def test_flawed_mapping(flawed):
    out, planted = flawed
    assert set(planted) == EXPECTED_CHECKS
    for fname in planted.values():
        assert (out / fname).is_file(), fname
    assert planted["kick_bass_masking"].startswith("Bass")
    # each planted on its own file
    assert len(set(planted.values())) == len(planted)
    # untouched stems come across; manifest does not name missing files
    meta = tomllib.loads((out / "mixreview.toml").read_text())
    for fname in meta.get("stems", {}):
        assert (out / fname).is_file(), fname
    # the renamed stem is not also left under its old name; one silent stem is extra
    audio = [p for p in out.iterdir() if p.suffix in (".flac", ".wav")]
    assert len(audio) == len(list(DEMO.glob("*.flac"))) + 1


def test_flaw_sample_rate_and_bit_depth(flawed):
    out, planted = flawed
    assert sf.info(out / planted["sample_rate_mismatch"]).samplerate == 44100
    assert sf.info(out / planted["bit_depth"]).subtype == "PCM_16"
    others = [
        p
        for p in out.iterdir()
        if p.suffix in (".flac", ".wav")
        and p.name not in (planted["sample_rate_mismatch"], planted["bit_depth"])
    ]
    for p in others:
        assert sf.info(p).samplerate == SR
        assert sf.info(p).subtype == "PCM_24"


def test_flaw_clipping(flawed):
    out, planted = flawed
    x = _read(out, planted["clipping"])
    assert np.count_nonzero(np.abs(x) >= FULL_SCALE_24 - 1e-9) > 100


def test_flaw_limited(flawed):
    out, planted = flawed
    a = np.abs(_read(out, planted["limited"]))
    top = a.max()
    assert top < 0.9
    assert np.count_nonzero(a == top) > 128


def test_flaw_dc_silent_fake_stereo_polarity(flawed):
    out, planted = flawed
    assert np.all(np.abs(_read(out, planted["dc_offset"]).mean(axis=0)) > 0.01)
    silent = _read(out, planted["silent"])
    assert len(silent) == sf.info(out / planted["dc_offset"]).frames and not np.any(silent)
    fake = _read(out, planted["fake_stereo"])
    assert fake.ndim == 2 and np.array_equal(fake[:, 0], fake[:, 1]) and np.any(fake)
    assert corr(_read(out, planted["channel_polarity"])) < -0.9


def test_flaw_label_and_length(flawed, clean):
    out, planted = flawed
    name = planted["bad_label"]
    assert Path(name).stem.lower().startswith(("track", "audio"))
    full = next(iter(clean.values()))[1].frames
    assert sf.info(out / planted["length_mismatch"]).frames == full - 2 * SR


def test_flaw_kick_bass_masking(flawed, clean):
    out, planted = flawed
    kick = _read(out, planted["fake_stereo"])  # the kick, bounced dual-mono
    bass = _read(out, planted["kick_bass_masking"])
    before = low_band_overlap_db(clean["Kick"][0], clean["Bass"][0], SR)
    after = low_band_overlap_db(kick, bass, SR)
    assert after > before + 12
    assert after > -4
    wide_before = low_band_overlap_db(clean["Kick"][0], clean["Bass"][0], SR, 40, 120)
    wide_after = low_band_overlap_db(kick, bass, SR, 40, 120)
    assert wide_after > wide_before + 8
