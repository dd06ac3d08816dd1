"""Slack OAuth installations with tokens encrypted at rest.

slack_sdk's SQLAlchemy store writes bot, user and refresh tokens in plain text. This subclass
seals each token with Fernet (a key from ``HANDOFF_SECRET_KEY``) before it is written and opens
it when read, so a leaked database or backup holds no usable token.
"""

from __future__ import annotations

import copy
from typing import TypeVar

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.slack_tables import BOTS, INSTALLATIONS

SEALED = "enc1:"
_TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
T = TypeVar("T", Bot, Installation)


class EncryptedInstallationStore(AsyncSQLAlchemyInstallationStore):
    def __init__(self, client_id: str, engine: AsyncEngine, key: str) -> None:
        super().__init__(client_id=client_id, engine=engine, bots_table_name=BOTS, installations_table_name=INSTALLATIONS)
        self._fernet = Fernet(key.encode())

    async def async_save(self, installation: Installation) -> None:
        await super().async_save(self._sealed(installation))

    async def async_save_bot(self, bot: Bot) -> None:
        # The parent's async_save calls this with an already sealed copy; sealing is idempotent.
        await super().async_save_bot(self._sealed(bot))

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False) -> Bot | None:
        bot = await super().async_find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install)
        return self._opened(bot) if bot else None

    async def async_find_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = await super().async_find_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, is_enterprise_install=is_enterprise_install
        )
        return self._opened(found) if found else None

    def _sealed(self, item: T) -> T:
        item = copy.copy(item)
        for name in _TOKEN_FIELDS:
            value = getattr(item, name, None)
            if value and not value.startswith(SEALED):
                setattr(item, name, SEALED + self._fernet.encrypt(value.encode()).decode())
        return item

    def _opened(self, item: T) -> T:
        item = copy.copy(item)
        for name in _TOKEN_FIELDS:
            value = getattr(item, name, None)
            if value and value.startswith(SEALED):
                try:
                    setattr(item, name, self._fernet.decrypt(value[len(SEALED):].encode()).decode())
                except InvalidToken:
                    raise RuntimeError("HANDOFF_SECRET_KEY does not open the stored Slack tokens") from None
        return item
