"""Accounts mode: users, sessions, password hashing, CSRF, rate limits, idempotent requests."""
