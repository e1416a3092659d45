"""Playback of two versions of the mix for A/B: the real-time mixer, the offline render it must
equal, loudness matching and meters. The public names of the ``playback_*`` modules, in one place.

The mixer (``playback_mixer.Mixer``) turns the transport state into blocks for an audio callback.
How the work is laid out (the callback must finish well inside a block):

- Both versions are rendered all the time, so an A/B switch is only a change of weights at the next
  block. A stem whose changes are the same on both sides is processed once ("unit" shared by A
  and B); a stem without changes is not processed at all (``playback_render.build_units``).
- Stems are read and processed in chunks of ``chunk_frames`` (8 blocks by default: per-call costs
  of numpy and scipy are paid an eighth as often). The chunk after the one playing is rendered a
  few units at a time, spread over the blocks of the playing chunk, so every callback does about
  the same work (``playback_chunks.Renderer``).
- The raw stems of the chunks to come are read by a thread (``playback_chunks._ReadAhead``), a few
  chunks ahead: disk and decoding never happen in the callback.
- Processed units are summed per side with one matrix product at output time, so mute and solo
  (gains per stem, ramped) answer at the next block too (``playback_gains``).
- A seek, a new loop that the planned audio does not follow, or a new pair of versions builds a
  new ``Renderer`` (files opened, chains built, first chunk rendered) in the caller's thread; the
  callback then crossfades from the old renderer to the new one.
- The loop wraps inside a renderer: the chunk that ends at the loop end is rendered ``crossfade``
  frames further, the chains then jump back, and the output crossfades the run-on into the loop
  start (equal power).

Crossfade shapes: the A/B switch and a restart at the same place (new versions) join two almost
identical signals, so they fade with equal gain (1 - t, t): an equal-power fade would lift the
level by up to 3 dB halfway. Seeks and loop wraps join unrelated audio and fade with equal power
(cos, sin). Play and pause fade in and out with a raised cosine.

The offline render of the same thing is ``render_versions`` (``playback_render``): the tests
compare the two, the loudness matcher (``playback_match``) and the clip writer use it. The meters
of what is playing are ``playback_meters``.
"""

from __future__ import annotations

from mixreview.analysis.playback_chunks import READ_DELAY_S, READ_NICE, READ_PAUSE_S
from mixreview.analysis.playback_match import (
    MATCH_LIMIT_DB,
    MAX_PASSAGE_S,
    PASSAGE_WINDOW_S,
    LoudnessMatcher,
    Match,
    match_offset_db,
    measure_versions,
    passage_for,
    section_spans,
)
from mixreview.analysis.playback_meters import METER_WINDOW_S, PEAK_FALL_DB_PER_S, MeterTaps
from mixreview.analysis.playback_mixer import (
    CROSSFADE_MS,
    DEFAULT_BLOCK_FRAMES,
    DEFAULT_CHUNK_FRAMES,
    HISTORY_BLOCKS,
    MIN_LOOP_S,
    SIDES,
    Mixer,
    SwitchEvent,
)
from mixreview.analysis.playback_render import (
    OFFLINE_BLOCK_FRAMES,
    audible_stems,
    build_units,
    reference_source,
    render_mix,
    render_versions,
    versions_key,
)

__all__ = [
    "CROSSFADE_MS",
    "DEFAULT_BLOCK_FRAMES",
    "DEFAULT_CHUNK_FRAMES",
    "HISTORY_BLOCKS",
    "MATCH_LIMIT_DB",
    "MAX_PASSAGE_S",
    "METER_WINDOW_S",
    "MIN_LOOP_S",
    "OFFLINE_BLOCK_FRAMES",
    "PASSAGE_WINDOW_S",
    "PEAK_FALL_DB_PER_S",
    "READ_DELAY_S",
    "READ_NICE",
    "READ_PAUSE_S",
    "SIDES",
    "LoudnessMatcher",
    "Match",
    "MeterTaps",
    "Mixer",
    "SwitchEvent",
    "audible_stems",
    "build_units",
    "match_offset_db",
    "measure_versions",
    "passage_for",
    "reference_source",
    "render_mix",
    "render_versions",
    "section_spans",
    "versions_key",
]
