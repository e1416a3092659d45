"""The real-time mixer against the offline render: block by block, through loops, seeks, A/B."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy import signal

from mixreview.analysis.apply import Change
from mixreview.analysis.blind import Blind
from mixreview.analysis.meters.loudness import LoudnessMeter
from mixreview.analysis.playback import (
    LoudnessMatcher,
    MeterTaps,
    Mixer,
    audible_stems,
    build_units,
    measure_versions,
    passage_for,
    render_mix,
    render_versions,
)
from mixreview.analysis.session import Session, Stem, load_session

SR = 48000
BLOCK = 1024
SECONDS = 8.0


def _stems(seconds: float) -> dict[str, np.ndarray]:
    n = round(seconds * SR)
    t = np.arange(n) / SR
    rng = np.random.default_rng(11)
    env = (0.55 + 0.45 * np.sin(2 * np.pi * t / 1.7)).astype(np.float32)
    kick = (0.6 * np.sin(2 * np.pi * 55 * t) * np.exp(-(t % 0.5) * 9)).astype(np.float32)
    bass = 0.3 * np.sin(2 * np.pi * 110 * t) * env
    keys = 0.2 * np.sin(2 * np.pi * 330 * t + 0.3) + 0.003 * rng.standard_normal(n)
    # Low-passed noise: music-like steps, so a click stands out.
    pad = signal.lfilter([0.02], [1.0, -0.98], rng.standard_normal((n, 2)), axis=0) * 0.3
    return {
        "Kick.wav": kick,  # mono
        "Bass.wav": np.stack([bass, 0.9 * bass], axis=1),
        "Keys.wav": np.stack([keys, 0.8 * keys + 0.02], axis=1),
        "Pad.flac": pad,
    }


def make_session(parent: Path) -> Session:
    """The test session: four stems of SECONDS in ``parent/song``."""
    folder = parent / "song"
    folder.mkdir()
    for name, data in _stems(SECONDS).items():
        sf.write(str(folder / name), data.astype(np.float32), SR, subtype="PCM_24")
    return load_session(folder)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return make_session(tmp_path_factory.mktemp("mixer"))


EQ = Change("eq", ("Bass.wav",), {"bands": [{"type": "peaking", "freq_hz": 110, "gain_db": -6}]})
COMP = Change(
    "compressor",
    ("Keys.wav",),
    {"threshold_db": -30, "ratio": 4, "attack_ms": 5, "release_ms": 80, "makeup_db": 2},
)
GAIN = Change("gain", ("Kick.wav",), {"gain_db": 4.0})
SECTION = Change("gain", ("Pad.flac",), {"gain_db": -9.0}, section_span_s=(1.0, 2.5))
FLIP = Change("polarity", ("Bass.wav",), {})
LOUD = Change("gain", ("Bass.wav", "Keys.wav"), {"gain_db": 6.0})
VERSION = [EQ, COMP, GAIN, SECTION]


def play(mixer: Mixer, blocks: int, frames: int = BLOCK) -> np.ndarray:
    return np.concatenate([mixer.next_block(frames) for _ in range(blocks)])


def max_jump(x: np.ndarray) -> float:
    """The largest sample-to-sample step on either channel."""
    return float(np.abs(np.diff(x, axis=0)).max())


def assert_no_click(out: np.ndarray, at: int, references: list[np.ndarray], window: int) -> None:
    """Around ``at`` the output never steps further than the signals it joins step on their own
    (``references``: those signals, over the stretch being joined)."""
    lo, hi = max(0, at - window), at + window
    own = max(max_jump(r) for r in references)
    assert max_jump(out[lo:hi]) <= 1.2 * own + 1e-6, (max_jump(out[lo:hi]), own)


def mixer_for(session: Session, a=(), b=(), **kw) -> Mixer:
    mixer = Mixer(session, block_frames=BLOCK, **kw)
    mixer.set_versions(list(a), list(b), "A", "B")
    return mixer


# ---------------------------------------------------------------- equals the offline render ---


@pytest.mark.parametrize("side", ["A", "B"])
def test_blocks_equal_the_offline_render(session: Session, side: str) -> None:
    mixer = mixer_for(session, [], VERSION)
    mixer.switch(side)
    mixer.play()
    blocks = 200  # 4.3 s: through the section change and several chunks
    out = play(mixer, blocks)
    changes = VERSION if side == "B" else []
    ref = render_mix(session, changes, 0, blocks * BLOCK)
    xf = mixer.crossfade_frames
    np.testing.assert_allclose(out[xf:], ref[xf:], rtol=0, atol=2e-6)
    # The first frames fade in from silence, then it is the render itself.
    assert np.all(np.abs(out[:xf]) <= np.abs(ref[:xf]) + 1e-6)
    assert mixer.position_frames == blocks * BLOCK


def test_block_size_does_not_matter(session: Session) -> None:
    mixer = mixer_for(session, [], VERSION)
    mixer.switch("B")
    mixer.play()
    sizes = [1024, 1000, 1, 333, 4096, 5000, 17, 2048, 8192, 100]
    out = np.concatenate([mixer.next_block(n) for n in sizes])
    ref = render_mix(session, VERSION, 0, sum(sizes))
    xf = mixer.crossfade_frames
    np.testing.assert_allclose(out[xf:], ref[xf:], rtol=0, atol=2e-6)


def test_offline_render_is_the_sum_of_the_processed_stems(session: Session) -> None:
    from mixreview.analysis.apply import chains_for
    from mixreview.analysis.stem_reader import StemReader

    frames = 30000
    chains = chains_for(VERSION, session)
    total = np.zeros((frames, 2), np.float32)
    for stem in session.mix_stems:
        with StemReader(stem, SR) as reader:
            block = reader.read(frames)
        chain = chains.get(stem.file)
        total += chain.process(block) if chain is not None else block
    np.testing.assert_allclose(render_mix(session, VERSION, 0, frames), total, atol=1e-6)


def test_blocks_equal_the_export_renderer(session: Session, tmp_path: Path) -> None:
    """The exports' renderer (analysis.render) and the player produce the same samples."""
    from mixreview.analysis.render import MIX_NAMES, render

    render(session, {"chosen": VERSION}, tmp_path, write_versions=["chosen"], stems=False,
           subtype="FLOAT", workers=1)  # fmt: skip
    exported, rate = sf.read(str(tmp_path / MIX_NAMES["chosen"]), dtype="float32")
    assert rate == SR and len(exported) == session.frames
    mixer = mixer_for(session, VERSION, [])
    mixer.play()
    blocks = session.frames // BLOCK
    out = play(mixer, blocks)
    xf = mixer.crossfade_frames
    np.testing.assert_allclose(out[xf:], exported[xf : blocks * BLOCK], rtol=0, atol=2e-6)


def test_a_stem_at_another_rate_plays_like_the_render(tmp_path: Path) -> None:
    folder = tmp_path / "rates"
    folder.mkdir()
    stems = _stems(2.0)
    sf.write(str(folder / "Bass.wav"), stems["Bass.wav"], SR, subtype="PCM_24")
    t = np.arange(round(2.0 * 44100)) / 44100
    keys = (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    sf.write(str(folder / "Keys.wav"), keys, 44100, subtype="PCM_24")  # resampled on the fly
    session = load_session(folder)
    mixer = mixer_for(session, [], [COMP])
    mixer.switch("B")
    mixer.play()
    out = play(mixer, 80)
    ref = render_mix(session, [COMP], 0, 80 * BLOCK)
    xf = mixer.crossfade_frames
    np.testing.assert_allclose(out[xf:], ref[xf:], rtol=0, atol=2e-6)


def test_stems_the_same_on_both_sides_are_processed_once(session: Session) -> None:
    units = build_units(session, session.mix_stems, [[EQ, GAIN], [EQ, GAIN, COMP]])
    assert len(units.chains) == len(session.mix_stems) + 1
    keys = [s.file for s in session.mix_stems].index("Keys.wav")
    assert units.side_units[0, keys] != units.side_units[1, keys]


# -------------------------------------------------------------------------------- seek ---


def test_seek_while_playing_crossfades_then_plays_from_there(session: Session) -> None:
    mixer = mixer_for(session, [], VERSION)
    mixer.switch("B")
    mixer.play()
    before = play(mixer, 20)
    target = 3 * SR + 123
    mixer.seek(target)
    assert mixer.position_frames == target
    after = play(mixer, 40)
    ref = render_mix(session, VERSION, target, 40 * BLOCK)
    xf = mixer.crossfade_frames
    np.testing.assert_allclose(after[xf:], ref[xf:], rtol=0, atol=2e-6)
    # The join: old audio fading out, new fading in, no step bigger than the music's own.
    old = render_mix(session, VERSION, 20 * BLOCK, 2 * BLOCK)
    joined = np.concatenate([before, after])
    assert_no_click(joined, 20 * BLOCK, [old, ref[: 2 * BLOCK]], 2 * BLOCK)


def test_seek_while_paused_then_play(session: Session) -> None:
    mixer = mixer_for(session, VERSION, [])
    mixer.seek(SR)
    assert mixer.position_frames == SR
    assert not play(mixer, 3).any()
    mixer.play()
    out = play(mixer, 20)
    ref = render_mix(session, VERSION, SR, 20 * BLOCK)
    xf = mixer.crossfade_frames
    np.testing.assert_allclose(out[xf:], ref[xf:], rtol=0, atol=2e-6)


def test_pause_fades_out_and_resume_carries_on(session: Session) -> None:
    mixer = mixer_for(session, [], VERSION)
    mixer.switch("B")
    mixer.play()
    first = play(mixer, 10)
    mixer.pause()
    fading = play(mixer, 3)
    xf = mixer.crossfade_frames
    assert np.abs(fading[xf:]).max() == 0.0
    stopped_at = mixer.position_frames
    assert stopped_at == 10 * BLOCK + xf
    assert not play(mixer, 5).any()
    assert mixer.position_frames == stopped_at
    mixer.play()
    resumed = play(mixer, 20)
    # Resuming continues the same render (no restart): equal to the offline render from there.
    ref = render_mix(session, VERSION, 0, stopped_at + 20 * BLOCK)
    np.testing.assert_allclose(resumed[xf:], ref[stopped_at + xf :], atol=2e-6)
    assert max_jump(np.concatenate([first, fading])) <= 1.2 * max_jump(ref[: 12 * BLOCK])


def test_playback_stops_at_the_end(session: Session) -> None:
    mixer = mixer_for(session)
    mixer.seek(session.frames - 3000)
    mixer.play()
    out = play(mixer, 6)
    assert not mixer.playing
    assert mixer.position_frames == session.frames
    assert not out[3000:].any()
    mixer.play()  # from the end: starts again at 0
    assert mixer.position_frames == 0


# -------------------------------------------------------------------------------- loop ---


def test_loop_wraps_with_a_crossfade_and_stays_inside(session: Session) -> None:
    start, end = SR + 500, 2 * SR - 700  # not on chunk or block boundaries
    mixer = mixer_for(session)  # original stems: no processor state, exact after a wrap
    mixer.set_loop((start, end))
    assert mixer.position_frames == start
    mixer.play()
    length = end - start
    blocks = (3 * length) // BLOCK
    out = play(mixer, blocks)
    positions_ok = start <= mixer.position_frames < end
    assert positions_ok
    xf = mixer.crossfade_frames
    raw = render_mix(session, [], start, length + xf)
    # First pass: the loop itself; then the wrap: run-on past the end fading out, start fading in.
    np.testing.assert_allclose(out[xf:length], raw[xf:length], atol=2e-6)
    tail = render_mix(session, [], end, xf)
    t = (np.arange(xf) + 0.5) / xf
    wrap = tail * np.cos(0.5 * np.pi * t)[:, None] + raw[:xf] * np.sin(0.5 * np.pi * t)[:, None]
    np.testing.assert_allclose(out[length : length + xf], wrap, atol=2e-6)
    np.testing.assert_allclose(
        out[length + xf : 2 * length], raw[xf:length], atol=2e-6
    )  # second pass
    for k in (1, 2):
        assert_no_click(out, k * length, [raw, tail], xf)


def test_loop_with_processing_stays_close_to_the_render(session: Session) -> None:
    start, end = 2 * SR, 3 * SR
    mixer = mixer_for(session, VERSION, [])
    mixer.set_loop((start, end))
    mixer.play()
    out = play(mixer, (3 * SR) // BLOCK)
    ref = render_mix(session, VERSION, start, end - start)
    length = end - start
    second = out[length + SR // 10 : 2 * length]  # after the filters settle again
    np.testing.assert_allclose(second, ref[SR // 10 :], atol=2e-3)


def test_setting_a_loop_around_the_playhead_keeps_playing_there(session: Session) -> None:
    mixer = mixer_for(session, [], VERSION)
    mixer.switch("B")
    mixer.play()
    play(mixer, 10)
    here = mixer.position_frames
    mixer.set_loop((0, 2 * SR))
    out = play(mixer, 4)
    assert mixer.position_frames == here + 4 * BLOCK
    ref = render_mix(session, VERSION, here, 4 * BLOCK)
    assert_no_click(out, 0, [ref], 2 * BLOCK)
    mixer.set_loop((4 * SR, 5 * SR))  # away from the playhead: jumps to its start
    play(mixer, 2)
    assert 4 * SR <= mixer.position_frames < 4 * SR + 3 * BLOCK
    with pytest.raises(ValueError):
        mixer.set_loop((SR, SR + 100))


# ------------------------------------------------------------------------------ A/B switch ---


def test_switch_lands_at_the_next_block_without_a_click(session: Session) -> None:
    everything = tuple(s.file for s in session.mix_stems)
    a, b = [], [Change("polarity", everything, {})]  # B = -A: a hard switch jumps by 2|A|
    mixer = mixer_for(session, a, b)
    mixer.play()
    before = play(mixer, 30)
    mixer.switch("B")
    after = play(mixer, 30)
    event = mixer.switches[-1]
    assert event.side == "B"
    assert event.landed_at - event.asked_at <= 2 * BLOCK
    out = np.concatenate([before, after])
    ref_a = render_mix(session, a, 0, 60 * BLOCK)
    ref_b = render_mix(session, b, 0, 60 * BLOCK)
    xf = mixer.crossfade_frames
    at = 30 * BLOCK
    np.testing.assert_allclose(out[xf:at], ref_a[xf:at], atol=2e-6)
    np.testing.assert_allclose(out[at + xf :], ref_b[at + xf :], atol=2e-6)
    # The switch starts right at the block it was asked before: frames there are no longer A.
    assert np.abs(out[at + xf // 2] - ref_a[at + xf // 2]).max() > 1e-3
    assert_no_click(out, at, [ref_a, ref_b], xf)
    hard = np.concatenate([ref_a[:at], ref_b[at:]])  # what the detector would catch
    assert max_jump(hard[at - 2 : at + 2]) > 1.5 * max(max_jump(ref_a), max_jump(ref_b))


def test_switching_back_and_forth_mid_fade_stays_smooth(session: Session) -> None:
    mixer = mixer_for(session, [], [FLIP, LOUD])
    mixer.play()
    out = [play(mixer, 10)]
    for side in "BABAB":
        mixer.switch(side)
        out.append(mixer.next_block(200))
    out.append(play(mixer, 10))
    joined = np.concatenate(out)
    total = len(joined)
    refs = [render_mix(session, v, 0, total) for v in ([], [FLIP, LOUD])]
    assert max_jump(joined) <= 1.2 * max(max_jump(r) for r in refs)


def test_versions_changed_while_playing_carry_on_at_the_same_place(session: Session) -> None:
    mixer = mixer_for(session, [], [EQ])
    mixer.switch("B")
    mixer.play()
    first = play(mixer, 12)
    here = mixer.position_frames
    mixer.set_versions([], [EQ, COMP])
    assert mixer.position_frames == here
    second = play(mixer, 12)
    ref = render_mix(session, [EQ, COMP], here, 12 * BLOCK)
    xf = mixer.crossfade_frames
    np.testing.assert_allclose(second[xf:], ref[xf:], atol=2e-6)
    old = render_mix(session, [EQ], 0, here + BLOCK)[here:]
    assert_no_click(np.concatenate([first, second]), 12 * BLOCK, [old, ref], BLOCK)


def test_bad_parameters_keep_the_previous_versions(session: Session) -> None:
    mixer = mixer_for(session, [], [EQ])
    bad = Change("eq", ("Bass.wav",), {"bands": [{"type": "peaking", "freq_hz": -5}]})
    with pytest.raises(ValueError):
        mixer.set_versions([], [bad])
    assert mixer.versions == ([], [EQ])


# ------------------------------------------------------------------------------ mute / solo ---


def test_mute_and_solo(session: Session) -> None:
    mixer = mixer_for(session, [], VERSION)
    mixer.switch("B")
    mixer.play()
    play(mixer, 5)
    mixer.set_mute("Kick.wav", True)
    out = play(mixer, 10)
    # Muted stems keep being processed, so the reference is the render from 0 without them.
    heard = audible_stems(mixer.files, {"Kick.wav"}, set())
    ref = render_mix(session, VERSION, 0, 15 * BLOCK, audible=heard)[5 * BLOCK :]
    xf = mixer.crossfade_frames
    np.testing.assert_allclose(out[xf:], ref[xf:], atol=2e-6)
    mixer.set_solo("Bass.wav", True)
    mixer.set_solo("Kick.wav", True)  # soloed but muted: mute wins
    out = play(mixer, 10)
    ref = render_mix(session, VERSION, 0, 25 * BLOCK, audible={"Bass.wav"})[15 * BLOCK :]
    np.testing.assert_allclose(out[xf:], ref[xf:], atol=2e-6)
    full = render_mix(session, VERSION, 0, 25 * BLOCK)
    assert max_jump(out[: 2 * xf]) <= 1.2 * max_jump(full)
    mixer.set_mute("Kick.wav", False)
    mixer.set_solo("Bass.wav", False)
    mixer.set_solo("Kick.wav", False)
    out = play(mixer, 10)
    ref = render_mix(session, VERSION, 0, 35 * BLOCK)[25 * BLOCK :]
    np.testing.assert_allclose(out[xf:], ref[xf:], atol=2e-6)


def test_audible_stems() -> None:
    files = ["a", "b", "c"]
    assert audible_stems(files, set(), set()) == {"a", "b", "c"}
    assert audible_stems(files, {"a"}, set()) == {"b", "c"}
    assert audible_stems(files, {"a"}, {"a", "b"}) == {"b"}
    assert audible_stems(files, set(), {"zzz"}) == {"a", "b", "c"}


# ---------------------------------------------------------------------- loudness matching ---


def lufs(x: np.ndarray) -> float:
    meter = LoudnessMeter(SR, 2)
    meter.update(x)
    return meter.result().integrated_lufs


def play_sides(
    session: Session,
    a: list[Change],
    b: list[Change],
    offset_db: float,
    start: int,
    frames: int,
    reference: Stem | None = None,
) -> dict[str, np.ndarray]:
    """What each side plays from ``start`` for ``frames``, B at ``offset_db``."""
    heard = {}
    for side in "AB":
        mixer = Mixer(session, block_frames=BLOCK)
        mixer.set_versions(a, b, "A", "B", reference=reference)
        mixer.set_side_gain_db(offset_db)
        mixer.switch(side)
        mixer.seek(start)
        mixer.play()
        heard[side] = play(mixer, frames // BLOCK)
    return heard


def test_matched_sides_read_the_same_loudness(session: Session) -> None:
    a, b = [EQ, COMP], [EQ, COMP, LOUD]
    span = (1.0, 4.0)
    match = LoudnessMatcher(session).match(a, b, span)
    assert match.offset_db < -3.0  # B is louder: it is turned down
    start, frames = SR, 3 * SR
    heard = play_sides(session, a, b, match.offset_db, start, frames)
    diff = lufs(heard["A"]) - lufs(heard["B"])
    assert abs(diff) < 0.5, diff
    raw_diff = match.loudness_a_lufs - match.loudness_b_lufs
    assert abs(raw_diff - match.offset_db) < 1e-9
    assert abs(lufs(render_mix(session, b, start, frames)) - match.loudness_b_lufs) < 0.05


def test_matcher_caches_per_versions_passage_and_stems(session: Session) -> None:
    matcher = LoudnessMatcher(session)
    first = matcher.match([], [LOUD], (0.0, 2.0))
    assert matcher.match([], [LOUD], (0.0, 2.0)) is first
    other = matcher.match([], [LOUD], (2.0, 4.0))
    assert other is not first
    solo = matcher.match([], [LOUD], (0.0, 2.0), audible={"Bass.wav"})
    assert solo.offset_db == pytest.approx(-6.0, abs=0.01)


def test_match_gain_changes_are_ramped(session: Session) -> None:
    mixer = mixer_for(session, [], [])
    mixer.switch("B")
    mixer.play()
    before = play(mixer, 5)
    mixer.set_side_gain_db(-12.0)
    after = play(mixer, 5)
    out = np.concatenate([before, after])
    ref = render_mix(session, [], 0, 10 * BLOCK)
    assert max_jump(out) <= 1.2 * max_jump(ref)
    xf = mixer.crossfade_frames
    np.testing.assert_allclose(after[xf:], ref[5 * BLOCK + xf :] * 10 ** (-12 / 20), atol=2e-6)


def test_passage_for() -> None:
    sections = [(0.0, 8.0), (8.0, 80.0)]
    assert passage_for(3.0, 100.0, loop_s=(1.0, 2.0), sections=sections) == (1.0, 2.0)
    assert passage_for(3.0, 100.0, sections=sections) == (0.0, 8.0)
    assert passage_for(40.0, 100.0, sections=sections) == (38.0, 53.0)  # long: 15 s windows
    assert passage_for(95.0, 100.0) == (90.0, 100.0)
    assert passage_for(200.0, 100.0) == (90.0, 100.0)


def test_silent_side_is_not_matched(session: Session) -> None:
    muted = Change("gain", tuple(s.file for s in session.mix_stems), {"gain_db": -144.0})
    match = measure_versions(session, [], [muted], (0.0, 2.0))
    assert match.offset_db == 0.0


# --------------------------------------------------------------------------------- meters ---


def test_meters_show_what_plays(session: Session) -> None:
    mixer = mixer_for(session, [], [GAIN])
    mixer.play()
    blocks = 145  # more than the 3 s window
    play(mixer, blocks)
    peaks, loudness = mixer.taps.read()
    assert set(peaks) == {*mixer.files, MeterTaps.MIX}
    end = blocks * BLOCK
    window = slice(end - 3 * SR, end)
    assert loudness[MeterTaps.MIX] == pytest.approx(lufs(render_mix(session, [], 0, end)[window]),
                                                    abs=0.2)  # fmt: skip
    kick = render_mix(session, [], 0, end, audible={"Kick.wav"})[window]
    assert loudness["Kick.wav"] == pytest.approx(lufs(kick), abs=0.2)
    assert peaks["Kick.wav"] <= 20 * np.log10(np.abs(kick).max()) + 0.01
    mixer.switch("B")  # the kick is 4 dB up on B
    play(mixer, blocks)
    _, loudness_b = mixer.taps.read()
    assert loudness_b["Kick.wav"] - loudness["Kick.wav"] == pytest.approx(4.0, abs=0.3)
    peak_on = mixer.taps.read()[0]["Kick.wav"]
    mixer.set_mute("Kick.wav", True)
    play(mixer, 47)  # 1 s: the held peak falls 24 dB
    peaks, loudness = mixer.taps.read()
    assert peaks["Kick.wav"] < peak_on - 20
    assert np.isfinite(loudness["Bass.wav"])


def test_mixer_reads_the_sample_session() -> None:
    folder = Path(__file__).resolve().parent.parent / "sample_sessions" / "demo_song"
    session = load_session(folder)
    change = Change("eq", ("Bass.flac",), {"bands": [{"type": "low_shelf", "freq_hz": 120,
                                                      "gain_db": -3}]})  # fmt: skip
    mixer = Mixer(session)
    mixer.set_versions([], [change])
    mixer.switch("B")
    mixer.seek(5 * session.sample_rate)
    mixer.play()
    out = play(mixer, 30)
    ref = render_mix(session, [change], 5 * session.sample_rate, 30 * BLOCK)
    np.testing.assert_allclose(out[2000:], ref[2000:], atol=2e-6)


def test_render_versions_shares_and_yields_blocks(session: Session) -> None:
    blocks = list(render_versions(session, [[], [GAIN]], 0, 40000, block_frames=16384))
    assert [len(b[0]) for b in blocks] == [16384, 16384, 7232]
    a = np.concatenate([b[0] for b in blocks])
    b = np.concatenate([b[1] for b in blocks])
    np.testing.assert_allclose(a, render_mix(session, [], 0, 40000), atol=1e-7)
    np.testing.assert_allclose(b, render_mix(session, [GAIN], 0, 40000), atol=1e-7)


# ---------------------------------------------------------------------------------- blind ---


def test_blind_hides_the_order_and_records_picks() -> None:
    recorded = []
    blind = Blind("eq-123", "without", "with", seed=42, record=lambda *a: recorded.append(a))
    orders = []
    for _ in range(12):
        real = blind.real_side("A")
        orders.append(real)
        pick = blind.choose("A")
        assert pick.real_side == real
        assert pick.label == ("without" if real == "A" else "with")
    assert {"A", "B"} == set(orders)  # both orders occur
    assert len(recorded) == 12
    assert recorded[0][0] == "eq-123" and recorded[0][2:] == ("without", "with")
    assert sum(blind.tally().values()) == 12
    again = Blind("eq-123", "without", "with", seed=42)
    assert [again.choose("A").real_side for _ in range(12)] == orders  # seeded per trial
    with pytest.raises(ValueError):
        blind.real_side("C")


def test_blind_records_in_the_review(tmp_path: Path) -> None:
    from mixreview.analysis.review import Review

    review = Review.open(tmp_path / "review.json", tmp_path, ["Bass.wav"])
    blind = Blind("gain-1", "original", "suggested", seed=1, record=review.record_blind)
    blind.choose("B")
    blind.choose("A")
    tally = review.data["blind"]["gain-1"]
    assert tally["trials"] == 2
    assert sum(tally["wins"].values()) == 2
    assert tally["labels"] == ["original", "suggested"]


def test_heard_position_follows_the_output_latency(session: Session) -> None:
    mixer = mixer_for(session)
    latency = 3 * BLOCK + 100
    assert mixer.heard_frames(latency) == 0  # not playing: where it will start
    mixer.seek(SR)
    mixer.play()
    play(mixer, 2)
    assert mixer.heard_frames(latency) == SR  # the start is still on its way to the ears
    play(mixer, 10)
    assert mixer.position_frames == SR + 12 * BLOCK
    assert mixer.heard_frames(latency) == SR + 12 * BLOCK - latency
    # through a loop wrap the heard position is still inside the loop
    mixer.set_loop((SR, SR + 16 * BLOCK))
    play(mixer, 40)
    heard = mixer.heard_frames(latency)
    assert SR <= heard < SR + 16 * BLOCK
    mixer.pause()
    play(mixer, 2)
    assert mixer.heard_frames(latency) == mixer.position_frames  # paused: exact
