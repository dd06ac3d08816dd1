"""The layout of ARCHITECTURE.md, enforced: layers, capability rooms, no import circles."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"slack_bolt", "slack_sdk", "botbuilder", "sqlalchemy", "aiohttp", "handlers", "storage", "alembic",
             "prometheus_client", "apscheduler", "app"}
FIRST_PARTY = ("bot", "handlers", "storage", "app")

# Which capability of bot/ may import which other; every one may import the kernel (the modules at
# the top of bot/), and the kernel imports only itself. The order is the one ARCHITECTURE.md draws.
CAPABILITIES: dict[str, set[str]] = {
    "delivery": set(),
    "handoffs": set(),
    "people": set(),
    "ownership": {"handoffs"},
    "workload": set(),
    "gates": {"ownership"},
    "releases": {"gates", "handoffs", "ownership"},
    "reminders": {"gates"},
    "drafting": {"handoffs"},
    "chat": {"handoffs", "people", "ownership", "workload", "gates", "releases", "reminders", "drafting"},
}
# handlers/: each platform's package is its own; the shared modules at the top of handlers/ and
# the ops package serve them all and import neither platform.
HANDLER_ROOMS: dict[str, set[str]] = {
    "slack": {"shared", "ops"},
    "teams": {"shared", "ops"},
    "ops": set(),
    "shared": {"ops"},
}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


@cache
def modules() -> dict[str, Path]:
    found = {module_name(p): p for folder in ("bot", "handlers", "storage") for p in (ROOT / folder).rglob("*.py")
             if "migrations" not in p.parts}
    found["app"] = ROOT / "app.py"
    return found


@cache
def imports_of(name: str) -> frozenset[str]:
    """First-party modules ``name`` imports anywhere in it (top level, functions, TYPE_CHECKING)."""
    known = modules()
    out: set[str] = set()
    for node in ast.walk(ast.parse(known[name].read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] in FIRST_PARTY)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in FIRST_PARTY:
                continue
            for alias in node.names:  # ``from bot.gates import decisions`` imports a module, not a name
                full = f"{node.module}.{alias.name}"
                out.add(full if full in known else node.module)
    return frozenset(m for m in out if m in known and m != name)


def third_party_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def capability_of(name: str) -> str:
    """``bot.gates.decisions`` -> ``gates``; a module at the top of bot/ -> ``kernel``."""
    parts = name.split(".")
    return parts[1] if len(parts) > 2 else "kernel"


def handler_room(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 else "shared"


@pytest.mark.parametrize("path", sorted((ROOT / "bot").rglob("*.py")), ids=lambda p: module_name(p))
def test_core_imports_no_platform_or_database_library(path: Path) -> None:
    imported = third_party_roots(path)
    assert not imported & FORBIDDEN, f"{module_name(path)} imports {imported & FORBIDDEN}"


def circles_in(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """A depth-first walk of the import graph; every back edge closes a circle."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    circles: list[list[str]] = []

    def walk(name: str, path: list[str]) -> None:
        state[name] = 1
        path.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                circles.append([*path[path.index(target):], target])
            elif target not in state:
                walk(target, path)
        path.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [])
    return circles


def test_there_are_no_import_circles() -> None:
    circles = circles_in({name: imports_of(name) for name in modules()})
    assert circles == [], "\n".join(" -> ".join(c) for c in circles)


def test_the_walk_finds_circles_when_there_are_some() -> None:
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"})}
    assert circles_in(graph) == [["a", "b", "c", "a"]]
    assert circles_in({"a": frozenset({"b"}), "b": frozenset()}) == []


def test_every_capability_imports_only_the_kernel_and_what_it_is_documented_to_use() -> None:
    rooms = {capability_of(n) for n in modules() if n.startswith("bot.")} - {"kernel"}
    assert rooms == set(CAPABILITIES), "a package in bot/ is missing from CAPABILITIES (and ARCHITECTURE.md)"
    wrong = []
    for name in sorted(n for n in modules() if n.startswith("bot.")):
        mine = capability_of(name)
        allowed = {"kernel"} if mine == "kernel" else {"kernel", mine, *CAPABILITIES[mine]}
        for target in imports_of(name):
            theirs = capability_of(target) if target.startswith("bot.") else target
            if theirs not in allowed:
                wrong.append(f"{name} ({mine}) imports {target} ({theirs})")
    assert wrong == []


def test_every_documented_dependency_is_used() -> None:
    """The table must not rot into a list of what *could* be imported: each arrow in it is real."""
    used: dict[str, set[str]] = {room: set() for room in CAPABILITIES}
    for name in (n for n in modules() if n.startswith("bot.") and capability_of(n) != "kernel"):
        used[capability_of(name)] |= {capability_of(t) for t in imports_of(name) if t.startswith("bot.")}
    assert {room: CAPABILITIES[room] & used[room] for room in CAPABILITIES} == CAPABILITIES


def test_platforms_stay_in_their_own_packages() -> None:
    wrong = []
    for name in sorted(n for n in modules() if n.startswith("handlers.")):
        mine = handler_room(name)
        for target in imports_of(name):
            if target.startswith("handlers."):
                theirs = handler_room(target)
                if theirs != mine and theirs not in HANDLER_ROOMS[mine]:
                    wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_storage_knows_the_core_but_no_handler() -> None:
    wrong = [f"{n} imports {t}" for n in modules() if n.startswith("storage.")
             for t in imports_of(n) if t.startswith(("handlers", "app"))]
    assert wrong == []


def test_architecture_md_matches_the_tree() -> None:
    """Every package of bot/ and handlers/ is described, and every path it names exists."""
    text = (ROOT / "ARCHITECTURE.md").read_text()
    for folder in ("bot", "handlers"):
        for package in sorted(p for p in (ROOT / folder).iterdir() if (p / "__init__.py").exists()):
            assert f"{folder}/{package.name}/" in text, f"ARCHITECTURE.md does not describe {folder}/{package.name}/"
    documented = {}
    for row in re.finditer(r"^\| `bot/(\w+)/` \|.*\| ([^|]*) \|$", text, re.MULTILINE):
        uses = row.group(2).strip()
        documented[row.group(1)] = set() if uses == "—" else {u.strip() for u in uses.split(",")}
    assert documented == CAPABILITIES, "ARCHITECTURE.md's table of capabilities differs from the rules tested here"
    named = set(re.findall(r"`((?:bot|handlers|storage|tests|bench)/[\w/]*(?:\.py)?)`", text))
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert named and missing == []


def test_nothing_but_settings_reads_the_environment() -> None:
    offenders = [
        p.relative_to(ROOT).as_posix()
        for folder in ("bot", "handlers", "storage")
        for p in (ROOT / folder).rglob("*.py")
        if "os.environ" in p.read_text() or "getenv(" in p.read_text()
    ]
    assert offenders == []


@pytest.mark.parametrize("doc", ["README.md", "ARCHITECTURE.md"])
def test_the_paths_and_links_a_document_names_exist(doc: str) -> None:
    text = (ROOT / doc).read_text()
    paths = set(re.findall(r"`((?:bot|handlers|storage|tests|bench|deploy)/[\w/.\-]*)`", text))
    links = {target for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text) if "://" not in target}
    missing = sorted(p for p in paths | links if not (ROOT / p).exists())
    assert missing == []
