"""All command wording in one place: syntax, an example and a one-line purpose per command."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Usage:
    syntax: str
    example: str
    purpose: str


USAGE: dict[str, Usage] = {
    "new": Usage(
        "new @owner <requirement|messaging|question> [for <release>] [about <area>]: <title> [by <date>]",
        "@dana requirement for v2.3: pricing page needs a tier table by fri",
        "hand something off (the word `new` is optional when you start with @someone)",
    ),
    "list": Usage(
        "list [mine|owed|asked|all|@person] [for <release>] [<status>|overdue]",
        "list owed for v2.3 overdue",
        "list handoffs: mine (I owe), owed (owed to me), asked (I asked, any state)",
    ),
    "show": Usage("show <N>", "show 12", "a handoff with its definition of ready and history"),
    "ack": Usage("ack <N>", "ack 12", "acknowledge a handoff you own"),
    "start": Usage("start <N>", "start 12", "start work on it"),
    "done": Usage("done <N>", "done 12", "mark it done"),
    "ask": Usage("ask <N> <question>", "ask 12 which segment is this for?", "send it back with a question (needs info)"),
    "answer": Usage("answer <N> <answer>", "answer 12 audience: mid-market admins", "answer the owner's question"),
    "decline": Usage("decline <N> <reason>", "decline 12 not ours, ask support", "decline it, saying why"),
    "block": Usage("block <N> <reason> | block <N> by #<M>", "block 12 by #14",
                   "mark it blocked, saying why; `by #14` links it, and it is unblocked when #14 is done"),
    "cancel": Usage("cancel <N> [reason]", "cancel 12 dropped from scope", "withdraw a handoff you asked for"),
    "reopen": Usage("reopen <N>", "reopen 12", "reopen a declined, done or cancelled handoff you asked for"),
    "reassign": Usage("reassign <N> @person", "reassign 12 @sam", "give a handoff to someone else"),
    "comment": Usage("comment <N> <text>", "comment 12 legal approved the claim", "add a comment"),
    "due": Usage("due <N> <date>", "due 12 next fri", "change the due date"),
    "edit": Usage("edit <N> [title|details|kind|release|area|reason] <new value>", "edit 12 title Pricing page tier table",
                  "correct a handoff (what was asked is the requester's; the reason given, the owner's); "
                  "`edit 12` shows the fields"),
    "link": Usage("link <N> needs #<M> [#<M> …]", "link 12 needs #14",
                  "say a handoff waits on others; its owner hears when they are done"),
    "unlink": Usage("unlink <N> #<M>", "unlink 12 #14", "it no longer waits on that one"),
    "undo": Usage("undo", "undo", "take back your own last edit or link, within 10 minutes"),
    "snooze": Usage("snooze <N> [1d|3d|1w|until <date>]", "snooze 12 3d", "quiet the reminders on a handoff you own"),
    "release": Usage(
        "release new <name> [<target date>] [tier 1|2|3] [#channel] | list | board | show <name> | plan <name> | "
        "tier <name> <1-3> | skip|unskip <name> <area>[: why] | brief <name> <what it does> | confirm <name> | "
        "export <name>|all | calendar [<name>] | note <name> <text> | decide <name> <text> | owner <name> @person | "
        "rename <name> <new name> | target <name> <date> | ship <name> | close <name> | slip accept|reject <name> [why]",
        "release new v2.3 2026-12-15 tier 1 #launch",
        "releases: a launch plan per tier, a statement both sides confirm, the knowledge thread, a board of them all, "
        "a launch brief and CSV to export, an .ics calendar of launch and gate dates",
    ),
    "plan": Usage(
        "plan <release> | plan template | plan template add <name> area <area> [kind <kind>] tier <1,2,3> "
        "<N> days before|after [needs <input>] | plan template remove <N|name> | plan template reset",
        'plan template add "Webinar" area launch tier 1 10 days before needs demo environment',
        "launch plans: what each tier gets, from which grey area's driver, and what the other side owes it",
    ),
    "owner": Usage(
        "owner set|add|inform|remove <area> @person [owes <input>] [for <release>] | claim <area> | "
        "who <area> | list | unowned | disputed | mine | new <area> <inbound|outbound|shared> [aka <a>, <b>]",
        "owner set competitive messaging @dana",
        "the grey-area ownership registry: driver, supporters, informed",
    ),
    "who": Usage("who owns <area>? [for <release>]", "who owns battlecards?", "who drives a grey area"),
    "person": Usage(
        "person [@person] [role pm|pmm|lead|other] [tz <Area/City>] | person list",
        "person @dana role pmm",
        "people, their roles and time zones",
    ),
    "search": Usage("search <words> [for <release>] [all]", "search zapier for v2.3",
                    "search the knowledge threads; a trailing “all” adds handoff lifecycle lines"),
    "digest": Usage(
        "digest here [HH:MM] [<release>] | off | preview | tz <Area/City> | all-clear on|off",
        "digest here 09:00 v2.3",
        "a daily digest in this channel on working days (its time zone is yours unless changed)",
    ),
    "gate": Usage(
        "gate <release> | gate approve|decline|waive <release> <gate name or number> [note] | gate watch|unwatch <release> | "
        "gate template [add|rename|move|remove|reset …]",
        "gate decline v2.3 \"Release Readiness\" pricing page not live yet",
        "launch gates: approvers decide, watchers are told; a declined or late gate puts the release at risk and proposes a new date",
    ),
    "dispute": Usage(
        "dispute <number> <why> | dispute <area> [for <release>]: <why> | disputes | dispute resolve <D> <outcome> [note]",
        "dispute competitive messaging for v2.3: battlecards are positioning work, PMM should drive",
        "either party flags a handoff or grey area as disputed; a lead or admin picks the outcome",
    ),
    "draft": Usage(
        "draft [for <release>] [audience: <who>;] [tone: <tone>;] [format: <format>;] <technical notes> | draft use|again|discard <N>",
        "draft for v2.3 audience: finance admins; Added SAML SSO with SCIM provisioning; p99 login 180ms",
        "a first draft of customer-facing messaging from technical notes (a brief when no model is set)",
    ),
    "nudges": Usage(
        "nudges | nudges set hours HH:MM-HH:MM | days mon-fri | limit <N> | escalate <N> | quiet <date>[,<date>]",
        "nudges set hours 09:30-17:30",
        "what the bot will nudge next and why; leads and admins change the workspace's settings",
    ),
    "load": Usage(
        "load [team|pm|pmm|lead|@person]",
        "load pmm",
        "workload: open in / out / total, overdue, areas driven, time to acknowledge; flags and who could take an item",
    ),
    "help": Usage("help [<command>]", "help owner", "this help"),
}

HELP_ORDER = (
    "new", "list", "show", "ack", "start", "done", "ask", "answer", "decline", "block", "cancel",
    "reopen", "reassign", "comment", "due", "edit", "link", "unlink", "undo", "snooze", "release", "owner", "who", "person", "search", "digest",
    "nudges", "draft", "gate", "plan", "load", "help",
)

