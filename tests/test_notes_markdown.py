"""notes.md reads as meant whatever the reviewer typed: notes are quoted literally, bullets
stay lists, tables stay tables; spans are named by their section; partial amounts say what was
applied."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from mixreview.analysis.export import export_session
from mixreview.analysis.notes_text import escape_markdown, quote, sentence, span_label
from tests.export_support import new_review, song_with_analysis, suggestion

NASTY = (
    'Use *less* _air_ # here | or `there` <b>bold</b> &amp; "quotes" [a link](http://x.org)\n'
    "- not a list\n"
    "1. not a numbered one\n"
    "> not nested\n"
    "\n"
    "---\n"
    "a backslash \\ at the end \\"
)
STEM_NOTE = "***too*** wide | <script>x</script>\n=== not a heading"
MANUAL_NOTE = "## not a heading\n+ not a list ~~nor struck~~"
FLAGGED_TOKENS = {"em_open", "strong_open", "html_inline", "html_block", "code_inline",
                  "link_open", "s_open", "heading_open", "bullet_list_open", "ordered_list_open",
                  "hr", "blockquote_open"}  # fmt: skip


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("md")
    folder, analysis, s = song_with_analysis(base)
    outro = suggestion(
        "section_gain", "Kick.wav",
        {"segments": [{"start_s": 2.0, "end_s": 4.0, "gain_db": -2.0}]}, "t-outro",
        section="Outro", section_span_s=(2.0, 4.0),
    )  # fmt: skip
    review = new_review(folder, base / "review.json")
    review.accept(s["polarity"])
    review.set_note(s["polarity"], NASTY)
    review.set_amount(s["bass_gain"], 0.75)
    review.set_amount(outro, 0.5)
    review.reject(s["highpass"])
    review.set_note(s["highpass"], "keep the rumble.")
    review.add_manual("gain", "Pad.wav", {"gain_db": -3.0}, (2.0, 4.0), note=MANUAL_NOTE)
    review.set_stem_note("Bass.wav", STEM_NOTE)
    return export_session(
        folder, review_path=review.path, out=base / "out", analysis=analysis,
        suggestions=[*s.values(), outro], stems=False,
    )  # fmt: skip


def blockquote_text(tokens: list[Token], start: int) -> tuple[str, list[str]]:
    """The text of the block quote opening at ``start`` (paragraphs joined by a blank line,
    line breaks as newlines) and the types of the tokens inside it."""
    depth, paragraphs, inside = 0, [], []
    for token in tokens[start:]:
        depth += {"blockquote_open": 1, "blockquote_close": -1}.get(token.type, 0)
        if depth == 0:
            break
        if token is not tokens[start]:
            inside.append(token.type)
        if token.type == "inline":
            children = token.children or []
            inside += [c.type for c in children]
            breaks = ("softbreak", "hardbreak")
            paragraphs.append("".join("\n" if c.type in breaks else c.content for c in children))
    return "\n\n".join(paragraphs), inside


def quotes(text: str) -> list[tuple[str, list[str]]]:
    tokens = MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(text)
    return [blockquote_text(tokens, i) for i, t in enumerate(tokens) if t.type == "blockquote_open"]


def test_reviewer_text_is_quoted_as_typed_and_breaks_nothing(exported) -> None:
    text = exported.notes_md.read_text()
    md = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    tokens = md.parse(text)
    assert not [t for t in tokens if t.type in ("html_block", "html_inline")]
    for token in tokens:
        assert not any(c.type == "html_inline" for c in token.children or [])
    found = {body: inside for body, inside in quotes(text)}
    for note in (NASTY, STEM_NOTE, MANUAL_NOTE, "keep the rumble."):
        assert note in found, (note, list(found))
        assert not FLAGGED_TOKENS & set(found[note]), (note, found[note])
    assert len([t for t in tokens if t.type == "table_open"]) == 2  # measurements, stems

    # each stem's changes stay one list, its quotes inside the items
    section = text[text.index("## What was changed") : text.index("## Stem-preparation")]
    for part in re.split(r"\n### ", section)[1:]:
        body = md.parse(part)
        top = [t.type for t in body if t.level == 0]
        assert top.count("bullet_list_open") == 1, part
        assert "blockquote_open" not in top, part


def test_sentences_end_once_and_spans_name_their_section(exported) -> None:
    text = exported.notes_md.read_text()
    assert not re.search(r"[^.]\.\.(?!\.)", text)
    assert "Why: t-polarity: about -6.0 LU. Reviewer's note:" in text
    assert "**manual** gain in Outro (2.0-4.0 s): -3.0 dB. Reviewer's note:" in text
    assert (
        "**adjusted** section_gain: -2.0 dB in Outro (2.0-4.0 s) at 50% strength: -1.0 dB in "
        "Outro (2.0-4.0 s) applied"
    ) in text


def test_partial_amounts_show_what_was_applied(exported) -> None:
    text = exported.notes_md.read_text()
    assert "**adjusted** gain: +3.0 dB at 75% strength: +2.3 dB applied" in text
    changes = {c["id"]: c for c in exported.notes["changes"]}
    bass = next(c for c in changes.values() if c["stems"] == ["Bass.wav"])
    assert bass["applied_params"] == {"gain_db": pytest.approx(2.25)}
    outro = next(c for c in changes.values() if c["kind"] == "section_gain")
    assert outro["applied_params"]["segments"][0]["gain_db"] == pytest.approx(-1.0)
    rejected = next(c for c in changes.values() if c["kind"] == "highpass")
    assert rejected["applied_params"] is None


def test_text_helpers() -> None:
    assert escape_markdown("1. a *b* | c") == "1\\. a \\*b\\* \\| c"
    assert escape_markdown("- x") == "\\- x" and escape_markdown("a - b") == "a - b"
    assert escape_markdown("Lead_Vocal _x_ a__b") == "Lead_Vocal \\_x\\_ a\\_\\_b"
    assert quote("one\ntwo\n\nthree", "  ") == ["  > one\\", "  > two", "  >", "  > three"]
    assert sentence("about -6.0 LU.", "Reviewer's note:") == "about -6.0 LU. Reviewer's note:"
    assert sentence("a", "b.") == "a. b."
    sections = [{"name": "Outro", "start_s": 21.818, "end_s": 30.0}]
    assert span_label(21.8, 30.0, sections) == "Outro (21.8-30.0 s)"
    assert span_label(10.0, 12.0, sections) == "10.0-12.0 s"
