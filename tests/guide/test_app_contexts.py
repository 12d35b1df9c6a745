"""create_app's cleanup contexts: one per service, each reading only what create_app or an earlier one set,
as the table in guide/app.py's docstring says (read from the code, so the table cannot drift)."""

from __future__ import annotations

import ast
import re

from guide import app as guide_app
from guide import limits
from guide.settings import ROOT


def _tree(module) -> ast.Module:
    return ast.parse((ROOT / module.__name__.replace(".", "/")).with_suffix(".py").read_text(encoding="utf-8"))


def _functions() -> dict[str, ast.AST]:
    return {node.name: node for module in (guide_app, limits) for node in _tree(module).body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}  # fmt: skip


def _keys(function: ast.AST) -> tuple[set[str], set[str]]:
    """The app state keys a function reads (besides those it sets itself) and sets (``app[KEY]``)."""
    reads, sets = set(), set()
    for node in ast.walk(function):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "app":
            if isinstance(node.slice, ast.Name):
                (sets if isinstance(node.ctx, ast.Store) else reads).add(node.slice.id)
    return reads - sets, sets


def _contexts(create_app: ast.AST) -> list[str]:
    """The cleanup contexts create_app appends, in order (a functools.partial named by what it wraps)."""
    partials = {target.id: node.value.args[0].id for node in ast.walk(create_app) if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name) and isinstance(node.value, ast.Call)
                and ast.unparse(node.value.func) == "functools.partial"}  # fmt: skip
    (loop,) = [node for node in ast.walk(create_app) if isinstance(node, ast.For) and ast.unparse(node.target) == "context"]
    return [partials.get(element.id, element.id) for element in loop.iter.elts]


def _table() -> list[tuple[str, set[str], set[str]]]:
    rows = re.findall(r"^\| ``(\w+)``[^|]*\| ([^|]*) \| ([^|]*) \|$", guide_app.__doc__, re.M)
    keys = lambda text: set(re.findall(r"\b[A-Z][A-Z_]+\b", text.split("(")[0]))  # noqa: E731
    return [(name, keys(reads), keys(sets)) for name, reads, sets in rows]


def test_each_context_reads_only_what_was_set_before_it():
    functions = _functions()
    available = _keys(functions["create_app"])[1]
    assert available == {"SETTINGS", "CLOCK", "PAGE_POLICY", "METRICS", "LIMITS"}
    contexts = _contexts(functions["create_app"])
    for name in contexts:
        reads, sets = _keys(functions[name])
        assert reads <= available, f"{name} reads {sorted(reads - available)}, set by a later context"
        assert not sets & available, f"{name} sets {sorted(sets & available)} again"
        available |= sets


def test_the_docstring_table_is_the_code():
    functions = _functions()
    contexts = _contexts(functions["create_app"])
    assert [name for name, _, _ in _table()] == contexts
    for name, reads, sets in _table():
        assert (reads, sets) == _keys(functions[name]), name
