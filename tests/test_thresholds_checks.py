"""Every documented threshold of the stem checks and the loudness gates, pinned from both sides.

Each test builds a short signal just inside and one just outside a threshold, read from the
code's constant, and runs it through the real meters and checks. The numbers in docs/checks.md
are compared with the same constants, so the doc, the code and the tests cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis import checks as ck
from mixreview.analysis.formats import describe_subtype, resolution_note
from mixreview.analysis.manifest import Manifest
from mixreview.analysis.measure import MIN_LOUDNESS_S, Measurement, MeterBank, StemOutcome
from mixreview.analysis.meters import levels as lv
from mixreview.analysis.meters import loudness as ld
from mixreview.analysis.meters.stereo import IDENTICAL_DIFFERENCE_MAX, StereoResult
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


def _measured(data: np.ndarray) -> Measurement:
    """``data`` (frames, or frames x channels) through the real meters."""
    block = np.asarray(data, np.float32)
    if block.ndim == 1:
        block = block[:, None]
    bank = MeterBank(SR, block.shape[1])
    bank.update(block)
    return bank.result()


def _checks(
    data: np.ndarray | Measurement,
    role: str = "synth",
    subtype: str = "PCM_24",
    session_frames: int = 0,
    manifest: Manifest | None = None,
    stem_frames: int = 0,
) -> list[ck.Check]:
    """The checks that fire on ``data`` (or on a measurement) as a stem, each validated against
    docs/checks.md; the stem's header-less frame count is ``stem_frames`` when given."""
    m = data if isinstance(data, Measurement) else _measured(data)
    frames = stem_frames or m.frames
    stem = Stem(Path("Part.wav"), "Part.wav", "Part", role, "name", SR, m.channels, frames,
                subtype)  # fmt: skip
    session = Session(Path("."), "t", SR, max(frames, session_frames), (stem,),
                      manifest or Manifest())  # fmt: skip
    found = ck.stem_checks(stem, StemOutcome(stem.file, m), session)
    for check in found:
        _as_documented(check, stem.file)
    return found


def _ids(
    data: np.ndarray, role: str = "synth", subtype: str = "PCM_24", session_frames: int = 0
) -> set[str]:
    """The ids of the checks that fire on ``data`` (frames x channels) measured as a stem."""
    return {c.id for c in _checks(data, role, subtype, session_frames)}


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


# The exact edge of each comparison, the precision of each value and the fields of the rarer
# checks. A measured result is copied with one fact changed (``replace``) where no signal
# measures exactly at the threshold.


def _nudged(level: float, target: float, to_db: Callable[[float], float]) -> float:
    """The float next to ``level`` whose level in dB, as the meters compute it, is exactly
    ``target``."""
    for direction in (np.inf, -np.inf):
        x = level
        for _ in range(64):
            if to_db(x) == target:
                return x
            x = float(np.nextafter(x, direction))
    raise AssertionError(f"no float at exactly {target} dB near {level}")


def test_an_empty_file_is_its_own_check_and_nothing_else() -> None:
    stem = Stem(Path("Keys.wav"), "Keys.wav", "Keys", "keys", "name", SR, 2, 0, "PCM_24")
    found = ck.stem_checks(stem, None, Session(Path("."), "t", SR, SR, (stem,), Manifest()))
    assert [(c.id, c.severity, c.value) for c in found] == [("empty_file", "error", 0)]
    _as_documented(found[0], "Keys.wav")
    one = Stem(Path("Keys.wav"), "Keys.wav", "Keys", "keys", "name", SR, 2, 1, "PCM_24")
    found = ck.stem_checks(one, None, Session(Path("."), "t", SR, 1, (one,), Manifest()))
    assert found == []


def test_bit_depth_names_the_format_and_the_24_bit_aim() -> None:
    stem = Stem(Path("Keys.wav"), "Keys.wav", "Keys", "keys", "name", SR, 2, SR, "PCM_16")
    (check,) = ck.stem_checks(stem, None, Session(Path("."), "t", SR, SR, (stem,), Manifest()))
    assert (check.id, check.value, check.threshold) == ("bit_depth", "PCM_16", "PCM_24")
    assert describe_subtype("PCM_16") in check.message
    assert resolution_note("PCM_16") in check.message and "96 dB" in check.message


def _format_checks(frames: int, session_frames: int, channels: int = 2) -> list[ck.Check]:
    stem = Stem(Path("Keys.wav"), "Keys.wav", "Keys", "keys", "name", SR, channels, frames,
                "PCM_24")  # fmt: skip
    found = ck.stem_checks(stem, None, Session(Path("."), "t", SR, session_frames, (stem,),
                                               Manifest()))  # fmt: skip
    for check in found:
        _as_documented(check, stem.file)
    return found


def test_length_mismatch_exactly_at_the_tolerance_and_its_values_in_ms() -> None:
    at = round(ck.LENGTH_TOLERANCE_S * SR)
    assert at / SR == ck.LENGTH_TOLERANCE_S and (2 * at) / SR - at / SR == ck.LENGTH_TOLERANCE_S
    assert _format_checks(at, 2 * at) == []  # exactly the tolerance: not more than it
    assert [c.id for c in _format_checks(at - 1, 2 * at)] == ["length_mismatch"]
    # a stereo stem and a mono one alike; the lengths rounded to the millisecond
    for channels in (1, 2):
        (check,) = _format_checks(SR + 7, 2 * SR + 29, channels)
        assert (check.value, check.threshold) == (1.0, 2.001)
        (check,) = _format_checks(SR + 31, 2 * SR + 29, channels)
        assert (check.value, check.threshold) == (round((SR + 31) / SR, 3), 2.001)


def test_name_checks_carry_the_name_read() -> None:
    (label,) = _format_checks_named("Track_1", "unknown")
    (unknown,) = _format_checks_named("Thing", "unknown")
    assert (label.id, label.value) == ("bad_label", "Track_1")
    assert (unknown.id, unknown.value) == ("unknown_role", "Thing")
    assert "'Track_1'" in label.message


def _format_checks_named(name: str, role: str) -> list[ck.Check]:
    stem = Stem(Path(f"{name}.wav"), f"{name}.wav", name, role, "name", SR, 2, SR, "PCM_24")
    return ck.stem_checks(stem, None, Session(Path("."), "t", SR, SR, (stem,), Manifest()))


def test_a_measurement_shorter_than_the_file_is_truncated() -> None:
    found = _checks(_sine(0.3), stem_frames=SR + 100)
    assert [(c.id, c.value, c.threshold) for c in found] == [("truncated", SR, SR + 100)]
    assert f"only {SR:,} of {SR + 100:,} frames" in found[0].message
    # a header promising more is reported once, by the format check, not again here
    stem = Stem(Path("Part.wav"), "Part.wav", "Part", "synth", "name", SR, 1, SR, "PCM_24",
                header_frames=SR + 100)  # fmt: skip
    session = Session(Path("."), "t", SR, SR, (stem,), Manifest())
    m = replace(_measured(_sine(0.3)), frames=SR - 100)
    found = ck.stem_checks(stem, StemOutcome(stem.file, m), session)
    assert [(c.id, c.value, c.threshold) for c in found] == [("truncated", SR, SR + 100)]
    _as_documented(found[0], "Part.wav")
    assert f"promises {SR + 100:,} frames (1.00 s) but the file holds {SR:,}" in found[0].message


def test_near_silent_exactly_at_the_peak_level_and_its_value_in_tenths() -> None:
    m = _measured(_sine(0.3))
    at = 10 ** (ck.NEAR_SILENT_PEAK_DBFS / 20)
    at = _nudged(at, ck.NEAR_SILENT_PEAK_DBFS, lambda x: float(lv.amp_to_db(x)))
    assert _checks(replace(m, levels=replace(m.levels, sample_peak=at))) == []
    quiet = replace(m, levels=replace(m.levels, sample_peak=10 ** (-63.27 / 20)))
    (check,) = _checks(quiet)
    assert (check.id, check.value) == ("near_silent", -63.3)
    assert "-63.3 dBFS" in check.message


def test_too_short_value_in_ms_and_the_length_it_states() -> None:
    (check,) = _checks(_sine(0.3, 0.3502))
    assert (check.id, check.value) == ("too_short", 0.35)
    assert "350 ms long" in check.message
    (check,) = _checks(_sine(0.3, 0.1238, freq_hz=1000.0))
    assert check.value == 0.124 and "124 ms long" in check.message


def _overs(subtype: str, overs: int = 20, at_full_scale: int = 0) -> list[ck.Check]:
    """A sine with ``overs`` samples above full scale and ``at_full_scale`` at it, as a stem of
    ``subtype``."""
    data = _sine(0.3)
    data[np.arange(overs) * 997 + 50] = 1.5
    data[np.arange(at_full_scale) * 997 + 70] = 1.0
    return _checks(data, subtype=subtype)


@pytest.mark.parametrize("subtype", ["FLOAT", "DOUBLE", "float"])
def test_float_overs_are_not_clipping(subtype: str) -> None:
    (check,) = _overs(subtype)
    assert (check.id, check.value, check.threshold) == ("over_full_scale", 20, 0)
    assert "+3.5 dBFS" in check.message
    # only the samples held at full scale count as clipped in a float file
    (check,) = _overs(subtype, at_full_scale=ck.CLIP_SAMPLES_MAX)
    assert check.id == "over_full_scale"
    (check,) = _overs(subtype, at_full_scale=ck.CLIP_SAMPLES_MAX + 1)
    assert (check.id, check.value) == ("clipping", ck.CLIP_SAMPLES_MAX + 1)


@pytest.mark.parametrize("subtype", ["PCM_24", "PCM_32"])
def test_in_a_fixed_point_stem_every_sample_over_full_scale_clips(subtype: str) -> None:
    (check,) = _overs(subtype, overs=5, at_full_scale=4)
    assert (check.id, check.value, check.threshold) == ("clipping", 9, ck.CLIP_SAMPLES_MAX)


@pytest.mark.parametrize(
    "tempo, beats, where",
    [(120.0, 3, "bar 4"), (120.0, 4, "bar 3"), (60.0, 4, "bar 2"), (None, 4, "0:04.5-0:04.6")],
)
def test_clipping_says_where_in_the_song(tempo: float | None, beats: int, where: str) -> None:
    data = _sine(0.3, 6.0)
    data[round(4.55 * SR) + np.arange(ck.CLIP_SAMPLES_MAX + 1) * 3] = 1.0
    manifest = Manifest(tempo_bpm=tempo, beats_per_bar=beats)
    (check,) = _checks(data, manifest=manifest)
    assert check.id == "clipping"
    clips = ck.CLIP_SAMPLES_MAX + 1
    assert check.message.endswith(f"{clips} samples at full scale in {clips} runs (longest 1 "
                                  f"samples; {where}).")  # fmt: skip


def _levels(**changes: object) -> lv.LevelsResult:
    """The levels of a quiet mono sine, with ``changes``."""
    return replace(_measured(_sine(0.2)).levels, **changes)  # type: ignore[arg-type]


def test_dc_offset_exactly_at_the_maximum_and_its_value() -> None:
    for sign in (1.0, -1.0):
        at = _levels(dc_offsets=(sign * ck.DC_OFFSET_MAX,))
        assert ck.processed_checks("Part.wav", at, None) == []
    (check,) = ck.processed_checks("Part.wav", _levels(dc_offsets=(-0.0012345678,)), None)
    assert (check.id, check.value, check.threshold) == ("dc_offset", -0.00123, ck.DC_OFFSET_MAX)
    assert "-0.0012 (-58.2 dBFS)" in check.message and check.file == "Part.wav"


def _stereo(correlation: float) -> StereoResult:
    stereo = _measured(_correlated(0.3)).stereo
    assert stereo is not None
    return replace(stereo, ll=1.0, rr=1.0, lr=correlation)


def test_channel_polarity_exactly_at_the_correlation_and_its_value() -> None:
    at = _stereo(ck.POLARITY_CORRELATION_MIN)
    assert at.correlation == ck.POLARITY_CORRELATION_MIN
    assert ck.processed_checks("Part.wav", _levels(), at) == []
    (check,) = ck.processed_checks("Part.wav", _levels(), _stereo(-0.61234))
    assert (check.id, check.value, check.threshold) == ("channel_polarity", -0.612, -0.5)
    assert "-0.61" in check.message and check.file == "Part.wav"


def test_fake_stereo_reads_no_difference() -> None:
    left = _sine(0.3, freq_hz=440.0)
    (check,) = _checks(np.stack([left, left], axis=1))
    assert (check.id, check.value, check.threshold) == ("fake_stereo", 0.0, 0.0)


def test_limited_only_below_full_scale() -> None:
    flat = ck.FLAT_TOP_SAMPLES_MAX + 1
    full = _levels(sample_peak=lv.FULL_SCALE, flat_top_samples=flat)
    assert ck.limited_check("Part.wav", full) is None  # that is clipping, not a limiter
    under = float(np.nextafter(lv.FULL_SCALE, 0.0))
    check = ck.limited_check("Part.wav", _levels(sample_peak=under, flat_top_samples=flat))
    assert check is not None and check.value == flat


def test_limited_by_peak_shapes_as_documented() -> None:
    shapes = ck.TOP_PEAK_SHAPES_MAX + 1
    levels = _levels(sample_peak=0.5, top_peak_shapes=shapes, top_peaks=10, top_peaks_exact=7)
    check = ck.limited_check("Part.wav", levels)
    assert check is not None
    assert check.severity == _severity("limited") and check.file == "Part.wav"
    assert check.message.startswith("Part.wav: ")
    assert (check.id, check.value, check.threshold) == ("limited", shapes, ck.TOP_PEAK_SHAPES_MAX)
    assert check.fix == ck.LIMITER_FIX
    assert f"{shapes} separate peaks" in check.message and "-6.02 dBFS" in check.message
    # the share of exact peaks at exactly its minimum still counts; one fewer does not
    assert ck.TOP_PEAK_EXACT_SHARE_MIN * 10 == 7
    assert ck.limited_check("Part.wav", replace(levels, top_peaks_exact=6)) is None
    assert ck.limited_check("Part.wav", replace(levels, top_peak_shapes=shapes - 1)) is None


def _with_active_level(peak_db: float, floor_db: float) -> lv.LevelsResult:
    """Levels peaking at ``peak_db`` whose sounding RMS is exactly ``floor_db`` under it."""
    mean_square = _nudged(10 ** ((peak_db - floor_db) / 10), peak_db - floor_db,
                          lambda x: float(lv.power_to_db(x)))  # fmt: skip
    series = np.full(10, mean_square)
    return _levels(
        sample_peak=10 ** (peak_db / 20),
        mean_square_series=series,
        active_mean_square=lv.active_mean_square(series),
    )


@pytest.mark.parametrize("role", sorted(ck.CREST_FLOOR_DB))
def test_over_compressed_exactly_at_the_floor_and_its_fields(role: str) -> None:
    floor = ck.CREST_FLOOR_DB[role]
    at = _with_active_level(0.0, floor)
    assert at.crest_db == floor
    assert ck.over_compressed_check("Part.wav", role, at) is None
    under = replace(at, sample_peak=10 ** (-0.12345 / 20))
    check = ck.over_compressed_check("Part.wav", role, under)
    assert check is not None
    _as_documented(check, "Part.wav")
    assert (check.value, check.threshold) == (round(floor - 0.12345, 2), floor)
    assert f"{role.replace('_', ' ')} keeps" in check.message


def test_over_compressed_needs_a_finite_crest() -> None:
    silent = _levels(sample_peak=0.0)
    assert silent.crest_db is None
    assert ck.over_compressed_check("Part.wav", "bass", silent) is None
    endless = _levels(sample_peak=np.inf)
    assert endless.crest_db == np.inf
    assert ck.over_compressed_check("Part.wav", "bass", endless) is None
    sine = _levels()  # a crest of 3 dB: under every floor, and a synth has none
    assert ck.over_compressed_check("Part.wav", "bass", sine) is not None
    assert ck.over_compressed_check("Part.wav", "synth", sine) is None
