"""The layers of src/tmtool, checked by walking every module's imports with ``ast`` (issue 15).

Every ``import``/``from ... import`` counts, at the top of a module and inside functions alike
(a function-level import is a cycle that only waits for its first call); relative imports are
resolved. Imports under ``if TYPE_CHECKING:`` are left out: they never run. An import names the
module it reads (``from .a import b`` is ``a``, or ``a.b`` when that is a module); the parent
packages Python initialises on the way are not counted as edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "tmtool"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST):
    """Every import node, skipping the bodies of ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _base(module: str, path: Path, level: int) -> str:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return package


def imports_of(module: str) -> set[str]:
    """The tmtool modules ``module`` imports (anywhere in its code)."""
    path = MODULES[module]
    found = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            base = _base(module, path, node.level) if node.level else ""
            target = ".".join(p for p in (base, node.module or "") if p)
            names = [f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target for a in node.names]
        for name in names:
            while name and name not in MODULES:  # `import tmtool.x.y` names a module or its parent
                name = name.rpartition(".")[0]
            if name.startswith(PACKAGE) and name != module:
                found.add(name)
    return found


GRAPH = {m: imports_of(m) for m in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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


def _path(graph: dict[str, set[str]], comp: list[str]) -> list[str]:
    """One cycle through the first module of ``comp``, as a list of modules."""
    start, members = comp[0], set(comp)
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    cycle = [v]
                    while cycle[-1] != start:
                        cycle.append(prev[cycle[-1]])
                    return [start, *reversed(cycle[:-1]), start] if len(cycle) > 1 else [start, v, start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return comp


def test_the_walker_sees_imports_inside_functions_and_relative_ones():
    # Known edges, one of each kind, so that an empty graph cannot pass the tests below.
    assert "tmtool.memory.sqlite" in GRAPH["tmtool.memory"]  # relative, top level
    assert "tmtool.memory.pg" in GRAPH["tmtool.memory"]  # relative, inside open_memory()
    assert "tmtool.memory.core" in GRAPH["tmtool.memory.sqlite"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _path({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_no_import_cycle_in_tmtool():
    cycles = [" -> ".join(_path(GRAPH, comp)) for comp in _cycles(GRAPH)]
    assert not cycles, "import cycles: " + "; ".join(cycles)


def test_no_function_level_import_of_a_private_name():
    found = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith(PACKAGE)):
                    found += [f"{module}.{func.name}: {a.name}" for a in node.names
                              if a.name.startswith("_") and not a.name.endswith("__")]
    assert not found, found


def _memory_imports_from(package: str) -> list[str]:
    return sorted(f"{m} -> {t}" for m, targets in GRAPH.items() if m.startswith(f"{PACKAGE}.memory")
                  for t in targets if t == package or t.startswith(package + "."))


@pytest.mark.parametrize("package", [
    "tmtool.cli",
    "tmtool.formats",
    "tmtool.pipeline",
    "tmtool.reuse",
    "tmtool.exchange",
    "tmtool.job",
])
def test_memory_imports_nothing_from_the_layers_above_it(package):
    assert _memory_imports_from(package) == []
