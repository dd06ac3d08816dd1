"""RELIABILITY 18: Slack tokens are sealed at rest and come back whole."""

from __future__ import annotations

import uuid

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.slack_installations import SEALED, EncryptedInstallationStore


async def test_tokens_are_encrypted_in_the_database_and_decrypted_on_read(engine: AsyncEngine) -> None:
    team = "T" + uuid.uuid4().hex[:8]
    store = EncryptedInstallationStore("client-1", engine, Fernet.generate_key().decode())
    await store.async_save(Installation(
        app_id="A1", team_id=team, user_id="U1", bot_token="xoxb-secret-bot", bot_id="B1", bot_user_id="UBOT",
        bot_refresh_token="xoxe-refresh", user_token="xoxp-secret-user",
    ))
    bot = await store.async_find_bot(enterprise_id=None, team_id=team)
    assert bot is not None and bot.bot_token == "xoxb-secret-bot" and bot.bot_refresh_token == "xoxe-refresh"
    installation = await store.async_find_installation(enterprise_id=None, team_id=team)
    assert installation is not None and installation.user_token == "xoxp-secret-user"
    async with engine.connect() as conn:
        rows = [str(r) for table in ("slack_installations", "slack_bots")
                for r in await conn.execute(text(f"SELECT * FROM {table} WHERE team_id = :t"), {"t": team})]
    assert rows and not any(secret in row for row in rows for secret in ("xoxb-secret", "xoxp-secret", "xoxe-refresh"))
    assert all(SEALED in row for row in rows)


async def test_a_wrong_key_fails_loudly_instead_of_returning_garbage(engine: AsyncEngine) -> None:
    team = "T" + uuid.uuid4().hex[:8]
    await EncryptedInstallationStore("client-1", engine, Fernet.generate_key().decode()).async_save(
        Installation(app_id="A1", team_id=team, user_id="U1", bot_token="xoxb-1", bot_id="B1", bot_user_id="UBOT"))
    with pytest.raises(RuntimeError, match="HANDOFF_SECRET_KEY"):
        await EncryptedInstallationStore("client-1", engine, Fernet.generate_key().decode()).async_find_bot(
            enterprise_id=None, team_id=team)
