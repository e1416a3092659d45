"""What measuring and rendering workers use from scipy, loaded once before they start.

Imported by the process that forks the workers, or by the fork server, so no worker loads it
again: scipy's filter kernel on its own (not the whole of ``scipy.signal``: see scipy_calls) and
``scipy.fft`` for the band meters.
"""

from __future__ import annotations

import scipy.fft  # noqa: F401 (imported for the workers)

from mixreview.analysis.dsp import sosfilter

sosfilter.preload()
