"""Idempotency-Key: a retried request gets the first answer back, and nothing is made twice.

The key's record is inserted first, in the same transaction as what the request creates,
and committed with it. A racing retry's insert waits on the unique constraint (a row lock
in PostgreSQL, the write lock in SQLite) until that commit, fails, and replays the stored
answer. A request that fails stores nothing, so its retry runs again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from fastapi import HTTPException, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.accounts import owner_key
from app.db.auth_models import IdempotencyRecord
from app.db.models import utcnow

KEY_LIFETIME = timedelta(hours=24)
REPLAYED_HEADER = "Idempotent-Replayed"


def request_fingerprint(body: Any) -> str:
    canonical = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def run_once(
    db: AsyncSession,
    *,
    owner_id: str | None,
    endpoint: str,
    key: str | None,
    request: Any,
    run: Callable[[], Awaitable[tuple[int, Any]]],
) -> Any:
    """Runs `run` (→ status code, JSON body) once per (owner, endpoint, key) and commits;
    a retry with the same key must carry the same `request` body.

    Without a key it just runs, and the body goes back through the route's response model
    and status code.
    """
    if key is None:
        return (await run())[1]
    fingerprint = request_fingerprint(request)
    owner = owner_key(owner_id)
    found = await _find(db, owner, endpoint, key)
    if found is not None:
        return _replay(found, fingerprint)
    await db.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - KEY_LIFETIME)
    )
    record = IdempotencyRecord(
        owner_key=owner,
        endpoint=endpoint,
        key=key,
        request_hash=fingerprint,
        status_code=0,
        response={},
    )
    db.add(record)
    try:
        await db.flush()
    except IntegrityError:
        await db.rollback()
        found = await _find(db, owner, endpoint, key)
        if found is None:  # the first one's transaction failed after all: it is gone
            raise HTTPException(
                status.HTTP_409_CONFLICT, "The first request with this key failed; retry."
            ) from None
        return _replay(found, fingerprint)
    status_code, body = await run()
    record.status_code = status_code
    record.response = jsonable_encoder(body)
    await db.commit()
    return JSONResponse(record.response, status_code=status_code)


async def _find(db: AsyncSession, owner: str, endpoint: str, key: str) -> IdempotencyRecord | None:
    stmt = select(IdempotencyRecord).where(
        IdempotencyRecord.owner_key == owner,
        IdempotencyRecord.endpoint == endpoint,
        IdempotencyRecord.key == key,
        IdempotencyRecord.created_at >= utcnow() - KEY_LIFETIME,
    )
    return (await db.execute(stmt)).scalar_one_or_none()


def _replay(record: IdempotencyRecord, fingerprint: str) -> JSONResponse:
    if record.request_hash != fingerprint:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "This Idempotency-Key was already used for a different request; "
            "use a new key for a new request.",
        )
    return JSONResponse(
        record.response, status_code=record.status_code, headers={REPLAYED_HEADER: "true"}
    )
