"""The guide service's app never imports ``guide.ops`` (starting processes, writing other programs'
config): only the CLI and ``guide.ops`` itself do. Imports are read with ``ast``, nested ones included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from guide.settings import ROOT

GUIDE = ROOT / "guide"
OPS = "guide.ops"
ALLOWED = {"guide.cli"}  # and guide.ops.* itself


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of its code (``from a import b`` gives a and a.b)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1 folders
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def reaches_ops(names: set[str]) -> list[str]:
    return sorted(n for n in names if n == OPS or n.startswith(OPS + "."))


def app_modules() -> list[Path]:
    return sorted(p for p in GUIDE.rglob("*.py")
                  if module_name(p) not in ALLOWED and not module_name(p).startswith(OPS))  # fmt: skip


def test_the_scan_sees_the_app_and_the_ops_imports():
    """The scan finds the app's modules, and the CLI's and the stack's imports of guide.ops."""
    scanned = {module_name(p) for p in app_modules()}
    assert {"guide.app", "guide.http.chat", "guide.settings"} <= scanned
    assert reaches_ops(imported(GUIDE / "cli.py"))
    assert reaches_ops(imported(GUIDE / "ops" / "scaled.py"))


@pytest.mark.parametrize("path", app_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_app_module_imports_guide_ops(path):
    assert not reaches_ops(imported(path)), f"{path.relative_to(ROOT)} imports {reaches_ops(imported(path))}"
