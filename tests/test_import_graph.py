"""The import graph of the project's packages, read with ast: no import cycle between modules, and
no route module in guide/http imports another (they share only guide/http's helpers).

Every import counts, wherever it is written (inside a function or under TYPE_CHECKING too): a cycle
that only works because one side imports late is still a cycle to a reader.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("guide", "recommender", "knowledge", "payments", "channels", "bot", "bench")
# Modules of guide/http that answer requests: the ones with a route table.
ROUTE_TABLE = "routes = web.RouteTableDef()"
# What a route module may import of the project: guide/http's helpers, the state keys and settings, the domain.
ROUTE_MAY_IMPORT = ("guide.http.", "guide.keys", "guide.settings", "knowledge", "recommender", "payments", "channels")

# Cycles outside guide/ known today, each to be fixed by another slice of issue 19 (owner named); an
# entry is a cycle's modules, sorted. Remove an entry when its cycle is gone: the test then keeps it gone.
KNOWN_CYCLES: set[tuple[str, ...]] = {
    # bot/nlu/placenames.py imports fuzzy_names inside a function, fuzzy_names imports placenames: no slice
    # running now owns bot/nlu (the shared-contract and lint slice of issue 19 will); reported to the coordinator.
    ("bot.nlu.fuzzy_names", "bot.nlu.placenames"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the packages, by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "__pycache__" not in path.parts:
                found[_module_name(path)] = path
    return found


def _imported(module: str, path: Path) -> set[str]:
    """The project modules ``module`` imports (``from a import b`` names a.b when that is a module)."""
    known, found = modules(), set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:  # import a.b.c of a module a.b (an attribute c)
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


@cache
def graph() -> dict[str, set[str]]:
    return {module: _imported(module, path) for module, path in modules().items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as one cycle through them."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [_path(edges, component) for component in components]


def _path(edges: dict[str, set[str]], component: list[str]) -> list[str]:
    """One cycle inside a strongly connected component, from its first module back to it (for the report)."""
    inside, start = set(component), component[0]
    trail, seen = [start], {start}
    while True:
        options = sorted(edges[trail[-1]] & inside)
        if start in options and len(trail) > 1:
            return [*trail, start]
        step = next((o for o in options if o not in seen), None)
        if step is None:  # the way back is through a module already on the trail
            step = next(o for o in options)
            return [*trail[trail.index(step):], step]
        trail.append(step)
        seen.add(step)


def route_modules() -> set[str]:
    return {m for m, path in modules().items()
            if m.startswith("guide.http.") and ROUTE_TABLE in path.read_text(encoding="utf-8")}  # fmt: skip


def test_the_graph_sees_the_packages():
    assert {"guide.app", "guide.http.admin", "guide.keys", "bench.run", "bot.actions"} <= set(modules())
    assert "guide.http.auth" in graph()["guide.http.admin"] and "guide.keys" in graph()["guide.http.auth"]
    assert {"guide.http.admin", "guide.http.chat", "guide.http.payment_orders", "guide.http.webhook"} <= route_modules()
    assert "guide.http.errors" not in route_modules()


def test_the_cycle_finder_reports_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_route_module_imports_another():
    routes = route_modules()
    found = {f"{m} imports {t}" for m in routes for t in graph()[m] if t in routes}
    assert not found, "route modules share helpers in guide/http, never each other:\n" + "\n".join(sorted(found))


def test_route_modules_import_only_helpers_keys_settings_and_the_domain():
    found = {f"{m} imports {t}" for m in route_modules() for t in graph()[m]
             if not t.startswith(ROUTE_MAY_IMPORT) or t in route_modules()}  # fmt: skip
    assert not found, "\n".join(sorted(found))


def test_no_import_cycle():
    found = cycles(graph())
    unknown = [c for c in found if tuple(sorted(set(c))) not in KNOWN_CYCLES]
    assert not unknown, "import cycles:\n" + "\n".join(" -> ".join(c) for c in unknown)


def test_known_cycles_are_still_there():
    """A known cycle that is gone leaves the list, so it cannot come back unnoticed."""
    found = {tuple(sorted(set(c))) for c in cycles(graph())}
    assert not KNOWN_CYCLES - found, f"gone, remove from KNOWN_CYCLES: {sorted(KNOWN_CYCLES - found)}"
