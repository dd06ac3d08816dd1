"""What a Teams activity says about the person who sent it, beyond their id and name.

Teams clients send ``localTimezone`` (an IANA name such as ``Europe/Berlin``) with a message. It
becomes the person's time zone until they set one (``person me tz …``; storage keeps the choice);
anything that is not a zone this machine knows is ignored, never stored.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from botbuilder.schema import Activity


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def platform_timezone(activity: Activity) -> str | None:
    """The sender's IANA time zone as their Teams client reports it, or ``None``."""
    name = getattr(activity, "local_timezone", None)
    return name if isinstance(name, str) and name in _zones() else None
