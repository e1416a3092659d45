"""``mixreview batch``: check every session of a catalogue, locally or on a Dask cluster.

Finds the sessions (folders holding stems under the given roots, and/or a list file), analyses
each exactly as ``mixreview analyze`` does, and writes one row per session as CSV, JSON or
Markdown (by the ``--out`` file's extension) or prints a table. ``--fail-on`` is analyze's, over
the whole batch. See docs/batch.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.printable import shown
from mixreview.cli import options
from mixreview.cli.exits import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK

EPILOG = """\
examples:
  mixreview batch deliveries/ --out qc.csv
  mixreview batch deliveries/ --fail-on error --out qc.json
  mixreview batch --from sessions.txt --out qc.md
  mixreview batch deliveries/ --cluster tcp://scheduler:8786

A session is a folder holding audio files (or a mixreview.toml); its state (.mixreview) and
export (mixreview-export) folders are skipped. Each session's full report is written to its
state folder as report.json. On a cluster the workers read the stems at the same paths as this
machine (shared storage). Exit status: 0 done, 1 a session matched --fail-on (or could not be
analysed, with --fail-on), 2 a usage error, 130 interrupted.
"""


class BatchUsageError(MixreviewError):
    """The command line cannot be run as given (the message says why)."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    batch = sub.add_parser(
        "batch",
        help="check every session under some folders (one row each), locally or on a Dask cluster",
        description="Analyse every session under the given folders exactly as `mixreview\n"
        "analyze` does and write one row per session: stems, rate, checks by severity, the\n"
        "mix's loudness and true peak, suggestions by importance, status and error.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    batch.add_argument("roots", type=Path, nargs="*", metavar="FOLDER", help="folders to search")
    batch.add_argument(
        "--from",
        dest="from_list",
        type=Path,
        default=None,
        metavar="LIST",
        help="a file naming session folders, one a line (relative to the file's folder; "
        "'-' reads standard input)",
    )
    batch.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the rows to FILE: .csv, .json or .md (default: a table on standard output)",
    )
    batch.add_argument(
        "--format",
        choices=("table", "csv", "json", "md"),
        default=None,
        help="the rows' format, whatever the extension",
    )
    batch.add_argument(
        "--fail-on",
        metavar="IDS",
        type=options.fail_on,
        default=frozenset(),
        help="as in analyze (error, warning, check ids, suggestion kinds, suggestion:high): "
        "exit with status 1 when any session has one, or could not be analysed",
    )
    batch.add_argument(
        "--cluster",
        default=None,
        metavar="ADDRESS",
        help="run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786, or a "
        "scheduler file); default: $DASK_SCHEDULER_ADDRESS if set, else this machine",
    )
    batch.add_argument(
        "--local", action="store_true", help="run on this machine even if a cluster is set"
    )
    batch.add_argument(
        "--workers",
        type=options.workers,
        default=None,
        help="processes on this machine (default: cores)",
    )
    batch.add_argument("--no-cache", action="store_true", help="measure again, ignore cache")
    batch.add_argument("--quiet", action="store_true", help="no progress on standard error")
    batch.set_defaults(func=run)


def _sessions(args: argparse.Namespace) -> list[Path]:
    from mixreview.analysis.batch_sessions import gather_sessions, read_session_list

    if not args.roots and args.from_list is None:
        raise BatchUsageError("give folders to search, or --from LIST (a file of session folders)")
    listed: list[Path] = []
    if args.from_list is not None:
        if str(args.from_list) == "-":
            listed = read_session_list(None, sys.stdin.read())
        else:
            listed = read_session_list(args.from_list)
    sessions = gather_sessions(args.roots, listed)
    if not sessions:
        where = ", ".join(str(r) for r in args.roots) or str(args.from_list)
        raise BatchUsageError(
            f"no sessions in {where}: a session is a folder holding stems (WAV, FLAC, AIFF) "
            "or a mixreview.toml"
        )
    return sessions


def _check_out(out: Path | None) -> None:
    """Refuse an output file that cannot be written before any session is analysed."""
    if out is None:
        return
    folder = out.parent if str(out.parent) else Path()
    if out.is_dir():
        raise BatchUsageError(f"{out} is a folder: give a file (.csv, .json or .md) for --out")
    if not folder.is_dir():
        raise BatchUsageError(f"cannot write {out}: {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise BatchUsageError(f"cannot write {out}: {folder} is not writable")


def run(args: argparse.Namespace) -> int:
    """Find the sessions, analyse them, write the rows; the exit status per --fail-on."""
    from mixreview.analysis.atomic import write_text_atomic
    from mixreview.analysis.batch import SessionResult, cluster_address, run_local
    from mixreview.cli.analyze import triggered
    from mixreview.cli.batch_output import format_for, render

    try:
        fmt = format_for(args.out, args.format)
    except ValueError as exc:
        raise BatchUsageError(str(exc)) from None
    _check_out(args.out)
    cluster = None if args.local else cluster_address(args.cluster)
    if cluster:
        if args.workers is not None:
            raise BatchUsageError("--workers is for this machine; a cluster has its own workers")
        from mixreview.analysis.batch_dask import require_dask

        require_dask()
    sessions = _sessions(args)
    from mixreview.cli.progress import ProgressBar  # rich's progress: only when a batch runs

    bar = ProgressBar("Sessions", enabled=not args.quiet)
    failing: list[str] = []
    failed = 0

    def on_result(result: SessionResult) -> None:
        nonlocal failed
        if not result.ok:
            failed += 1
            bar.note(f"failed: {result.path}: {result.error}")
            if args.fail_on:
                failing.append(f"{result.path} (failed)")
        elif args.fail_on and result.report is not None:
            hits = triggered(result.report, args.fail_on)
            if hits:
                failing.append(f"{result.path} ({', '.join(hits)})")

    def progress(done: int, total: int, item: str) -> None:
        counts = f"{failed} failed, " if failed else ""
        bar(done, total, f"{counts}{total - done} left · {item}")

    try:
        if cluster:
            from mixreview.analysis.batch_dask import run_on_cluster

            results = run_on_cluster(
                sessions, cluster, not args.no_cache, on_result=on_result, progress=progress
            )
        else:
            results = run_local(
                sessions, args.workers, not args.no_cache, on_result=on_result, progress=progress
            )
    except KeyboardInterrupt:
        bar.close()
        nothing = f"; {args.out} not written" if args.out else ""
        print(shown(f"mixreview: interrupted{nothing}"), file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        bar.close()
    text = render([r.row() for r in results], fmt)
    if args.out is None:
        print(text, end="")
    else:
        try:
            write_text_atomic(args.out, text)
        except OSError as exc:
            raise BatchUsageError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    if not args.quiet:
        where = f" -> {args.out}" if args.out else ""
        print(
            shown(
                f"mixreview: {len(results)} sessions, {len(results) - failed} ok, "
                f"{failed} failed{where}"
            ),
            file=sys.stderr,
        )
    if failing:
        more = f"; and {len(failing) - 5} more" if len(failing) > 5 else ""
        print(f"mixreview: failing on {shown('; '.join(failing[:5]))}{more}", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK
