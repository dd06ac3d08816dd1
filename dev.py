#!/usr/bin/env python3
"""Two commands for a fresh machine with only Python 3.11+ (standard library only).

    python3 dev.py run [ARGS]    install into .venv if needed, then `python app.py ARGS` (none: the shell)
    python3 dev.py test [ARGS]   install with dev tools if needed, then ruff and pytest ARGS

The virtualenv is (re)built whenever pyproject.toml changes. `test` includes the PostgreSQL
tests when TEST_DATABASE_URL is set, or when a server answers on 127.0.0.1:5432 (then it uses
postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_installed(extras: str) -> Path:
    """Create .venv and install the project (with ``extras``) unless that is already done."""
    stamp = VENV / f".installed-{extras or 'base'}"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and venv_python().exists():
        return venv_python()
    if not venv_python().exists():
        print("Creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f".[{extras}]" if extras else "."
    print(f"Installing {target} into .venv (first run takes a minute) …", flush=True)
    pip = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True, cwd=ROOT)
    subprocess.run([*pip, "-e", target], check=True, cwd=ROOT)
    stamp.write_text(wanted)
    return venv_python()


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


def run(args: list[str]) -> int:
    python = ensure_installed("")
    return subprocess.call([str(python), str(ROOT / "app.py"), *args])


def test(args: list[str]) -> int:
    python = ensure_installed("dev")
    env = dict(os.environ)
    if "TEST_DATABASE_URL" not in env and postgres_answers():
        env["TEST_DATABASE_URL"] = LOCAL_POSTGRES
    print("PostgreSQL tests:", "on" if env.get("TEST_DATABASE_URL") else "skipped (set TEST_DATABASE_URL)", flush=True)
    lint = subprocess.call([str(python), "-m", "ruff", "check", "."], cwd=ROOT)
    tests = subprocess.call([str(python), "-m", "pytest", *args], cwd=ROOT, env=env)
    return tests or lint


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py must explain itself on an old Python
        print("Handoff needs Python 3.11 or newer.", file=sys.stderr)
        return 2
    command, *args = sys.argv[1:] or ["run"]
    if command == "run":
        return run(args)
    if command == "test":
        return test(args)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
