"""Files in Teams (an export's brief and CSV): the file consent flow, and why it runs in 1:1 chats.

Teams lets a bot send a file only in a personal (1:1) chat, and only with the person's consent.
The bot sends a FileConsentCard (the file's name and size, and a context Teams hands back). The
person allows it, and Teams sends a ``fileConsent/invoke`` whose ``uploadInfo`` holds a OneDrive
upload URL. The bot PUTs the bytes there, then posts a FileInfoCard that opens the file. If the
person declines, the bot says the file was not sent.

Channels and group chats have no file consent. There the export's reply card answers in the
conversation: the summary, the gates and the latest decisions, without what was said privately
when more people can see it. The consent cards go to the requester's 1:1 chat with the bot,
which is created when there is none yet, as the outbox's DMs are. The files then always arrive in
one place, whatever the conversation. If that chat cannot be opened (the app is not installed for
the person), the card says how to get the files.

The bytes are not kept between the offer and the consent. The context names the release, the
file, and whether private content was left out. Accepting exports again from the database, so
any web process can answer the invoke, and the file is current. The upload runs after the
invoke has been answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from botbuilder.core import MessageFactory
from botbuilder.schema import Activity, Attachment
from botbuilder.schema.teams import FileConsentCard, FileInfoCard, FileUploadInfo

from bot.reply import OutFile

CONSENT = "application/vnd.microsoft.teams.card.file.consent"
INFO = "application/vnd.microsoft.teams.card.file.info"
UPLOAD_SECONDS = 30.0


class UploadFailed(Exception):
    """The upload URL did not take the bytes."""


@dataclass(frozen=True)
class Offer:
    """What a consent card offers, as its accept/decline context carries it."""

    release: str
    file: str
    public: bool  # private content was left out, and must stay out when the file is made again

    def context(self) -> dict[str, Any]:
        return {"handoff_export": self.release, "file": self.file, "public": self.public}

    @classmethod
    def read(cls, context: Any) -> Offer | None:
        if not isinstance(context, dict):
            return None
        release, file = context.get("handoff_export"), context.get("file")
        if not isinstance(release, str) or not isinstance(file, str) or not release or not file:
            return None
        return cls(release, file, context.get("public") is not False)  # unsure: the safe side


def consent_card(file: OutFile, offer: Offer) -> Activity:
    card = FileConsentCard(description=f"{file.title} ({len(file.content):,} bytes)", size_in_bytes=len(file.content),
                           accept_context=offer.context(), decline_context=offer.context())
    return MessageFactory.attachment(Attachment(content_type=CONSENT, name=file.name, content=card.serialize()))


def info_card(info: FileUploadInfo) -> Activity:
    card = FileInfoCard(unique_id=info.unique_id, file_type=info.file_type)
    return MessageFactory.attachment(Attachment(content_type=INFO, name=info.name, content_url=info.content_url,
                                                content=card.serialize()))


async def upload(url: str, content: bytes) -> None:
    """PUT the whole file to the upload session Teams opened (one range: it is small)."""
    headers = {"Content-Range": f"bytes 0-{len(content) - 1}/{len(content)}"}
    try:
        async with (aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=UPLOAD_SECONDS)) as session,
                    session.put(url, data=content, headers=headers) as response):
            if response.status not in (200, 201):
                raise UploadFailed(f"HTTP {response.status}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise UploadFailed(type(exc).__name__) from None
