"""The ``mixreview`` command line: options, then the engine (analyze, render, batch) or the app."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

from mixreview import __version__
from mixreview.analysis.errors import MixreviewError
from mixreview.cli import options
from mixreview.cli.exits import EXIT_INTERRUPTED, EXIT_USAGE, error_text

COMMANDS = ("analyze", "render", "review", "listen", "batch")


def bundled_session() -> Path:
    """The sample session installed with the package."""
    from mixreview.analysis.samples import bundled_session as engine_bundled

    return engine_bundled()


def _add_reference(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument(
        "--reference",
        action="append",
        default=[],
        type=options.reference,
        metavar="FILE[:WEIGHT]",
        help=help_text,
    )
    parser.add_argument(
        "--trust-references",
        action="store_true",
        help="follow every reference even if it does not look like a finished record (far "
        "quieter than the mix, or one instrument's spectrum)",
    )


def _command(module: str) -> Callable[[argparse.Namespace], int]:
    """The ``run`` of a command's module, imported when that command runs: opening the app
    needs none of the others'."""

    def run(args: argparse.Namespace) -> int:
        return int(importlib.import_module(module).run(args))

    return run


# argparse names the type add_subparsers() returns only privately: _SubParsersAction (used in
# annotations alone).
def _analyze_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from mixreview.analysis.suggest.reference import ASPECTS

    analyze = sub.add_parser("analyze", help="measure and check a session, print a report")
    analyze.add_argument("session", type=Path, help="folder of stems")
    fmt = analyze.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the report as JSON")
    fmt.add_argument("--md", action="store_true", help="print the report as Markdown")
    analyze.add_argument(
        "--fail-on",
        metavar="IDS",
        type=options.fail_on,
        default=frozenset(),
        help="comma-separated check ids, suggestion kinds or severities (error, warning, "
        "suggestion:high); exit with status 1 when any is found",
    )
    _add_reference(
        analyze, "a reference track to compare with (repeatable; adds to the manifest's)"
    )
    analyze.add_argument(
        "--aspects",
        type=options.aspects,
        default=frozenset(ASPECTS),
        help=f"which reference aspects to suggest changes for ({', '.join(ASPECTS)})",
    )
    analyze.add_argument(
        "--workers", type=options.workers, default=None, help="processes (default: cores)"
    )
    analyze.add_argument(
        "--review",
        type=Path,
        default=None,
        metavar="FILE",
        help="report the suggestions as they stand after this review's decisions "
        "(the session's is SESSION/.mixreview/review.json)",
    )
    analyze.add_argument("--no-cache", action="store_true", help="measure again, ignore cache")
    analyze.add_argument("--quiet", action="store_true", help="no progress on standard error")
    analyze.set_defaults(func=_command("mixreview.cli.analyze"))


def _render_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from mixreview.analysis.render_plan import VERSIONS

    render = sub.add_parser(
        "render", help="export the chosen, original, assistant and manual mixes, stems and notes"
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
        type=options.versions,
        default=VERSIONS,
        help=f"comma-separated: {', '.join(VERSIONS)} (default: all)",
    )
    render.add_argument("--no-stems", action="store_true", help="skip the processed stems")
    _add_reference(
        render,
        "a reference track for the notes to compare with (repeatable; adds to the manifest's)",
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
    render.add_argument("--quiet", action="store_true", help="no progress on standard error")
    render.set_defaults(func=_command("mixreview.cli.render"))


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog="mixreview",
        description="Review a mix session: a folder of stems (WAV, FLAC, AIFF). With no command, "
        "open the review app on SESSION (default: the bundled sample session).",
    )
    parser.add_argument("--version", action="version", version=f"mixreview {__version__}")
    sub = parser.add_subparsers(dest="command")
    _analyze_parser(sub)
    _render_parser(sub)
    from mixreview.cli import listen as listen_cmd

    listen_cmd.add_parser(sub)
    from mixreview.cli import batch as batch_cmd

    batch_cmd.add_parser(sub)
    review = sub.add_parser("review", help="open the review app (the default command)")
    review.add_argument("session", type=Path, nargs="?", default=None, help="folder of stems")
    review.set_defaults(func=cmd_review)
    return parser


def cmd_review(args: argparse.Namespace) -> int:
    """Open the review app on the session (the bundled one by default)."""
    session = args.session or bundled_session()
    from mixreview.tui.launch import run_app

    return run_app(Path(session))


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        # `mixreview [SESSION]`: the review app on the session (the bundled one by default)
        argv = ["review", *argv]
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error argparse has printed
        return int(stop.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except MixreviewError as exc:
        print(error_text(exc), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("mixreview: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
