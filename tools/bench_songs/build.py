"""Build the benchmark sessions: render, mix, plant the flaws, write stems, manifests and truth.

Sessions are cached outside the repository under a folder named by a hash of the generator's
source, so any edit to it builds them again; a song is written to a temporary folder and renamed
into place when complete, so an interrupted build never leaves half a session behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from scipy import signal

from tools.bench_songs import flaws, mixdown, render
from tools.bench_songs.model import Flaw, SongSpec, Timeline
from tools.bench_songs.songs import SONGS
from tools.make_flawed_session import write_manifest, write_pcm24
from tools.sample_session.song import SOUNDFONT, SR

CACHE_ENV = "MIXREVIEW_BENCH_SONGS"
DEFAULT_CACHE = Path("~/.cache/mixreview/bench-songs")
TAKES = ("clean", "flawed")
TRUTH_FILE = "truth.json"
TRUTH_SCHEMA = "mixreview.bench-truth/1"
TOOLS = Path(__file__).resolve().parent.parent
SOURCES = (
    *sorted(p for p in Path(__file__).resolve().parent.glob("*.py") if p.name != "score.py"),
    TOOLS / "make_bench_songs.py",
    TOOLS / "make_sample_session.py",
    *sorted((TOOLS / "sample_session").glob("*.py")),
    TOOLS / "make_flawed_session.py",
)
EXTRA_ACTIONS = ("silent",)  # flaws that add a file rather than change one


@dataclass(frozen=True)
class BuiltSong:
    """Where a song's takes are: ``folder / "clean"`` and ``folder / "flawed"``."""

    slug: str
    folder: Path
    build_s: float  # 0 when it came from the cache

    def take(self, name: str) -> Path:
        return self.folder / name


def missing_tools() -> list[str]:
    """The programs, soundfont and Python packages generation needs that are not installed."""
    missing = [t for t in ("fluidsynth", "espeak-ng", "sox") if not shutil.which(t)]
    if not SOUNDFONT.exists():
        missing.append(f"{SOUNDFONT} (Debian package fluid-soundfont-gm)")
    try:
        import mido  # noqa: F401
    except ImportError:
        missing.append("mido (pip install mido)")
    return missing


def cache_root(override: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder: ``override``, else $MIXREVIEW_BENCH_SONGS, else ~/.cache/..."""
    chosen = override or os.environ.get(CACHE_ENV) or DEFAULT_CACHE
    return Path(chosen).expanduser()


def source_hash() -> str:
    """A hash of every file the generator runs, so an edit to any of them rebuilds the songs."""
    digest = hashlib.sha256()
    for path in SOURCES:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def timeline_of(song: SongSpec, short: bool) -> Timeline:
    form = song.short_form if short and song.short_form else song.form
    return Timeline(song.bpm, form, song.tail_s)


# ---------------------------------------------------------------- writing


def _resample(x: np.ndarray, rate: int) -> np.ndarray:
    if rate == SR:
        return x
    g = np.gcd(rate, SR)
    return signal.resample_poly(x, rate // g, SR // g, axis=0)


def write_stem(folder: Path, stem: flaws.StemOut) -> None:
    """Write one stem at its rate and sample format; cut the file short if asked to."""
    path = folder / stem.file
    audio = _resample(stem.audio, stem.rate)
    if stem.subtype == "PCM_24":
        write_pcm24(path, audio, stem.rate)
    else:
        data = np.clip(audio, -1.0, 1.0) if stem.subtype == "PCM_16" else audio
        sf.write(path, data.astype(np.float32), stem.rate, subtype=stem.subtype)
    if stem.truncate_to is not None:
        with open(path, "r+b") as f:
            f.truncate(int(path.stat().st_size * stem.truncate_to))


def _manifest(song: SongSpec, timeline: Timeline, title: str) -> dict | None:
    if song.manifest == "none":
        return None
    meta: dict = {"title": title, "tempo_bpm": song.bpm}
    if song.manifest == "full":
        meta["sections"] = []
        for i, (sec, _bar, start_s, end_s) in enumerate(timeline.spans()):
            entry = {"name": sec.name, "start_s": round(start_s, 6)}
            if i == len(timeline.form) - 1:
                entry["end_s"] = round(end_s, 6)
            meta["sections"].append(entry)
    return meta


def _sections(timeline: Timeline) -> list[dict]:
    return [
        {"name": sec.name, "kind": sec.kind, "start_s": round(a, 3), "end_s": round(b, 3)}
        for sec, _bar, a, b in timeline.spans()
    ]


# ---------------------------------------------------------------- truth


def truth_entries(flaw: Flaw, file: str, song: SongSpec, timeline: Timeline) -> list[dict]:
    """The truth file's entries for one planted flaw (one per section when it is per section)."""
    base: dict[str, Any] = {
        "id": flaw.id,
        "expect": flaw.expect,
        "stem": file,
        "section": None,
        "span_s": None,
        "direction": flaw.direction,
        "strength": flaw.strength,
    }
    if flaw.expect == "check":
        base["check_id"] = flaw.check_id
    else:
        base["kinds"] = list(flaw.kinds)
    if flaw.section is None:
        return [base]
    out = []
    for sec, _bar, start_s, end_s in timeline.spans():
        if sec.kind == flaw.section:
            named = sec.name if song.manifest == "full" else None
            out.append(
                base
                | {
                    "id": f"{flaw.id}:{sec.name}",
                    "section": named,
                    "span_s": [round(start_s, 3), round(end_s, 3)],
                }
            )
    return out


def write_truth(folder: Path, song: SongSpec, timeline: Timeline, take: str, problems: list):
    truth = {
        "schema": TRUTH_SCHEMA,
        "song": song.slug,
        "title": song.title,
        "take": take,
        "bpm": song.bpm,
        "sample_rate": song.sample_rate,
        "duration_s": round(timeline.length_s, 3),
        "manifest": song.manifest,
        "sections": _sections(timeline),
        "problems": problems,
    }
    (folder / TRUTH_FILE).write_text(json.dumps(truth, indent=2) + "\n")


# ---------------------------------------------------------------- takes


def _write_clean(folder: Path, song: SongSpec, timeline: Timeline, stems: dict) -> dict:
    folder.mkdir(parents=True)
    files = {}
    for name, audio in stems.items():
        out = flaws.StemOut(f"{name}.{song.audio_format}", audio, song.sample_rate)
        write_stem(folder, out)
        files[name] = out
    meta = _manifest(song, timeline, song.title)
    if meta:
        write_manifest(meta, folder / "mixreview.toml")
    write_truth(folder, song, timeline, "clean", [])
    return files


def _write_flawed(folder: Path, clean: Path, song, timeline, stems: dict, files: dict) -> None:
    folder.mkdir(parents=True)
    ctx = flaws.Context(timeline, stems, song.seed)
    outs = dict(files)
    problems: list[dict] = []
    for flaw in song.flaws:
        action = flaws.ACTIONS[flaw.action]
        if flaw.action in EXTRA_ACTIONS:
            base = flaws.StemOut(
                flaw.file or f"{flaw.id}.wav", files[flaw.part].audio, song.sample_rate
            )
            out = action(base, ctx, **flaw.args)
            outs[f"+{flaw.id}"] = out
        else:
            out = action(outs[flaw.part], ctx, **flaw.args)
            outs[flaw.part] = out
        problems += truth_entries(flaw, out.file, song, timeline)
    outs, extra = _hot_take(outs, song, timeline)
    problems += extra
    for name, out in outs.items():
        if out is files.get(name):
            os.link(clean / out.file, folder / out.file)  # unchanged: share the clean file
        else:
            write_stem(folder, out)
    meta = _manifest(song, timeline, f"{song.title} (flawed)")
    if meta:
        write_manifest(meta, folder / "mixreview.toml")
    write_truth(folder, song, timeline, "flawed", problems)


def _hot_take(outs: dict[str, flaws.StemOut], song, timeline) -> tuple[dict, list[dict]]:
    """Apply a hot export's gain to every other stem, in the hot stem's sample format: a
    fixed-point take clips every stem that reaches full scale, a float take keeps the overs.
    Returns the stems and a truth entry for each other stem that ends up over full scale."""
    hot = next(((n, o) for n, o in outs.items() if o.session_gain_db), None)
    if hot is None:
        return outs, []
    flaw = next(f for f in song.flaws if f.part == hot[0] and f.action.startswith("hot_"))
    gain = 10 ** (hot[1].session_gain_db / 20)
    changed, extra = {}, []
    for name, out in outs.items():
        if name == hot[0]:
            changed[name] = out
            continue
        audio = out.audio * gain
        if hot[1].subtype == "FLOAT":
            out = replace(out, subtype="FLOAT", file=out.file.rsplit(".", 1)[0] + ".wav")
        elif out.subtype != "FLOAT":
            audio = np.clip(audio, -1.0, 1.0)
        changed[name] = replace(out, audio=audio)
        if np.nanmax(np.abs(audio)) >= 0.99996:
            entry = truth_entries(flaw, out.file, song, timeline)[0]
            extra.append(entry | {"id": f"{flaw.id}:{name}", "strength": "over full scale too"})
    return changed, extra


def build_song(song: SongSpec, dest: Path, short: bool, jobs: int = 2) -> dict[str, float]:
    """Render and write both takes of ``song`` into ``dest`` (which must not exist).

    Returns the clean stems' relative levels (LU) as staged."""
    timeline = timeline_of(song, short)
    parts = {p.name: p for p in song.parts}
    with tempfile.TemporaryDirectory(prefix=f"bench_{song.slug}_") as tmp:
        raw = render.render_song(song, timeline, Path(tmp), jobs)
    staged = mixdown.stage({n: mixdown.process(parts[n], raw[n]) for n in parts}, parts)
    stems = staged.stems
    files = _write_clean(dest / "clean", song, timeline, stems)
    _write_flawed(dest / "flawed", dest / "clean", song, timeline, stems, files)
    return staged.levels_lu


def _build_into(song: SongSpec, folder: Path, short: bool, jobs: int) -> float:
    """Build in a temporary sibling folder and rename it into place; seconds taken."""
    start = time.perf_counter()
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    levels = build_song(song, tmp, short, jobs)
    (tmp / "levels.json").write_text(json.dumps({k: round(v, 2) for k, v in levels.items()}))
    try:
        tmp.rename(folder)
    except OSError:  # built meanwhile by another process
        shutil.rmtree(tmp, ignore_errors=True)
    return time.perf_counter() - start


def _prune(root: Path, keep: Path, variant: str) -> None:
    """Remove builds of the same variant made by other versions of the generator."""
    for old in root.glob(f"{variant}-*"):
        if old != keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def ensure_songs(
    slugs: Sequence[str] | None = None,
    short: bool = False,
    cache: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    log=print,
) -> list[BuiltSong]:
    """The songs' folders, building those not in the cache (songs in parallel processes)."""
    jobs = jobs or os.cpu_count() or 2
    chosen = [s for s in SONGS if slugs is None or s.slug in slugs]
    variant = "short" if short else "full"
    root = cache_root(cache)
    base = root / f"{variant}-{source_hash()}"
    todo = [s for s in chosen if not (base / s.slug).is_dir()]
    todo.sort(key=lambda s: -len(s.parts) * timeline_of(s, short).length_s)  # longest first
    took: dict[str, float] = {}
    if todo:
        missing = missing_tools()
        if missing:
            raise RuntimeError(
                "cannot generate the benchmark songs; missing: " + ", ".join(missing)
            )
        base.mkdir(parents=True, exist_ok=True)
        _prune(root, base, variant)
        log(f"generating {len(todo)} song(s) into {base} ...")
        workers = max(1, min(jobs, len(todo)))
        inner = max(2, jobs // workers)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {
                s.slug: pool.submit(_build_into, s, base / s.slug, short, inner) for s in todo
            }
            took = {slug: f.result() for slug, f in futures.items()}
        for slug, seconds in took.items():
            log(f"  {slug}: {seconds:.1f} s")
    return [BuiltSong(s.slug, base / s.slug, took.get(s.slug, 0.0)) for s in chosen]
