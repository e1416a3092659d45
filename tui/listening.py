"""Listening in the app: play, A/B what the comparison names, loops, blind trials, mute and solo,
clips for another machine, and the meters and transport that show what is heard.

The A/B versions follow the selection and the comparison a moment after they settle, so moving
through the queue stays fast; the audition (a player, or a stand-in saying why there is no sound)
does the rendering and matching.
"""

from __future__ import annotations

import contextlib
import getpass
import socket
import time
from pathlib import Path
from typing import Any

from textual import work
from textual.css.query import NoMatches
from textual.message import Message

from mixreview.analysis.apply import Change, change_of
from mixreview.analysis.comparisons import COMPARE_WORDS, REFERENCE_COMPARE, versions_for
from mixreview.analysis.state import state_dir
from mixreview.analysis.timeline import format_time
from mixreview.tui.audition import Audition
from mixreview.tui.decisions import guarded
from mixreview.tui.parts import ReviewParts
from mixreview.tui.widgets.detail import worst_span
from mixreview.tui.widgets.meters import Reading
from mixreview.tui.widgets.queue import Item
from mixreview.tui.widgets.stems import StemsPanel
from mixreview.tui.widgets.transport import Transport

HOLD_S = 1.5
VERSIONS_DELAY_S = 0.08
LOOP_TOLERANCE_S = 0.005  # far more than a sample, far less than any passage


class ClipsWritten(Message):
    """The A/B passage was written as two clips."""

    def __init__(
        self, a: Path, b: Path, folder: Path, span: tuple[float, float], command: str
    ) -> None:
        super().__init__()
        self.a, self.b, self.folder, self.span, self.command = a, b, folder, span, command


def trimmed_span(span: tuple[float, float], duration_s: float) -> tuple[float, float]:
    """``span`` trimmed to the song (0..``duration_s``), as the player trims a loop."""
    return (min(max(0.0, span[0]), duration_s), min(max(0.0, span[1]), duration_s))


def same_span(
    loop_s: tuple[float, float] | None, span: tuple[float, float], duration_s: float
) -> bool:
    """Whether the player's loop is ``span``: the player trims a loop to the song's
    ``duration_s`` and rounds it to whole samples, so both are compared trimmed, within
    LOOP_TOLERANCE_S."""
    if loop_s is None:
        return False
    loop_s, span = trimmed_span(loop_s, duration_s), trimmed_span(span, duration_s)
    return (
        abs(loop_s[0] - span[0]) < LOOP_TOLERANCE_S and abs(loop_s[1] - span[1]) < LOOP_TOLERANCE_S
    )


def no_sound_text(reason: str, clips: bool = False) -> str:
    """The message when nothing can play here: 'No sound: ' and the player's reason, then how to
    hear the A/B elsewhere when clips can be written."""
    text = f"No sound: {reason}."
    if clips:
        text += " Press w to write the A/B passage as two clips to play elsewhere."
    return text


def tally(picks: Any) -> dict[str, int]:
    """How many blind trials each side won."""
    counts: dict[str, int] = {}
    for pick in picks:
        counts[pick.label] = counts.get(pick.label, 0) + 1
    return counts


class ListeningMixin(ReviewParts):
    """The listening keys, the A/B versions, the meters and the transport (mixed into the
    screen)."""

    _said_no_audio: bool
    _position_drawn: float | None
    # what is being listened to now: (suggestion id, since, loudness-matched)
    _listening: tuple[str, float, bool] | None
    _listened: dict[str, tuple[float, float]]  # id -> (played s, matched s), not yet saved

    def _init_listening(self) -> None:
        self._said_no_audio = False
        self._position_drawn = None
        self._listening = None
        self._listened = {}

    # -- how long each suggestion's A/B was heard ------------------------------------------------
    def account_listening(self) -> None:
        """Count the time since the last call for the suggestion whose A/B is playing, then
        note what plays now (a suggestion's A/B, heard and not blind, or nothing)."""
        now = time.monotonic()
        if self._listening is not None:
            key, since, matched = self._listening
            played, matched_s = self._listened.get(key, (0.0, 0.0))
            span = max(0.0, now - since)
            self._listened[key] = (played + span, matched_s + (span if matched else 0.0))
        self._listening = None
        if not self.live:
            return
        audition = self.audition
        item = self.current_item()
        if (
            audition.available and audition.playing and self.compare == "suggestion"
            and item is not None and item.suggestion is not None and not self.blind_running()
        ):  # fmt: skip
            self._listening = (item.id, now, audition.match_loudness)

    def flush_listening(self) -> None:
        """Save the listening time counted so far (before a decision, on the way out)."""
        self.account_listening()
        if self.review is None or not self._listened:
            return
        listened, self._listened = self._listened, {}
        for key, (played_s, matched_s) in listened.items():
            self.review.record_listen(key, played_s, matched_s)

    # -- what A/B compares -------------------------------------------------------------------------
    def watch_compare(self) -> None:
        self.account_listening()
        self.apply_versions()
        self.schedule_ui_save()

    def compare_words(self) -> dict[str, str]:
        """What A/B can compare: the fixed pairs, then the chosen mix against each reference."""
        return {**COMPARE_WORDS, **dict(self.reference_compares())}

    def action_compare(self) -> None:
        ids = list(self.compare_words())
        at = ids.index(self.compare) if self.compare in ids else -1
        self.set_compare(ids[(at + 1) % len(ids)])

    def set_compare(self, compare: str) -> None:
        if compare in self.compare_words():
            self.compare = compare

    def action_compare_with(self, compare: str) -> None:
        self.set_compare(compare)

    # -- playing ---------------------------------------------------------------------------------
    def _no_audio(self, once: bool = False) -> bool:
        """True (and says why) when nothing can play here. ``once``: only the first time (the
        transport line keeps showing the reason)."""
        if self.audition.available:
            return False
        if once and self._said_no_audio:
            return True
        self._said_no_audio = True
        text = no_sound_text(self.audition.reason, self.clips_possible())
        self.app.clear_notifications()
        self.notify(text, title="audio", severity="warning", timeout=6)
        return True

    def clips_possible(self) -> bool:
        """The player says whether it can write clips; a NoAudio cannot."""
        return self.ready and self.audition.clips_possible

    @guarded
    def action_play(self) -> None:
        if not self.live or self._no_audio():
            return
        self.audition.toggle()
        self.account_listening()
        self.update_transport()

    @guarded
    def action_ab(self) -> None:
        if not self.live:
            return
        self.audition.switch()
        self.tick(force=True)  # the meters read the side now heard
        self.update_transport()
        self._no_audio(once=True)

    @guarded
    def action_loop(self) -> None:
        if not self.live or self.analysis is None:
            return
        span = self.loop_span()
        if span is None:
            return
        if same_span(self.audition.loop_s, span, self.analysis.session.duration_s):
            self.audition.set_loop(None)
        else:
            self.audition.set_loop(span)
            self.seek_to(span[0])
        self.update_transport()
        self._no_audio(once=True)

    def action_loop_off(self) -> None:
        if self.live and self.audition.loop_s is not None:
            self.audition.set_loop(None)
            self.update_transport()

    def loop_span(self) -> tuple[float, float] | None:
        """The selected suggestion's section, or the worst passage its evidence names, or the
        section under the playhead (always, when A/B is the mix against a reference)."""
        if self.analysis is None:
            return None
        duration = self.analysis.session.duration_s
        item = self.current_item()
        if item is not None and not self.compare.startswith(REFERENCE_COMPARE):
            if item.section_span_s:
                return (float(item.section_span_s[0]), float(item.section_span_s[1]))
            if item.suggestion is not None:
                span, _label = worst_span(
                    item.suggestion.evidence, duration, self.analysis.sections
                )
                if span:
                    return span
        position = self.audition.position_s
        for section in self.analysis.sections:
            if section.start_s <= position < section.end_s:
                return (section.start_s, section.end_s)
        return (0.0, duration) if duration > 0 else None

    @guarded
    def action_match(self) -> None:
        self.audition.set_match_loudness(not self.audition.match_loudness)
        self.account_listening()
        self.update_transport()

    def blind_running(self) -> bool:
        return self.audition.blind is not None

    @guarded
    def action_blind(self) -> None:
        """Start blind trials of what A/B compares now, or stop them and show the tally."""
        if not self.live or self.review is None:
            return
        audition = self.audition
        if not audition.blind_possible:
            reason = self.audition.reason or "this player cannot hide the sides"
            self.notify(f"Blind A/B needs sound: {reason}.", severity="warning", timeout=6)
            return
        if audition.blind is not None:
            blind = audition.blind
            audition.stop_blind()
            wins = ", ".join(f"{label} {count}" for label, count in tally(blind.picks).items())
            self.notify(f"Blind A/B stopped after {len(blind.picks)} trials: {wins or 'no picks'}.",
                        timeout=8)  # fmt: skip
        else:
            self.apply_versions()
            item = self.current_item()
            key = item.id if self.compare == "suggestion" and item is not None else self.compare
            audition.start_blind(key, review=self.review)
            self.notify(
                "Blind A/B: the sides are hidden and matched. b switches, p picks the one you "
                "prefer (the next trial may swap them), B stops.",
                timeout=8,
            )
        self.update_transport()

    @guarded
    def action_pick(self) -> None:
        if not self.blind_running():
            self.notify("No blind A/B running: B starts one.", timeout=3)
            return
        pick = self.audition.choose()
        self.notify(f"Trial {pick.trial + 1}: you preferred {pick.shown}, which was "
                    f"{pick.label!r}. Next trial.", timeout=5)  # fmt: skip
        self.update_transport()

    # -- mute and solo: the stem under the stems cursor (it follows the selected suggestion) ----
    @guarded
    def action_mute(self) -> None:
        file = self.current_stem()
        if file is not None:
            self.muted = self.muted ^ {file}

    @guarded
    def action_solo(self) -> None:
        file = self.current_stem()
        if file is not None:
            self.soloed = self.soloed ^ {file}

    def watch_muted(self, before: frozenset[str], after: frozenset[str]) -> None:
        for file in sorted(before ^ after):
            self.audition.set_mute(file, file in after)
        self.update_stems()
        self.update_transport()

    def watch_soloed(self, before: frozenset[str], after: frozenset[str]) -> None:
        for file in sorted(before ^ after):
            self.audition.set_solo(file, file in after)
        self.update_stems()
        self.update_transport()

    @guarded
    def action_seek(self, delta_s: float) -> None:
        self.seek_to(self.audition.position_s + delta_s)

    def action_to_start(self) -> None:
        self.seek_to(0.0)

    @guarded
    def seek_to(self, position_s: float) -> None:
        if self.analysis is None:
            return
        duration = self.analysis.session.duration_s
        self.audition.seek(min(max(0.0, position_s), max(0.0, duration - 0.05)))
        self.tick(force=True)
        self.schedule_ui_save()

    # -- clips to play elsewhere -----------------------------------------------------------------
    @guarded
    def action_clips(self) -> None:
        if not self.live or self.analysis is None:
            return
        if not self.clips_possible():
            self.notify(
                f"Cannot write clips: {self.audition.reason}. Render the mixes with "
                f"`mixreview render {self.analysis.session.path}` instead.",
                severity="warning",
                timeout=8,
            )
            return
        self.apply_versions()
        span = self.audition.loop_s or self.loop_span()
        assert span is not None
        out = state_dir(self.analysis.session.path) / "clips"
        self.notify(f"Writing the A/B clips of {format_time(span[0])}-{format_time(span[1])} ...",
                    timeout=3)  # fmt: skip
        self.write_clips(self.audition, out, (float(span[0]), float(span[1])))

    @work(thread=True, exclusive=True, exit_on_error=False, group="clips")
    def write_clips(self, audition: Audition, out: Path, span: tuple[float, float]) -> None:
        """Rendering the passage takes a moment: off the UI thread."""
        a, b = audition.write_clips(out, span)
        clips = audition.last_clips
        command = clips.command if clips is not None else ""
        if not command:
            where = f"{getpass.getuser()}@{socket.gethostname()}"
            command = f"scp {where}:{a} {where}:{b} . && play {a.name} {b.name}"
        self.post_message(ClipsWritten(a, b, out, span, command))

    def on_clips_written(self, message: ClipsWritten) -> None:
        span = message.span
        self.notify(
            f"Wrote {message.a.name} and {message.b.name} in {message.folder} "
            f"({format_time(span[0])}-{format_time(span[1])}). On your own machine: "
            f"{message.command}",
            title="A/B clips",
            timeout=30,
        )

    # -- versions for A/B --------------------------------------------------------------------------
    def schedule_versions(self) -> None:
        """A/B follows the selection, a moment after it settles (holding j stays fast)."""
        if self._versions_timer is not None:
            self._versions_timer.stop()
        self._versions_timer = self.set_timer(VERSIONS_DELAY_S, self.apply_versions)

    def change_for(self, item: Item) -> Change:
        if item.suggestion is not None:
            return change_of(item.suggestion, amount=item.amount, params=item.params)
        return Change(
            kind=item.kind, stems=item.stems, params=item.params, amount=item.amount,
            section_span_s=item.section_span_s, source_id=item.id,
        )  # fmt: skip

    def versions(self) -> tuple[list[Change], list[Change], str, str]:
        assert self.review is not None
        item = self.current_item()
        played = self.reference_for(self.compare)
        versions = versions_for(
            self.compare, self.review, self.suggestions,
            selected=self.change_for(item) if item is not None else None,
            reference_label=played[0] if played is not None else None,
        )  # fmt: skip
        return versions.a, versions.b, versions.label_a, versions.label_b

    def apply_versions(self) -> None:
        if self._versions_timer is not None:
            self._versions_timer.stop()
            self._versions_timer = None
        if not self.live or self.review is None:
            return
        self.account_listening()  # the selection may have moved
        try:
            a, b, label_a, label_b = self.versions()
            played = self.reference_for(self.compare)
            if played is not None:
                self.audition.set_versions(a, b, label_a, label_b, reference=played[1])
            else:
                self.audition.set_versions(a, b, label_a, label_b)
            self.last_versions = (a, b, label_a, label_b)
        except (ValueError, KeyError, TypeError, RuntimeError) as exc:
            self.notify(f"Cannot prepare A/B: {exc}", severity="error", timeout=8)
        self.update_transport()

    # -- meters and transport ------------------------------------------------------------------
    def readings(self, position_s: float) -> dict[str, Reading]:
        """The meters now: live levels while playing, else the measured series at the playhead."""
        audition = self.audition
        measured = {
            file: self.as_heard(file, series.reading(position_s))
            for file, series in self.series.items()
        }
        if not audition.playing:
            self._holds.clear()
            return measured
        levels = audition.levels()
        now = time.monotonic()
        live: dict[str, Reading] = {}
        for file, reading in measured.items():
            peak = levels.peak_db.get(file)
            lufs = levels.loudness_lufs.get(file)
            corr = levels.correlation.get(file, reading.corr)
            if peak is None and lufs is None:
                live[file] = reading
                continue
            peak = reading.peak_db if peak is None else peak
            hold, since = self._holds.get(file, (peak, now))
            if peak >= hold or now - since > HOLD_S:
                hold, since = peak, now
            self._holds[file] = (hold, since)
            live[file] = Reading(
                peak, hold, reading.lufs if lufs is None else lufs, corr, reading.side_to_mid_db,
            )  # fmt: skip
        return live

    def as_heard(self, file: str, reading: Reading) -> Reading:
        """A stem's measured reading as the side heard changes it, where the change says
        exactly how: a one-channel polarity flip turns the L/R correlation over, full mono makes
        it +1 (while playing, the player meters what is heard directly)."""
        if self.last_versions is None or self.blind_running():
            return reading  # in blind trials the meters must not tell the sides apart
        a, b, _label_a, _label_b = self.last_versions
        corr = reading.corr
        if corr is None:
            return reading
        for change in b if self.audition.side == "B" else a:
            if file not in change.stems or change.section_span_s is not None:
                continue
            one_channel = change.params.get("channels") in ("left", "right")
            if change.kind == "polarity" and one_channel and change.amount >= 0.5:
                corr = -corr
            elif change.kind == "width" and float(change.params.get("width", 1.0)) == 0.0:
                corr = 1.0 if change.amount >= 0.999 else corr
        if corr == reading.corr:
            return reading
        return Reading(reading.peak_db, reading.hold_db, reading.lufs, corr, reading.side_to_mid_db)

    def tick(self, force: bool = False) -> None:
        """20-30 times a second: meters and the transport; nothing is drawn if nothing moved."""
        if not self.live:
            return
        audition = self.audition
        position = audition.position_s
        if not force and not audition.playing and position == self._position_drawn:
            return
        if self._listening is not None and not audition.playing:
            self.account_listening()  # the song ended
        self._position_drawn = position
        if force or self.meter_clock.meters_on:
            self.query_one(StemsPanel).set_readings(self.readings(position))
        self.query_one(Transport).update_state(position_s=position, playing=audition.playing)

    def refresh_transport(self) -> None:
        """A few times a second: the match state and the safety stage change on their own (the
        player measures and protects in its threads); the transport shows them as they are."""
        if self.live:
            # a timer can fire while the app closes and the screen's widgets are going
            with contextlib.suppress(NoMatches):
                self.update_transport()

    def action_meter_rate(self, hz: int | None = None) -> None:
        """Meters at 25 Hz, 10 Hz or off (``hz``; without it, the next of those)."""
        clock = self.meter_clock
        clock.set_hz(clock.next_hz() if hz is None else hz)
        if self.live:
            self.set_border(self.query_one("#stems-pane"), subtitle=clock.subtitle)

    def update_transport(self) -> None:
        if not self.live or self.analysis is None:
            return
        a = self.audition
        label_a, label_b = a.shown_labels
        compare = self.compare_words().get(self.compare, "")
        if self.blind_running():
            trial = (a.blind.trial if a.blind is not None else 0) + 1
            compare = f"BLIND trial {trial} (p picks, B stops) · {compare}"
        self.query_one(Transport).update_state(
            position_s=a.position_s,
            duration_s=self.analysis.session.duration_s,
            playing=a.playing,
            side=a.side,
            label_a=label_a,
            label_b=label_b,
            compare=compare,
            loop_s=tuple(a.loop_s) if a.loop_s else None,
            match_loudness=a.match_loudness,
            offset_db=float("nan") if self.blind_running() else a.offset_db,
            matching=a.matching,
            estimated=a.offset_estimated,
            safety_db=a.safety_db,
            listeners=a.listeners,
            available=a.available,
            reason=a.reason,
            solo=tuple(self.names.get(f, f) for f in sorted(self.soloed)),
            muted=tuple(self.names.get(f, f) for f in sorted(self.muted)),
        )
