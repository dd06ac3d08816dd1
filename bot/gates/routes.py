"""The gate commands and buttons: list, decide, answer a slip, watch, the template."""

from __future__ import annotations

import dataclasses

from bot import commands as c
from bot.context import Ctx
from bot.gates import decisions as gates
from bot.gates import presenters as gate_presenters
from bot.reply import Reply, Tone
from bot.routing import RouteTable

routes = RouteTable()


@routes(c.ListGates, "gate.read")
async def _gates(cmd: c.ListGates, ctx: Ctx) -> Reply:
    return gate_presenters.gate_list(await gates.list_gates(cmd, ctx), ctx.today())


@routes(c.DecideGate, "gate.decide")
async def _decide_gate(cmd: c.DecideGate, ctx: Ctx) -> Reply:
    decision = await gates.decide(cmd, ctx)
    for person in decision.watchers:
        ctx.notify(person, decision.sentence)
    release, slip = decision.report.release, decision.report.slip
    if decision.slip_to and slip:
        ctx.notify(decision.slip_to, gates.slip_sentence(release, slip), reply=gate_presenters.slip_card(release, slip))
    headline = f"{decision.gate.name}: {decision.gate.status.value}."
    return dataclasses.replace(gate_presenters.gate_list(decision.report, ctx.today(), headline), ephemeral=False)


@routes(c.AnswerSlip, "release.slip")
async def _answer_slip(cmd: c.AnswerSlip, ctx: Ctx) -> Reply:
    release, sentence = await gates.answer_slip(cmd, ctx)
    return gate_presenters.slip_answered(release, sentence)


@routes(c.WatchGates, "gate.watch")
async def _watch_gates(cmd: c.WatchGates, ctx: Ctx) -> Reply:
    release = await gates.watch(cmd, ctx)
    said = "will be told of" if cmd.watching else "will no longer be told of"
    return Reply(title=f"You {said} decisions on the gates of {release.name}.", tone=Tone.SUCCESS)


@routes(c.ShowGateTemplate, "gate.read")
async def _gate_template(cmd: c.ShowGateTemplate, ctx: Ctx) -> Reply:
    return gate_presenters.template_reply(*await gates.show_template(ctx))


@routes(c.EditGateTemplate, "gate.template")
async def _edit_gate_template(cmd: c.EditGateTemplate, ctx: Ctx) -> Reply:
    items, said = await gates.edit_template(cmd, ctx)
    return gate_presenters.template_reply(items, cmd.action == "reset", said)
