"""Settings from the environment and ``.env``, built once at the entry point.

Only this module reads the environment; ``index/`` receives an ``IndexConfig``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.config import IndexConfig, LLMConfig

MAX_DAYS = 36500
"""The longest duration accepted (100 years): ``timedelta`` and ``time.sleep`` overflow on
``99999999999d``, and no retention or refresh pace is longer."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # Core
    data_dir: Path = Field(Path("data"), alias="NEWSQA_DATA_DIR")
    embed_model: str = Field("sentence-transformers/all-MiniLM-L6-v2", alias="NEWSQA_EMBED_MODEL")
    top_k: int = Field(12, ge=1, le=50, alias="NEWSQA_TOP_K")
    log_level: str = Field("WARNING", alias="NEWSQA_LOG_LEVEL")
    seeds_dir: Path = Field(Path("seeds"), alias="NEWSQA_SEEDS_DIR")

    # URL ingest
    fetch_timeout_s: float = Field(60.0, gt=0, alias="NEWSQA_FETCH_TIMEOUT")
    allow_private_urls: bool = Field(False, alias="NEWSQA_ALLOW_PRIVATE_URLS")

    # Chroma server mode (unset host = embedded PersistentClient in the data dir)
    chroma_host: str | None = Field(None, alias="NEWSQA_CHROMA_HOST")
    chroma_port: int = Field(8000, alias="NEWSQA_CHROMA_PORT")
    chroma_ssl: bool = Field(False, alias="NEWSQA_CHROMA_SSL")
    chroma_auth_header: str = Field("Authorization", alias="NEWSQA_CHROMA_AUTH_HEADER")
    chroma_auth_token: SecretStr | None = Field(None, alias="NEWSQA_CHROMA_AUTH_TOKEN")
    chroma_timeout_s: float = Field(5.0, alias="NEWSQA_CHROMA_TIMEOUT")

    # Optional generative LLM
    llm: Literal["none", "openai", "ollama"] = Field("none", alias="NEWSQA_LLM")
    llm_base_url: str | None = Field(None, alias="NEWSQA_LLM_BASE_URL")
    llm_model: str | None = Field(None, alias="NEWSQA_LLM_MODEL")
    llm_api_key: SecretStr | None = Field(None, alias="NEWSQA_LLM_API_KEY")
    llm_timeout_s: float = Field(30.0, alias="NEWSQA_LLM_TIMEOUT")

    # Telegram
    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_base_url: str | None = Field(None, alias="TELEGRAM_BASE_URL")
    telegram_allowed_users: str = Field("", alias="TELEGRAM_ALLOWED_USERS")
    telegram_admins: str = Field("", alias="TELEGRAM_ADMINS")
    telegram_webhook_url: str | None = Field(None, alias="NEWSQA_TELEGRAM_WEBHOOK_URL")
    telegram_webhook_listen: str = Field("127.0.0.1", alias="NEWSQA_TELEGRAM_WEBHOOK_LISTEN")
    telegram_webhook_port: int = Field(8443, alias="NEWSQA_TELEGRAM_WEBHOOK_PORT")
    telegram_webhook_secret: SecretStr | None = Field(None, alias="NEWSQA_TELEGRAM_WEBHOOK_SECRET")
    telegram_rate_limit: int = Field(10, ge=0, alias="NEWSQA_TELEGRAM_RATE_LIMIT")
    telegram_max_upload_mb: float = Field(5.0, gt=0, alias="NEWSQA_TELEGRAM_MAX_UPLOAD_MB")
    telegram_chat_ttl: str = Field("7d", alias="NEWSQA_TELEGRAM_CHAT_TTL")

    # Feeds and retention
    feed_refresh: str = Field("30m", alias="NEWSQA_FEED_REFRESH")
    max_age_days: float | None = Field(None, ge=0, le=MAX_DAYS, alias="NEWSQA_MAX_AGE_DAYS")
    feed_max_entries: int = Field(100, ge=1, le=100_000, alias="NEWSQA_FEED_MAX_ENTRIES")
    follow_max: int = Field(10, ge=1, le=100, alias="NEWSQA_FOLLOW_MAX")

    @field_validator("feed_refresh")
    @classmethod
    def _check_refresh(cls, v: str) -> str:
        parse_duration(v, default_unit="m", what="NEWSQA_FEED_REFRESH")
        return v

    @field_validator("telegram_chat_ttl")
    @classmethod
    def _check_chat_ttl(cls, v: str) -> str:
        parse_duration(v, default_unit="d", what="NEWSQA_TELEGRAM_CHAT_TTL")
        return v

    @field_validator("max_age_days", mode="before")
    @classmethod
    def _off_is_none(cls, v: object) -> object:
        if isinstance(v, str) and not v.strip():
            return None
        return None if v in (0, "0", 0.0) else v

    @property
    def feed_refresh_s(self) -> float:
        """Seconds between the bot's feed refreshes; 0 = off."""
        return parse_duration(self.feed_refresh, default_unit="m", what="NEWSQA_FEED_REFRESH")

    @property
    def telegram_chat_ttl_s(self) -> float:
        """Seconds a Telegram chat may stay idle before its history is forgotten; 0 = never."""
        return parse_duration(self.telegram_chat_ttl, default_unit="d",
                              what="NEWSQA_TELEGRAM_CHAT_TTL")

    @field_validator("chroma_host", "llm_base_url", "llm_model", "telegram_base_url",
                     "telegram_webhook_url", mode="before")
    @classmethod
    def _empty_is_none(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    def index_config(self) -> IndexConfig:
        headers: dict[str, str] = {}
        if self.chroma_auth_token is not None:
            token = self.chroma_auth_token.get_secret_value()
            if self.chroma_auth_header.lower() == "authorization" and " " not in token:
                token = f"Bearer {token}"
            headers[self.chroma_auth_header] = token
        return IndexConfig(
            data_dir=self.data_dir,
            embed_model=self.embed_model,
            chroma_host=self.chroma_host,
            chroma_port=self.chroma_port,
            chroma_ssl=self.chroma_ssl,
            chroma_headers=headers,
            chroma_timeout_s=self.chroma_timeout_s,
            top_k=self.top_k,
            fetch_timeout_s=self.fetch_timeout_s,
            allow_private_urls=self.allow_private_urls,
            feed_max_entries=self.feed_max_entries,
            llm=LLMConfig(
                provider=self.llm,
                base_url=self.llm_base_url,
                model=self.llm_model,
                api_key=self.llm_api_key.get_secret_value() if self.llm_api_key else None,
                timeout_s=self.llm_timeout_s,
            ),
        )


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNIT_S = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}


def parse_duration(text: str, *, default_unit: str, what: str = "duration") -> float:
    """``"15m"`` → 900.0 seconds (units s, m, h, d, w; a bare number is ``default_unit``).

    Raises:
        ValueError: one line naming ``what`` and the expected form.
    """
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"{what}: {text!r} is not a duration (expected e.g. 30s, 15m, 2h, 30d)")
    unit = (match.group(2) or default_unit).lower()
    seconds = float(match.group(1)) * _UNIT_S[unit]
    if seconds > MAX_DAYS * 86400:  # dates and sleeps overflow long before float does
        raise ValueError(f"{what}: {text!r} is too long (at most {MAX_DAYS} days)")
    return seconds


def load_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]
