"""Every documented threshold of the stem checks and the loudness gates, pinned from both sides.

Each test builds a short signal just inside and one just outside a threshold, read from the
code's constant, and runs it through the real meters and checks. The numbers in docs/checks.md
are compared with the same constants, so the doc, the code and the tests cannot drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis import checks as ck
from mixreview.analysis.manifest import Manifest
from mixreview.analysis.measure import MIN_LOUDNESS_S, MeterBank, StemOutcome
from mixreview.analysis.meters import levels as lv
from mixreview.analysis.meters import loudness as ld
from mixreview.analysis.meters.stereo import IDENTICAL_DIFFERENCE_MAX
from mixreview.analysis.session import Session, Stem
from tests.conftest import SR

DOC = (Path(__file__).resolve().parent.parent / "docs" / "checks.md").read_text()


def _row(check_id: str) -> str:
    """The threshold cell of a check's row in the table of docs/checks.md."""
    line = next(x for x in DOC.splitlines() if x.startswith(f"| `{check_id}` |"))
    return line.split(" | ")[2]


def _sine(amp: float, seconds: float = 1.0, freq_hz: float = 100.0) -> np.ndarray:
    """A sine with a whole number of cycles (its mean is zero), float64."""
    t = np.arange(round(seconds * SR)) / SR
    return amp * np.sin(2 * np.pi * freq_hz * t)


def _ids(
    data: np.ndarray, role: str = "synth", subtype: str = "PCM_24", session_frames: int = 0
) -> set[str]:
    """The ids of the checks that fire on ``data`` (frames x channels) measured as a stem."""
    block = np.asarray(data, np.float32)
    if block.ndim == 1:
        block = block[:, None]
    bank = MeterBank(SR, block.shape[1])
    bank.update(block)
    frames = len(block)
    stem = Stem(Path("Part.wav"), "Part.wav", "Part", role, "name", SR, block.shape[1], frames,
                subtype)  # fmt: skip
    session = Session(Path("."), "t", SR, max(frames, session_frames), (stem,), Manifest())
    outcome = StemOutcome(stem.file, bank.result())
    found = ck.stem_checks(stem, outcome, session)
    for check in found:
        _as_documented(check, stem.file)
    return {c.id for c in found}


THRESHOLDS: dict[str, object] = {
    "clipping": ck.CLIP_SAMPLES_MAX, "dc_offset": ck.DC_OFFSET_MAX,
    "channel_polarity": ck.POLARITY_CORRELATION_MIN, "limited": ck.FLAT_TOP_SAMPLES_MAX,
    "near_silent": ck.NEAR_SILENT_PEAK_DBFS, "too_short": MIN_LOUDNESS_S, "fake_stereo": 0.0,
    "silent": None,
}  # fmt: skip


def _as_documented(check: ck.Check, file: str) -> None:
    """A check carries its documented severity, its file, a message naming the file, a fix,
    and (where the table gives one) the code's threshold and the measured value."""
    assert check.severity == _severity(check.id), check.id
    assert check.file == file and check.message.startswith(f"{file}: ") and check.fix
    assert check.fix[0].isupper() and check.fix.endswith(".")
    if check.id in THRESHOLDS:
        assert check.threshold == THRESHOLDS[check.id], check.id
        assert (check.value is None) == (check.id == "silent"), check.id
    assert check.as_dict() == {
        "id": check.id, "severity": check.severity, "value": check.value,
        "threshold": check.threshold, "message": check.message, "fix": check.fix,
    }  # fmt: skip


def _severity(check_id: str) -> str:
    if check_id == "over_compressed":
        assert "## `over_compressed` (info)" in DOC
        return "info"
    line = next(x for x in DOC.splitlines() if x.startswith(f"| `{check_id}` |"))
    return line.split(" | ")[1].strip()


def test_the_doc_states_the_constants() -> None:
    assert f"more than {ck.CLIP_SAMPLES_MAX} samples at full scale" in _row("clipping")
    assert f"\\|x\\| >= {lv.FULL_SCALE}" in _row("clipping")
    assert f"below {ck.POLARITY_CORRELATION_MIN}" in _row("channel_polarity")
    assert f"more than {ck.FLAT_TOP_SAMPLES_MAX} samples sitting flat" in _row("limited")
    assert f"within {lv.AT_MAX_TOLERANCE:.0e}".replace("e-0", "e-") in _row("limited")
    assert f"more than {ck.TOP_PEAK_SHAPES_MAX} separate peaks" in _row("limited")
    ms = ck.LENGTH_TOLERANCE_S * 1000
    assert f"more than {ms:.0f} ms shorter" in _row("length_mismatch")
    assert f"above {ck.DC_OFFSET_MAX}" in _row("dc_offset")
    assert f"below {ck.NEAR_SILENT_PEAK_DBFS:.0f} dBFS" in _row("near_silent")
    assert f"under {MIN_LOUDNESS_S * 1000:.0f} ms" in _row("too_short")
    assert ck.SILENT_PEAK == 0.0 and "peak exactly 0" in _row("silent")
    assert IDENTICAL_DIFFERENCE_MAX == 0.0 and "bit-identical" in _row("fake_stereo")
    assert f"more than **{ck.TOP_PEAK_SHAPES_MAX}**" in DOC
    assert f"at least **{ck.TOP_PEAK_EXACT_SHARE_MIN:.0%}**" in DOC
    assert f"within **{lv.TOP_PEAK_TOLERANCE:.0e}**".replace("e-0", "e-") in DOC
    assert f"within **{lv.TOP_PEAK_EXACT_TOLERANCE:.0e}**".replace("e-0", "e-") in DOC
    floors = re.search(r"Under the role's floor \(([^)]*)\)", DOC)
    assert floors is not None
    for group in floors.group(1).split(";"):
        number = float(re.findall(r"(\d+) dB", group)[0])
        words = group.replace(",", " ").split()
        roles = {"bass": "bass", "kick": "kick", "vocals": "lead_vocal", "guitars": "guitar",
                 "keys": "keys", "snare": "snare", "drums": "drums"}  # fmt: skip
        for word, role in roles.items():
            if word in words:
                assert ck.CREST_FLOOR_DB[role] == number, role


@pytest.mark.parametrize("extra, fires", [(1, True), (0, False)])
def test_clipping_counts_more_than_the_maximum(extra: int, fires: bool) -> None:
    data = _sine(0.3)
    spots = np.arange(ck.CLIP_SAMPLES_MAX + extra) * 997 + 50
    data[spots] = 1.0
    assert _ids(data) == ({"clipping"} if fires else set())


@pytest.mark.parametrize("scale, fires", [(1.0, True), (1 - 1e-5, False)])
def test_full_scale_is_the_clipping_level(scale: float, fires: bool) -> None:
    data = _sine(0.3)
    data[np.arange(2 * ck.CLIP_SAMPLES_MAX) * 997 + 50] = lv.FULL_SCALE * scale
    assert _ids(data) == ({"clipping"} if fires else set())


@pytest.mark.parametrize("ratio, fires", [(1.1, True), (0.9, False)])
def test_dc_offset_above_the_maximum(ratio: float, fires: bool) -> None:
    data = _sine(0.3) + ck.DC_OFFSET_MAX * ratio
    assert _ids(data) == ({"dc_offset"} if fires else set())
    assert _ids(data * -1.0) == ({"dc_offset"} if fires else set())


def _correlated(correlation: float) -> np.ndarray:
    """Two channels whose correlation (no mean removal) is exactly ``correlation``."""
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, SR))
    b -= (a @ b) / (a @ a) * a
    b *= np.sqrt((a @ a) / (b @ b))
    right = correlation * a + np.sqrt(1 - correlation**2) * b
    return 0.1 * np.stack([a, right], axis=1)


@pytest.mark.parametrize("offset, fires", [(-0.02, True), (0.02, False)])
def test_channel_polarity_below_the_correlation(offset: float, fires: bool) -> None:
    ids = _ids(_correlated(ck.POLARITY_CORRELATION_MIN + offset))
    assert ids == ({"channel_polarity"} if fires else set())


@pytest.mark.parametrize("difference, fires", [(0.0, True), (1e-3, False), (1e-7, False)])
def test_fake_stereo_only_for_identical_channels(difference: float, fires: bool) -> None:
    left = _sine(0.3, freq_hz=440.0)
    right = left.copy()
    right[1000] += difference
    assert _ids(np.stack([left, right], axis=1)) == ({"fake_stereo"} if fires else set())


def _flat_tops(pairs: int, runs_of_three: int = 0, partner: float = 1.0) -> np.ndarray:
    """A quiet sine with ``pairs`` two-sample flat tops and three-sample ones at 0.5 (the
    peak, signs alternating); the second sample of the first pair at ``partner`` times the peak."""
    data = _sine(0.2, freq_hz=50.0)
    at = 200
    for k in range(pairs + runs_of_three):
        width = 3 if k >= pairs else 2
        sign = 1.0 if k % 2 == 0 else -1.0  # alternating, so they add no DC
        data[at : at + width] = 0.5 * sign
        if k == 0:
            data[at + 1] = 0.5 * partner
        at += 311
    return data


@pytest.mark.parametrize("extra, fires", [(1, True), (0, False)])
def test_limited_by_more_flat_samples_than_the_maximum(extra: int, fires: bool) -> None:
    # pairs of two and one run of three: exactly FLAT_TOP_SAMPLES_MAX (+ 1) flat samples
    three = 1 if (ck.FLAT_TOP_SAMPLES_MAX + extra) % 2 else 0
    pairs = (ck.FLAT_TOP_SAMPLES_MAX + extra - 3 * three) // 2
    data = _flat_tops(pairs, three)
    bank = MeterBank(SR, 1)
    bank.update(data.astype(np.float32)[:, None])
    assert bank.result().levels.flat_top_samples == ck.FLAT_TOP_SAMPLES_MAX + extra
    assert _ids(data) == ({"limited"} if fires else set())


@pytest.mark.parametrize("away, fires", [(0.5, True), (2.0, False)])
def test_a_flat_top_is_within_the_tolerance(away: float, fires: bool) -> None:
    pairs = (ck.FLAT_TOP_SAMPLES_MAX + 1) // 2 + 1  # two samples over the maximum
    data = _flat_tops(pairs, partner=1 - away * lv.AT_MAX_TOLERANCE)
    assert _ids(data) == ({"limited"} if fires else set())


@pytest.mark.parametrize("db, fires", [(-0.1, False), (0.1, True)])
def test_near_silent_below_the_peak_level(db: float, fires: bool) -> None:
    data = _sine(10 ** ((ck.NEAR_SILENT_PEAK_DBFS - db) / 20))
    assert _ids(data) == ({"near_silent"} if fires else set())


def test_silent_only_at_a_peak_of_zero() -> None:
    assert _ids(np.zeros(SR)) == {"silent"}
    tiny = np.zeros(SR)
    tiny[100] = 1e-7
    assert _ids(tiny) == {"near_silent"}


@pytest.mark.parametrize("seconds, fires", [(MIN_LOUDNESS_S - 0.01, True), (MIN_LOUDNESS_S, False)])
def test_too_short_under_one_loudness_block(seconds: float, fires: bool) -> None:
    assert _ids(_sine(0.3, seconds)) == ({"too_short"} if fires else set())


@pytest.mark.parametrize("gap_ms, fires", [(1.0, True), (-1.0, False)])
def test_length_mismatch_beyond_the_tolerance(gap_ms: float, fires: bool) -> None:
    longer = round((ck.LENGTH_TOLERANCE_S + gap_ms / 1000) * SR) + SR
    assert _ids(_sine(0.3), session_frames=longer) == ({"length_mismatch"} if fires else set())


def _with_crest(crest_db: float) -> np.ndarray:
    """A steady sine with one spike: peak over the sounding RMS is ``crest_db``."""
    data = _sine(0.05)
    rms = 0.05 / np.sqrt(2)
    data[SR // 2] = rms * 10 ** (crest_db / 20)
    return data


@pytest.mark.parametrize("role", sorted(ck.CREST_FLOOR_DB))
@pytest.mark.parametrize("offset, fires", [(-0.3, True), (0.3, False)])
def test_over_compressed_under_the_roles_crest_floor(role: str, offset: float, fires: bool) -> None:
    ids = _ids(_with_crest(ck.CREST_FLOOR_DB[role] + offset), role)
    assert ids == ({"over_compressed"} if fires else set())


def _tone_at(lufs: float, seconds: float = 2.0) -> float:
    """Integrated loudness of a stereo 997 Hz tone whose peak level is ``lufs`` dBFS (which
    is its loudness, BS.1770)."""
    t = np.arange(round(seconds * SR)) / SR
    x = (10 ** (lufs / 20) * np.sin(2 * np.pi * 997.0 * t)).astype(np.float32)
    meter = ld.LoudnessMeter(SR, 2)
    meter.update(np.stack([x, x], axis=1))
    return meter.result().integrated_lufs


def test_absolute_gate() -> None:
    assert (ld.ABSOLUTE_GATE_LUFS, ld.RELATIVE_GATE_LU) == (-70.0, -10.0)  # ITU-R BS.1770-5
    inside = _tone_at(ld.ABSOLUTE_GATE_LUFS + 0.5)
    assert inside == pytest.approx(ld.ABSOLUTE_GATE_LUFS + 0.5, abs=0.05)
    assert not _tone_at(ld.ABSOLUTE_GATE_LUFS - 0.5) > ld.ABSOLUTE_GATE_LUFS - 1.0


def _with_quiet_part(relative_lu: float) -> tuple[np.ndarray, float]:
    """100 ms energies: 10 s at 1.0, then 2 s at a level ``relative_lu`` under the gating
    blocks' mean (solved, since the mean includes the quiet part); that level back."""
    quiet = 10 ** (relative_lu / 10)
    for _ in range(50):
        energy = np.concatenate([np.ones(100), np.full(20, quiet)])
        blocks = (energy[:-3] + energy[1:-2] + energy[2:-1] + energy[3:]) / 4
        quiet = blocks.mean() * 10 ** (relative_lu / 10)
    return np.concatenate([np.ones(100), np.full(20, quiet)]), quiet


@pytest.mark.parametrize("offset, counted", [(0.2, True), (-0.2, False)])
def test_relative_gate(offset: float, counted: bool) -> None:
    energy, _quiet = _with_quiet_part(ld.RELATIVE_GATE_LU + offset)
    loud_only = ld.integrated_from_energy(energy[:100])
    both = ld.integrated_from_energy(energy)
    assert (both < loud_only - 0.1) == counted


def _format_ids(name: str, role: str, rate: int = SR, subtype: str = "PCM_24") -> set[str]:
    stem = Stem(Path(f"{name}.wav"), f"{name}.wav", name, role, "name", rate, 2, rate, subtype)
    session = Session(Path("."), "t", SR, SR, (stem,), Manifest())
    found = ck.stem_checks(stem, None, session)
    for check in found:
        _as_documented(check, stem.file)
    return {c.id for c in found}


def test_format_checks_fire_only_on_their_fault() -> None:
    assert _format_ids("Keys", "keys") == set()
    assert _format_ids("Keys", "keys", rate=44100) == {"sample_rate_mismatch"}
    assert _format_ids("Keys", "keys", subtype="PCM_16") == {"bit_depth"}
    assert _format_ids("Keys", "keys", subtype="FLOAT") == set()
    assert _format_ids("Track_1", "unknown") == {"bad_label"}
    assert _format_ids("Thing", "unknown") == {"unknown_role"}
    checks = ck.stem_checks(
        Stem(Path("Keys.wav"), "Keys.wav", "Keys", "keys", "name", 44100, 2, 44100, "PCM_16"),
        None, Session(Path("."), "t", SR, SR, (), Manifest()),
    )  # fmt: skip
    assert [c.severity for c in checks] == ["error", "warning"]
    assert checks[0].value == 44100 and checks[0].threshold == SR
