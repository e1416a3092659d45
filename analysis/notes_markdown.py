"""The notes as a Markdown page (notes.md) for the mastering engineer, written from the
document ``build_notes`` makes, so the page and notes.json always say the same."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mixreview.analysis.notes_document import NotesDocument
from mixreview.analysis.notes_references import NO_REFERENCES, WIDTH_RANGES, _signed, range_label
from mixreview.analysis.notes_remarks import LOW_END_HZ, TONAL_BANDS, _fmt
from mixreview.analysis.notes_text import (
    describe_change,
    escape_markdown,
    quote,
    sentence,
    span_label,
)
from mixreview.analysis.numbers import counted
from mixreview.analysis.reference import RANGES_HZ
from mixreview.analysis.render_plan import MIX_NAMES, VERSIONS
from mixreview.analysis.suggest.describe import hz

NOTE_LABEL = "Reviewer's note:"
MEASUREMENT_ROWS: tuple[tuple[str, str, str], ...] = (
    ("integrated_lufs", "Integrated loudness (LUFS)", ".1f"),
    ("short_term_max_lufs", "Max short-term loudness (LUFS)", ".1f"),
    ("lra_lu", "Loudness range (LU)", ".1f"),
    ("true_peak_dbtp", "True peak (dBTP)", ".1f"),
    ("sample_peak_dbfs", "Sample peak (dBFS)", ".1f"),
    ("headroom_db", "Headroom to 0 dBTP (dB)", ".1f"),
    ("crest_db", "Crest factor (dB)", ".1f"),
    ("plr_db", "PLR, peak to loudness (dB)", ".1f"),
    ("correlation", "L/R correlation", ".2f"),
    ("mono_fold_loss_lu", "Mono fold-down (LU)", "+.1f"),
    ("low_end_side_db", f"Side vs mid below {hz(LOW_END_HZ)} (dB)", ".0f"),
)


def _describe(change: Mapping[str, Any], params: Mapping[str, Any], amount: float,
              sections: Sequence[Mapping[str, Any]]) -> str:  # fmt: skip
    try:
        return describe_change(change["kind"], params, amount, sections)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return str(change["description"])


def _where(change: Mapping[str, Any], sections: Sequence[Mapping[str, Any]]) -> str:
    """' in Outro (21.8-30.0 s)', ' at 21.8-30.0 s', ' in Chorus' or '' (section gains say
    where in their description)."""
    span = change["section_span_s"]
    if change["kind"] == "section_gain":
        return ""
    if span:
        label = span_label(float(span[0]), float(span[1]), sections)
        return f" {'in' if '(' in label else 'at'} {label}"
    return f" in {change['section']}" if change["section"] else ""


def _change_lines(
    change: Mapping[str, Any],
    stems_named: Mapping[str, str],
    sections: Sequence[Mapping[str, Any]],
    show_stem: bool = False,
) -> list[str]:
    """One bullet for a change; the reviewer's note under it as a quote."""
    where = _where(change, sections)
    names = ", ".join(stems_named.get(f, f) for f in change["stems"])
    if len(change["stems"]) > 1:
        where += f" on {len(change['stems'])} stems ({names})"
    elif show_stem:
        where += f" on {names}"
    status, kind = change["status"], change["kind"]
    described = _describe(change, change["params"], change["amount"], sections)
    if change["origin"] == "manual":
        text = f"**manual** {kind}{where}: {described}"
        if change.get("stem_missing"):
            text += " (its stem is no longer in the session: not applied)"
        elif not change.get("enabled", True):
            text += " (disabled: not applied)"
        elif not change["applied"]:
            text += " (at 0%: not applied)"
    elif status == "rejected":
        suggested = _describe(change, change["suggested"]["params"], 1.0, sections)
        text = f"**rejected, kept as it was** {kind}{where}: the assistant suggested {suggested}"
    elif status == "adjusted":
        suggested = _describe(change, change["suggested"]["params"], 1.0, sections)
        text = (
            f"**adjusted** {kind}{where}: {described} (the assistant suggested {suggested}; "
            f"changed: {', '.join(change['adjustments'])})"
        )
        if not change["applied"]:
            text += "; amount 0: not applied"
    elif status == "accepted":
        text = f"**accepted** {kind}{where}: {described}"
    else:
        text = f"not reviewed, not applied: {kind}{where}: {described}"
    why = f"Why: {change['why']}" if change["why"] and status != "pending" else ""
    if not change["note"]:
        return [f"- {sentence(text, why)}"]
    return [f"- {sentence(text, why, NOTE_LABEL)}", *quote(change["note"], "  ")]


def _measurements_table(notes: NotesDocument) -> list[str]:
    metrics = notes["measurements"]
    versions = [v for v in VERSIONS if v in metrics]
    heads = [v if metrics[v]["file"] else f"{v} (not written)" for v in versions]
    lines = ["| | " + " | ".join(heads) + " |", "|---" * (len(versions) + 1) + "|"]
    for key, label, spec in MEASUREMENT_ROWS:
        cells = [_fmt(metrics[v][key], spec) for v in versions]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for key, label, _low, _high in TONAL_BANDS:
        cells = [_fmt(metrics[v]["tonal_balance_db"][key], ".1f") for v in versions]
        lines.append(f"| Tonal balance, {label} (dB) | " + " | ".join(cells) + " |")
    return lines


def notes_markdown(notes: NotesDocument) -> str:
    """The notes as a Markdown page."""
    session, export = notes["session"], notes["export"]
    named = {s["file"]: escape_markdown(s["name"]) for s in notes["stems"]}
    out = [f"# Mix notes: {session['title']}", ""]
    out += [
        f"Exported by mixreview on {notes['created'].replace('T', ' ')}. "
        f"Files: {export['description']}.",
        "",
        *(f"- `{MIX_NAMES[v]}`: {words}" for v, words in export["versions"].items()),
        "- `stems/`: every stem processed as chosen, same length and rate as the session",
        "",
        "## For mastering",
        "",
    ]
    out += [f"- {r[0].upper()}{r[1:]}" for r in notes["mastering"]]
    out += [f"- {r[0].upper()}{r[1:]}" for r in notes["comparison"]]
    out += ["", "## Measurements", "", *_measurements_table(notes)]
    clipped = export["clipped_samples"]
    if clipped:
        out += ["", "Samples clipped when written: " + ", ".join(
            f"`{k}` {v}" for k, v in sorted(clipped.items())) + "."]  # fmt: skip
    out += ["", "Tonal balance is each band's share of the energy. Mono fold-down is the loudness "
            "of (L+R)/2 against the stereo mix."]  # fmt: skip
    out += _references_section(notes["references"])
    out += ["", "## Session", ""]
    tempo = (
        f", {session['tempo_bpm']:g} BPM in {session['beats_per_bar']}/4"
        if session["tempo_bpm"]
        else ""
    )
    out.append(
        f"{session['stem_count']} stems, {session['sample_rate']} Hz, "
        f"{session['duration_s']:.1f} s{tempo}. Folder: `{session['path']}`."
    )
    if session["sections"]:
        spans = [f"{s['name']} {s['start_s']:.1f}-{s['end_s']:.1f} s" for s in session["sections"]]
        out += ["", "Sections: " + ", ".join(spans) + "."]
    out += ["", "| Stem | File | Role | Format | Exported as |", "|---|---|---|---|---|"]
    for stem in notes["stems"]:
        fmt = f"{stem['sample_rate']} Hz, {stem['channels']} ch, {stem['subtype']}"
        exported = f"`{stem['exported']}`" if stem["exported"] else (stem["left_out"] or "-")
        remarks = f" ({'; '.join(stem['remarks'])})" if stem["remarks"] else ""
        out.append(
            f"| {escape_markdown(stem['name'])} | `{stem['file']}` | {stem['role']} | "
            f"{fmt}{remarks} | {exported} |"
        )
    out += _changes_section(notes, named)
    out += _review_extras(notes, named)
    return "\n".join(out).rstrip() + "\n"


REFERENCE_ROWS: tuple[tuple[str, str], ...] = (
    ("short_term_spread_lu", "Short-term spread (LU)"),
    ("lra_lu", "Loudness range (LU)"),
    ("plr_db", "PLR (dB)"),
    ("crest_db", "Crest factor (dB)"),
)


def _reference_table(entry: Mapping[str, Any]) -> list[str]:
    """Mix minus references, before (original) and now (chosen), with the references' spread."""
    now = entry["differences"].get("chosen")
    before = entry["differences"].get("original")
    if now is None:
        return []
    several = sum(t["used"] for t in entry["tracks"]) > 1
    heads = ["before (original)"] if before else []
    heads += ["now (chosen)"] + (["references' spread"] if several else [])
    lines = [
        "Remaining differences at matched loudness, mix minus references:",
        "",
        "| | " + " | ".join(heads) + " |",
        "|---" * (len(heads) + 1) + "|",
    ]

    def row(label: str, pick: Any, spread: float | None = None) -> None:
        cells = ([_signed(pick(before))] if before else []) + [_signed(pick(now))]
        if several:
            cells.append(_fmt(spread, ".1f") if spread is not None else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    for name in RANGES_HZ:
        row(
            f"Tone, {range_label(name)} (dB)",
            lambda d, n=name: d["tone_db"][n]["mix_minus_reference"],
            now["tone_db"][name]["reference_spread"],
        )
    for name in WIDTH_RANGES:
        row(
            f"Width, {range_label(name)} (dB)",
            lambda d, n=name: d["width_db"][n]["mix_minus_reference"],
        )
    for key, label in REFERENCE_ROWS:
        row(label, lambda d, k=key: d["dynamics"][k]["mix_minus_reference"])
    row(
        f"Side vs mid below {hz(LOW_END_HZ)} (dB)",
        lambda d: d["low_end_side_to_mid_db"]["mix_minus_reference"],
    )
    return lines


def _references_section(entry: Mapping[str, Any]) -> list[str]:
    out = ["", "## References", ""]
    tracks = entry["tracks"]
    if not tracks:
        return [*out, NO_REFERENCES[0].upper() + NO_REFERENCES[1:]]
    out += [
        "| Reference | Weight | Integrated (LUFS) | True peak (dBTP) | PLR (dB) | LRA (LU) | "
        "Length (s) | Used |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for t in tracks:
        used = "yes" if t["used"] else "no (below)"
        if t["notes"]:
            used += ": " + " ".join(t["notes"])
        out.append(
            f"| `{t['file']}` (`{t['path']}`) | {t['weight']:g} | {_fmt(t['integrated_lufs'])} | "
            f"{_fmt(t['true_peak_dbtp'])} | {_fmt(t['plr_db'])} | {_fmt(t['lra_lu'])} | "
            f"{_fmt(t['duration_s'])} | {used} |"
        )
    out += ["", *(f"- {r[0].upper()}{r[1:]}" for r in entry["remarks"])]
    table = _reference_table(entry)
    return [*out, "", *table] if table else out


def _listening_lines(notes: Mapping[str, Any], named: Mapping[str, str]) -> list[str]:
    """'Accepted without listening: 3 of 12: ...', the same for rejections, and how many
    decisions predate the record (unknown)."""
    listening = notes["listening"]
    if not listening["total"]:
        return []
    by_id = {c["id"]: c for c in notes["changes"]}
    out = []
    for status, label in (("accepted", "Accepted"), ("rejected", "Rejected")):
        tally = listening[status]
        if not tally["total"]:
            continue
        which = [
            f"{by_id[i]['kind']} on {', '.join(named.get(f, f) for f in by_id[i]['stems'])}"
            for i in listening["unheard_ids"]
            if (by_id[i]["status"] == "rejected") == (status == "rejected")
        ]
        line = f"{label} without listening: {tally['unheard']} of {tally['total']}"
        out.append(sentence(line + (f" ({'; '.join(which)})" if which else "")))
    unknown = listening["unknown"]
    if unknown:
        were = "decision was" if unknown == 1 else "decisions were"
        out.append(
            f"{unknown} {were} saved before the app recorded listening: whether "
            f"{'it was' if unknown == 1 else 'they were'} heard is unknown."
        )
    note = (
        "Heard means the A/B played for at least 2 s with the suggestion selected, or a blind "
        "trial."
    )
    return [" ".join([*out, note]), ""]


def _changes_section(notes: Mapping[str, Any], named: Mapping[str, str]) -> list[str]:
    out = ["", "## What was changed, stem by stem", ""]
    counts = notes["review"]["counts"]
    sections = notes["session"]["sections"]
    if not notes["review"]["found"]:
        out += ["No review was found: nothing was applied, the chosen mix is the original.", ""]
    else:
        out += [
            f"{counted(counts['accepted'], 'suggestion')} accepted as is, "
            f"{counts['adjusted']} adjusted, {counts['rejected']} rejected (kept as "
            f"{'it was' if counts['rejected'] == 1 else 'they were'}), {counts['pending']} not "
            f"reviewed (not applied), {counted(counts['manual'], 'manual change')}.",
            "",
            *_listening_lines(notes, named),
        ]
    changes = notes["changes"]
    shown = [c for c in changes if c["status"] != "pending"]
    several = [c for c in shown if len(c["stems"]) != 1]
    if several:
        out += ["### Several stems at once", ""]
        out += [line for c in several for line in _change_lines(c, named, sections)] + [""]
    unchanged = []
    for stem in notes["stems"]:
        mine = [c for c in shown if c["stems"] == [stem["file"]]]
        if not mine and not stem["note"]:
            unchanged.append(named[stem["file"]])
            continue
        out += [f"### {named[stem['file']]} (`{stem['file']}`, {stem['role']})", ""]
        out += [line for c in mine for line in _change_lines(c, named, sections)]
        if stem["note"]:
            out += ["- Reviewer's note on this stem:", *quote(stem["note"], "  ")]
        out.append("")
    if unchanged:
        out += [f"No change of their own: {', '.join(unchanged)}.", ""]
    missing = [c for c in shown if c.get("stem_missing")]
    if missing:
        out += ["### On stems that are not in the session (not applied)", ""]
        out += [line for c in missing for line in _change_lines(c, named, sections, True)] + [""]
    pending = [c for c in changes if c["status"] == "pending"]
    if pending:
        out += ["### Not reviewed (not applied)", ""]
        out += [line for c in pending for line in _change_lines(c, named, sections, True)] + [""]
    return out


FIXED_VALUE_WORDS = {
    "dc_offset": "DC offset now {:+.4f}",
    "channel_polarity": "left/right correlation now {:+.2f}",
    "over_full_scale": "{} samples over full scale now",
}


def _check_line(check: Mapping[str, Any], changes: Mapping[str, Mapping[str, Any]]) -> str:
    where = f"`{check['file']}`: " if check["file"] else ""
    message = check["message"]
    if check["file"] and message.startswith(f"{check['file']}: "):
        message = message[len(check["file"]) + 2 :]
    after = check["value_after"]
    if isinstance(after, float):
        after = round(after, 4) + 0.0  # never '-0.0000'
    measured = FIXED_VALUE_WORDS[check["id"]].format(after) if after is not None else ""
    if check["status"] == "open":
        still = f"Still there after the mix's changes: {measured}" if measured else ""
        return f"- [{check['severity']}] {where}{sentence(message, still, 'Fix: ' + check['fix'])}"
    fixers = []
    for change_id in check["fixed_by"]:
        change = changes.get(change_id)
        if change is None:
            fixers.append(change_id)
            continue
        who = "the reviewer's own" if change["origin"] == "manual" else f"the {change['status']}"
        fixers.append(f"{who} {change['kind']} change ({change['description']})")
    by = f"Fixed in the mix and the exported stem by {' and '.join(fixers)}"
    return f"- [fixed] {where}{sentence(message, by + (f': {measured}' if measured else ''))}"


def _review_extras(notes: Mapping[str, Any], named: Mapping[str, str]) -> list[str]:
    out: list[str] = []
    blind = notes["blind"]
    if blind:
        described = {c["id"]: f"{c['kind']} on {', '.join(c['stems'])}" for c in notes["changes"]}
        out += ["## Blind comparisons", ""]
        for key, tally in sorted(blind.items()):
            wins = ", ".join(f"{label} {n}" for label, n in sorted(tally.get("wins", {}).items()))
            trials = counted(tally.get("trials", 0), "trial")
            out.append(f"- {described.get(key, key)}: {trials}, preferred: {wins}")
        out.append("")
    orphans = notes["orphans"]
    if orphans:
        out += ["## Decisions on suggestions that no longer exist", ""]
        out.append(
            "The stems changed since these were decided; the suggestions are gone and nothing "
            "was applied for them:"
        )
        out.append("")
        for o in orphans:
            stems = ", ".join(named.get(f, f) for f in o["stems"]) or "unknown stems"
            text = f"{o['status']} {o['kind']} on {stems}"
            text += f": {o['description']}" if o["description"] else ""
            if o["note"]:
                out += [f"- {sentence(text, 'Note:')}", *quote(o["note"], "  ")]
            else:
                out.append(f"- {sentence(text)}")
        out.append("")
    changes = {c["id"]: c for c in notes["changes"]}
    for status, heading in (
        ("open", "## Stem-preparation checks still open"),
        ("fixed", "## Stem-preparation checks fixed in the mix"),
    ):
        checks = [c for c in notes["checks"] if c["status"] == status]
        if checks:
            out += [heading, "", *(_check_line(c, changes) for c in checks), ""]
    return out
