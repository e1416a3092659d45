"""The detail panel: the case for the selected suggestion, or the facts about the selected stem.

For a suggestion: what it is, its status, why (the engine's words), the evidence numbers, where in
the song it applies, and a small plot that makes the case visible: the two stems' band spectra for
a masking conflict, the loudness curve for a section gain, before vs predicted for the rest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from textual import events
from textual.content import Content
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

from mixreview.analysis.numbers import percent
from mixreview.analysis.sections import Section
from mixreview.analysis.suggest.describe import describe_params
from mixreview.analysis.suggest.features import CENTERS_HZ, Features
from mixreview.tui.keymap import bindings
from mixreview.tui.widgets import plots
from mixreview.tui.widgets.detail_text import (
    DetailContext,
    evidence_line,
    heading,
    paragraph,
    unit_label,
)
from mixreview.tui.widgets.labels import STATUS_STYLE, kind_label, status_text
from mixreview.tui.widgets.params import gain_of
from mixreview.tui.widgets.queue import Item, stems_label
from mixreview.tui.widgets.stem_detail import check_line, stem_checks, stem_detail


class ScrollPage(Widget, can_focus=True):
    """A page of text drawn with the Line API that scrolls itself.

    It keeps its own offset instead of being a scroll container, so new text and scrolling cost
    a repaint of this widget only, never a layout pass of the screen (the app's keystrokes stay
    fast while the meters run). The border's subtitle says where in the page the view is.
    """

    BINDINGS: ClassVar = bindings("list")
    ALLOW_MAXIMIZE = True

    WRAPPED_KEPT = 32  # pages whose wrapped lines are kept (going back to one costs nothing)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.content = Content("")
        self.offset_y = 0
        self._strips: list[Strip] = []
        self._wrapped_for: tuple[int, int] | None = None
        # (id of a content, width) -> (the content, kept alive for its id, and its lines)
        self._wrapped: dict[tuple[int, int], tuple[Content, list[Strip]]] = {}

    @property
    def plain(self) -> str:
        return self.content.plain

    @property
    def line_count(self) -> int:
        self._wrap()
        return len(self._strips)

    @property
    def max_offset(self) -> int:
        return max(0, self.line_count - self.content_region.height)

    def set_content(self, content: Content, home: bool = False) -> None:
        self.content = content
        self._wrapped_for = None
        if home:
            self.offset_y = 0
        self.scroll_to_line(self.offset_y)

    def _wrap(self) -> None:
        width = self.content_region.width
        key = (width, id(self.content))
        if self._wrapped_for == key:
            return
        self._wrapped_for = key
        if width < 8:  # not laid out yet (or hidden): wrapping now would be wasted work
            self._strips = []
            return
        kept = self._wrapped.pop((id(self.content), width), None)
        if kept is None or kept[0] is not self.content:
            strips = Visual.to_strips(self, self.content, width, None, self.visual_style)
            kept = (self.content, strips)
        self._wrapped[(id(self.content), width)] = kept  # the most recent last
        while len(self._wrapped) > self.WRAPPED_KEPT:
            del self._wrapped[next(iter(self._wrapped))]
        self._strips = kept[1]

    def scroll_to_line(self, line: int) -> None:
        self.offset_y = min(max(0, line), self.max_offset)
        self._show_position()
        self.refresh()

    def _show_position(self) -> None:
        height = self.content_region.height
        total = self.line_count
        if total <= height or height <= 0:
            text = ""
        else:
            last = min(total, self.offset_y + height)
            more = " ↓" if last < total else ""
            text = f"{self.offset_y + 1}-{last} of {total}{more}"
        if self.border_subtitle != text:
            self.border_subtitle = text

    def render_line(self, y: int) -> Strip:
        self._wrap()
        index = y + self.offset_y
        width = max(1, self.content_region.width)
        style = self.visual_style.rich_style
        if 0 <= index < len(self._strips):
            return self._strips[index].adjust_cell_length(width, style)
        return Strip.blank(width, style)

    def on_resize(self) -> None:
        self._wrapped_for = None
        self.scroll_to_line(self.offset_y)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._wrapped_for = None
        self._wrapped.clear()

    def action_cursor(self, direction: int) -> None:
        self.scroll_to_line(self.offset_y + direction)

    def action_first(self) -> None:
        self.scroll_to_line(0)

    def action_last(self) -> None:
        self.scroll_to_line(self.max_offset)

    def action_page(self, direction: int) -> None:
        self.scroll_to_line(self.offset_y + direction * max(1, self.content_region.height - 1))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.scroll_to_line(self.offset_y + 3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.scroll_to_line(self.offset_y - 3)


class DetailPanel(ScrollPage):
    """The review screen tells it what to show; it redraws on resize."""

    PAGES_KEPT = 32

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # item id -> (the item, width, its page): with the same context, a suggestion's page
        # depends only on the item (status, amount, parameters, note) and the width
        self._pages: dict[str, tuple[Item, int, Content]] = {}
        self._detail_context: DetailContext | None = None
        self.subject: tuple[str, Any] = ("none", None)
        self._width_drawn = 0

    @property
    def context(self) -> DetailContext | None:
        return self._detail_context

    @context.setter
    def context(self, context: DetailContext | None) -> None:
        self._detail_context = context
        self._pages.clear()

    # -- content -------------------------------------------------------------------------------
    def show(self, kind: str, subject: Any) -> None:
        """Show ``("item", Item)``, ``("stem", file)``, ``("message", text)`` or nothing."""
        changed = (kind, subject) != self.subject
        self.subject = (kind, subject)
        self.redraw(home=changed)

    def redraw(self, home: bool = False) -> None:
        width = max(20, self.content_region.width or 40)
        self._width_drawn = width
        kind, subject = self.subject
        ctx = self.context
        if kind == "message" or ctx is None:
            content = Content(str(subject or ""))
        elif kind == "item" and subject is not None:
            content = self._item_page(subject, ctx, width)
        elif kind == "stem" and subject is not None:
            content = stem_detail(subject, ctx, width)
        else:
            content = Content("Nothing selected.").stylize("$foreground 60%")
        self.set_content(content, home=home)

    def _item_page(self, item: Item, ctx: DetailContext, width: int) -> Content:
        kept = self._pages.pop(item.id, None)
        if kept is None or kept[1] != width or kept[0] != item:
            kept = (item, width, item_detail(item, ctx, width))
        self._pages[item.id] = kept
        while len(self._pages) > self.PAGES_KEPT:
            del self._pages[next(iter(self._pages))]
        return kept[2]

    def on_resize(self) -> None:
        if self.content_region.width != self._width_drawn:
            self.redraw()  # the plots are drawn for the width
        super().on_resize()


# -- a suggestion or manual change ----------------------------------------------------------------


def item_detail(item: Item, ctx: DetailContext, width: int) -> Content:
    names = ctx.names
    all_stems = len(ctx.analysis.session.mix_stems)
    lines: list[Content] = []
    title = f"{kind_label(item.kind)} · {stems_label(item, names, all_stems)}"
    lines.append(Content(title).stylize("bold"))
    if item.suggestion is not None:
        s = item.suggestion
        unheard = " · decided without hearing its A/B" if item.unheard else ""
        lines.append(
            Content.assemble(
                (status_text(item.status, item.amount, True), "bold " + STATUS_STYLE[item.status]),
                (f" · {s.severity} importance · {s.category}", "$foreground 70%"),
                (unheard, "$warning"),
            )
        )
    else:
        state = "on" if item.status == "manual" else "off"
        lines.append(
            Content.assemble(
                ("+ your change", "bold " + STATUS_STYLE["manual"]),
                (f" · {state} · amount {percent(item.amount)}", "$foreground 70%"),
            )
        )
    lines.append(_params_line(item))
    lines.append(Content(""))
    if item.suggestion is not None:
        lines.append(paragraph("Why", item.suggestion.why))
        evidence = evidence_line(item.suggestion.evidence, names)
        if evidence.plain:
            lines.append(paragraph("Evidence", evidence))
        for label, others in (
            ("Other answers (x)", item.suggestion.alternatives),
            ("Waits for this decision", item.suggestion.waiting),
        ):
            if others:
                text = " · ".join(f"{kind_label(o.kind)} ({describe_params(o.kind, o.params)})"
                                  for o in others)  # fmt: skip
                lines.append(paragraph(label, text))
    lines.append(Content(""))
    lines += _where(item, ctx, width)
    plot = _plot(item, ctx, width)
    if plot:
        lines.append(Content(""))
        lines += plot
    if item.note:
        lines += [Content(""), paragraph("Note", item.note)]
    checks = [c for f in item.stems[:3] for c in stem_checks(ctx.analysis, f)]
    if checks and len(item.stems) <= 3:
        lines += [Content(""), heading("Checks on these stems")]
        lines += [check_line(c, names) for c in checks]
    return Content("\n").join(lines)


def _params_line(item: Item) -> Content:
    """The change as set; at partial strength also what is applied ('-7.0 dB at 75% strength:
    -5.3 dB applied')."""
    from mixreview.analysis.suggest.describe import describe_amount, describe_params

    text = item.params_text
    if item.amount < 0.999 and item.status != "rejected":
        with contextlib.suppress(KeyError, TypeError, ValueError):
            text = describe_amount(item.kind, item.params, item.amount)
    if item.suggestion is None:
        return paragraph("Change", text)
    original = describe_params(item.kind, item.suggestion.params)
    if original != item.params_text:
        return Content.assemble(
            ("Change  ", "bold"), (text, "bold " + STATUS_STYLE["adjusted"]),
            (f"  (assistant: {original})", "$foreground 70%"),
        )  # fmt: skip
    return paragraph("Change", text)


def _where(item: Item, ctx: DetailContext, width: int) -> list[Content]:
    analysis = ctx.analysis
    duration = analysis.session.duration_s
    span = item.section_span_s
    label = item.section or ""
    if span is None:
        evidence = item.suggestion.evidence if item.suggestion else {}
        span, label = worst_span(evidence, duration, analysis.sections)
    line = plots.timeline(analysis.sections, duration, width)
    title = "Where" + ("" if span else ": the whole song")
    out = [heading(title), line]
    if span:
        out.append(plots.span_marks(span, duration, width, label))
    return out


def worst_span(
    evidence: Mapping[str, Any], duration_s: float, sections: Sequence[Section] = ()
) -> tuple[tuple[float, float] | None, str]:
    """The passage the evidence points at, and a label for it: a span (``worst_span_s``,
    ``*_span_s``, ``ranges_s``...) or the first of the sections it names (``worst_sections``)."""
    for key, value in evidence.items():
        if not key.endswith("_s") or not isinstance(value, list | tuple) or not value:
            continue
        first = value[0]
        if isinstance(first, list | tuple) and len(first) == 2:
            first = tuple(first)
        elif len(value) == 2 and all(isinstance(v, int | float) for v in value):
            first = tuple(value)
        else:
            continue
        start, end = float(first[0]), float(first[1])
        if 0 <= start < end <= duration_s + 0.5:
            return (start, min(end, duration_s)), "worst passage"
    by_name = {s.name: s for s in sections}
    for key, value in evidence.items():
        if "section" not in key:
            continue
        names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        for name in names:
            if isinstance(name, str) and name in by_name:
                section = by_name[name]
                return (section.start_s, section.end_s), f"worst in {name}"
    return None, ""


def _plot(item: Item, ctx: DetailContext, width: int) -> list[Content]:
    features = ctx.features()
    names = ctx.names
    out: list[Content] = []
    s = item.suggestion
    stem = item.stems[0] if item.stems else None
    if features is not None and stem in features.stems:
        freq = _freq_of(item)
        if item.kind == "unmask" and s is not None:
            against = s.evidence.get("against")
            curves = [(names.get(stem, stem), features.stems[stem].spectrum_db, "$warning")]
            if isinstance(against, str) and against in features.stems:
                spectrum = features.stems[against].spectrum_db
                curves.append((names.get(against, against), spectrum, "$success"))
            out += [heading("Band spectra while playing")]
            out += plots.spectra(curves, CENTERS_HZ, width, mark_hz=freq)
        elif freq is not None and len(item.stems) == 1:
            curves = [(names.get(stem, stem), features.stems[stem].spectrum_db, "$warning")]
            out += [heading("Band spectrum while playing")]
            out += plots.spectra(curves, CENTERS_HZ, width, mark_hz=freq)
        elif item.kind == "section_gain" and len(item.stems) == 1:
            out += _section_curve(item, ctx, features, width)
    if s is not None and s.target is not None:
        target = s.target
        title = unit_label(target.metric)[0]
        out += [heading(f"Before and predicted: {title}")]
        out += plots.before_after(target.before, target.predicted, target.goal, target.unit, width)
        yours = _yours(item)
        if yours is not None:
            estimate = target.before + (target.predicted - target.before) * yours
            out += plots.before_after(target.before, estimate, target.goal, target.unit, width,
                                      after_label="yours ≈")[1:2]  # fmt: skip
    return out


def _yours(item: Item) -> float | None:
    """How much of the assistant's gain the user's version applies (None: not a gain, or same)."""
    s = item.suggestion
    if s is None or (item.status not in ("adjusted",)):
        return None
    mine, theirs = gain_of(item.kind, item.params), gain_of(item.kind, s.params)
    if mine is None or not theirs:
        return None
    return mine * item.amount / theirs


def _freq_of(item: Item) -> float | None:
    p = item.params
    if "freq_hz" in p:
        return float(p["freq_hz"])
    bands = p.get("bands")
    if isinstance(bands, list) and bands and "freq_hz" in bands[0]:
        return float(bands[0]["freq_hz"])
    return None


def _section_curve(item: Item, ctx: DetailContext, features: Features, width: int) -> list[Content]:
    stem = item.stems[0]
    report = ctx.analysis.stem_report(stem)
    if report.measurement is None:
        return []
    before = np.asarray(report.measurement.loudness.short_term_lufs, np.float64)
    per_s = 1.0 / report.measurement.loudness.frame_s  # frames per second (10 on 100 ms)
    after = before.copy()
    segments = item.params.get("segments") or [item.params]
    for seg in segments:
        try:
            a, b, g = float(seg["start_s"]), float(seg["end_s"]), float(seg["gain_db"])
        except (KeyError, TypeError, ValueError):
            continue
        after[int(a * per_s) : int(b * per_s)] += g * item.amount
    duration = ctx.analysis.session.duration_s
    label_w = plots.CURVE_LABEL_W
    out = [heading("Short-term loudness over the song")]
    out += plots.curve(
        [("before", before, "$warning"), ("after", after, "$success")], duration, width
    )
    out.append(
        Content.assemble(
            (" " * label_w, ""),
            plots.span_marks(
                item.section_span_s, duration, max(8, width - label_w), item.section or ""
            ),
        )
    )
    return out
