"""The ``mixreview`` command: the review app, or the engine headless (``analyze``)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from analysis.errors import MixreviewError

EXIT_FINDINGS = 1
EXIT_USAGE = 2


def bundled_session() -> Path:
    """The sample session shipped in the repository."""
    return Path(__file__).resolve().parent.parent / "sample_sessions" / "demo_song"


class ProgressBar:
    """A one-line progress bar on standard error, drawn only when it is a terminal."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self.started = time.monotonic()

    def __call__(self, done: int, total: int, item: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        name = "mix" if item.startswith("__") else item
        line = f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name}"
        sys.stderr.write(line[:100].ljust(100))
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write(f"\r{' ' * 100}\r")
            sys.stderr.flush()


def _parse_fail_on(text: str | None) -> set[str]:
    return {part.strip() for part in (text or "").split(",") if part.strip()}


def _triggered(report: dict, wanted: set[str]) -> list[str]:
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


def cmd_analyze(args: argparse.Namespace) -> int:
    from analysis import report as report_mod
    from analysis.analyze import analyze

    bar = ProgressBar("Measuring", enabled=not args.quiet)
    try:
        analysis = analyze(
            args.session,
            workers=args.workers,
            progress=bar,
            use_cache=not args.no_cache,
            references=args.reference,
        )
    finally:
        bar.close()
    from analysis.suggest import suggest
    from analysis.suggest.reference import ASPECTS, follow_aspects

    aspects = _parse_fail_on(args.aspects) or set(ASPECTS)
    suggestions = [s.as_dict() for s in follow_aspects(suggest(analysis), aspects)]
    data = report_mod.report_dict(analysis, suggestions)
    if args.json:
        print(report_mod.to_json(analysis, suggestions))
    elif args.md:
        print(report_mod.to_markdown(analysis, suggestions), end="")
    else:
        print(report_mod.to_text(analysis, suggestions), end="")
    wanted = _parse_fail_on(args.fail_on)
    if wanted:
        hits = _triggered(data, wanted)
        if hits:
            print(f"mixreview: failing on {', '.join(hits)}", file=sys.stderr)
            return EXIT_FINDINGS
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mixreview",
        description="Review a mix session: a folder of stems (WAV, FLAC, AIFF).",
    )
    sub = parser.add_subparsers(dest="command")
    analyze = sub.add_parser("analyze", help="measure and check a session, print a report")
    analyze.add_argument("session", type=Path, help="folder of stems")
    fmt = analyze.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the report as JSON")
    fmt.add_argument("--md", action="store_true", help="print the report as Markdown")
    analyze.add_argument(
        "--fail-on",
        metavar="IDS",
        help="comma-separated check ids, suggestion kinds or severities (error, warning); "
        "exit with status 1 when any is found",
    )
    analyze.add_argument(
        "--reference",
        action="append",
        default=[],
        metavar="FILE[:WEIGHT]",
        help="a reference track to compare with (repeatable; adds to the manifest's)",
    )
    analyze.add_argument(
        "--aspects",
        default="tone,width,dynamics",
        help="which reference aspects to suggest changes for (tone, width, dynamics)",
    )
    analyze.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    analyze.add_argument("--no-cache", action="store_true", help="measure again, ignore cache")
    analyze.add_argument("--quiet", action="store_true", help="no progress bar")
    analyze.set_defaults(func=cmd_analyze)

    render = sub.add_parser(
        "render", help="export the chosen, original and assistant mixes, stems and notes"
    )
    render.add_argument("session", type=Path, help="folder of stems")
    render.add_argument(
        "--review",
        type=Path,
        default=None,
        help="review file (default: the session's .mixreview/review.json)",
    )
    render.add_argument(
        "--out", type=Path, default=None, help="export folder (default: SESSION/mixreview-export)"
    )
    render.add_argument(
        "--versions",
        default="chosen,original,assistant",
        help="comma-separated: chosen, original, assistant",
    )
    render.add_argument("--no-stems", action="store_true", help="skip the processed stems")
    render.add_argument(
        "--reference",
        action="append",
        default=[],
        metavar="FILE[:WEIGHT]",
        help="a reference track for the notes to compare with (repeatable; adds to the manifest's)",
    )
    render.add_argument(
        "--format",
        choices=("pcm24", "pcm16", "float"),
        default="pcm24",
        help="sample format of the WAV files (default 24-bit)",
    )
    render.add_argument(
        "--force",
        action="store_true",
        help="replace an existing export folder instead of numbering a new one",
    )
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    render.set_defaults(func=cmd_render)

    review = sub.add_parser("review", help="open the review app (the default command)")
    review.add_argument("session", type=Path, nargs="?", default=None, help="folder of stems")
    review.set_defaults(func=cmd_review)
    return parser


def cmd_render(args: argparse.Namespace) -> int:
    from analysis.export import run_render_command

    return run_render_command(args)


def cmd_review(args: argparse.Namespace) -> int:
    session = args.session or bundled_session()
    try:
        from tui.app import run_app
    except ImportError:
        # the app is not installed: print the report instead
        return main(["analyze", str(session)])
    return run_app(Path(session))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = {"analyze", "render", "review", "-h", "--help"}
    if not argv or (argv[0] not in commands and not argv[0].startswith("-")):
        # `mixreview [SESSION]`: the review app on the session (the bundled one by default)
        argv = ["review", *argv]
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except MixreviewError as exc:
        print(f"mixreview: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("mixreview: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
