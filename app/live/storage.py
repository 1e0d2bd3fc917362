"""The writes of one live interview, applied in order and held in memory while the database
is unreachable, so an outage in the middle of an interview loses nothing.

The interview goes on during an outage (the machine's state is in memory); the candidate is
told their answers are kept, and told again once they are saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.live.writes import InterviewGone, Record, apply_write
from app.metrics import HELD_WRITES

log = logging.getLogger("viva.live")

Apply = Callable[[AsyncSession, Record], Awaitable[None]]
Notify = Callable[[str, int], Awaitable[None]]  # ("delayed" | "saved", writes held)

RETRY_DELAYS_S = (0.5, 1.0, 2.0, 4.0)  # then every RETRY_DELAYS_S[-1] until the database answers
# An unreachable host can hang a connect for a minute; the interview must not wait that long.
WRITE_TIMEOUT_S = 10.0
UNSAVED_FORMAT = 1


def is_outage(error: BaseException) -> bool:
    """A lost or refused connection, as opposed to a bug (a constraint violated, bad SQL)."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, (OSError, TimeoutError)):
        return True
    # asyncpg's own errors can escape SQLAlchemy's wrapping while a pooled connection is checked.
    module = type(error).__module__
    return module.startswith("asyncpg") and "Connection" in type(error).__name__


def held_stores(app: Any) -> dict[str, InterviewStore]:
    """Stores whose candidate left during an outage, still retrying; one registry per app."""
    stores: dict[str, InterviewStore] | None = getattr(app.state, "held_stores", None)
    if stores is None:
        stores = app.state.held_stores = {}
    return stores


async def save_or_dump_held(app: Any, folder: Path, timeout: float = 5.0) -> None:
    """At shutdown: a last try to write what is held, else a JSON file per interview."""
    for store in list(held_stores(app).values()):
        store.cancel()
        if not await store.flush(timeout):
            path = store.dump(folder)
            log.error("database unreachable at shutdown: held answers written to %s", path)


def retry_delay(attempt: int) -> float:
    return RETRY_DELAYS_S[min(attempt, len(RETRY_DELAYS_S) - 1)]


class InterviewStore:
    """Ordered writes for one interview. `write` never raises for an outage: it holds."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker,
        interview_id: str,
        notify: Notify | None = None,
        apply: Apply = apply_write,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.interview_id = interview_id
        self.notify = notify
        self.apply = apply
        self.held: list[Record] = []
        self.dropped = 0  # writes that failed for a bug, logged and dropped
        self._lock = asyncio.Lock()
        self._retrying: asyncio.Task[None] | None = None
        self._then: Callable[[], None] | None = None  # see keep_trying

    @property
    def holding(self) -> bool:
        return bool(self.held)

    def hold(self, records: list[Record]) -> None:
        """Writes to apply at the next flush (an unsaved file's, being imported)."""
        for record in records:
            self._hold(record)

    async def write(self, record: Record) -> None:
        """Apply now, or after the writes already held (in order) once the database is back.

        Shielded: a session ending (its tasks cancelled) never cuts a write in half, which
        would leave it unknown whether it landed."""
        await asyncio.shield(self._write(record))

    async def _write(self, record: Record) -> None:
        async with self._lock:
            self._hold(record)
            if self._retrying is not None:  # an outage is on: the retry loop flushes
                return
            if await self._flush_locked():
                return
            self._retrying = asyncio.create_task(self._retry())
        await self._tell("delayed")

    async def flush(self, timeout: float) -> bool:
        """Try to write what is held within `timeout`; True when nothing is held any more."""
        try:
            async with asyncio.timeout(timeout), self._lock:
                return await self._flush_locked()
        except TimeoutError:
            return not self.held

    async def wait_saved(self, timeout: float) -> bool:
        """Wait for the held writes to land (a write in flight included); True when they did."""
        if self._retrying is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._retrying), timeout)
        return await self.flush(timeout=min(timeout, WRITE_TIMEOUT_S))

    def keep_trying(self, then: Callable[[], None] | None = None) -> None:
        """The candidate left with writes held: retry in the background until they land,
        then call `then` (the session takes the store off the app's registry)."""
        self._then = then
        if self.held and self._retrying is None:
            self._retrying = asyncio.create_task(self._retry())

    def dump(self, folder: Path) -> Path | None:
        """Last resort when the process stops during an outage: the held writes as JSON, a
        recording's bytes beside it, for `import_unsaved` to apply later."""
        if not self.held:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = folder / f"{self.interview_id}-{stamp}.json"
        records = []
        for record in self.held:
            if isinstance(data := record.get("data"), bytes):
                sidecar = path.with_suffix(f".{record['turn_id']}.audio")
                sidecar.write_bytes(data)
                record = {**record, "data": None, "data_file": sidecar.name}
            records.append(record)
        document = {"format": UNSAVED_FORMAT, "interview_id": self.interview_id, "writes": records}
        path.write_text(json.dumps(document, indent=1))
        return path

    def cancel(self) -> None:
        if self._retrying is not None:
            self._retrying.cancel()

    async def _flush_locked(self) -> bool:
        while self.held:
            head = self.held[0]
            try:
                async with asyncio.timeout(WRITE_TIMEOUT_S), self.sessionmaker.begin() as db:
                    await self.apply(db, head)
            except InterviewGone:
                log.info("interview %s was deleted: its write is dropped", self.interview_id)
                self.dropped += 1
                self._drop_head()
                continue
            except Exception as error:
                if not is_outage(error):
                    # Retrying a bug would block every later write; it is logged and dropped.
                    log.error("write of interview %s failed", self.interview_id, exc_info=error)
                    self.dropped += 1
                    self._drop_head()
                    continue
                log.warning(
                    "database unreachable, %d write(s) of interview %s held: %s",
                    len(self.held),
                    self.interview_id,
                    error.__class__.__name__,
                    extra={"interview_id": self.interview_id, "held": len(self.held)},
                )
                return False
            self._drop_head()
        return True

    async def _retry(self) -> None:
        attempt = 0
        try:
            while True:
                await asyncio.sleep(retry_delay(attempt))
                attempt += 1
                async with self._lock:
                    if await self._flush_locked():
                        # Under the lock: a write arriving now flushes itself.
                        self._retrying = None
                        break
        except asyncio.CancelledError:
            self._retrying = None
            raise
        log.info("held writes of interview %s saved", self.interview_id)
        if self._then is not None:
            self._then()
        await self._tell("saved")

    def _hold(self, record: Record) -> None:
        self.held.append(record)
        HELD_WRITES.inc()

    def _drop_head(self) -> None:
        self.held.pop(0)
        HELD_WRITES.dec()

    async def _tell(self, what: str) -> None:
        if self.notify is not None:
            try:
                await self.notify(what, len(self.held))
            except Exception:  # the candidate may be gone; the writes still go on
                log.debug("could not tell the candidate about storage", exc_info=True)
