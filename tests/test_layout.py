"""The house's layout holds: dependencies between apps point one way, and no
module of an app imports, at load time, a module that imports it back.

``ORDER`` is the layering drawn in docs/architecture.md: an app may import
itself and the apps before it, never one after it (not even inside a
function). Inside an app, imports form no circle, wherever they are written;
the one exception is a Celery task importing its service inside the task's
body (the Styleguide's way), so that services may queue tasks.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["hub", "hospitals", "audit", "identity", "relay", "alerts", "complaints", "patients"]
RANK = {app: n for n, app in enumerate(ORDER)}


def _modules():
    for app in ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts:
                continue
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


MODULES = dict(_modules())


def _is_package(module: str) -> bool:
    return MODULES.get(module, Path()).name == "__init__.py"


def _targets(node: ast.AST, module: str) -> list[str]:
    """Project modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        package = module if _is_package(module) else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    found = [base]
    for alias in node.names:
        if f"{base}.{alias.name}" in MODULES:
            found.append(f"{base}.{alias.name}")
    return found


def _imports(tree: ast.AST, module: str, *, load_time_only: bool):
    """(line, target) of every import; with ``load_time_only``, not those in
    function bodies (they run when called, not when the module loads)."""

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if load_time_only and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                for target in _targets(child, module):
                    yield child.lineno, target
            yield from walk(child)

    yield from walk(tree)


def _parsed():
    return {module: ast.parse(path.read_text(), str(path)) for module, path in MODULES.items()}


def test_apps_import_only_the_apps_before_them():
    wrong = []
    for module, tree in _parsed().items():
        app = module.split(".")[0]
        for line, target in _imports(tree, module, load_time_only=False):
            other = target.split(".")[0]
            if other in RANK and RANK[other] > RANK[app]:
                wrong.append(f"{MODULES[module].relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, "imports against the order " + " <- ".join(ORDER) + ":\n" + "\n".join(wrong)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
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
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back():
    graph: dict[str, set[str]] = {}
    for module, tree in _parsed().items():
        edges = graph.setdefault(module, set())
        is_tasks = module.rpartition(".")[2] == "tasks"
        for _, target in _imports(tree, module, load_time_only=is_tasks):
            # A package's __init__ loads before its submodules; only edges
            # to modules of this project count.
            if target in MODULES and target != module:
                edges.add(target)
    circles = _circles(graph)
    assert not circles, "import circles:\n" + "\n".join(" <-> ".join(c) for c in circles)


def test_the_walk_sees_every_app():
    apps = {module.split(".")[0] for module in MODULES}
    assert apps == set(ORDER)
    assert "relay.services" in MODULES and "patients.views" in MODULES
