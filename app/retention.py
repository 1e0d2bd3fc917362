"""Audio retention: recordings older than N days are deleted; transcripts and scores stay.

The lifespan runs `purge_audio_periodically` when `VIVA_AUDIO_RETENTION_DAYS` is set."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.repositories import TurnRepository

log = logging.getLogger("viva.retention")
PURGE_EVERY_S = 3600.0


async def purge_expired_audio(
    sessionmaker: async_sessionmaker[AsyncSession], days: int, now: datetime | None = None
) -> int:
    """Delete answer recordings stored more than `days` days before `now`; returns how many."""
    if days < 1:
        raise ValueError(f"retention must be at least 1 day, got {days}")
    # SQLite keeps timestamps without a zone, written in UTC: the cutoff must be UTC too.
    now = (now or datetime.now(UTC)).astimezone(UTC)
    async with sessionmaker.begin() as db:
        deleted = await TurnRepository(db).delete_audio_created_before(now - timedelta(days=days))
    if deleted:
        log.info("deleted %d recording(s) older than %d days", deleted, days)
    return deleted


async def purge_audio_periodically(
    sessionmaker: async_sessionmaker[AsyncSession], days: int, every_s: float = PURGE_EVERY_S
) -> None:
    """Purge at once, then every `every_s` seconds until cancelled; a failed run is retried."""
    while True:
        try:
            await purge_expired_audio(sessionmaker, days)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("purging expired recordings failed; retrying in %.0f s", every_s)
        await asyncio.sleep(every_s)
