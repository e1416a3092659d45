"""The review screen's side of the live model: after every decision the queue is derived again.

The review is copied on the UI thread and the engine's ``LiveModel`` derives the suggestions from
it in a thread worker, so keys keep answering; the queue's border says "recomputing" meanwhile.
A pending suggestion that a decision solved leaves the queue with a message naming the decision.
"""

from __future__ import annotations

from textual import work
from textual.message import Message

from mixreview.analysis.analyze import Analysis
from mixreview.analysis.review import Review
from mixreview.analysis.suggest.live import LiveModel, LiveState
from mixreview.tui.parts import ReviewParts


class LiveDerived(Message):
    """The queue as the live model derived it for review version ``version``."""

    def __init__(self, state: LiveState, version: int) -> None:
        super().__init__()
        self.state, self.version = state, version


def snapshot(review: Review) -> Review:
    """A copy of the review for a worker to read while the UI goes on changing the original."""
    return review.copy()


def new_model(analysis: Analysis, review: Review | None) -> tuple[LiveModel, LiveState]:
    """A model for an analysis (on opening, or with references added or removed), and its
    queue."""
    model = LiveModel(analysis)
    return model, model.derive(snapshot(review) if review is not None else None)


class LiveMixin(ReviewParts):
    """Keeps ``all_suggestions`` in step with the review (mixed into ``ReviewScreen``)."""

    _live_version: int = 0

    def start_live(self, model: LiveModel, state: LiveState) -> None:
        """The model made when the session loaded, and its first queue."""
        self.live_model = model
        self.solved = {s.suggestion.id: s for s in state.solved}

    def rederive(self) -> None:
        """A decision changed the review: derive the queue again, off the UI thread (call it
        before redrawing the queue, which then says it is recomputing)."""
        if self.live_model is None or self.review is None:
            return
        self._live_version += 1
        self.recomputing = True  # the queue's border says so (its watcher)
        self._derive_worker(self.live_model, snapshot(self.review), self._live_version)

    @work(thread=True, exclusive=True, exit_on_error=False, group="live")
    def _derive_worker(self, model: LiveModel, review: Review, version: int) -> None:
        self.post_message(LiveDerived(model.derive(review), version))

    def on_live_derived(self, message: LiveDerived) -> None:
        if message.version != self._live_version or self.analysis is None:
            return  # a later decision is being derived already
        self.recomputing = False
        state = message.state
        newly = [s for s in state.solved if s.suggestion.id not in self.solved]
        self.solved = {s.suggestion.id: s for s in state.solved}
        self.use_analysis(self.analysis, list(state.suggestions))
        self.schedule_versions()
        for solved in newly[:3]:
            what = solved.suggestion
            self.notify(
                f"{what.kind} on {', '.join(what.stems[:2])}"
                + (f" ({what.section})" if what.section else "")
                + f" left the queue: {solved.line}.",
                title="solved",
                timeout=6,
            )

    def action_alternative(self) -> None:
        """Show the next answer to the selected problem (a compressor instead of section gains)."""
        item = self._need_item()
        if item is None or self.review is None:
            return
        s = item.suggestion
        if s is None or not s.alternatives:
            self.notify("This suggestion is the only answer to its problem.", timeout=4)
            return
        if item.status != "pending":
            self.notify("Decided already: undo (u) to choose another answer.", timeout=4)
            return
        nxt = s.alternatives[0]
        self.review.choose(s.problem, nxt.id)
        chosen = s.choosing(nxt.id)
        self.all_suggestions = [chosen if x.id == s.id else x for x in self.all_suggestions]
        if self.analysis is not None:
            self.use_analysis(self.analysis, self.all_suggestions)
        self._changed(select=chosen.id)
        self.notify(
            f"Showing {nxt.kind.replace('_', ' ')}: {len(s.alternatives)} other answer(s) "
            "to this problem (x again for the next).",
            timeout=4,
        )
