"""The layout rules of ``index/`` and ``bot/``, checked on their source (``ast``, nothing imported).

Every import counts: top-level ones, lazy ones inside functions and ``if TYPE_CHECKING:`` ones
(a type-only import upward is still an upward dependency).

1. **No import cycles** between modules, nor between the *units* they belong to (a unit is a
   folder such as ``index/ingest/`` or ``bot/telegram/``, or a top-level module such as
   ``index/engine.py``): each folder is one stage.
2. **No module over 400 lines** (``MAX_LINES``; no exceptions).
3. **Imports only go down** these layers, lowest first. A unit may import its own modules and
   any unit of a lower layer; it may import another unit of its own layer only where the layer
   says ``peers`` (and then rule 1 keeps the units' graph acyclic). ``bot`` may import ``index``;
   ``index`` never imports ``bot``.

   ``index`` (the library), in stage order:
     0. foundation (peers): ``text``, ``types``, ``config``, ``datadir``
     1. ingest / embed / read / store (peers): ``ingest/``, ``feeds/``, ``retention``,
        ``embed/`` (today ``embedder``, ``onnx_graph``, ``li_embedding``), ``read/`` (the
        trained reader), ``store`` (or ``store/``)
     2. understand: ``understand/`` (the question: cleaned, typed, follow-ups, intent)
     3. answer (peers): ``answer/`` (search → read → refuse → compare → compose), ``llm/``
     4. briefings and following (peers): ``brief/``, ``follow``
     5. ``respond`` — the one path: a briefing or an answer
     6. ``engine`` — the facade both front ends use
     7. ``llamaindex`` — LlamaIndex entry points over the engine
   ``bot`` (the front ends), above all of ``index``:
     8. shared (peers): ``settings``, ``escape``, ``render``, ``console``
     9. front ends, which never import each other: ``repl``, ``feeds_cli``, ``telegram/``,
        ``eval/``
    10. ``cli`` — the ``newsqa`` command
    11. ``__main__``

   A module that matches no unit below fails the test until it is given a place.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOTS = ("index", "bot")
MAX_LINES = 400


@dataclass(frozen=True)
class Layer:
    name: str
    units: tuple[str, ...]
    peers: bool = False


LAYERS = (
    Layer("index foundation", ("index", "index.text", "index.types", "index.config",
                               "index.datadir"), peers=True),
    Layer("index ingest/embed/read/store", ("index.ingest", "index.feeds", "index.retention",
                                            "index.embed", "index.read", "index.store",
                                            "index.upgrade"),
          peers=True),
    Layer("index understand", ("index.understand",)),
    Layer("index answer", ("index.answer", "index.llm"), peers=True),
    Layer("index brief/follow", ("index.brief", "index.follow"), peers=True),
    Layer("index respond", ("index.respond",)),
    Layer("index engine", ("index.engine",)),
    Layer("index llamaindex", ("index.llamaindex",)),
    Layer("bot shared", ("bot", "bot.settings", "bot.escape", "bot.render", "bot.console",
                         "bot.atomic", "bot.state_check", "bot.follows"), peers=True),
    Layer("bot front ends", ("bot.repl", "bot.feeds_cli", "bot.telegram", "bot.eval")),
    Layer("bot cli", ("bot.cli", "bot.follow_cli"), peers=True),
    Layer("bot main", ("bot.__main__",)),
)


# -- the checker ------------------------------------------------------------------------------


def modules_of(root: Path) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` under ``root/index`` and ``root/bot``."""
    found: dict[str, Path] = {}
    for top in ROOTS:
        for path in sorted((root / top).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module of ours that importing ``name`` loads (its longest known prefix), or None."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Our modules that ``name`` imports anywhere in its file (``from a import b`` counts as
    ``a.b`` when that is a module, else ``a``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        for target in targets:
            resolved = _resolve(target, modules)
            if resolved is not None and resolved != name:
                found.add(resolved)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = modules_of(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def unit_of(module: str) -> str | None:
    """The unit (a folder or top-level module named in ``LAYERS``) a module belongs to; the
    root packages ``index`` and ``bot`` are units of their ``__init__`` only."""
    best = None
    for layer in LAYERS:
        for unit in layer.units:
            inside = module.startswith(unit + ".") and unit not in ROOTS
            if (module == unit or inside) and (
                best is None or len(unit) > len(best)
            ):
                best = unit
    return best


def layer_of(unit: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if unit in layer.units)


def unit_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    units: dict[str, set[str]] = {}
    for module, deps in graph.items():
        unit = unit_of(module)
        if unit is None:
            continue
        targets = units.setdefault(unit, set())
        targets.update(u for d in deps if (u := unit_of(d)) is not None and u != unit)
    return units


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import that does not go down the layers, as ``a -> b (why)``."""
    bad = []
    for module, deps in sorted(graph.items()):
        unit = unit_of(module)
        if unit is None:
            continue
        for dep in sorted(deps):
            target = unit_of(dep)
            if target is None or target == unit:
                continue
            mine, theirs = layer_of(unit), layer_of(target)
            if theirs > mine:
                bad.append(f"{module} -> {dep} ({LAYERS[mine].name} imports "
                           f"{LAYERS[theirs].name}, a higher layer)")
            elif theirs == mine and not LAYERS[mine].peers:
                bad.append(f"{module} -> {dep} ({target} is a sibling in {LAYERS[mine].name})")
    return bad


def long_modules(root: Path) -> list[str]:
    found = []
    for path in modules_of(root).values():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            found.append(f"{path.relative_to(root)}: {n} lines")
    return sorted(found)


# -- the rules, on this repository ------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(REPO)


def test_every_module_has_a_layer(graph: dict[str, set[str]]) -> None:
    unplaced = sorted(m for m in graph if unit_of(m) is None)
    assert not unplaced, f"give these modules a unit in tests/test_layout.py LAYERS: {unplaced}"


def test_no_import_cycles_between_modules(graph: dict[str, set[str]]) -> None:
    found = cycles(graph)
    assert not found, "import cycles: " + "; ".join(" ⇄ ".join(c) for c in found)


def test_no_import_cycles_between_folders(graph: dict[str, set[str]]) -> None:
    found = cycles(unit_graph(graph))
    assert not found, "cycles between units: " + "; ".join(" ⇄ ".join(c) for c in found)


def test_index_never_imports_bot(graph: dict[str, set[str]]) -> None:
    bad = sorted(f"{m} -> {d}" for m, deps in graph.items() if m.startswith("index")
                 for d in deps if d == "bot" or d.startswith("bot."))
    assert not bad, f"the library imports a front end: {bad}"


def test_imports_only_go_down(graph: dict[str, set[str]]) -> None:
    bad = upward_imports(graph)
    assert not bad, "imports going up or sideways:\n" + "\n".join(bad)


def test_no_module_over_max_lines() -> None:
    found = long_modules(REPO)
    assert not found, f"modules over {MAX_LINES} lines: {found}"


def test_the_old_circles_are_gone(graph: dict[str, set[str]]) -> None:
    """The two circles issue 15 named, by name (the general rule above covers them too)."""
    assert "bot.cli" not in graph["bot.repl"] and "bot.cli" not in graph["bot.feeds_cli"]
    assert not {"bot.cli", "bot.telegram.app", "bot.telegram.handlers"} & graph[
        "bot.telegram.feeds"]


# -- the checker finds what it should ---------------------------------------------------------


def _plant(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_checker_finds_planted_violations(tmp_path: Path) -> None:
    _plant(tmp_path, {
        "index/__init__.py": "",
        "index/text.py": "from index.engine import Engine\n",  # up, and a cycle
        "index/engine.py": "from index import text\n",
        "index/ingest/__init__.py": "",
        "index/ingest/read.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from index.answer.compose import compose\n"
        ),
        "index/answer/__init__.py": "",
        "index/answer/compose.py": "def f():\n    from ..ingest import read\n",  # relative
        "index/store.py": "import bot.cli\n" + "x = 1\n" * MAX_LINES,
        "index/mystery.py": "",
        "bot/__init__.py": "",
        "bot/cli.py": "",
        "bot/repl.py": "from bot.eval.run import run_eval\n",  # front ends are not peers
        "bot/eval/__init__.py": "",
        "bot/eval/run.py": "",
    })
    g = import_graph(tmp_path)
    assert g["index.answer.compose"] == {"index.ingest.read"}
    assert g["index.text"] == {"index.engine"} and g["index.engine"] == {"index.text"}
    # compose ⇄ read: a lazy relative import one way, a TYPE_CHECKING import the other
    assert cycles(g) == [["index.answer.compose", "index.ingest.read"],
                         ["index.engine", "index.text"]]
    assert ["index.answer", "index.ingest"] in cycles(unit_graph(g))
    assert unit_of("index.mystery") is None
    bad = "\n".join(upward_imports(g))
    assert "index.text -> index.engine" in bad
    assert "index.ingest.read -> index.answer.compose" in bad  # a TYPE_CHECKING import counts
    assert "index.store -> bot.cli" in bad
    assert "bot.repl -> bot.eval.run" in bad and "sibling" in bad
    assert "index.engine -> index.text" not in bad
    assert long_modules(tmp_path) == [f"index/store.py: {MAX_LINES + 1} lines"]
