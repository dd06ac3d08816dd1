"""The layering rule of DESIGN.md §1, enforced: the core imports no SDK, web or SQL library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"slack_bolt", "slack_sdk", "botbuilder", "sqlalchemy", "aiohttp", "handlers", "storage", "alembic",
             "prometheus_client", "apscheduler"}


@pytest.mark.parametrize("path", sorted((ROOT / "bot").rglob("*.py")), ids=lambda p: p.name)
def test_core_imports_no_platform_or_database_library(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert not imported & FORBIDDEN, f"{path.name} imports {imported & FORBIDDEN}"


def test_nothing_but_settings_reads_the_environment() -> None:
    offenders = [
        p.relative_to(ROOT).as_posix()
        for folder in ("bot", "handlers", "storage")
        for p in (ROOT / folder).rglob("*.py")
        if "os.environ" in p.read_text() or "getenv(" in p.read_text()
    ]
    assert offenders == []
