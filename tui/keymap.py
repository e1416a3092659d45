"""Every key of the review app, as data: the footer, the help screen and the palette read it here.

Each key has an ``id``. A user remaps keys in ``~/.config/mixreview/keys.toml`` (or the file named
by ``$MIXREVIEW_KEYS``)::

    [keys]
    accept = "y"              # one key
    reject = "x,delete"       # several keys, comma-separated
    play = "p"

Names are Textual key names (``ctrl+r``, ``shift+left``, ``pageup``, ``space``) or single
characters (``?``, ``[``, ``+``). Unknown ids and unreadable files are reported in the app, never
fatal; the defaults stay in force for everything not remapped.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding, BindingType

# Private: Textual has no public function naming the key a character types ('?' ->
# 'question_mark'), the names its bindings use; tests/test_private_apis.py checks it.
from textual.keys import _character_to_key, format_key

ENV_KEYS_FILE = "MIXREVIEW_KEYS"

# Scopes: where a binding lives. "app" keys work from every panel of the main screen; "screen"
# keys belong to the main screen (panel switching); "list" keys move the cursor in the stems and
# suggestions lists and scroll the detail panel.
SCOPES = ("app", "screen", "list")


@dataclass(frozen=True)
class Key:
    """One action the user can take from the keyboard."""

    id: str
    keys: str  # default keys, comma-separated
    action: str  # Textual action string
    description: str  # short, for the footer
    group: str  # help screen section
    help: str  # one line for the help screen and the command palette
    scope: str = "app"
    show: bool = False  # shown in the footer
    priority: bool = False
    footer_group: str | None = None  # adjacent keys shown together in the footer


KEYS: tuple[Key, ...] = (
    # -- review ------------------------------------------------------------------------------
    Key("accept", "a", "accept", "accept", "Review", "Accept the selected suggestion", show=True),
    Key("reject", "r", "reject", "reject", "Review", "Reject the selected suggestion", show=True),
    Key("undo", "u", "undo", "undo", "Review", "Undo the last decision", show=True),
    Key("redo", "ctrl+r", "redo", "redo", "Review", "Redo what was undone"),
    Key(
        "amount_down", "[", "amount(-0.25)", "less", "Review",
        "Amount down by 25% (partial application)", show=True, footer_group="amount",
    ),
    Key(
        "amount_up", "]", "amount(0.25)", "more", "Review", "Amount up by 25%",
        show=True, footer_group="amount",
    ),
    Key(
        "nudge_up", "+,=", "nudge(1)", "nudge +", "Review",
        "Nudge the main parameter up (0.5 dB, a semitone, 5% width...)",
    ),
    Key("nudge_down", "-", "nudge(-1)", "nudge -", "Review", "Nudge the main parameter down"),
    Key(
        "alternative", "x", "alternative", "other answer", "Review",
        "Show the next answer to the same problem (section gains or a compressor...)",
    ),
    Key("note", "n", "note", "note", "Review", "Write a note on the suggestion (or on the stem)"),
    Key("manual", "c", "manual", "my change", "Review", "Add a change of your own to the stem"),
    Key("remove", "delete", "remove", "remove", "Review", "Remove the selected manual change"),
    # -- the queue ---------------------------------------------------------------------------
    Key("filter", "/", "filter", "filter", "Queue", "Filter the suggestions (Esc clears)"),
    Key("group", "o", "group", "group by", "Queue", "Group by importance, stem, kind, section"),
    Key("checks", "!", "checks", "checks", "Queue", "List the stem-preparation checks and fixes"),
    # -- listen ------------------------------------------------------------------------------
    Key("play", "space", "play", "play", "Listen", "Play / pause", show=True),
    Key("ab", "b", "ab", "A/B", "Listen", "Switch between A and B", show=True),
    Key("loop", "l", "loop", "loop", "Listen", "Loop the suggestion's section or worst passage"),
    Key(
        "compare", "v", "compare", "compare", "Listen",
        "What A/B compares: this suggestion, original/chosen, chosen/assistant, ...",
    ),
    Key("match", "L", "match", "match", "Listen", "Loudness matching of A and B on/off"),
    Key(
        "blind", "B", "blind", "blind", "Listen",
        "Blind A/B: hide which side is which (again: stop and show the tally)",
    ),
    Key("pick", "p", "pick", "pick", "Listen", "In a blind A/B: prefer the side you hear"),
    Key(
        "references", "R", "references", "references", "Listen",
        "Reference tracks: add one, play the mix against it, choose the aspects to follow",
    ),
    Key("mute", "m", "mute", "mute", "Listen", "Mute the stem"),
    Key("solo", "s", "solo", "solo", "Listen", "Solo the stem"),
    Key("seek_back", "left", "seek(-5)", "-5 s", "Listen", "Back 5 s"),
    Key("seek_forward", "right", "seek(5)", "+5 s", "Listen", "Forward 5 s"),
    Key("seek_back_far", "shift+left", "seek(-30)", "-30 s", "Listen", "Back 30 s"),
    Key("seek_forward_far", "shift+right", "seek(30)", "+30 s", "Listen", "Forward 30 s"),
    Key("to_start", "home", "to_start", "start", "Listen", "Back to the start"),
    Key("clips", "w", "clips", "clips", "Listen", "Write the A/B passage as two clips"),
    # -- panels and app ----------------------------------------------------------------------
    Key("next_panel", "tab", "app.focus_next", "next", "Panels", "Next panel", scope="screen"),
    Key(
        "prev_panel", "shift+tab", "app.focus_previous", "previous", "Panels", "Previous panel",
        scope="screen",
    ),
    Key("focus_stems", "1", "focus('stems')", "stems", "Panels", "Go to the stems panel"),
    Key(
        "focus_queue", "2", "focus('suggestions')", "suggestions", "Panels",
        "Go to the suggestions panel",
    ),
    Key("focus_detail", "3", "focus('detail')", "detail", "Panels", "Go to the detail panel"),
    Key("focus_checks", "4", "focus('checks')", "checks", "Panels", "Go to the checks panel"),
    Key("zoom", "z", "zoom", "zoom", "Panels", "Enlarge the focused panel (again: back)"),
    Key(
        "meters", "M", "meter_rate", "meters", "Panels",
        "Meters at 25 Hz, 10 Hz or off (fewer redraws over a slow link)",
    ),
    Key("export", "e", "export", "export", "App", "Export the mixes, stems and notes"),
    Key("help", "?,f1", "help", "help", "App", "This help", show=True),
    Key(
        "palette", "ctrl+p", "command_palette", "palette", "App", "Command palette",
        priority=True,
    ),
    Key(
        "quit", "q,ctrl+c", "quit_app", "quit", "App", "Quit (everything is already saved)",
        show=True,
    ),
    # -- inside the lists --------------------------------------------------------------------
    Key("cursor_up", "up,k", "cursor(-1)", "up", "Move", "Up one row", scope="list"),
    Key("cursor_down", "down,j", "cursor(1)", "down", "Move", "Down one row", scope="list"),
    Key("first", "g", "first", "first", "Move", "First row", scope="list"),
    Key("last", "G", "last", "last", "Move", "Last row", scope="list"),
    Key("page_up", "pageup", "page(-1)", "page up", "Move", "Up one page", scope="list"),
    Key("page_down", "pagedown", "page(1)", "page down", "Move", "Down one page", scope="list"),
)  # fmt: skip

KEYS_BY_ID: dict[str, Key] = {k.id: k for k in KEYS}


def bindings(scope: str) -> list[BindingType]:
    """The Textual bindings of one scope, each with its id so a keymap can move it."""
    result: list[BindingType] = []
    for key in KEYS:
        if key.scope != scope:
            continue
        group = Binding.Group(key.footer_group, compact=True) if key.footer_group else None
        result.append(
            Binding(
                key.keys,
                key.action,
                key.description,
                show=key.show,
                priority=key.priority,
                tooltip=key.help,
                id=key.id,
                group=group,
            )
        )
    return result


def config_path() -> Path:
    """Where the user's keymap is read from."""
    if os.environ.get(ENV_KEYS_FILE):
        return Path(os.environ[ENV_KEYS_FILE]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mixreview" / "keys.toml"


def normalize(keys: str) -> str:
    """'?,ctrl+r' -> 'question_mark,ctrl+r' (Textual key names)."""
    parts = [part.strip() for part in keys.split(",")]
    return ",".join(_character_to_key(p) if len(p) == 1 else p for p in parts if p)


def parse_keymap(data: Mapping[str, object]) -> tuple[dict[str, str], list[str]]:
    """The ``[keys]`` table of a keys.toml: (id -> keys, problems)."""
    table = data.get("keys", data)
    problems: list[str] = []
    keymap: dict[str, str] = {}
    if not isinstance(table, Mapping):
        return {}, ['[keys] must be a table of id = "key" lines']
    for binding_id, value in table.items():
        if binding_id not in KEYS_BY_ID:
            problems.append(f"unknown key id {binding_id!r} (see the help screen for the ids)")
            continue
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        if not isinstance(value, str) or not normalize(value):
            problems.append(f'{binding_id}: give the key as a string, e.g. {binding_id} = "x"')
            continue
        keymap[binding_id] = normalize(value)
    return keymap, problems


def load_keymap(path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """Read the user's keymap; a missing file is no keymap, a broken one is a problem to show."""
    path = path or config_path()
    if not path.exists():
        return {}, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path}: {exc}; using the default keys"]
    keymap, problems = parse_keymap(data)
    return keymap, [f"{path}: {p}" for p in problems]


def effective(keymap: Mapping[str, str]) -> dict[str, str]:
    """id -> the keys in force (the user's where given, else the default)."""
    return {k.id: keymap.get(k.id, normalize(k.keys)) for k in KEYS}


def display(keys: str) -> str:
    """How keys read on screen: 'question_mark,f1' -> '? f1'."""
    shown = []
    for key in normalize(keys).split(","):
        text = format_key(key)
        shown.append({"space": "space", "delete": "del"}.get(key, text))
    return " ".join(shown)


def clashes(keymap: Mapping[str, str], scopes: Iterable[str] = ("app", "screen")) -> list[str]:
    """Keys bound to two actions in the same reach (app and screen keys act together)."""
    seen: dict[str, str] = {}
    problems = []
    keys_in_force = effective(keymap)
    for key in KEYS:
        if key.scope not in scopes:
            continue
        for name in keys_in_force[key.id].split(","):
            if name in seen and seen[name] != key.id:
                problems.append(f"{display(name)} is bound to both {seen[name]} and {key.id}")
            seen[name] = key.id
    return problems
