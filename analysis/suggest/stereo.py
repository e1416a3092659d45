"""Stereo: polarity, width (mono compatibility) and placement (pan); the family's entry point.

Everything is read from the per-100 ms sums the meters keep: L², R² and L·R per stem
(``StereoResult``), mid and side power per third-octave band (``BandsResult``), and the same for the
mix. Width and correlation follow FACTS.md: width E[(L-R)²] / E[(L+R)²], balance
(E_R - E_L) / (E_R + E_L). The mono fold-down loss of a part is how much quieter it gets when the
mix is summed to mono: 10 log10((mid + side) / mid) dB, with mid = (L+R)/2, side = (L-R)/2.

Rules (names are the ``rule`` of each suggestion):
- ``channel_polarity``: a stereo stem with L/R correlation below -0.5 (one channel inverted):
  flip the right channel.
- ``pair_polarity``: two stems playing together whose low end (31.5-500 Hz) adds up in the mix
  to at least 3 dB less than the sum of their energies: they cancel, so one is out of polarity
  with the other; flip the quieter one.
- ``width``: a stereo stem whose important bands lose more than 2 dB (parts conventionally
  centred: kick, snare, bass, lead vocal) or 3 dB (others: side louder than mid) in mono: narrow
  it so the loss falls to 1 dB or 1.5 dB.
- ``centre_pan``: a kick, snare, bass or lead vocal leaning more than 0.2 (1.8 dB) to one side:
  rebalance it to the centre.
- ``mix_balance``: the mix leaning more than 1 dB to one side: rebalance the stem contributing
  most to the lean, at most to its own centre.
- ``mono_placement``: a supporting part delivered in mono (or as identical channels) sits dead
  centre; place it where the panning conventions put it, alternating sides (mirrored pairs).

The rules live in stereo_polarity.py, stereo_width.py and stereo_pan.py, the measurements they
share in stereo_common.py. Rules, thresholds and sources: docs/rules/stereo.md.
"""

from __future__ import annotations

from mixreview.analysis.suggest import stereo_pan, stereo_polarity, stereo_width
from mixreview.analysis.suggest.features import Features
from mixreview.analysis.suggest.model import Suggestion
from mixreview.analysis.suggest.stereo_pan import (
    centre_pan_rule,
    mix_balance_rule,
    mono_placement_rules,
)
from mixreview.analysis.suggest.stereo_polarity import channel_polarity_rule, pair_polarity_rules
from mixreview.analysis.suggest.stereo_width import width_rule


def suggest(features: Features) -> list[Suggestion]:
    found: list[Suggestion] = []
    for file in sorted(features.stems):
        stem = features.stems[file]
        for rule in (channel_polarity_rule, width_rule, centre_pan_rule):
            suggestion = rule(features, stem)
            if suggestion is not None:
                found.append(suggestion)
    flipped = {s.stems[0] for s in found if s.kind == "polarity"}
    found += [s for s in pair_polarity_rules(features) if s.stems[0] not in flipped]
    panned = {s.stems[0] for s in found if s.kind == "pan"}
    mix_rule = mix_balance_rule(features, panned)
    if mix_rule is not None:
        found.append(mix_rule)
        panned.add(mix_rule.stems[0])
    found += [s for s in mono_placement_rules(features) if s.stems[0] not in panned]
    return found


TARGETS = {**stereo_polarity.TARGETS, **stereo_width.TARGETS, **stereo_pan.TARGETS}
