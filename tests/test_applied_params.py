"""What a change applies at partial strength: applied_params agrees with each processor's own
rule for ``amount``, the applied values are written as a person rounds them, and the section loop
toggle compares the loop the player really holds (trimmed to the song)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.dsp import build_processor
from mixreview.analysis.session import load_session
from mixreview.analysis.suggest.describe import applied_params, describe_amount
from mixreview.tui.audition import NoAudio
from mixreview.tui.clock_stream import CLOCK
from mixreview.tui.listening import same_span
from mixreview.tui.player import Player
from tests.test_dsp_support import SAMPLE_RATE, make_signal

WITH_AMOUNT: dict[str, dict[str, Any]] = {
    "gain": {"gain_db": -7.0},
    "eq": {
        "bands": [
            {"type": "peaking", "freq_hz": 300, "gain_db": -4.0, "q": 1.2},
            {"type": "low_shelf", "freq_hz": 120, "gain_db": 3.0},
            {"type": "highpass", "freq_hz": 60, "order": 4},
            {"type": "lowpass", "freq_hz": 9000, "order": 2},
        ]
    },
    "highpass": {"freq_hz": 90.0, "order": 2},
    "width": {"width": 1.6},
    "pan": {"pan": -0.6},
    "compressor": {
        "threshold_db": -24.0,
        "ratio": 4.0,
        "attack_ms": 5.0,
        "release_ms": 80.0,
        "makeup_db": 3.0,
    },
    "mono_bass": {"freq_hz": 150.0},
}


@pytest.mark.parametrize("amount", [0.25, 0.5, 0.75])
@pytest.mark.parametrize("kind", sorted(WITH_AMOUNT))
def test_applied_params_are_what_the_processor_applies(kind: str, amount: float) -> None:
    params = WITH_AMOUNT[kind]
    applied = applied_params(kind, params, amount)
    assert applied is not None
    signal = make_signal(SAMPLE_RATE // 2, seed=5)
    partial = build_processor(kind, params, SAMPLE_RATE, amount=amount).process(signal.copy())
    full = build_processor(kind, applied, SAMPLE_RATE, amount=1.0).process(signal.copy())
    assert not np.allclose(partial, signal, atol=1e-4)  # the change does something here
    np.testing.assert_allclose(full, partial, rtol=0, atol=2e-5)


def test_applied_values_round_as_a_person_rounds() -> None:
    assert describe_amount("gain", {"gain_db": -7.0}, 0.75) == (
        "-7.0 dB at 75% strength: -5.3 dB applied"  # -5.25: half away from zero
    )
    text = describe_amount("compressor", WITH_AMOUNT["compressor"], 0.75)
    set_as, applied = text.split(" at 75% strength: ")
    assert "4:1" in set_as and "makeup +3.0 dB" in set_as
    # ratio 1 / (1 - 0.75 * 3/4) = 2.2857...; makeup 0.75 * 3.0 = 2.25
    assert "2.3:1" in applied and "makeup +2.3 dB" in applied and "2.28" not in applied


def test_a_loop_past_the_end_of_the_song_toggles_off(small_session: Path) -> None:
    session = load_session(small_session)  # 3 s
    span = (1.0, 3.6)  # a section that ends after the song
    player = Player(session, CLOCK, None)
    try:
        player.set_loop(span)
        assert player.loop_s is not None and player.loop_s[1] == pytest.approx(3.0)
        assert same_span(player.loop_s, span, session.duration_s)  # `l` again turns it off
        assert not same_span(player.loop_s, (1.0, 2.5), session.duration_s)
        assert not same_span(player.loop_s, (1.2, 3.6), session.duration_s)
    finally:
        player.close()
    stand_in = NoAudio("no sound card", session.duration_s)  # keeps the loop as asked
    stand_in.set_loop(span)
    assert same_span(stand_in.loop_s, span, session.duration_s)
