"""Schemathesis against the OpenAPI document: generated requests, valid and invalid, to every
operation, in local mode and signed in to accounts mode. No answer may be a server error."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.app import auth_support
from tests.app.auth_support import PASSWORD, new_name

accounts_database_url = auth_support.accounts_database_url
accounts_server = auth_support.accounts_server

pytestmark = pytest.mark.slow
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same requests on every run: a failure can be replayed
    database=None,
)


def server_errors(schema: Any, headers: dict[str, str]) -> list[str]:
    """Every operation, valid and invalid requests; returns what failed (empty: nothing)."""
    failures, statuses = [], []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @EXAMPLES
            def no_server_error(case: Any) -> None:
                response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
                statuses.append(response.status_code)

            try:
                no_server_error()
            except Unsatisfiable:  # nothing invalid to send: no body, no constrained parameter
                continue
            except Exception as failure:  # collected, so one run reports every operation
                failures.append(f"{operation.label} ({mode.value}): {failure}"[:2000])
    # Enough requests were made, and both kinds reached the endpoints.
    assert len(statuses) >= 25 * len(operations)
    assert any(s < 300 for s in statuses) and any(400 <= s < 500 for s in statuses)
    return failures


def test_local_mode_answers_no_request_with_a_server_error(server):
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    # Deleting all local data would pull it from under the other tests sharing this server;
    # both operations are fuzzed in accounts mode, where they reach one user's data only.
    schema = schema.exclude(path="/api/v1/account", method="DELETE")
    schema = schema.exclude(path="/api/v1/account/recordings", method="DELETE")
    failures = server_errors(schema, {})
    assert not failures, "\n\n".join(failures)


def test_accounts_mode_answers_no_request_with_a_server_error(accounts_server):
    body = {"username": new_name("schemathesis"), "password": PASSWORD}
    with httpx.Client(base_url=accounts_server.url) as http:
        made = http.post("/api/v1/auth/register", json=body)
        assert made.status_code == 201
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    headers = {"Cookie": cookie, "X-CSRF-Token": made.json()["csrf_token"]}
    schema = schemathesis.openapi.from_url(f"{accounts_server.url}/openapi.json")
    # Signing out would end the session that the other operations are tested with.
    failures = server_errors(schema.exclude(path="/api/v1/auth/logout"), headers)
    assert not failures, "\n\n".join(failures)
    with httpx.Client(base_url=accounts_server.url, headers=headers) as http:
        assert http.get("/api/v1/account").status_code == 200  # still signed in, still serving
