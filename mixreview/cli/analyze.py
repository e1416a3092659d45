"""``mixreview analyze``: measure and check a session, print the report, gate on findings."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any

from mixreview.analysis.printable import shown
from mixreview.cli.exits import EXIT_FINDINGS, EXIT_OK
from mixreview.cli.progress import ProgressBar


def triggered(report: dict[str, Any], wanted: Iterable[str]) -> list[str]:
    """The findings of ``report`` that ``--fail-on`` names, each as ``id (where)``."""
    wanted = set(wanted)
    hits: list[str] = []
    for check in report["session_checks"]:
        if check["id"] in wanted or check["severity"] in wanted:
            hits.append(f"{check['id']} (session)")
    for stem in report["stems"]:
        for check in stem["checks"]:
            if check["id"] in wanted or check["severity"] in wanted:
                hits.append(f"{check['id']} ({stem['file']})")
    for suggestion in report["suggestions"]:
        if suggestion["kind"] in wanted or f"suggestion:{suggestion['severity']}" in wanted:
            hits.append(f"{suggestion['kind']} ({', '.join(suggestion['stems'])})")
    return hits


def run(args: argparse.Namespace) -> int:
    """Analyse ``args.session`` and print the report in the chosen format."""
    from mixreview.analysis import report as report_mod
    from mixreview.analysis.analyze import analyze
    from mixreview.analysis.export import load_review
    from mixreview.analysis.suggest import suggest
    from mixreview.analysis.suggest.live import LiveModel
    from mixreview.analysis.suggest.reference import follow_aspects

    bar = ProgressBar("Measuring", enabled=not args.quiet)
    try:
        analysis = analyze(
            args.session,
            workers=args.workers,
            progress=bar,
            use_cache=not args.no_cache,
            references=args.reference,
            trust_references=args.trust_references,
        )
    finally:
        bar.close()
    review_part: dict[str, Any] | None = None
    if args.review is not None:
        review, review_file, _ = load_review(analysis.session, args.review)
        assert review is not None
        state = LiveModel(analysis).derive(review)
        live = follow_aspects(state.suggestions, args.aspects)
        suggestions = [{**s.as_dict(), "decision": review.status(s.id)} for s in live]
        review_part = {
            "file": str(review_file),
            "decided": sum(1 for s in suggestions if s["decision"] != "pending"),
            "solved": [
                {"id": x.suggestion.id, "kind": x.suggestion.kind,
                 "stems": list(x.suggestion.stems), "section": x.suggestion.section,
                 "by": x.by_id, "line": x.line}
                for x in state.solved
            ],
        }  # fmt: skip
    else:
        suggestions = [s.as_dict() for s in follow_aspects(suggest(analysis), args.aspects)]
    if args.json:
        data = report_mod.report_dict(analysis, suggestions)
        if review_part is not None:
            data["review"] = review_part
        print(json.dumps(data, indent=2, allow_nan=False))
    elif args.md:
        print(report_mod.to_markdown(analysis, suggestions), end="")
    else:
        print(report_mod.to_text(analysis, suggestions), end="")
    if args.fail_on:
        hits = triggered(report_mod.report_dict(analysis, suggestions), args.fail_on)
        if hits:
            print(f"mixreview: failing on {shown(', '.join(hits))}", file=sys.stderr)
            return EXIT_FINDINGS
    return EXIT_OK
