"""Schemathesis against the explorer's own OpenAPI schema, in process: whatever a client sends to any
operation, pages and API alike, the answer is never a server error and never shows a Python traceback."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from .conftest import Explored

MAX_EXAMPLES = 30
DEADLINE_MS = 2_000


@pytest.fixture
def explorer_schema(explored: Explored) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", explored.app)


schema = schemathesis.pytest.from_fixture("explorer_schema")

# Uploads to the document store are raw blocks: bytes, sent as they are, as for application/octet-stream.
schemathesis.serializer.alias("application/vnd.ipld.raw", "application/octet-stream")


def no_traceback(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """No body may carry a traceback (a 500 is logged on the server, and says only that something failed)."""
    if b"Traceback (most recent call last)" in response.content:
        raise AssertionError(f"{case.operation.label} answered with a traceback")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=DEADLINE_MS,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_operation_fails_on_any_input(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error, no_traceback])
