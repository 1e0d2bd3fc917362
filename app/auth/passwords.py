"""Argon2id password hashes (argon2-cffi, RFC 9106 low-memory profile). Blocking: call
these in a thread."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024  # hashing cost grows with length; nobody types more

_hasher = PasswordHasher()


@cache
def _unknown_account_hash() -> str:
    # Verified when the account name is unknown, so that answering takes as long either way.
    return _hasher.hash("no account has this password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _unknown_account_hash(), password) and bool(
            stored_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"Use at least {MIN_PASSWORD_CHARS} characters for your password."
    if len(password) > MAX_PASSWORD_CHARS:
        return f"Passwords are limited to {MAX_PASSWORD_CHARS} characters."
    return None
