"""The personal view in Teams: the core's ``home`` as a card that keeps itself current.

Typed ``home`` (or the welcome when the app is added to a 1:1 chat) posts the card. It uses
Universal Actions: its buttons are ``Action.Execute`` and it carries ``refresh`` for its owner, so
Teams asks for a fresh copy whenever the card is shown (trigger ``automatic``) and after every
button (``manual``); both arrive as the invoke ``adaptiveCard/action``, answered here with the
card as it is now. Whatever the card says, the view answered is the *invoker's*: the card names
no person the bot would trust, so someone else's refresh gets their own home, never the owner's.
The view is private, so outside a 1:1 chat it is never shown (in a group, an Action.Execute answer
replaces the card for everyone): one sentence says where to find it instead.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import CardFactory, InvokeResponse, MessageFactory, TurnContext

from bot import commands as c
from bot.chat.core import Outcome
from bot.context import Caller
from bot.domain import Action
from bot.reply import ASK_PREFIX, RUN_PREFIX, Paragraph, Reply, message_of
from handlers.teams import forms
from handlers.teams.render import MAX_TEXT, escape, render_card, truncate

REFRESH = "home.refresh"
CARD = "application/vnd.microsoft.card.adaptive"
ERROR = "application/vnd.microsoft.error"
ELSEWHERE = "Your home is private: message me in our 1:1 chat and type `home` there."
_DIRECT = {"handoff.ack": Action.ACK, "handoff.start": Action.START, "handoff.done": Action.DONE,
           "handoff.reopen": Action.REOPEN}
_WITH_TEXT = {"handoff.ask": Action.ASK, "handoff.answer": Action.ANSWER, "handoff.decline": Action.DECLINE,
              "handoff.block": Action.BLOCK, "handoff.cancel": Action.CANCEL}
_DRAFTS = {"draft.use": c.UseDraft, "draft.regenerate": c.RegenerateDraft, "draft.discard": c.DiscardDraft}
_SNOOZE = "handoff.snooze_"


def is_personal(turn_context: TurnContext) -> bool:
    conversation = turn_context.activity.conversation
    return ((conversation.conversation_type if conversation else None) or "personal") == "personal"


def executable(card: dict[str, Any]) -> dict[str, Any]:
    """Every ``Action.Submit`` of a rendered card as ``Action.Execute``: the verb is the button's id,
    its data the same as the Submit's (inputs are merged into it by Teams)."""
    def convert(action: dict[str, Any]) -> dict[str, Any]:
        if action.get("type") != "Action.Submit":
            return action
        data = action.get("data") or {}
        out = {**action, "type": "Action.Execute", "verb": str(data.get("handoff_action") or REFRESH), "data": data}
        return out

    def walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            if item.get("type") == "ActionSet":
                item = {**item, "actions": [convert(a) for a in item.get("actions") or []]}
            out.append(item)
        return out

    return {**card, "body": walk(card.get("body") or []), "actions": [convert(a) for a in card.get("actions") or []]}


def home_card(reply: Reply, owner_id: str) -> dict[str, Any]:
    """The home Reply as a card that Teams refreshes for its owner each time it is shown."""
    card = executable(render_card(reply))
    card["actions"] = [*card["actions"], {"type": "Action.Execute", "title": "Refresh", "verb": REFRESH, "data": {}}]
    card["refresh"] = {"action": {"type": "Action.Execute", "title": "Refresh", "verb": REFRESH, "data": {}},
                       "userIds": [owner_id]}
    return card


def elsewhere_card() -> dict[str, Any]:
    return render_card(Reply(title=ELSEWHERE))


async def build(bot: Any, caller: Caller, said: str | None = None, failed: bool = False) -> dict[str, Any]:
    """The caller's home now; ``said`` (what a button just did, or why it did nothing) goes on top."""
    reply = (await bot.core.execute(caller, c.ShowHome())).reply
    card = home_card(reply, caller.user_id)
    if said and not reply.is_error:
        line = {"type": "TextBlock", "text": truncate(escape(said), MAX_TEXT), "wrap": True,
                "color": "Attention" if failed else "Good"}
        card["body"].insert(1 if reply.title else 0, line)
    return card


def headline(outcome: Outcome) -> str:
    """One line for what a click did: a handoff card's headline (its title is the handoff), else the title."""
    reply = outcome.reply
    if reply.is_error:
        return message_of(reply)
    if outcome.handoffs and reply.blocks and isinstance(reply.blocks[0], Paragraph):
        return message_of(reply)
    return reply.title or message_of(reply)


async def show(bot: Any, turn_context: TurnContext, caller: Caller) -> None:
    """``home`` typed, or the app just added to a 1:1 chat: post the card (elsewhere, say where it is)."""
    card = await build(bot, caller) if is_personal(turn_context) else elsewhere_card()
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    activity.summary = "Your home" if is_personal(turn_context) else ELSEWHERE
    await turn_context.send_activity(activity)


async def answer(bot: Any, turn_context: TurnContext) -> InvokeResponse:
    """``adaptiveCard/action``: a refresh, or a button of the home card run as the person who clicked."""
    value = turn_context.activity.value
    action = value.get("action") if isinstance(value, dict) else None
    if not isinstance(action, dict) or not isinstance(action.get("verb"), str):
        return _error(400, "BadRequest", "That card action names no verb.")
    if not is_personal(turn_context):
        return _card(elsewhere_card())
    caller = bot.caller(turn_context.activity)
    verb, data = action["verb"], action.get("data") if isinstance(action.get("data"), dict) else {}
    if verb == REFRESH:
        return _card(await build(bot, caller))
    text = str(data.get("text") or "").strip()
    if (verb in _WITH_TEXT or verb == "handoff.comment" or verb.startswith(ASK_PREFIX)) and not text:
        return _card(_text_form(verb, data))
    command = _command(verb, data, text)
    if command is None:
        return _card(await build(bot, caller, "That button has expired; here is your home as it is now.", failed=True))
    outcome = await (bot.core.handle(caller, command) if isinstance(command, str) else bot.core.execute(caller, command))
    await _after(bot, turn_context, caller, outcome)
    return _card(await build(bot, caller, headline(outcome), failed=outcome.reply.is_error))


def _command(verb: str, data: dict[str, Any], text: str) -> c.Command | str | None:
    """What a home button asks, from its verb and data: a command, or command text (``cmd.run.*``)."""
    if verb.startswith((RUN_PREFIX, ASK_PREFIX)):
        command = str(data.get("value") or "").strip()
        return f"{command} {text}".strip() if command else None
    number, _, version = str(data.get("value") or "").partition(":")
    if not (number.isdecimal() and len(number) <= 9):
        return None
    n, v = int(number), int(version) if version.isdecimal() and len(version) <= 9 else None
    if verb in _DRAFTS:
        return _DRAFTS[verb](n)
    if verb in _DIRECT:
        return c.MoveHandoff(n, _DIRECT[verb], expected_version=v)
    if verb in _WITH_TEXT:
        return c.MoveHandoff(n, _WITH_TEXT[verb], text, v)
    if verb == "handoff.comment":
        return c.CommentOnHandoff(n, text)
    if verb.startswith(_SNOOZE):
        return c.SnoozeHandoff(n, verb.removeprefix(_SNOOZE), v)
    return None


def _text_form(verb: str, data: dict[str, Any]) -> dict[str, Any]:
    """The few words a button needs, asked in place of the home card; Back shows the home again."""
    if verb.startswith(ASK_PREFIX):
        form = forms.command_text_form(verb, str(data.get("label") or "Decline"), str(data.get("value") or ""))
    else:
        number, _, version = str(data.get("value") or "").partition(":")
        n = int(number) if number.isdecimal() and len(number) <= 9 else 0
        form = forms.text_form(verb, n, int(version) if version.isdecimal() and len(version) <= 9 else None)
    card = executable(form)
    card["actions"].append({"type": "Action.Execute", "title": "Back", "verb": REFRESH, "data": {},
                            "associatedInputs": "none"})
    return card


async def _after(bot: Any, turn_context: TurnContext, caller: Caller, outcome: Outcome) -> None:
    """What any other click does besides answering: tell the other people, post to release threads,
    and write a draft asked for again (the next refresh shows it)."""
    await bot._deliver(turn_context, caller, outcome, silent=True)
    await bot._release_threads(turn_context, caller, outcome)
    if outcome.draft_id is not None:
        bot._later(bot.core.drafts.run(caller, outcome.draft_id))


def _card(card: dict[str, Any]) -> InvokeResponse:
    return InvokeResponse(status=200, body={"statusCode": 200, "type": CARD, "value": card})


def _error(status: int, code: str, message: str) -> InvokeResponse:
    return InvokeResponse(status=status, body={"statusCode": status, "type": ERROR,
                                            "value": {"code": code, "message": message}})
