"""The release commands: new, list, show, export, notes and decisions, owner, search, thread."""

from __future__ import annotations

from bot import commands as c
from bot.context import Ctx
from bot.domain import EntryKind
from bot.gates import decisions as gates
from bot.releases import use_cases as releases
from bot.releases.export import export_release
from bot.releases.presenters import entry_added, release_created, release_list, release_summary, search_results
from bot.reply import Reply, Tone
from bot.routing import RouteTable

routes = RouteTable()


@routes(c.CreateRelease, "release.create")
async def _release_new(cmd: c.CreateRelease, ctx: Ctx) -> Reply:
    return release_created(await releases.create(cmd, ctx))


@routes(c.ListReleases, "release.read")
async def _release_list(cmd: c.ListReleases, ctx: Ctx) -> Reply:
    found = await releases.list_all(cmd, ctx)
    return release_list(found, ctx.today(), await gates.releases_at_risk(ctx.uow, ctx.today()))


@routes(c.ShowRelease, "release.read")
async def _release_show(cmd: c.ShowRelease, ctx: Ctx) -> Reply:
    return release_summary(await releases.summarise(cmd, ctx), ctx.today())


@routes(c.ExportRelease, "release.read")
async def _release_export(cmd: c.ExportRelease, ctx: Ctx) -> Reply:
    return await export_release(cmd, ctx)


@routes(c.AddReleaseEntry, lambda cmd: "release.decide" if cmd.kind is EntryKind.DECISION else "release.note")
async def _release_entry(cmd: c.AddReleaseEntry, ctx: Ctx) -> Reply:
    return entry_added(*await releases.add_entry(cmd, ctx))


@routes(c.SetReleaseOwner, "release.owner")
async def _release_owner(cmd: c.SetReleaseOwner, ctx: Ctx) -> Reply:
    release, owner, _ = await releases.set_owner(cmd, ctx)
    return Reply(title=f"{owner.display_name} now owns {release.name}.", tone=Tone.SUCCESS, ephemeral=False)


@routes(c.SearchKnowledge, "release.read")
async def _search(cmd: c.SearchKnowledge, ctx: Ctx) -> Reply:
    return search_results(cmd.words, await releases.search(cmd, ctx))


@routes(c.AttachReleaseThread, "platform")
async def _attach_thread(cmd: c.AttachReleaseThread, ctx: Ctx) -> Reply:
    await releases.attach_thread(cmd, ctx)
    return Reply()
