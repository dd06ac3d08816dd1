"""Runtime settings, read from the environment (and a ``.env`` file) in one place."""

from __future__ import annotations

import base64
import binascii

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.dates import check_timezone
from bot.errors import InvalidInput

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite:///handoff.db"
    slack_signing_secret: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_state_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    handoff_secret_key: SecretStr | None = None  # Fernet key that encrypts stored OAuth tokens
    slack_api_url: str = "https://slack.com/api/"
    microsoft_app_id: str | None = None
    microsoft_app_password: SecretStr | None = None
    microsoft_app_tenant_id: str | None = None
    microsoft_app_type: str = "MultiTenant"
    # Where Bot Framework's signing keys are published; tests and sovereign clouds change it.
    microsoft_openid_metadata_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    handoff_draft_model: str | None = None
    handoff_draft_daily_tokens: int = Field(default=200_000, ge=0)  # per workspace; then the brief
    handoff_timezone: str = "UTC"
    # Admins on every surface, as platform user ids or emails, comma-separated. Slack's workspace
    # owners and admins are admins without it; Teams has no such flag, so this is how Teams gets them.
    handoff_admins: str = ""
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=0, le=65535)
    handoff_scheduler: str = "on"
    # Scheduled passes, in seconds; the defaults suit production, tests shorten them.
    handoff_nudge_interval: float = Field(default=300.0, gt=0)
    handoff_digest_interval: float = Field(default=60.0, gt=0)
    handoff_outbox_interval: float = Field(default=30.0, gt=0)
    handoff_outbox_lease: float = Field(default=60.0, gt=0)  # a crashed worker's sends come back after this
    # Requests answered but not yet handled (Slack commands, Teams messages) come back after this,
    # when the process handling them died; longer than any command takes.
    handoff_inbox_lease: float = Field(default=120.0, gt=0)
    handoff_log_format: str = "text"  # `json` for a log pipeline (the Procfile's web and worker), `text` for a terminal
    # On SIGTERM: how long requests in flight, and a scheduled pass under way, get to finish.
    handoff_shutdown_timeout: float = Field(default=10.0, ge=0)

    @field_validator("handoff_scheduler")
    @classmethod
    def _on_off(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("on", "off"):
            raise ValueError("HANDOFF_SCHEDULER is `on` or `off`.")
        return value

    @field_validator("handoff_log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("json", "text"):
            raise ValueError("HANDOFF_LOG_FORMAT is `json` or `text`.")
        return value

    @property
    def admins(self) -> list[str]:
        return [a.strip() for a in self.handoff_admins.split(",") if a.strip()]

    @property
    def scheduler_enabled(self) -> bool:
        return self.handoff_scheduler == "on"

    @field_validator("handoff_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            return check_timezone(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token or self.slack_client_id or self.slack_signing_secret)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.microsoft_app_id or self.microsoft_app_password)

    @property
    def emulator_mode(self) -> bool:
        """No platform credentials at all: ``serve`` answers the Bot Framework Emulator, unauthenticated."""
        return not (self.slack_enabled or self.teams_enabled)

    def serve_problem(self) -> str | None:
        """Why ``serve`` must not start: unauthenticated emulator mode is for loopback only."""
        if self.emulator_mode and self.host not in LOOPBACK:
            return (f"Refusing to serve on {self.host} without Slack or Teams credentials: with none, /api/messages "
                    "is unauthenticated (Bot Framework Emulator mode), so it listens on loopback only "
                    "(HOST=127.0.0.1).")
        return None

    def problems(self) -> list[str]:
        """Configuration that must not start: a platform without the secret that protects it."""
        found = []
        if self.slack_enabled:
            if not self.slack_signing_secret:
                found.append("SLACK_SIGNING_SECRET is required when Slack is configured.")
            if not (self.slack_bot_token or self.slack_client_id):
                found.append("Set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth).")
            if self.slack_client_id and not self.slack_client_secret:
                found.append("SLACK_CLIENT_SECRET is required with SLACK_CLIENT_ID.")
            if self.slack_client_id and not _fernet_key(self.handoff_secret_key):
                found.append(
                    "HANDOFF_SECRET_KEY (a Fernet key: python -c 'from cryptography.fernet import Fernet;"
                    " print(Fernet.generate_key().decode())') is required to store OAuth tokens encrypted."
                )
        if self.microsoft_app_id and not self.microsoft_app_password and self.microsoft_app_type != "UserAssignedMSI":
            found.append("MICROSOFT_APP_PASSWORD is required with MICROSOFT_APP_ID.")
        if self.microsoft_app_password and not self.microsoft_app_id:
            found.append("MICROSOFT_APP_ID is required with MICROSOFT_APP_PASSWORD.")
        return found


def _fernet_key(key: SecretStr | None) -> bool:
    if key is None:
        return False
    try:
        return len(base64.urlsafe_b64decode(key.get_secret_value().encode())) == 32
    except (ValueError, binascii.Error):
        return False
