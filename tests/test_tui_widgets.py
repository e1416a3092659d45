"""The review app's parts on their own: meters, plots, the queue, nudges, the keymap, the theme."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from rich.color import Color, ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.theme import Theme

from mixreview.analysis.review import Review
from mixreview.analysis.sections import Section
from mixreview.analysis.suggest.features import CENTERS_HZ
from mixreview.analysis.suggest.model import Suggestion, Target
from mixreview.tui.app import THEME
from mixreview.tui.keymap import KEYS, clashes, display, load_keymap, normalize, parse_keymap
from mixreview.tui.widgets import plots
from mixreview.tui.widgets.cursor_list import changed_span
from mixreview.tui.widgets.labels import status_text, truncate
from mixreview.tui.widgets.loading import loading_answer
from mixreview.tui.widgets.meter_rate import ENV_METER_HZ, MeterClock, parse_meter_hz
from mixreview.tui.widgets.meter_rate import palette_commands as meter_commands
from mixreview.tui.widgets.meters import (
    PEAK_SCALE,
    MeterStyles,
    bar,
    cell,
    correlation,
    eighths,
    number,
)
from mixreview.tui.widgets.params import manual_params, nudge
from mixreview.tui.widgets.queue import build, items
from mixreview.tui.widgets.stems import StemLayout, StemRow
from mixreview.tui.widgets.transport import Transport, TransportState

STYLES = MeterStyles(*(Style() for _ in range(6)))
SECTIONS = (
    Section("Intro", 0.0, 4.4),
    Section("Verse", 4.4, 13.1),
    Section("Chorus", 13.1, 21.8),
    Section("Outro", 21.8, 30.0),
)


# -- meters -------------------------------------------------------------------------------------


def test_bars_use_eighth_blocks_and_fill_to_the_value() -> None:
    assert eighths(PEAK_SCALE.lo, PEAK_SCALE, 10) == 0
    assert eighths(PEAK_SCALE.hi, PEAK_SCALE, 10) == 80
    assert eighths(float("-inf"), PEAK_SCALE, 10) == 0
    half = (PEAK_SCALE.lo + PEAK_SCALE.hi) / 2
    assert eighths(half, PEAK_SCALE, 10) == 40
    for _ in range(2):  # the second time from the cache, whole
        text = "".join(s.text for s in bar(43, None, PEAK_SCALE, 10, STYLES))
        assert len(text) == 10
        assert text.startswith("█████▍")  # 5 full cells and 3 eighths
        assert len("".join(s.text for s in correlation(0.5, 9, False, STYLES))) == 9


def test_bar_marks_zones_and_peak_hold() -> None:
    width = 21
    hold = cell(-30.0, PEAK_SCALE, width)
    text = "".join(s.text for s in bar(0, hold, PEAK_SCALE, width, STYLES))
    assert text.count("┊") == 2  # the amber and red edges, readable without colour
    assert "▕" in text and text.index("▕") == hold
    styles = MeterStyles(Style(color="green"), Style(color="yellow"), Style(color="red"),
                         Style(), Style(bold=True), Style())  # fmt: skip
    full = bar(width * 8, None, PEAK_SCALE, width, styles)
    colours = [s.style.color.name for s in full if s.style and s.style.color]
    assert colours == ["green", "yellow", "red"]


def test_correlation_scale() -> None:
    def text(value: float | None, mono: bool = False) -> str:
        return "".join(s.text for s in correlation(value, 9, mono, STYLES))

    assert text(1.0) == "-···┊···●"
    assert text(-1.0) == "●···┊···+"
    assert text(0.0) == "-···●···+"
    assert text(None) == "-·······+"
    assert text(None, mono=True).strip() == "mono"


def test_numbers() -> None:
    assert number(-12.34) == "-12.3"
    assert number(float("-inf")).strip() == "-inf"
    assert number(-200.0).strip() == "-inf"


@pytest.mark.parametrize("width", [30, 38, 58, 70, 90, 104])
def test_stem_layout_fills_the_width(width: int) -> None:
    layout = StemLayout.for_width(width)
    assert len(layout.header()) == width
    assert layout.peak_w >= 4 and layout.lufs_w >= 4


def test_stem_badge_shows_the_worst_check() -> None:
    row = StemRow("a.wav", "A", "kick", True, check_severities=("warning", "error"))
    assert row.badge == ("E2", "error")
    assert StemRow("b.wav", "B", "kick", True).badge == ("", "")


# -- plots --------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [24, 40, 80])
def test_plots_fit_their_width(width: int) -> None:
    kick = np.linspace(-10, -70, len(CENTERS_HZ))
    bass = np.linspace(-30, -40, len(CENTERS_HZ))
    lines = plots.spectra([("Kick", kick, ""), ("Bass", bass, "")], CENTERS_HZ, width, 80.0)
    lines += plots.curve([("before", np.linspace(-40, -10, 300), "")], 30.0, width)
    lines += plots.before_after(-12.8, -6.0, "within:-7.0..-1.0", "LU", width)
    lines += plots.before_after(4.8, -6.0, "lower", "dBTP", width)
    lines.append(plots.timeline(SECTIONS, 30.0, width, playhead_s=7.0))
    lines.append(plots.span_marks((4.4, 13.1), 30.0, width, "Verse"))
    for line in lines:
        assert line.cell_length <= max(width, 34), line.plain


def test_timeline_names_sections_and_marks_the_playhead() -> None:
    line = plots.timeline(SECTIONS, 30.0, 60, playhead_s=18.0).plain
    assert "Intro" in line and "Verse" in line and "Chorus" in line and "Outro" in line
    playhead = plots.timeline(SECTIONS, 30.0, 60, playhead_s=7.0).plain
    assert playhead.count("●") == 1 and playhead.index("●") == 14
    # over a section's name the playhead still shows, at every step across it
    for at in range(60):
        position = 30.0 * (at + 0.5) / 60
        assert plots.timeline(SECTIONS, 30.0, 60, playhead_s=position).plain.count("●") == 1
    marks = plots.span_marks((4.4, 13.1), 30.0, 60, "Verse").plain
    assert marks.index("└") == 8 and marks.index("┘") == 26 and "Verse 0:04.4-0:13.1" in marks


def test_before_after_brackets_the_goal() -> None:
    lines = [c.plain for c in plots.before_after(-12.8, -6.0, "within:-7..-1", "LU", 50)]
    assert "-12.8 LU" in lines[0] and "-6.0 LU" in lines[1]
    assert "└" in lines[2] and "goal -7..-1" in lines[2]
    assert lines[0].count("█") < lines[1].count("█")


def test_spectra_mark_the_frequency() -> None:
    flat = np.full(len(CENTERS_HZ), -20.0)
    lines = [c.plain for c in plots.spectra([("Bass", flat, "")], CENTERS_HZ, 40, 80.0)]
    assert lines[-1].strip().startswith("▲ 80 Hz")
    assert "1k" in lines[-2]


# -- the queue ----------------------------------------------------------------------------------


def _suggestion(kind: str, stem: str, severity: str, section: str | None = None) -> Suggestion:
    params = {"gain_db": -2.0}
    span = (4.4, 13.1) if section else None
    return Suggestion(kind, (stem,), params, severity, "technical", f"{kind} on {stem}", {},
                      Target("m", 0.0, 1.0, "lower"), rule=f"{kind}-{stem}", section=section,
                      section_span_s=span)  # fmt: skip


@pytest.fixture
def review(tmp_path: Path) -> Review:
    return Review.open(tmp_path / "review.json", tmp_path, ["Kick.wav", "Bass.wav"])


def test_queue_groups_and_filters(review: Review) -> None:
    suggestions = [
        _suggestion("gain", "Kick.wav", "high"),
        _suggestion("section_gain", "Bass.wav", "medium", "Verse"),
        _suggestion("gain", "Bass.wav", "low"),
    ]
    review.reject(suggestions[0])
    review.add_manual("pan", "Kick.wav", {"pan": 0.2})
    names = {"Kick.wav": "Kick", "Bass.wav": "Bass"}
    all_items = items(suggestions, review)
    assert [i.status for i in all_items] == ["rejected", "pending", "pending", "manual"]

    def headers(mode: str, text: str = "") -> list[str]:
        queue = build(all_items, mode, text, names, SECTIONS, 2)
        return [r.header for r in queue.rows if r.item is None]

    assert headers("importance") == ["High importance", "Medium", "Low", "Your changes"]
    assert headers("stem") == ["Bass", "Kick", "Your changes"]
    assert headers("kind") == ["gain", "section gain", "Your changes"]
    assert headers("section") == ["Whole song", "Verse", "Your changes"]
    queue = build(all_items, "importance", "bass pending", names, SECTIONS, 2)
    assert [r.item.kind for r in queue.rows if r.item] == ["section_gain", "gain"]
    assert (queue.shown, queue.total) == (2, 4)
    assert build(all_items, "importance", "verse", names, SECTIONS, 2).shown == 1
    assert build(all_items, "importance", "rejected", names, SECTIONS, 2).shown == 1
    assert build(all_items, "importance", "mine", names, SECTIONS, 2).shown == 1


def test_status_words() -> None:
    assert status_text("accepted", 1.0, wide=False) == "✓ yes"
    assert status_text("adjusted", 0.5, wide=False) == "~ 50%"
    assert status_text("adjusted", 0.5, wide=True) == "~ adjusted 50%"
    assert status_text("rejected", 1.0, wide=True) == "✗ rejected"
    assert truncate("Backing Vocals", 8) == "Backing…"
    assert truncate("Kick", 6) == "Kick  "


# -- nudges and the manual form -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "params", "key", "up"),
    [
        ("gain", {"gain_db": -2.0}, "gain_db", -1.5),
        ("headroom", {"gain_db": -2.0}, "gain_db", -1.5),
        ("unmask", {"freq_hz": 80.0, "gain_db": -2.0, "q": 1.4}, "gain_db", -1.5),
        ("highpass", {"freq_hz": 100.0}, "freq_hz", 105.9),
        ("mono_bass", {"freq_hz": 120.0}, "freq_hz", 127.1),
        ("compressor", {"threshold_db": -20.0, "ratio": 4, "attack_ms": 10, "release_ms": 100},
         "threshold_db", -19.0),
        ("width", {"width": 0.8}, "width", 0.85),
        ("pan", {"pan": 0.0}, "pan", 0.05),
    ],
)  # fmt: skip
def test_nudge_per_kind(kind: str, params: dict, key: str, up: float) -> None:
    result = nudge(kind, params, +1)
    assert result.params is not None and result.params[key] == pytest.approx(up, abs=0.05)
    back = nudge(kind, result.params, -1)
    assert back.params[key] == pytest.approx(params[key], abs=0.15)
    assert "→" in result.message


def test_nudge_limits_and_special_cases() -> None:
    assert nudge("unmask", {"freq_hz": 80, "gain_db": 0.0, "q": 1}, +1).params["gain_db"] == 0.0
    segments = {"segments": [{"start_s": 0, "end_s": 4, "gain_db": 2.0}], "ramp_ms": 20}
    assert nudge("section_gain", segments, -1).params["segments"][0]["gain_db"] == 1.5
    eq = {"bands": [{"type": "peaking", "freq_hz": 300, "gain_db": -3.0, "q": 1.0}]}
    assert nudge("eq", eq, +1).params["bands"][0]["gain_db"] == -2.5
    assert nudge("polarity", {"channels": "right"}, +1).params is None
    assert nudge("gain", {"oops": 1}, +1).params is None
    assert eq["bands"][0]["gain_db"] == -3.0  # the input is not changed


def test_manual_form_validates() -> None:
    params, problem = manual_params("eq", {"freq_hz": "250", "gain_db": "-3", "q": ""})
    assert problem == "" and params == {
        "bands": [{"type": "peaking", "freq_hz": 250.0, "gain_db": -3.0, "q": 1.0}]
    }
    assert manual_params("gain", {"gain_db": "abc"})[1] == "gain: 'abc' is not a number"
    assert "between" in manual_params("pan", {"pan": "3"})[1]
    assert manual_params("highpass", {"freq_hz": "nan"})[0] is None


# -- keymap ---------------------------------------------------------------------------------------


def test_every_key_has_an_id_a_help_line_and_one_action() -> None:
    ids = [k.id for k in KEYS]
    assert len(ids) == len(set(ids))
    assert all(k.help and k.description for k in KEYS)
    assert clashes({}) == []


def test_keymap_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_text('[keys]\naccept = "y"\nhelp = ["?", "h"]\nbogus = "x"\nnote = 3\n')
    keymap, problems = load_keymap(path)
    assert keymap == {"accept": "y", "help": "question_mark,h"}
    assert any("bogus" in p for p in problems) and any("note" in p for p in problems)
    assert load_keymap(tmp_path / "absent.toml") == ({}, [])
    (tmp_path / "bad.toml").write_text("[keys\n")
    assert "using the default keys" in load_keymap(tmp_path / "bad.toml")[1][0]
    assert clashes({"accept": "r"}) == ["r is bound to both accept and reject"]
    assert normalize("[,],+") == "left_square_bracket,right_square_bracket,plus"
    assert display("question_mark,f1") == "? f1"
    assert parse_keymap({"keys": {"play": "p"}}) == ({"play": "p"}, [])


# -- colours ---------------------------------------------------------------------------------------


def test_theme_colours_are_exact_in_256_colours() -> None:
    """Every theme colour is a colour of the xterm cube: nothing shifts over SSH."""
    assert isinstance(THEME, Theme)
    for name in ("primary", "secondary", "accent", "warning", "error", "success", "foreground",
                 "background", "surface", "panel"):  # fmt: skip
        value = getattr(THEME, name)
        colour = Color.parse(value)
        downgraded = colour.downgrade(ColorSystem.EIGHT_BIT)
        shift = max(abs(a - b) for a, b in zip(downgraded.get_truecolor(), colour.get_truecolor(),
                                                strict=True))  # fmt: skip
        assert shift <= 10, name  # exact, or the next step of the grey ramp


def test_transport_line_says_what_is_heard() -> None:
    transport = Transport()
    transport.sections = SECTIONS
    transport.state = TransportState(
        position_s=7.5, duration_s=30.0, side="B", label_a="without", label_b="with",
        compare="chosen mix without / with this change", loop_s=(4.4, 13.1), available=False,
        reason="no device",
    )  # fmt: skip
    assert transport.hearing() == "hearing B (with)"
    assert transport.update_state(position_s=7.52) is False  # same tenth: nothing to draw
    assert transport.update_state(position_s=7.7) is True
    assert not math.isnan(transport.state.position_s)


def test_meter_readings_at_the_playhead() -> None:
    """Peak falls 20 dB/s after a hit, holds 2 s; loudness and correlation from the series."""
    from types import SimpleNamespace

    from mixreview.tui.widgets.meters import StemSeries

    peak = np.full(50, -80.0)
    peak[10] = -3.0  # one hit at 1.0 s
    ll = np.full(50, 1.0)
    measurement = SimpleNamespace(
        true_peak=SimpleNamespace(peak_series_dbtp=peak),
        loudness=SimpleNamespace(frame_s=0.1, short_term_lufs=np.linspace(-40, -10, 50)),
        stereo=SimpleNamespace(ll_series=ll, rr_series=ll, lr_series=ll * 0.5),
    )
    series = StemSeries(measurement)  # type: ignore[arg-type]
    at_hit = series.reading(1.0)
    assert at_hit.peak_db == pytest.approx(-3.0) and at_hit.hold_db == pytest.approx(-3.0)
    later = series.reading(1.5)  # 0.5 s later: 10 dB lower, the hold stays
    assert later.peak_db == pytest.approx(-13.0) and later.hold_db == pytest.approx(-3.0)
    assert series.reading(3.5).hold_db == pytest.approx(-80.0)  # the hold lasts 2 s
    assert later.corr == pytest.approx(0.5)
    assert series.reading(4.9).lufs == pytest.approx(-10.0)
    assert StemSeries(None).reading(1.0).corr is None


def test_the_app_doc_lists_every_key() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "app.md").read_text()
    missing = [k.id for k in KEYS if f"`{k.id}`" not in doc]
    assert missing == []


# -- the meter rate, keys while loading, partial repaints ----------------------------------------


@pytest.mark.parametrize(
    ("text", "hz", "problem"),
    [
        ("25", 25, False), ("10", 10, False), ("10 Hz", 10, False), ("2.6", 3, False),
        ("off", 0, False), ("0", 0, False), ("OFF", 0, False), ("-1", 0, False),
        ("100", 30, True), ("fast", 25, True),
    ],
)  # fmt: skip
def test_meter_rate_setting(text: str, hz: int, problem: bool) -> None:
    got, why = parse_meter_hz(text)
    assert got == hz
    assert (why is not None) == problem
    clock = MeterClock.from_environment({ENV_METER_HZ: text})
    assert clock.hz == hz and (clock.problem is not None) == problem
    assert clock.meters_on == (hz > 0)
    assert clock.interval_s == pytest.approx(1 / hz if hz else 0.5)


def test_meter_rate_steps_and_words() -> None:
    clock = MeterClock.from_environment({})
    assert clock.hz == 25 and clock.problem is None and clock.subtitle == ""
    seen = []
    for _ in range(3):
        clock.set_hz(clock.next_hz())
        seen.append(clock.subtitle)
    assert seen == ["meters 10 Hz (M)", "meters off (M)", "meters 25 Hz (M)"]
    clock.set_hz(5)
    assert clock.next_hz() == 25  # from a rate of one's own: back to the usual
    assert MeterClock(10).subtitle == "meters 10 Hz (M)"  # set in the environment: shown
    assert [a for _t, _h, a in meter_commands()] == [
        "meter_rate(25)", "meter_rate(10)", "meter_rate(0)",
    ]  # fmt: skip


def test_keys_while_loading() -> None:
    assert loading_answer("a", {}) == (
        "still measuring: a (accept) works once the analysis is done · q quits"
    )
    assert "space (play)" in (loading_answer("space", {}) or "")
    for works in ("q", "ctrl+c", "question_mark", "f1", "ctrl+p"):
        assert loading_answer(works, {}) is None
    assert loading_answer("Y", {}) is None  # bound to nothing: nothing to say
    remapped = {"accept": "y", "quit": "Q"}
    assert loading_answer("a", remapped) is None
    assert loading_answer("y", remapped) == (
        "still measuring: y (accept) works once the analysis is done · Q quits"
    )
    assert loading_answer("Q", remapped) is None
    failed = loading_answer("a", {}, failed=True) or ""
    assert "could not be opened" in failed and "still measuring" not in failed


def test_changed_span_of_a_row() -> None:
    green, dim = Style(color="green"), Style(dim=True)
    before = Strip([Segment("·· Kick  ", dim), Segment("███", green), Segment("·····  1 W1", dim)])
    after = Strip([Segment("·· Kick  ", dim), Segment("█████", green), Segment("···  1 W1", dim)])
    assert changed_span(before, after) == (12, 14)
    assert changed_span(before, before) is None
    bar_cells, tail = Segment("███", green), Segment("·····  1 W1", dim)
    restyled = Strip([Segment("·· Kick  ", green), bar_cells, tail])
    assert changed_span(before, restyled) == (0, 9)
    wide = Strip([Segment("·· 鼓  ", dim), Segment("███", green), Segment("·····  1 W1", dim)])
    assert changed_span(before, wide) == (0, 23)  # wide characters: the whole row
