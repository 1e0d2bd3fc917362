"""`viva set-password`: an operator gives an account a new password (there is no e-mail to
send a reset link to). Every sign-in of the account ends; live interviews of it close at their
next sign-in check."""

from __future__ import annotations

import asyncio

from app.auth.accounts import AccountRepository, normalize_username
from app.auth.passwords import hash_password
from app.db.engine import open_sessionmaker
from app.settings import Settings


async def set_password(settings: Settings, username: str, password: str) -> bool:
    """False when there is no such account."""
    url = settings.sqlalchemy_url
    async with open_sessionmaker(url) as sessionmaker, sessionmaker.begin() as db:
        accounts = AccountRepository(db)
        user = await accounts.by_username(normalize_username(username))
        if user is None:
            return False
        user.password_hash = await asyncio.to_thread(hash_password, password)
        await accounts.end_sessions(user.id)
        return True
