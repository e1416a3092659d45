"""The render's plan and its stem groups pinned to exact values: the file names of the processed
stems, the cost each change adds, how the stems are split into groups, when a second process is
worth starting (at its exact edge and past it), and what a group of stems sums into each version.

Sessions are a few stems of a quarter of a second written to ``tmp_path``; the expected samples
are computed here with the same float32 steps (a gain of -6.02 dB, a hard pan), so the sums are
compared bit for bit. Each test builds its own inputs (a module-scoped fixture would tie the
engine's code to the first test only in a mutation run).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixreview.analysis import render_plan, render_stems
from mixreview.analysis.apply import KIND_ORDER, Change, chains_for
from mixreview.analysis.checks import DC_OFFSET_MAX, POLARITY_CORRELATION_MIN
from mixreview.analysis.manifest import Manifest
from mixreview.analysis.render_plan import (
    EQ_BAND_COST_MS,
    GROUPS,
    KIND_COST_MS,
    MIXES_COST_MS,
    PARALLEL_MIN_S,
    PARALLEL_MIN_THREADED_S,
    SCOPE_COST_MS,
    STEM_COST_MS,
    VERSIONS,
    common_prefix,
    default_workers,
    stem_costs,
    stem_groups,
    stem_output_names,
    validate_changes,
)
from mixreview.analysis.render_stems import GroupRenderer, StageChecks
from mixreview.analysis.render_wav import PARTIAL_SUFFIX, RenderError, quantize
from mixreview.analysis.session import Session, Stem, load_session
from tests.conftest import SR, file_digest, stereo, tone, write

HALF_DB = -6.02  # 10 ** (-6.02 / 20) = 0.50003: halves the samples
UNKNOWN_KIND_COST_MS = 0.05  # a kind missing from KIND_COST_MS (gain, headroom)


# -- helpers -----------------------------------------------------------------------------------
def fake_stem(file: str, frames: int = SR) -> Stem:
    return Stem(
        path=Path(file), file=file, name=file, role="unknown", role_source="name",
        sample_rate=SR, channels=2, frames=frames,
    )  # fmt: skip


def fake_session(frames: int, files: tuple[str, ...] = ("A.wav",)) -> Session:
    stems = tuple(fake_stem(f, frames) for f in files)
    return Session(Path("song"), "song", SR, frames, stems, Manifest())


def gain(file: str, db: float, source_id: str = "", kind: str = "gain") -> Change:
    return Change(kind=kind, stems=(file,), params={"gain_db": db}, source_id=source_id)


def factor(db: float) -> np.float32:
    return np.float32(10.0 ** (db / 20.0))


def session_of(folder: Path, stems: dict[str, np.ndarray]) -> Session:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in stems.items():
        write(folder / name, data, subtype="FLOAT")
    return load_session(folder)


def render_group(
    renderer: GroupRenderer, frames: int, block: int
) -> tuple[np.ndarray, dict[str, int]]:
    """Every block of the group, joined: (versions, frames, 2); and what finish returns."""
    parts = []
    done = 0
    while done < frames:
        n = min(block, frames - done)
        part = renderer.next_block(n)
        assert part.shape == (len(VERSIONS), n, 2) and part.dtype == np.float32
        parts.append(part)
        done += n
    return np.concatenate(parts, axis=1), renderer.finish()


def padded(data: np.ndarray, frames: int) -> np.ndarray:
    out = np.zeros((frames, 2), np.float32)
    out[: len(data)] = data
    return out


# -- stem_output_names -------------------------------------------------------------------------
def test_output_names_keep_subfolders_and_give_every_file_a_wav_name() -> None:
    files = ("Kick.wav", "drums/Snare.aif", "Pad.AIFF", "Vox.flac")
    assert stem_output_names([fake_stem(f) for f in files]) == {
        "Kick.wav": "stems/Kick.wav",
        "drums/Snare.aif": "stems/drums/Snare.wav",
        "Pad.AIFF": "stems/Pad.wav",
        "Vox.flac": "stems/Vox.wav",
    }


def test_the_wav_file_keeps_the_name_in_any_case_and_in_any_position() -> None:
    files = ("Bass.flac", "Bass.WAV", "drums/Kick.FLAC", "drums/Kick.wav")
    assert stem_output_names([fake_stem(f) for f in files]) == {
        "Bass.flac": "stems/Bass-flac.wav",
        "Bass.WAV": "stems/Bass.wav",
        "drums/Kick.FLAC": "stems/drums/Kick-flac.wav",
        "drums/Kick.wav": "stems/drums/Kick.wav",
    }


def test_without_a_wav_file_the_first_keeps_the_name() -> None:
    files = ("Bass.aif", "bass.flac", "Keys.aiff", "Keys.aif")
    assert stem_output_names([fake_stem(f) for f in files]) == {
        "Bass.aif": "stems/Bass.wav",
        "bass.flac": "stems/bass-flac.wav",
        "Keys.aiff": "stems/Keys.wav",
        "Keys.aif": "stems/Keys-aif.wav",
    }


def test_names_differing_only_in_case_are_told_apart() -> None:
    files = ("Kick.wav", "kick.wav")
    assert stem_output_names([fake_stem(f) for f in files]) == {
        "Kick.wav": "stems/Kick.wav",
        "kick.wav": "stems/kick-wav.wav",
    }


def test_a_name_still_taken_gets_the_next_free_number() -> None:
    files = ("A-flac-2.wav", "A.wav", "A.flac", "a.FLAC", "B.flac", "B.wav", "B-flac.wav")
    assert stem_output_names([fake_stem(f) for f in files]) == {
        "A-flac-2.wav": "stems/A-flac-2.wav",
        "A.wav": "stems/A.wav",
        "A.flac": "stems/A-flac.wav",
        "a.FLAC": "stems/a-flac-3.wav",  # a-flac.wav and a-flac-2.wav are taken (any case)
        "B.flac": "stems/B-flac.wav",
        "B.wav": "stems/B.wav",
        "B-flac.wav": "stems/B-flac-2.wav",
    }


def test_no_stems_no_names() -> None:
    assert stem_output_names([]) == {}


# -- costs -------------------------------------------------------------------------------------
def test_strip_order_follows_the_channel_strip_and_puts_unknown_kinds_last() -> None:
    kinds = ["pan", "mystery", "gain", "eq", "polarity", "compressor", "highpass"]
    changes = [Change(kind=k, stems=("A.wav",), params={}, source_id=k) for k in kinds]
    other = Change(kind="width", stems=("B.wav",), params={}, source_id="other")
    ordered = render_plan._strip_order([*changes, other], "A.wav")
    assert [c.kind for c in ordered] == [
        "polarity", "highpass", "eq", "compressor", "gain", "pan", "mystery",
    ]  # fmt: skip
    assert [c.kind for c in ordered[:-1]] == sorted(
        (c.kind for c in ordered[:-1]), key=KIND_ORDER.index
    )
    both = Change(kind="gain", stems=("A.wav", "B.wav"), params={})
    assert render_plan._strip_order([other, both], "B.wav") == [both, other]
    assert render_plan._strip_order([other], "A.wav") == []


def test_the_cost_of_each_kind_of_change() -> None:
    stems = [fake_stem("A.wav")]

    def cost(*changes: Change) -> float:
        [value] = stem_costs(stems, {"chosen": list(changes)})
        return value

    assert cost() == STEM_COST_MS
    for kind, ms in KIND_COST_MS.items():
        if kind != "eq":
            change = Change(kind=kind, stems=("A.wav",), params={})
            assert cost(change) == pytest.approx(STEM_COST_MS + ms, abs=1e-12), kind
    assert cost(gain("A.wav", -3.0)) == pytest.approx(STEM_COST_MS + UNKNOWN_KIND_COST_MS)
    band = {"type": "peaking", "freq_hz": 250.0, "gain_db": -3.0, "q": 1.0}
    eq3 = Change(kind="eq", stems=("A.wav",), params={"bands": [band, band, band]})
    assert cost(eq3) == pytest.approx(STEM_COST_MS + KIND_COST_MS["eq"] + 3 * EQ_BAND_COST_MS)
    for params in (band, {"bands": [], **band}, {"bands": None, **band}):
        one = Change(kind="eq", stems=("A.wav",), params=params)
        assert cost(one) == pytest.approx(STEM_COST_MS + KIND_COST_MS["eq"] + EQ_BAND_COST_MS)
    scoped = Change(kind="width", stems=("A.wav",), params={}, section_span_s=(1.0, 2.0))
    assert cost(scoped) == pytest.approx(STEM_COST_MS + KIND_COST_MS["width"] + SCOPE_COST_MS)
    pan = Change(kind="pan", stems=("A.wav",), params={})
    assert cost(scoped, pan, eq3) == pytest.approx(
        STEM_COST_MS + KIND_COST_MS["width"] + SCOPE_COST_MS + KIND_COST_MS["pan"]
        + KIND_COST_MS["eq"] + 3 * EQ_BAND_COST_MS, abs=1e-12
    )  # fmt: skip
    elsewhere = Change(kind="compressor", stems=("B.wav",), params={})
    assert cost(elsewhere) == STEM_COST_MS


def test_common_prefix_counts_the_shared_start() -> None:
    a, b, c, d = (gain("A.wav", db) for db in (-1.0, -2.0, -3.0, -4.0))
    assert common_prefix([a, b, c], [a, b, d]) == 2
    assert common_prefix([a, b, c], [a, b, c]) == 3
    assert common_prefix([a], [a, b]) == 1
    assert common_prefix([a, b], [a]) == 1
    assert common_prefix([b, a], [a, b]) == 0
    assert common_prefix([], [a]) == 0
    assert common_prefix([a], []) == 0
    assert common_prefix([a, c], [gain("A.wav", -1.0), c]) == 2  # equal, not the same object


def test_branches_pay_only_for_what_they_do_not_share_with_chosen() -> None:
    stems = [fake_stem("A.wav"), fake_stem("B.wav")]
    comp = Change(kind="compressor", stems=("A.wav",), params={}, source_id="comp")
    pan = Change(kind="pan", stems=("A.wav",), params={}, source_id="pan")
    width = Change(kind="width", stems=("A.wav",), params={}, source_id="width")
    polarity = Change(kind="polarity", stems=("B.wav",), params={}, source_id="flip")
    changes = {
        "chosen": [pan, comp],
        "assistant": [comp, width, pan],  # shares the compressor, then goes its own way
        "manual": [comp, pan, polarity],  # the same chain as chosen on A
    }
    a, b = stem_costs(stems, changes)
    assert a == pytest.approx(
        STEM_COST_MS + KIND_COST_MS["compressor"] + KIND_COST_MS["pan"]
        + KIND_COST_MS["width"] + KIND_COST_MS["pan"], abs=1e-12
    )  # fmt: skip
    assert b == pytest.approx(STEM_COST_MS + KIND_COST_MS["polarity"], abs=1e-12)
    # a version missing from the mapping costs nothing
    assert stem_costs(stems, {"manual": [polarity]}) == pytest.approx(
        [STEM_COST_MS, STEM_COST_MS + KIND_COST_MS["polarity"]], abs=1e-12
    )
    assert stem_costs(stems, {"assistant": [pan]}) == pytest.approx(
        [STEM_COST_MS + KIND_COST_MS["pan"], STEM_COST_MS], abs=1e-12
    )
    assert stem_costs([], changes) == []


# -- groups ------------------------------------------------------------------------------------
def test_groups_start_with_the_mixes_in_group_zero() -> None:
    stems = [fake_stem(f"S{i}.wav") for i in range(3)]
    assert stem_groups(stems, {}) == [[], [0, 1, 2]]
    assert stem_groups([], {}) == [[] for _ in range(GROUPS)]


def test_groups_take_the_costliest_stem_first_into_the_lighter_group() -> None:
    files = ("Light.wav", "Heavy.wav", "Middle.wav", "Other.wav")
    stems = [fake_stem(f) for f in files]
    band = {"type": "peaking", "freq_hz": 250.0, "gain_db": -3.0, "q": 1.0}
    heavy = Change(kind="eq", stems=("Heavy.wav",), params={"bands": [band] * 60})
    middle = [Change(kind="compressor", stems=("Middle.wav",), params={}, source_id=str(i))
              for i in range(6)]  # fmt: skip
    costs = stem_costs(stems, {"chosen": [heavy, *middle]})
    assert costs[1] > MIXES_COST_MS > costs[2] > costs[0] == costs[3]
    # Heavy (25.5) to group 1 (0 < 23.3), Middle (12.1) to group 0 (23.3 < 25.5), then the
    # light ones to group 1 (25.5 and 26.2 < 35.4), one after the other
    assert stem_groups(stems, {"chosen": [heavy, *middle]}) == [[2], [0, 1, 3]]
    # three groups: Heavy to group 1, Middle (12.1) to group 2, the light ones after it (12.1
    # and 12.8 < 23.3)
    assert stem_groups(stems, {"chosen": [heavy, *middle]}, groups=3) == [[], [1], [0, 2, 3]]


def test_groups_of_equal_stems_alternate_once_the_mixes_are_matched() -> None:
    stems = [fake_stem(f"S{i:02}.wav") for i in range(40)]
    over = math.ceil(MIXES_COST_MS / STEM_COST_MS + 1e-9)  # stems group 1 takes first: 34
    assert over == 34
    groups = stem_groups(stems, {})
    # the first 34 (by index: equal costs keep their order) to group 1, then group 0 (23.3 <
    # 23.8), group 1, ... alternately
    assert groups == [list(range(over, 40, 2)), [*range(over), *range(over + 1, 40, 2)]]
    assert stem_groups(stems, {}, groups=1) == [list(range(40))]


def test_groups_depend_on_costs_not_on_the_order_of_indices() -> None:
    files = ("A.wav", "B.wav", "C.wav")
    stems = [fake_stem(f) for f in files]
    comps = [Change(kind="compressor", stems=("C.wav",), params={}, source_id=str(i))
             for i in range(13)]  # fmt: skip
    width = Change(kind="width", stems=("B.wav",), params={})
    # C costs 25.4 (over the mixes): to group 1; B (0.95) then A (0.7) to group 0
    assert stem_groups(stems, {"chosen": [*comps, width]}) == [[0, 1], [2]]
    # with groups=3, B goes to group 2 before A: A then joins group 2 (0.95 < 23.3)
    assert stem_groups(stems, {"chosen": [*comps, width]}, groups=3) == [[], [2], [0, 1]]


# -- workers -----------------------------------------------------------------------------------
def set_machine(monkeypatch: pytest.MonkeyPatch, cpus: int | None, threads: int) -> None:
    monkeypatch.setattr(render_plan.os, "cpu_count", lambda: cpus)
    monkeypatch.setattr(render_plan.threading, "active_count", lambda: threads)


EDGE_FRAMES = 4_000_000  # one stem, no change: 24.0 ms/s x 83.33 s = 2.0 s exactly
THREADED_EDGE_FRAMES = 12_000_000  # 6.0 s exactly


def test_the_estimate_lands_exactly_on_the_edges() -> None:
    for frames, edge in (
        (EDGE_FRAMES, PARALLEL_MIN_S),
        (THREADED_EDGE_FRAMES, PARALLEL_MIN_THREADED_S),
    ):
        session = fake_session(frames)
        cost = MIXES_COST_MS + sum(stem_costs(session.mix_stems, {}))
        assert cost * session.duration_s / 1000.0 == edge


def test_a_second_process_only_past_the_estimated_edge(monkeypatch: pytest.MonkeyPatch) -> None:
    set_machine(monkeypatch, 2, 1)
    assert default_workers(fake_session(EDGE_FRAMES - 1), {}) == 1
    assert default_workers(fake_session(EDGE_FRAMES), {}) == 1
    assert default_workers(fake_session(EDGE_FRAMES + 1), {}) == GROUPS
    set_machine(monkeypatch, 8, 1)
    assert default_workers(fake_session(EDGE_FRAMES + 1), {}) == GROUPS


def test_with_threads_running_the_edge_is_later(monkeypatch: pytest.MonkeyPatch) -> None:
    set_machine(monkeypatch, 2, 2)
    assert default_workers(fake_session(EDGE_FRAMES + 1), {}) == 1
    assert default_workers(fake_session(THREADED_EDGE_FRAMES), {}) == 1
    assert default_workers(fake_session(THREADED_EDGE_FRAMES + 1), {}) == GROUPS


def test_one_core_or_an_unknown_count_means_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    long = fake_session(10 * THREADED_EDGE_FRAMES)
    set_machine(monkeypatch, 1, 1)
    assert default_workers(long, {}) == 1
    set_machine(monkeypatch, None, 1)
    assert default_workers(long, {}) == 1
    set_machine(monkeypatch, 2, 1)
    assert default_workers(long, {}) == GROUPS


def test_changes_count_towards_the_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    set_machine(monkeypatch, 2, 1)
    # 23.3 + 0.7 + 1.9 = 25.9 ms/s: 2.0 s from 3,706,564 frames on
    comp = Change(kind="compressor", stems=("A.wav",), params={})
    frames = math.ceil(PARALLEL_MIN_S * 1000.0 / (MIXES_COST_MS + 2.6) * SR)
    assert default_workers(fake_session(frames), {"chosen": [comp]}) == GROUPS
    assert default_workers(fake_session(frames), {}) == 1
    assert default_workers(fake_session(frames - 2), {"chosen": [comp]}) == 1
    # only the stems that enter the mix count
    two = fake_session(EDGE_FRAMES, ("A.wav", "B.wav"))
    broken = Session(
        two.path, two.title, SR, EDGE_FRAMES,
        (two.stems[0], Stem(Path("B.wav"), "B.wav", "B", "unknown", "name", error="bad")),
        Manifest(),
    )  # fmt: skip
    assert default_workers(two, {}) == GROUPS
    assert default_workers(broken, {}) == 1


# -- validation --------------------------------------------------------------------------------
def test_a_change_that_cannot_be_built_names_its_version() -> None:
    session = fake_session(SR)
    good = gain("A.wav", -3.0)
    validate_changes({"chosen": [good], "manual": []}, session)  # no error
    bad = Change(kind="eq", stems=("A.wav",), params={"bands": "loud"})
    with pytest.raises(RenderError) as info:
        validate_changes({"chosen": [good], "assistant": [good], "manual": [bad]}, session)
    assert str(info.value) == (
        "a change in the manual version cannot be rendered: eq: parameter 'bands' must be a "
        "list of bands, got 'loud'. Fix or remove it in the review (the app shows it) and "
        "render again."
    )
    assert info.value.__cause__ is None and info.value.__suppress_context__
    unknown = Change(kind="reverb", stems=("A.wav",), params={})
    with pytest.raises(RenderError, match=r"^a change in the assistant version cannot be"):
        validate_changes({"assistant": [unknown], "manual": [bad]}, session)


# -- a group of stems --------------------------------------------------------------------------
def three_stems(tmp_path: Path) -> tuple[Session, dict[str, np.ndarray]]:
    """A (0.2 s, two tones), B (0.25 s, mono tone), C (0.25 s, stereo): 12,000 frames."""
    a = stereo(tone(220, 0.2, 0.4), tone(330, 0.2, 0.3))
    b = tone(110, 0.25, 0.5)[:, None]
    c = stereo(tone(550, 0.25, 0.2), tone(660, 0.25, 0.1))
    session = session_of(tmp_path / "song", {"A.wav": a, "B.wav": b, "C.wav": c})
    frames = session.frames
    assert frames == 12000
    return session, {
        "A.wav": padded(a, frames),
        "B.wav": padded(np.repeat(b, 2, axis=1), frames),
        "C.wav": padded(c, frames),
    }


def test_each_version_sums_its_own_chain(tmp_path: Path) -> None:
    session, raw = three_stems(tmp_path)
    a, b, c = raw["A.wav"], raw["B.wav"], raw["C.wav"]
    down = gain("A.wav", HALF_DB, "down")
    left = Change(kind="pan", stems=("A.wav",), params={"pan": -1.0}, source_id="left")
    trim = gain("A.wav", HALF_DB, "trim", kind="headroom")
    up = gain("B.wav", 6.02, "up")
    changes = {
        "chosen": [left, down],  # strip order: gain, then pan
        "assistant": [down, trim],  # shares the gain, then a trim of its own
        "manual": [down, up],  # A: the gain alone (the chosen chain's first stage)
    }
    renderer = GroupRenderer(session, [0, 1, 2], changes, tmp_path, None, "PCM_24")
    sums, clipped = render_group(renderer, session.frames, 5000)
    assert clipped == {}
    halved = a * factor(HALF_DB)
    hard_left = np.array([math.sqrt(2.0), 0.0], np.float32)
    expected = {
        "chosen": halved * hard_left + b + c,
        "original": a + b + c,
        "assistant": halved * factor(HALF_DB) + b + c,
        "manual": halved + b * factor(6.02) + c,
    }
    for index, version in enumerate(VERSIONS):
        assert np.array_equal(sums[index], expected[version]), version
    # the hard left pan leaves A's right channel out: only B and C there
    assert np.array_equal(sums[0][:, 1], (b + c)[:, 1])
    assert np.abs(halved).max() == pytest.approx(0.2, abs=1e-4)  # -6.02 dB halves 0.4
    assert not list(tmp_path.glob("stems*"))


def test_branching_from_the_chosen_chain_equals_running_each_whole_chain(tmp_path: Path) -> None:
    """Stateful processors (filters, a compressor, a change confined to a section) shared by the
    versions: each version's sum is what its own whole chain makes from the raw stems."""
    session, raw = three_stems(tmp_path)
    band = {"type": "peaking", "freq_hz": 400.0, "gain_db": -6.0, "q": 1.0}
    hp = Change(kind="highpass", stems=("A.wav",), params={"freq_hz": 120.0}, source_id="hp")
    eq = Change(kind="eq", stems=("A.wav", "C.wav"), params={"bands": [band]}, source_id="eq")
    comp = Change(
        kind="compressor", stems=("A.wav",), source_id="comp",
        params={"threshold_db": -30.0, "ratio": 4.0, "attack_ms": 5.0, "release_ms": 50.0},
    )  # fmt: skip
    scoped = Change(
        kind="width", stems=("C.wav",), params={"width": 0.0}, section_span_s=(0.1, 0.2),
        source_id="narrow",
    )  # fmt: skip
    changes = {
        "chosen": [hp, eq, comp],
        "assistant": [hp, eq, gain("A.wav", -3.0, "a"), scoped],  # leaves A after the eq
        "manual": [hp, scoped],  # leaves A after the high-pass; C has a chain of its own
    }
    renderer = GroupRenderer(session, [0, 1, 2], changes, tmp_path, None, "PCM_24")
    sums, _ = render_group(renderer, session.frames, 3000)
    for index, version in enumerate(VERSIONS):
        chains = chains_for(changes.get(version, []), session)
        expected = np.zeros((session.frames, 2), np.float32)
        for file in ("A.wav", "B.wav", "C.wav"):
            chain = chains.get(file)
            blocks = [raw[file][i : i + 3000] for i in range(0, session.frames, 3000)]
            out = [b if chain is None else chain.process(b.copy()) for b in blocks]
            expected += np.concatenate(out)
        assert np.array_equal(sums[index], expected), version
    assert np.abs(sums[0] - sums[1]).max() > 0.01  # the chosen changes did something
    assert np.abs(sums[2] - sums[0]).max() > 0.01 and np.abs(sums[3] - sums[0]).max() > 0.01


def test_a_group_sums_only_its_own_stems_and_reads_silence_past_their_end(tmp_path: Path) -> None:
    session, raw = three_stems(tmp_path)
    renderer = GroupRenderer(session, [0, 2], {}, tmp_path, None, "PCM_24")
    sums, _ = render_group(renderer, session.frames, 4096)
    for index in range(len(VERSIONS)):
        assert np.array_equal(sums[index], raw["A.wav"] + raw["C.wav"])
    assert np.abs(sums[:, 9600:, :] - raw["C.wav"][9600:]).max() == 0.0  # A ends at 0.2 s
    empty = GroupRenderer(session, [], {}, tmp_path, None, "PCM_24")
    sums, clipped = render_group(empty, 1000, 1000)
    assert clipped == {} and not sums.any()


def test_processed_stems_are_the_chosen_chain_quantized(tmp_path: Path) -> None:
    session, raw = three_stems(tmp_path)
    before = {p.name: file_digest(p) for p in (tmp_path / "song").iterdir()}
    names = stem_output_names(session.mix_stems)
    out = tmp_path / "out"
    up = gain("C.wav", 12.0, "up")  # C peaks at 0.2: 0.8 after 12 dB, no clipping
    loud = gain("B.wav", 9.0, "loud")  # B peaks at 0.5: 1.41, clipped
    changes = {"chosen": [gain("A.wav", HALF_DB), up, loud], "assistant": [up]}
    for subtype, scale in (("PCM_24", 2.0**23), ("PCM_16", 2.0**15)):
        folder = out / subtype
        renderer = GroupRenderer(session, [0, 1, 2], changes, folder, names, subtype)
        _, clipped = render_group(renderer, session.frames, 5000)
        expected = {
            "A.wav": raw["A.wav"] * factor(HALF_DB),
            "B.wav": raw["B.wav"] * factor(9.0),
            "C.wav": raw["C.wav"] * factor(12.0),
        }
        over = int(np.count_nonzero(np.rint(expected["B.wav"] * np.float32(scale)) > scale - 1))
        under = int(np.count_nonzero(np.rint(expected["B.wav"] * np.float32(scale)) < -scale))
        assert over > 0 and under > 0
        assert clipped == {"A.wav": 0, "B.wav": over + under, "C.wav": 0}
        for file, data in expected.items():
            path = folder / names[file]
            info = sf.info(str(path))
            assert (info.subtype, info.frames, info.channels) == (subtype, 12000, 2)
            back, _ = sf.read(str(path), dtype="float64", always_2d=True)
            assert np.array_equal(back, quantize(data, subtype)[0] / scale), (subtype, file)
        assert sorted(p.name for p in (folder / "stems").iterdir()) == [
            "A.wav", "B.wav", "C.wav"]  # fmt: skip
        assert not list(folder.rglob(f"*{PARTIAL_SUFFIX}"))
        assert all(r._file.closed for r in renderer.readers)
    after = {p.name: file_digest(p) for p in (tmp_path / "song").iterdir()}
    assert after == before  # the sources are read, never written


def test_only_the_named_stems_of_the_group_are_written(tmp_path: Path) -> None:
    session, raw = three_stems(tmp_path)
    names = stem_output_names(session.mix_stems)
    renderer = GroupRenderer(session, [1], {}, tmp_path, names, "FLOAT")
    sums, clipped = render_group(renderer, session.frames, 12000)
    assert clipped == {"B.wav": 0}
    assert [p.name for p in (tmp_path / "stems").iterdir()] == ["B.wav"]
    back, _ = sf.read(str(tmp_path / "stems" / "B.wav"), dtype="float32", always_2d=True)
    assert np.array_equal(back, raw["B.wav"])  # a mono stem: the same on both sides
    assert np.array_equal(sums[1], raw["B.wav"])


def test_a_failure_while_opening_removes_what_was_begun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, _ = three_stems(tmp_path)
    opened: list[render_stems.StemReader] = []
    real = render_stems.StemReader

    def reader(*args: object) -> render_stems.StemReader:
        opened.append(real(*args))  # type: ignore[arg-type]
        return opened[-1]

    monkeypatch.setattr(render_stems, "StemReader", reader)
    names = {"A.wav": "stems/A.wav", "B.wav": "stems/B.wav"}  # C has no name
    with pytest.raises(KeyError, match=r"C\.wav"):
        GroupRenderer(session, [0, 1, 2], {}, tmp_path / "out", names, "PCM_24")
    assert len(opened) == 3 and all(r._file.closed for r in opened)
    assert [p for p in (tmp_path / "out").rglob("*") if p.is_file()] == []


def test_abort_removes_the_partial_stems_and_closes_the_readers(tmp_path: Path) -> None:
    session, _ = three_stems(tmp_path)
    names = stem_output_names(session.mix_stems)
    renderer = GroupRenderer(session, [0, 2], {}, tmp_path, names, "PCM_24")
    partials = sorted(p.name for p in (tmp_path / "stems").iterdir())
    assert partials == [f"A.wav{PARTIAL_SUFFIX}", f"C.wav{PARTIAL_SUFFIX}"]
    renderer.next_block(1000)
    renderer.abort()
    assert list((tmp_path / "stems").iterdir()) == []
    assert all(r._file.closed for r in renderer.readers)


def test_a_damaged_stem_is_reported_once_with_where_it_stopped(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    write(folder / "Pad.wav", stereo(tone(440, 2.0, 0.1)))
    noise = (np.random.default_rng(0).standard_normal((2 * SR, 2)) * 0.1).astype(np.float32)
    sf.write(str(folder / "Noise.flac"), noise, SR, subtype="PCM_24")
    data = (folder / "Noise.flac").read_bytes()
    (folder / "Noise.flac").write_bytes(data[: len(data) * 3 // 4])
    session = load_session(folder)
    files = [s.file for s in session.mix_stems]
    assert files == ["Noise.flac", "Pad.wav"]
    renderer = GroupRenderer(session, [0, 1], {}, tmp_path, None, "PCM_24")
    sums, _ = render_group(renderer, session.frames, 20000)
    damaged = renderer.readers[0].damaged_at_s
    assert damaged is not None and renderer.readers[1].damaged_at_s is None
    assert renderer.read_errors == {"Noise.flac": damaged}
    cut = round(damaged * SR)
    pad = sf.read(str(folder / "Pad.wav"), dtype="float32", always_2d=True)[0]
    assert np.array_equal(sums[0][cut:], pad[cut:])  # silence from the damage on


# -- the checks after each chosen change -------------------------------------------------------
def test_rechecks_follow_each_chosen_change_of_the_stems_asked_for(tmp_path: Path) -> None:
    wave = tone(100, 0.5, 0.3) + np.float32(2 * DC_OFFSET_MAX)
    session = session_of(
        tmp_path / "song",
        {"Dc.wav": stereo(wave), "Plain.wav": stereo(tone(200, 0.5, 0.2)),
         "Other.wav": stereo(tone(300, 0.5, 0.2))},
    )  # fmt: skip
    flip = Change(kind="polarity", stems=("Dc.wav",), params={"channels": "right"}, source_id="f")
    up = gain("Dc.wav", 12.0, "up")
    other = gain("Other.wav", -3.0, "other")
    changes = {"chosen": [up, flip, other], "assistant": [gain("Plain.wav", -3.0, "p")]}
    index = {s.file: i for i, s in enumerate(session.mix_stems)}
    renderer = GroupRenderer(
        session, list(index.values()), changes, tmp_path, None, "PCM_24",
        recheck=("Dc.wav", "Plain.wav"),
    )  # fmt: skip
    render_group(renderer, session.frames, 10000)
    rechecks = renderer.rechecks()
    assert list(rechecks) == ["Dc.wav"]  # Plain has no chosen change, Other was not asked for
    flipped, louder = rechecks["Dc.wav"]
    assert isinstance(flipped, StageChecks)
    # the polarity flip comes first in the strip, then the gain
    assert (flipped.change_id, louder.change_id) == ("f", "up")
    assert [c.id for c in flipped.fired] == ["dc_offset", "channel_polarity"]
    assert [c.id for c in louder.fired] == ["dc_offset", "channel_polarity", "over_full_scale"]
    for check in (*flipped.fired, *louder.fired):
        assert check.file == "Dc.wav" and check.message.startswith("Dc.wav: "), check
    for stage in (flipped, louder):
        assert stage.correlation is not None and stage.correlation < POLARITY_CORRELATION_MIN
        assert stage.correlation == pytest.approx(-1.0, abs=1e-6)
    assert abs(flipped.dc_offset) == pytest.approx(2 * DC_OFFSET_MAX, rel=1e-3)
    assert abs(louder.dc_offset) == pytest.approx(2 * DC_OFFSET_MAX * factor(12.0), rel=1e-3)
    assert flipped.over_full_scale_samples == 0
    over = int(np.count_nonzero(np.abs(wave * factor(12.0)) > 1.0)) * 2
    assert over > 0 and louder.over_full_scale_samples == over
    assert type(louder.over_full_scale_samples) is int and type(louder.dc_offset) is float
    nothing = GroupRenderer(session, [0, 1, 2], changes, tmp_path, None, "PCM_24")
    render_group(nothing, session.frames, 10000)
    assert nothing.rechecks() == {}


def test_the_mixes_are_metered_and_their_meters_let_go(tmp_path: Path) -> None:
    """Each version is measured on what was added, and its meters are dropped as soon as it
    is: a long render does not hold four versions' blocks beside their results."""
    from mixreview.analysis.render import VERSIONS, MixAssembler

    tone = (0.25 * np.sin(2 * np.pi * 440 * np.arange(SR) / SR)).astype(np.float32)
    session = session_of(tmp_path / "song", {"A.wav": tone})
    assembler = MixAssembler(session, tmp_path, [], "PCM_24")
    both = np.stack([tone, tone], axis=1)
    assembler.add([np.stack([both * (index + 1) for index in range(len(VERSIONS))])])
    measurements, mono = assembler.finish()
    assert assembler.banks == {}
    assert list(measurements) == list(VERSIONS) and set(mono) == set(VERSIONS)
    loudness = [measurements[v].loudness.integrated_lufs for v in VERSIONS]
    for index in range(1, len(VERSIONS)):  # version i was added at (i + 1) times the level
        assert loudness[index] - loudness[0] == pytest.approx(20 * math.log10(index + 1), abs=0.01)
