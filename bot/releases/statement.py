"""What the release does: one statement both sides stand behind.

The gulf between PM and PMM is "each had a different idea of what the release did". So a release
carries the PM's statement of what ships, for whom, and what changes for them; the release's launch
driver (the PMM side) confirms it. Any change clears the confirmation and asks again, telling the
other side what changed. Within 14 days of Release Readiness an unconfirmed statement blocks the
launch (:mod:`bot.releases.readiness`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import commands as c
from bot import rights
from bot.context import Ctx, find_release
from bot.domain import EntryKind, Person, Release
from bot.errors import InvalidInput
from bot.gates.decisions import quoted
from bot.ownership.release_rights import launch_drivers, release_parties, require_for_release
from bot.reply import Reply, ReplyBuilder, Strong, Tone, command_button
from bot.rights import Party

MAX_STATEMENT = 2000


@dataclass
class StatementResult:
    release: Release
    changed_from: str | None = None  # the statement it replaced
    asked: tuple[Person, ...] = ()  # who was asked to confirm


async def write(cmd: c.SetReleaseStatement, ctx: Ctx) -> StatementResult:
    await ctx.uow.workspaces.lock()  # a confirm never lands on a statement changed meanwhile
    release = await find_release(ctx.uow, cmd.release)
    await require_for_release(ctx, "release.brief", release, await release_parties(ctx, release))
    text = " ".join(cmd.text.split()) if "\n" not in cmd.text else cmd.text.strip()
    if not text:
        raise InvalidInput(f"Say what {release.name} does, for whom, and what changes for them.")
    if len(text) > MAX_STATEMENT:
        raise InvalidInput(f"Keep the statement under {MAX_STATEMENT:,} characters; link to a doc for more.")
    if text == release.statement:
        raise InvalidInput(f"That is already what {release.name}'s statement says.")
    before = release.statement
    release.statement, release.statement_by, release.statement_at = text, ctx.actor.id, ctx.now
    release.confirmed_by = release.confirmed_at = None
    await ctx.uow.releases.save(release)
    verb = "changed" if before else "wrote"
    await ctx.record(EntryKind.DECISION, f"{ctx.actor.display_name} {verb} what {release.name} does: {text}", release.id)
    asked = tuple(p for p in await launch_drivers(ctx, release) if p.id != ctx.actor.id)
    card = confirm_card(release, ctx.actor.display_name, before)
    for person in asked:
        ctx.notify(person, f"{ctx.actor.display_name} {verb} what {release.name} does; please confirm it.", reply=card)
    return StatementResult(release, before, asked)


async def confirm(cmd: c.ConfirmReleaseStatement, ctx: Ctx) -> Release:
    await ctx.uow.workspaces.lock()  # a confirm never lands on a statement changed meanwhile
    release = await find_release(ctx.uow, cmd.release)
    if not release.statement:
        raise InvalidInput(f"{release.name} has no statement yet; `release brief {quoted(release.name)} …` writes one.")
    drivers = await launch_drivers(ctx, release)
    holds = {Party.LAUNCH_DRIVER} if any(p.id == ctx.actor.id for p in drivers) else set()
    names = {Party.LAUNCH_DRIVER: " or ".join(p.display_name for p in drivers)} if drivers else {}
    rights.require("release.confirm", ctx.actor, holds, subject=release.name, names=names)
    if ctx.actor.id == release.statement_by:
        raise InvalidInput("You wrote this statement, so the other side confirms it"
                           + (f": {names[Party.LAUNCH_DRIVER]} or a lead." if names else ": a PMM or a lead."))
    if release.confirmed_by is not None:
        raise InvalidInput(f"{release.name}'s statement is confirmed already.")
    release.confirmed_by, release.confirmed_at = ctx.actor.id, ctx.now
    await ctx.uow.releases.save(release)
    await ctx.record(EntryKind.DECISION, f"{ctx.actor.display_name} confirmed what {release.name} does", release.id)
    author = (await ctx.uow.people.get_many([release.statement_by])).get(release.statement_by) if release.statement_by else None
    ctx.notify(author, f"{ctx.actor.display_name} confirmed your statement of what {release.name} does.")
    return release


def confirm_card(release: Release, author: str, before: str | None) -> Reply:
    out = ReplyBuilder(title=f"What {release.name} does", tone=Tone.INFO)
    out.para(release.statement or "")
    if before:
        out.para(Strong("It said: "), before)
    out.context(f"Written by {author}. Confirm it if the launch says the same; if not, say what differs "
                f"with `release note {quoted(release.name)} …`.")
    out.buttons.append(command_button("Confirm", f"release confirm {quoted(release.name)}", "primary"))
    return out.build()


def state(release: Release) -> str:
    """One line for cards, digests and the brief."""
    if not release.statement:
        return "no statement yet"
    return "confirmed by both sides" if release.confirmed_by else "waiting for the launch driver to confirm"
