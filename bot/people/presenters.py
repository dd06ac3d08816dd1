"""People as replies: a person's card and the workspace's people."""

from __future__ import annotations

from bot.domain import (
    Person,
)
from bot.reply import Reply, ReplyBuilder, Strong, Tone


def person_card(person: Person, default_timezone: str, headline: str | None = None) -> Reply:
    out = ReplyBuilder(title=person.display_name, tone=Tone.SUCCESS if headline else Tone.INFO)
    if headline:
        out.para(headline)
    out.fields(
        ("Role", person.role.value if person.role else "not set"),
        ("Time zone", person.timezone or f"{default_timezone} (workspace default)"),
        *((("Admin", "yes"),) if person.is_admin else ()),
    )
    return out.build()


def people_list(people: list[Person]) -> Reply:
    out = ReplyBuilder(title=f"People ({len(people)})")
    out.bullets([(Strong(p.display_name), f" — {p.role.value if p.role else 'role not set'}") for p in people])
    return out.build()
