"""The package's shape: one import name, layers that import downward only, no import cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# folder -> the package name it is installed as (pyproject's package-dir)
ROOTS = {"mixreview": "mixreview", "analysis": "mixreview.analysis", "tui": "mixreview.tui"}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder, package in ROOTS.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            parts = list(path.relative_to(REPO / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every mixreview module ``path`` imports when it runs, at the top or inside functions
    (imports for the type checker alone, under ``if TYPE_CHECKING:``, are not run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for inner in ast.walk(node)
    }
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    return {t for t in targets if t in known and t != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph = {name: _imports(name, path, known) for name, path in modules.items()}
    # a package's own __init__ is imported on the way to any module in it: not an edge of ours
    return {n: {t for t in ts if not n.startswith(t + ".")} for n, ts in graph.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_function_level_imports() -> None:
    graph = _graph()
    assert "mixreview.tui.launch" in graph["mixreview.cli.main"]  # imported inside cmd_review
    assert "mixreview.tui.app" in graph["mixreview.tui.launch"]  # inside run_app
    assert "mixreview.analysis.measure" in graph["mixreview.analysis.analyze"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("mixreview.analysis", ("mixreview.tui", "mixreview.cli")),
        ("mixreview.tui", ("mixreview.cli",)),
    ],
)
def test_layers_import_downward_only(layer: str, forbidden: tuple[str, ...]) -> None:
    bad = [
        f"{name} -> {target}"
        for name, targets in _graph().items()
        if name.startswith(layer)
        for target in targets
        if target.startswith(forbidden)
    ]
    assert bad == []


def test_nothing_is_importable_under_the_folder_names() -> None:
    """Outside the checkout, only ``mixreview`` is installed: no top-level analysis or tui."""
    code = (
        "import importlib.util, sys\n"
        "sys.path = [p for p in sys.path if p not in ('', '.')]\n"
        "print([n for n in ('analysis', 'tui', 'sample_sessions') "
        "if importlib.util.find_spec(n) is not None])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd="/", check=True
    )
    assert result.stdout.strip() == "[]"


def test_version_is_printed() -> None:
    import mixreview

    result = subprocess.run(
        [sys.executable, "-m", "mixreview", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"mixreview {mixreview.__version__}"


MAX_MODULE_LINES = 600
SIZED_FOLDERS = ("analysis", "tui", "mixreview", "tools", "bench")


def test_no_module_is_over_600_lines() -> None:
    """Modules stay small enough to read whole: every offender is listed with its line count."""
    over = {
        str(path.relative_to(REPO)): lines
        for folder in SIZED_FOLDERS
        for path in sorted((REPO / folder).rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    listed = ", ".join(f"{name} ({lines} lines)" for name, lines in over.items())
    assert not over, f"modules over {MAX_MODULE_LINES} lines: {listed}"
