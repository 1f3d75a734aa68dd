"""The layers hold: no module imports one above it, no import cycle, the engine never imports the
web app (docs/architecture.md). Every import counts, also those inside functions (which is where
cycles hide) and those only for type checking.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What each part of rom may import (besides itself). A part is the first two components of a
# module's name (rom.core, rom.protocols, ...); top-level modules are their own part.
ALLOWED = {
    "rom.core": set(),
    "rom.capture": {"rom.core"},
    "rom.protocols": {"rom.core"},
    "rom.analysis": {"rom.core", "rom.capture", "rom.protocols"},
    "rom.live": {"rom.core", "rom.capture", "rom.protocols", "rom.analysis"},
    "rom.outputs": {"rom.core", "rom.capture", "rom.protocols"},
    "rom.validation": {"rom.core", "rom.capture", "rom.protocols", "rom.analysis"},
    "rom.batch": {"rom.core", "rom.capture", "rom.protocols", "rom.analysis", "rom.outputs", "rom.validation"},
    "rom.cli": {"rom", "rom.core", "rom.capture", "rom.protocols", "rom.analysis", "rom.outputs", "rom.validation",
                "rom.batch", "rom.live"},
    "rom.__main__": {"rom.cli"},
    "rom": set(),
}
# `rom serve` starts the web app: the command line's one way into it.
ENGINE_TO_WEB = {("rom.cli", "web.serve")}
# Inside the web app the blueprints (web's top-level modules but db and models) handle requests;
# what they call (services, formats, the database and its models) never imports one of them.
BELOW_BLUEPRINTS = ("web.services", "web.formats", "web.db", "web.models")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for top in ("rom", "web"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The rom and web modules `name` imports anywhere in its source (resolved to modules)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from rom.outputs import wording` imports the module rom.outputs.wording
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in MODULES:
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _part(name: str) -> str:
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]


def _is_blueprint(name: str) -> bool:
    return name.startswith("web.") and _part(name) not in BELOW_BLUEPRINTS


def test_the_walk_sees_the_modules_and_their_imports():
    assert {"rom.core.geometry", "rom.protocols.slr.measure", "rom.analysis", "web.services.recording",
            "web.uploads"} <= set(MODULES)
    assert "rom.capture.pose" in GRAPH["rom.analysis"]
    # a function-local import counts as much as one at the top
    assert "rom.protocols.slr.trials" in GRAPH["rom.protocols.slr"]


def test_no_engine_module_imports_the_web_app():
    bad = sorted(f"{m} -> {t}" for m, ts in GRAPH.items() if m.startswith("rom") for t in ts
                 if t.split(".")[0] == "web" and (m, t) not in ENGINE_TO_WEB)
    assert bad == []


def test_no_module_imports_a_layer_above_it():
    bad = []
    for m, targets in GRAPH.items():
        if not m.startswith("rom"):
            continue
        allowed = ALLOWED[_part(m)] | {_part(m), "rom"}  # (the package itself holds only its version)
        bad += [f"{m} -> {t}" for t in targets if _part(t) not in allowed and (m, t) not in ENGINE_TO_WEB]
    assert bad == []


def test_what_the_blueprints_call_imports_no_blueprint():
    bad = [f"{m} -> {t}" for m, targets in GRAPH.items() if m.startswith(BELOW_BLUEPRINTS) for t in targets
           if _is_blueprint(t)]
    assert bad == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm; networkx is not a
    dependency and the graph has about 150 nodes)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []

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
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("name", ["slr", "hinge"])
def test_a_protocol_package_imports_only_the_core_and_itself(name):
    package = f"rom.protocols.{name}"
    bad = [f"{m} -> {t}" for m, ts in GRAPH.items() if m == package or m.startswith(package + ".")
           for t in ts if not (t.startswith("rom.core") or t == "rom.protocols.base" or t == package
                                or t.startswith(package + "."))]
    assert bad == []
