"""The local shell: a REPL over the core grammar, or a script read from stdin.

Just another surface: it builds a :class:`~bot.context.Caller` for the local workspace and
prints what the core replies. ``as NAME`` switches who is speaking; notices to other people
are printed as "→ name: …" since there is nobody else to deliver them to.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.chat.core import Core
from bot.context import Caller
from bot.records import Delivery, Target
from bot.reply import OutFile, Reply
from handlers.render_text import escape, render

LOCAL_WORKSPACE = "local"
SHELL_CONVERSATION = "shell"  # the one "channel" of the local shell: digests print here
PROMPT = "handoff> "
MORE = "... "
BLOCK = '"""'


def local_caller(name: str, is_admin: bool = False) -> Caller:
    key = name.strip().lstrip("@").lower()
    return Caller(workspace_id=LOCAL_WORKSPACE, user_id=key, display_name=key, names_create_people=True,
                  conversation=SHELL_CONVERSATION, is_admin=is_admin)


class Shell:
    """The person who starts the shell owns the local workspace, so they are its admin; ``as NAME``
    speaks as someone else, with that person's rights only (HANDOFF_ADMINS still counts)."""

    def __init__(self, core: Core, actor: str, out: TextIO = sys.stdout, directory: Path | None = None) -> None:
        self.core = core
        self.caller = local_caller(actor, is_admin=True)
        self.admin = self.caller.user_id
        self.out = out
        self.directory = directory  # where exports are written; None: the working directory

    async def run_line(self, line: str) -> bool:
        """Handle one line; ``False`` when the user asked to quit."""
        text = line.strip()
        if not text or text.startswith("#"):
            return True
        if text.lower() in ("quit", "exit", ":q"):
            return False
        if text.lower().startswith("as "):
            name = text[3:].strip()
            if name:
                self.caller = local_caller(name, is_admin=local_caller(name).user_id == self.admin)
                self._print(f"(you are now {escape(self.caller.display_name)})")
            return True
        outcome = await self.core.handle(self.caller, text)
        self._print(render(outcome.reply))
        for notice in outcome.notices:
            self._print(f"  → {escape(notice.to.display_name)}: {escape(notice.text)}")
            if notice.reply is not None:  # its buttons, as the commands they run
                self._print("\n".join("  " + line for line in render(notice.reply).splitlines() if "actions:" in line))
        for file in outcome.files:
            self._print(self._save(file))
        if outcome.draft_id is not None:  # no ack to hurry here: write the draft and show it
            drafted = await self.core.drafts.run(self.caller, outcome.draft_id)
            self._print(render(drafted.reply))
            if not drafted.reply.is_error:
                self._print(f"  (draft use {outcome.draft_id} · draft again {outcome.draft_id} · draft discard {outcome.draft_id})")
        return True

    def _save(self, file: OutFile) -> str:
        try:
            return f"  wrote {escape(str(write_new(self.directory or Path.cwd(), file)))}"
        except OSError as exc:
            return f"✗ I could not write {escape(file.name)}: {escape(exc.strerror or str(exc))}."

    async def run(self, stream: TextIO, interactive: bool) -> None:
        if interactive:
            self._print(f"Handoff local shell — you are {self.caller.display_name}. Type `help`, `as NAME`, or `quit`. "
                        f"End a line with \\ to go on, or put details between {BLOCK} lines.")
        while True:
            line = await asyncio.to_thread(self._read, stream, interactive)
            if line is None:
                break
            command = await asyncio.to_thread(gather, line, lambda: self._read(stream, interactive, MORE))
            if not await self.run_line(command):
                break

    def _read(self, stream: TextIO, interactive: bool, prompt: str | None = None) -> str | None:
        if interactive:
            try:
                return input(prompt or f"{self.caller.display_name}@{PROMPT}")
            except EOFError:
                return None
        line = stream.readline()
        return line if line else None

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)
        if not self.out.isatty():
            print(file=self.out, flush=True)


def gather(first: str, more: Callable[[], str | None]) -> str:
    """One command from one or more lines, so details can span lines: a line ending in ``\\``
    goes on with the next; an unclosed ``\"\"\"`` runs to the line that closes it (the quotes are
    dropped, the line breaks kept). The end of input closes whatever is open."""
    lines, line = [], first.rstrip("\r\n")
    while True:
        if line.count(BLOCK) % 2 == 1:  # opens a block: read to its end
            block = [line.replace(BLOCK, "")]
            while (nxt := more()) is not None:
                nxt = nxt.rstrip("\r\n")
                if BLOCK in nxt:
                    block.append(nxt.replace(BLOCK, ""))
                    break
                block.append(nxt)
            lines.append("\n".join(block).strip("\n") if block[0].strip() else "\n".join(block[1:]))
            return _joined(lines)
        if line.endswith("\\") and (nxt := more()) is not None:
            lines.append(line[:-1].rstrip())
            line = nxt.rstrip("\r\n")
            continue
        lines.append(line.rstrip("\\").replace(BLOCK, ""))
        return _joined(lines)


def _joined(lines: list[str]) -> str:
    return "\n".join(part for part in lines if part.strip() or len(lines) == 1)


def write_new(directory: Path, file: OutFile) -> Path:
    """Write an export next to earlier ones, never over them: ``name.md``, ``name-2.md``, …"""
    base = Path(Path(file.name).name)  # the core builds bare names; a path here would be a bug, not a wish
    for n in range(1, 1000):
        path = directory / (base.name if n == 1 else f"{base.stem}-{n}{base.suffix}")
        try:
            with path.open("xb") as handle:
                handle.write(file.content)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"{base.name} and 998 numbered copies already exist in {directory}")


def enable_history(path: Path) -> None:
    """Arrow-key history across sessions, where readline exists."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline
        return
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(1000)
    atexit.register(lambda: _save_history(readline, path))


def _save_history(readline: object, path: Path) -> None:
    with contextlib.suppress(OSError):
        readline.write_history_file(str(path))  # type: ignore[attr-defined]


class ConsoleMessenger:
    """The shell's outbox: nudges and digests are printed, addressed to whom they are for."""

    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out
        self._sent = 0

    async def send(self, delivery: Delivery, reply: Reply) -> str:
        target = Target.parse(delivery.target)
        to = f"@{target.address}" if target.kind == "dm" else "this shell's release thread" if target.kind == "thread" else "#" + target.address
        print(f"\n→ {escape(to)} ({delivery.kind.value}):\n{render(reply)}", file=self.out, flush=True)
        self._sent += 1
        return f"shell:{self._sent}"

    async def find_sent(self, delivery: Delivery) -> str | None:
        return None  # a terminal keeps no history to look in
