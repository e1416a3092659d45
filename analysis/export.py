"""Export a reviewed session: the four mixes, the processed stems and the notes, into one folder.

``export_session`` is what the app's ``e`` key and ``mixreview render`` call. The export is built
in a hidden staging folder next to its destination (``.<name>.partial-<pid>-<random>``) and
renamed into place only when every file is complete and synced:

- an existing, non-empty export folder is never overwritten: the new export goes to the next
  numbered folder (``mixreview-export-2``, ``-3``, ...);
- with ``force=True`` an earlier export (a folder holding mixreview's ``notes.json``, or an empty
  one) is replaced, and only after the new one is complete (an atomic exchange where the system
  offers it); any other folder is refused;
- Ctrl+C, an error or a full disk removes the staging folder: no half-written file under a final
  name, an earlier export untouched. A staging folder left by a killed process is removed by the
  next export to the same place.

The source stems are only ever opened for reading; the review file is read, never changed.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.apply import Change, change_of
from mixreview.analysis.atomic import fsync_dir, umask
from mixreview.analysis.checks import RECHECKED
from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.notes import NOTES_JSON, NOTES_MD, SCHEMA_FAMILY, build_notes, write_notes
from mixreview.analysis.notes_document import NotesDocument
from mixreview.analysis.printable import shown
from mixreview.analysis.reference import ReferenceReport, measure_reference, specs_from
from mixreview.analysis.reference_doubts import judge_references
from mixreview.analysis.render import (
    SUBTYPES,
    VERSIONS,
    DiskFullError,
    RenderError,
    RenderResult,
    bytes_per_sample,
    disk_error,
    render,
)
from mixreview.analysis.review import REVIEW_NAME, Review, ReviewError
from mixreview.analysis.samples import is_bundled
from mixreview.analysis.session import APP_DIR, SKIP_DIR_PREFIXES, Session, load_session
from mixreview.analysis.state import state_dir
from mixreview.analysis.suggest.live import LiveModel
from mixreview.analysis.suggest.model import Suggestion
from mixreview.analysis.tasks import alive

DEFAULT_OUT_NAME = "mixreview-export"
OUT_HINT = "Give it with --out DIR."
STAGING_TAG = ".partial-"
SPACE_MARGIN_BYTES = 4 * 1024 * 1024
FORMATS = {"pcm24": "PCM_24", "pcm16": "PCM_16", "float": "FLOAT"}

Progress = Callable[[int, int, str], None]

__all__ = [
    "DiskFullError",
    "ExportError",
    "ExportFolderError",
    "ExportResult",
    "RenderError",
    "ReviewMismatchError",
    "export_session",
]


class ExportError(MixreviewError):
    """The export cannot be made as asked (the message says what to do)."""


class ExportFolderError(ExportError):
    """The export folder cannot be used: unwritable, a file, or not an export to replace."""


class ReviewMismatchError(ExportError):
    """The review file is unreadable or belongs to another session."""


@dataclass(frozen=True)
class ExportResult:
    """Where the export went and what it holds. Paths are absolute."""

    folder: Path
    requested: Path
    mixes: dict[str, Path]
    stems: dict[str, Path]
    notes_md: Path
    notes_json: Path
    notes: NotesDocument
    render: RenderResult
    replaced: bool = False
    messages: tuple[str, ...] = ()
    seconds: float = 0.0
    review_file: Path | None = None
    workers: int = 1

    @property
    def files(self) -> list[Path]:
        return [*self.mixes.values(), *self.stems.values(), self.notes_md, self.notes_json]

    @property
    def numbered(self) -> bool:
        """True when the folder asked for existed and the export went to a numbered one."""
        return self.folder != self.requested

    def metrics(self, version: str = "chosen") -> dict[str, Any]:
        """The measurements of a version as written in notes.json."""
        return self.notes["measurements"][version]


# -- options -----------------------------------------------------------------------------------
def parse_versions(value: str | Sequence[str]) -> tuple[str, ...]:
    """'chosen,original' or a sequence -> the versions in canonical order."""
    items = [p.strip() for p in value.split(",")] if isinstance(value, str) else list(value)
    items = [p for p in items if p]
    unknown = [p for p in items if p not in VERSIONS]
    if unknown:
        raise ExportError(
            f"unknown version {', '.join(unknown)}: choose from {', '.join(VERSIONS)} "
            "(comma-separated)."
        )
    return tuple(v for v in VERSIONS if v in items)


def parse_subtype(value: str) -> str:
    """'pcm24' / 'PCM_24' / 'float' ... -> a soundfile-style subtype name."""
    key = value.strip()
    if key.upper() in SUBTYPES:
        return key.upper()
    if key.lower() in FORMATS:
        return FORMATS[key.lower()]
    raise ExportError(f"unknown sample format {value!r}: choose pcm24, pcm16 or float.")


# -- the review --------------------------------------------------------------------------------
def load_review(
    session: Session, review_path: Path | None
) -> tuple[Review | None, Path, list[str]]:
    """The review to render (None when the session has none yet) and messages about it."""
    stems = [s.file for s in session.stems]
    messages: list[str] = []
    if review_path is None:
        path = state_dir(session.path) / REVIEW_NAME
        if not path.exists():
            messages.append(
                "no review found for this session: nothing is applied, so the chosen mix is "
                "the original. Review it first (mixreview SESSION), or give --review FILE."
            )
            return None, path, messages
    else:
        path = Path(review_path).expanduser()
        if not path.is_file():
            raise ReviewMismatchError(
                f"no review file at {path}. Give the review.json of this session "
                f"(in SESSION/{APP_DIR}/) or leave --review out."
            )
    try:
        review = Review.load_for_render(path, stems)
    except ReviewError as exc:
        raise ReviewMismatchError(str(exc)) from None
    made_for = review.made_for
    if made_for and Path(made_for) != session.path.resolve():
        messages.append(f"the review was made for the session at {made_for}; its stems match.")
    return review, path, messages


def version_changes(
    review: Review | None, suggestions: Sequence[Suggestion]
) -> dict[str, list[Change]]:
    """Each version's changes; without a review, nothing is applied but the assistant's."""
    if review is None:
        return {
            v: [change_of(s) for s in suggestions] if v == "assistant" else [] for v in VERSIONS
        }
    return {v: review.changes(suggestions, v) for v in VERSIONS}


# -- the export folder -------------------------------------------------------------------------
def _is_export(folder: Path) -> bool:
    """An empty folder, or one holding mixreview's notes.json: safe for --force to replace."""
    try:
        if not any(folder.iterdir()):
            return True
        data = json.loads((folder / NOTES_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    schema = data.get("schema") if isinstance(data, dict) else None
    return isinstance(schema, str) and schema.startswith(SCHEMA_FAMILY)


def _non_empty(path: Path) -> bool:
    if not path.is_dir() or path.is_symlink():
        return path.exists() or path.is_symlink()
    return any(path.iterdir())


def default_export_folder(session_path: Path) -> Path:
    """``<session>/mixreview-export``; for the installed sample session, a folder in the user's
    state folder (the package is never written to)."""
    if is_bundled(session_path):
        return state_dir(session_path) / DEFAULT_OUT_NAME
    return session_path / DEFAULT_OUT_NAME


def check_out_folder(out: Path, session: Session, force: bool) -> None:
    """Refuse folders an export must not go to (with what to do instead)."""
    session_dir = session.path.resolve()
    target = out.resolve()
    if target == session_dir or target in session_dir.parents:
        raise ExportFolderError(
            f"{shown(out)} holds the session itself: choose an export folder of its own (the "
            f"default is {shown(session.path / DEFAULT_OUT_NAME)}).",
            cli_hint=OUT_HINT,
        )
    if session_dir in target.parents:
        first = target.relative_to(session_dir).parts[0]
        if not (first.startswith(".") or first.startswith(SKIP_DIR_PREFIXES)):
            raise ExportFolderError(
                f"{out} is inside the session folder, where the exported files would be read "
                f"as stems next time. Name it {DEFAULT_OUT_NAME}... (e.g. "
                f"{session.path / (DEFAULT_OUT_NAME + '-' + target.name)}) or choose a folder "
                "outside the session."
            )
    if out.exists() and not out.is_dir():
        raise ExportFolderError(
            f"{shown(out)} is a file: choose a folder for the export.", cli_hint=OUT_HINT
        )
    if force and out.is_dir() and not _is_export(out):
        raise ExportFolderError(
            f"{shown(out)} is not a mixreview export (no mixreview notes.json in it); --force "
            "only replaces an earlier export. Choose another folder.",
            cli_hint=OUT_HINT,
        )


def estimate_bytes(session: Session, versions: Sequence[str], stems: bool, subtype: str) -> int:
    files = len(versions) + (len(session.mix_stems) if stems else 0)
    return files * (session.frames * 2 * bytes_per_sample(subtype) + 64) + SPACE_MARGIN_BYTES

    return True


def _remove_stale_staging(parent: Path, name: str) -> None:
    """Staging folders left by a killed export (their process is gone) are removed."""
    with contextlib.suppress(OSError):
        for entry in parent.glob(f".{name}{STAGING_TAG}*"):
            try:
                pid = int(entry.name[len(f".{name}{STAGING_TAG}") :].split("-")[0])
            except ValueError:
                continue
            if pid != os.getpid() and not alive(pid):
                shutil.rmtree(entry, ignore_errors=True)


def make_staging(out: Path, needed_bytes: int) -> Path:
    """Create the hidden staging folder next to ``out`` (checking it is writable and has room)."""
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(parent, out.name)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{out.name}{STAGING_TAG}{os.getpid()}-", dir=parent)
        )
    except OSError as exc:
        raise ExportFolderError(
            f"cannot write to {shown(parent)}: {exc.strerror or exc}. Choose a folder you can "
            "write to.",
            cli_hint=OUT_HINT,
        ) from None
    with contextlib.suppress(OSError):  # mkdtemp makes it private; an export is not
        staging.chmod(0o777 & ~umask())
    free = shutil.disk_usage(staging).free
    if needed_bytes > free:
        shutil.rmtree(staging, ignore_errors=True)
        raise DiskFullError(
            f"the export needs about {needed_bytes / 1e6:.0f} MB and the disk holding "
            f"{shown(parent)} has {free / 1e6:.0f} MB free. Free some space, leave out the "
            "processed stems or some versions, or choose a folder on another disk.",
            cli_hint="--no-stems leaves out the stems, --versions the mixes; --out DIR chooses "
            "the folder.",
        )
    return staging


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False if not available."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _replace(staging: Path, out: Path) -> None:
    """Put the complete ``staging`` at ``out`` and remove what was there."""
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # now the earlier export
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    os.rename(out, old)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def publish(staging: Path, out: Path, force: bool) -> tuple[Path, bool]:
    """Rename the staging folder into place: (final folder, whether an export was replaced)."""
    if force and _non_empty(out):
        _replace(staging, out)
        fsync_dir(out.parent)
        return out, True
    number = 1
    while True:
        target = out if number == 1 else out.with_name(f"{out.name}-{number}")
        number += 1
        if _non_empty(target):
            continue
        try:
            os.rename(staging, target)
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
                continue  # taken meanwhile (another export): try the next number
            raise
        fsync_dir(target.parent)
        return target, False


def _sync_tree(folder: Path) -> None:
    for sub in sorted({p.parent for p in folder.rglob("*")} | {folder}):
        fsync_dir(sub)


# -- the export --------------------------------------------------------------------------------
def with_references(
    analysis: Analysis, references: Sequence[str | os.PathLike[str]], trust: bool = False
) -> tuple[ReferenceReport, ...]:
    """The analysis's references plus those of ``references`` it does not hold, measured now."""
    reports = tuple(analysis.references)
    held = {r.spec.path.resolve() for r in reports}
    for spec in specs_from(references, ()):
        if spec.path.resolve() not in held:
            reports += (measure_reference(spec, analysis.session.duration_s),)
    return judge_references(reports, analysis.mix, analysis.session.path, trust=trust)


def export_session(
    session_path: str | os.PathLike[str] | Session,
    review_path: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    versions: str | Sequence[str] = VERSIONS,
    stems: bool = True,
    subtype: str = "PCM_24",
    force: bool = False,
    progress: Progress | None = None,
    *,
    analysis: Analysis | None = None,
    suggestions: Sequence[Suggestion] | None = None,
    workers: int | None = None,
    references: Sequence[str | os.PathLike[str]] = (),
    trust_references: bool = False,
) -> ExportResult:
    """Render the session's mixes and processed stems and write the notes, into a new folder.

    ``out`` defaults to ``<session>/mixreview-export``; if it exists the export goes to
    ``mixreview-export-2`` (and so on) unless ``force``. ``review_path`` defaults to the session's
    own review. ``subtype``: ``PCM_24`` (default), ``PCM_16`` or ``FLOAT`` (``pcm24``... too).
    ``progress(done, total, label)``: label ``measuring`` (done/total count measurement tasks,
    only when the analysis is not cached) then ``rendering`` (frames); it may raise to cancel.
    The app passes the ``analysis`` and ``suggestions`` it already has.
    ``references`` (each ``FILE`` or ``FILE:WEIGHT``) are reference tracks added to the
    manifest's, measured with the session and compared with each mix in the notes; with an
    ``analysis`` given, its references are used and any of ``references`` it lacks are measured
    here for the notes.

    Raises a MixreviewError subclass with a message for the user: SessionError,
    ReviewMismatchError, ExportFolderError, DiskFullError, RenderError.
    """
    started = time.perf_counter()
    write_versions = parse_versions(versions)
    subtype = parse_subtype(subtype)
    if not write_versions and not stems:
        raise ExportError("nothing to render: ask for at least one version or the stems.")
    session = session_path if isinstance(session_path, Session) else load_session(session_path)
    if not session.mix_stems:
        raise ExportError(
            f"no stem of {session.path} can be mixed (all unreadable or empty): nothing to render."
        )
    review, review_file, messages = load_review(
        session, Path(review_path) if review_path is not None else None
    )
    out_path = Path(out).expanduser() if out is not None else default_export_folder(session.path)
    check_out_folder(out_path, session, force)
    if analysis is None:
        measuring = (lambda d, t, key: progress(d, t, "measuring")) if progress else None
        analysis = analyze(
            session, progress=measuring, references=references, trust_references=trust_references
        )
        reference_reports = analysis.references
    else:
        reference_reports = with_references(analysis, references, trust=trust_references)
    if suggestions is None:
        # the queue as the review left it: decided suggestions as decided, the rest derived
        # again after those decisions (the same live model as the app's)
        suggestions = list(LiveModel(analysis).derive(review).suggestions)
    suggestions = list(suggestions)
    changes = version_changes(review, suggestions)
    recheck = {c.file for c in analysis.all_checks if c.id in RECHECKED and c.file}
    staging = make_staging(out_path, estimate_bytes(session, write_versions, stems, subtype))
    try:
        result = render(
            session, changes, staging, write_versions, stems, subtype, progress, workers, recheck
        )
        notes = build_notes(
            analysis, suggestions, review, result, review_file if review else None,
            reference_reports,
        )  # fmt: skip
        write_notes(staging, notes)
        _sync_tree(staging)
        final, replaced = publish(staging, out_path, force)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise disk_error(exc, out_path) from exc
        raise
    orphans = notes["orphans"]
    if orphans:
        messages.append(
            f"{len(orphans)} decision(s) refer to suggestions that no longer exist (the stems "
            "changed); they are listed in notes.md and were not applied."
        )
    for track in notes["references"]["tracks"]:
        if not track["used"]:
            messages.append(f"reference not used: {track['problem']}")
    for file, seconds in result.read_errors.items():
        messages.append(
            f"{file} is damaged: it could not be read past {seconds:.1f} s and is silent from "
            "there in this export. Export it again from the DAW."
        )
    clipped = notes["export"]["clipped_samples"]
    if clipped:
        messages.append(
            "samples were clipped when written ("
            + ", ".join(f"{k}: {v}" for k, v in sorted(clipped.items()))
            + "); render as 32-bit float (mixreview render --format float) or lower the mix."
        )
    return ExportResult(
        folder=final,
        requested=out_path,
        mixes={v: final / name for v, name in result.mixes.items()},
        stems={f: final / name for f, name in result.stems.items()},
        notes_md=final / NOTES_MD,
        notes_json=final / NOTES_JSON,
        notes=notes,
        render=result,
        replaced=replaced,
        messages=tuple(messages),
        seconds=time.perf_counter() - started,
        review_file=review_file if review else None,
        workers=result.workers,
    )
