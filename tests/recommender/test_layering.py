"""The lower floors never reach up: nothing under recommender/, knowledge/ or payments/ imports guide
(read from the source with ast, so an import inside a function counts too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOWER = ("recommender", "knowledge", "payments")


def imports(source: str, package: tuple[str, ...]) -> set[str]:
    """Every module the source imports (relative imports resolved against ``package``), also
    through ``importlib.import_module`` or ``__import__`` with a literal name."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, *([node.module] if node.module else [])))
            found |= {module, *(f"{module}.{alias.name}".lstrip(".") for alias in node.names)}  # names may be modules
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def reaches_guide(module: str) -> bool:
    return module == "guide" or module.startswith("guide.")


@pytest.mark.parametrize("package", LOWER)
def test_lower_packages_never_import_guide(package):
    offending = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        for module in imports(path.read_text(encoding="utf-8"), parts[:-1]):
            if reaches_guide(module):
                offending.append(f"{path.relative_to(ROOT)}: {module}")
    assert not offending, offending


@pytest.mark.parametrize("source", [
    "import guide", "from guide.app import create_app", "import guide.settings as s", "from guide import keys",
    "def f():\n    from guide.live import LiveIndex", "import importlib\nimportlib.import_module('guide.live')",
    "__import__('guide')",
])  # fmt: skip
def test_the_check_sees_every_form_of_import(source):
    assert any(reaches_guide(m) for m in imports(source, ("recommender", "crowd")))


def test_relative_imports_resolve_against_their_package():
    found = imports("from ..items import Item\nfrom . import levels", ("recommender", "crowd"))
    assert {"recommender.items", "recommender.crowd.levels"} <= found
    assert not any(reaches_guide(m) for m in found)
