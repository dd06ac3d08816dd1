"""Files in Teams (an export's brief and CSV, every release's CSV, the release calendar): the file
consent flow, and why it runs in 1:1 chats.

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
file, whether private content was left out, and (unless it is one release's export) which
command made the file. Accepting runs that command again from the database, so any web process
can answer the invoke, and the file is current. The upload runs after the invoke has been answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from botbuilder.core import MessageFactory
from botbuilder.schema import Activity, Attachment
from botbuilder.schema.teams import FileConsentCard, FileInfoCard, FileUploadInfo

from bot import commands as c
from bot.context import Caller
from bot.gates.decisions import quoted
from bot.releases.export import shared_publicly
from bot.reply import OutFile

CONSENT = "application/vnd.microsoft.teams.card.file.consent"
INFO = "application/vnd.microsoft.teams.card.file.info"
UPLOAD_SECONDS = 30.0


class UploadFailed(Exception):
    """The upload URL did not take the bytes."""


FileCommand = c.ExportRelease | c.ExportAllReleases | c.ReleaseCalendar
FILE_COMMANDS = (c.ExportRelease, c.ExportAllReleases, c.ReleaseCalendar)
KINDS = ("export", "export-all", "calendar")  # which command made the file


@dataclass(frozen=True)
class Offer:
    """What a consent card offers, as its accept/decline context carries it."""

    release: str  # "" for every open release
    file: str
    public: bool  # private content was left out, and must stay out when the file is made again
    kind: str = "export"

    def context(self) -> dict[str, Any]:
        context: dict[str, Any] = {"handoff_export": self.release, "file": self.file, "public": self.public}
        return context if self.kind == "export" else {**context, "kind": self.kind}

    @classmethod
    def read(cls, context: Any) -> Offer | None:
        if not isinstance(context, dict):
            return None
        release, file, kind = context.get("handoff_export"), context.get("file"), context.get("kind", "export")
        if not isinstance(release, str) or not isinstance(file, str) or not file or kind not in KINDS:
            return None
        if kind == "export" and not release:
            return None
        return cls(release, file, context.get("public") is not False, kind)  # unsure: the safe side

    @classmethod
    def of(cls, command: FileCommand, caller: Caller, file: OutFile) -> Offer:
        if isinstance(command, c.ReleaseCalendar):
            return cls(command.name or "", file.name, True, "calendar")  # names and dates only
        public = shared_publicly(command, caller)
        if isinstance(command, c.ExportAllReleases):
            return cls("", file.name, public, "export-all")
        return cls(command.name, file.name, public)

    def command(self) -> FileCommand:
        """The command that makes the file again."""
        if self.kind == "calendar":
            return c.ReleaseCalendar(self.release or None)
        if self.kind == "export-all":
            return c.ExportAllReleases(public=self.public)
        return c.ExportRelease(self.release, public=self.public)

    @property
    def again(self) -> str:
        """What to type for the file again."""
        name = f" {quoted(self.release)}" if self.release else ""
        return {"calendar": f"release calendar{name}", "export-all": "release export all"}.get(
            self.kind, f"release export{name}")


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
