"""A chain of processors run in order, itself a processor."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .base import Processor


class Chain(Processor):
    """Apply ``processors`` in order; ``reset`` and ``seek`` reach every processor that has them.

    The chain's own ``amount`` multiplies the amount of each processor in it (each keeps its
    own ``amount`` too): 0 bypasses the whole chain exactly, 1 leaves every processor as set.
    Every processor must run at the chain's sample rate.
    """

    def __init__(
        self, processors: Iterable[Processor], sample_rate: int | None = None, amount: float = 1.0
    ) -> None:
        procs = tuple(processors)
        for proc in procs:
            if not isinstance(proc, Processor):
                raise ValueError(f"a Chain holds processors, got {proc!r}")
        rates = {proc.sample_rate for proc in procs}
        if sample_rate is None:
            if len(rates) != 1:
                raise ValueError("give sample_rate for an empty chain")
            sample_rate = rates.pop()
        elif rates - {sample_rate}:
            raise ValueError(f"every processor must run at {sample_rate} Hz, got {sorted(rates)}")
        self._processors = procs
        super().__init__(sample_rate, amount)

    @property
    def processors(self) -> tuple[Processor, ...]:
        """The processors, in processing order."""
        return self._processors

    def __len__(self) -> int:
        return len(self._processors)

    def __getitem__(self, index: int) -> Processor:
        return self._processors[index]

    def _mark_dirty(self) -> None:
        super()._mark_dirty()
        for proc in getattr(self, "_processors", ()):
            proc._set_outer_amount(self.effective_amount)

    def _set_outer_amount(self, outer_amount: float) -> None:
        self._outer_amount = outer_amount
        self._mark_dirty()

    def reset(self) -> None:
        for proc in self._processors:
            proc.reset()

    def seek(self, frame: int) -> None:
        """Forward a seek to every processor that follows the timeline."""
        for proc in self._processors:
            seek = getattr(proc, "seek", None)
            if callable(seek):
                seek(frame)

    def _process(self, x: np.ndarray) -> np.ndarray:
        for proc in self._processors:
            x = proc.process(x)
        return x

    def _skip(self, frames: int) -> None:
        # Bypassed as a whole: processors that follow the timeline still move on.
        for proc in self._processors:
            proc._skip(frames)

    def __repr__(self) -> str:
        inner = ", ".join(repr(proc) for proc in self._processors)
        return f"Chain([{inner}], amount={self.amount!r})"
