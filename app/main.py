"""The FastAPI application factory. Models, engines and content are created in lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.auth.middleware import Authentication
from app.db.engine import make_engine, make_sessionmaker
from app.db.migrate import upgrade
from app.live.claims import make_claims
from app.live.session import let_go_for
from app.live.storage import save_or_dump_held
from app.live.unsaved import import_unsaved
from app.retention import purge_audio_periodically
from app.routers import (
    account,
    auth,
    catalog,
    health,
    interviews,
    live,
    pages,
    plans,
    review,
    scoring,
    transcriptions,
)
from app.runtime import load_content, load_speech
from app.security import RequestGuard, SecurityHeaders
from app.settings import Settings, get_settings

log = logging.getLogger("viva")
STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"


def create_app(settings: Settings | None = None, *, speech: object | None = None) -> FastAPI:
    """`speech` lets a test process share one set of loaded models between app instances."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        url = settings.sqlalchemy_url
        await asyncio.to_thread(upgrade, url)
        engine = make_engine(url)
        app.state.settings = settings
        app.state.sessionmaker = make_sessionmaker(engine)
        # Before any candidate can resume: their interview's position may be in these files.
        await import_unsaved(app.state.sessionmaker, settings.data_dir / "unsaved")
        app.state.content = await asyncio.to_thread(load_content, settings)
        owns_speech = speech is None
        app.state.speech = speech or await asyncio.to_thread(load_speech, settings)
        app.state.claims = make_claims(settings.redis_url, settings.redis_prefix)
        takeovers = asyncio.create_task(app.state.claims.listen(partial(let_go_for, app)))
        purge = None
        if settings.audio_retention_days:
            purge = asyncio.create_task(
                purge_audio_periodically(app.state.sessionmaker, settings.audio_retention_days)
            )
        log.info("Viva ready on http://%s:%s", settings.host, settings.port)
        try:
            yield
        finally:
            if purge is not None:
                purge.cancel()
            await save_or_dump_held(app, settings.data_dir / "unsaved")
            takeovers.cancel()
            await app.state.claims.close()
            if owns_speech:
                app.state.speech.close()
            await engine.dispose()

    app = FastAPI(title="Viva", version="0.1.0", lifespan=lifespan)
    # The last added runs first: headers on every answer, then host/origin/size, then who.
    app.add_middleware(Authentication, settings=settings)
    app.add_middleware(RequestGuard, settings=settings)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        health,
        catalog,
        interviews,
        live,
        plans,
        review,
        scoring,
        transcriptions,
        auth,
        account,
        pages,
    ):
        app.include_router(module.router)
    return app
