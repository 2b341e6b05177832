"""The engine core has no import cycle: every module of ``app/engine`` can be read (and imported)
after the modules it names, and none calls "back up" through an import hidden in a function.

The graph counts every import, at module level or inside a function (an import inside a function
still ties the two modules together; hiding it there only delays the cycle to run time)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = "app.engine"


def _modules() -> dict[str, Path]:
    mods = {}
    for path in (ROOT / "app").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        mods[name.removesuffix(".__init__")] = path
    return mods


def _targets(node: ast.Import | ast.ImportFrom, package: str, known: set[str]) -> list[str]:
    """The modules an import statement names; ``from app.engine import x`` names submodule x."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join(parts + ([base] if base else []))
    subs = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known]
    return subs if len(subs) == len(node.names) else [base, *subs]


def import_graph() -> tuple[dict[str, set[str]], dict[str, list[tuple[int, str]]]]:
    """(module -> modules of ``app`` it imports, module -> [(line, target)] of imports inside functions)."""
    mods = _modules()
    known = set(mods)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    nested: dict[str, list[tuple[int, str]]] = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = _module_level_imports(tree)
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            targets = [t for t in _targets(node, package, known) if t in known and t != name]
            graph[name].update(targets)
            if id(node) not in top:
                nested.setdefault(name, []).append((node.lineno, ", ".join(targets) or _first_name(node)))
    return graph, nested


def _module_level_imports(tree: ast.Module) -> set[int]:
    """Imports that run when the module is imported: outside any function (``if``/``try`` blocks count)."""
    found, todo = set(), list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.add(id(node))
        todo.extend(ast.iter_child_nodes(node))
    return found


def _first_name(node: ast.Import | ast.ImportFrom) -> str:
    return node.module if isinstance(node, ast.ImportFrom) and node.module else node.names[0].name


def engine_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components (of more than one module) among the engine's modules."""
    engine = {m for m in graph if m == ENGINE or m.startswith(ENGINE + ".")}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm; the engine graph is small
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v] & engine):
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

    for module in sorted(engine):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_inside_the_engine():
    graph, _ = import_graph()
    assert engine_cycles(graph) == []


def test_an_import_inside_an_engine_function_says_why():
    _, nested = import_graph()
    unexplained = []
    for module, imports in sorted(nested.items()):
        if not (module == ENGINE or module.startswith(ENGINE + ".")):
            continue
        lines = _modules()[module].read_text(encoding="utf-8").splitlines()
        for lineno, target in imports:
            here, above = lines[lineno - 1], lines[lineno - 2] if lineno > 1 else ""
            if "#" not in here and not above.strip().startswith("#"):
                unexplained.append(f"{module}:{lineno} imports {target}")
    assert unexplained == []


def test_the_checker_sees_function_level_imports_and_cycles():
    tree = ast.parse("import os\ndef f():\n    import sys\n")
    assert len(_module_level_imports(tree)) == 1
    graph = {"app.engine.a": {"app.engine.b"}, "app.engine.b": {"app.engine.a"}, "app.engine.c": set()}
    assert engine_cycles(graph) == [["app.engine.a", "app.engine.b"]]
