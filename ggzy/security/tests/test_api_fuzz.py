"""Schemathesis against /api/v1/openapi.json, in-process through the WSGI app (issue 9 §5): no
generated request — valid or not — may produce a server error. The default run is short; the
nightly ``-m fuzz`` run generates many more cases per operation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

QUICK = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
# The nightly run: GGZY_FUZZ_EXAMPLES cases per operation (default 300).
LONG = settings(
    max_examples=int(os.environ.get("GGZY_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Iterator[None]:
    """The raw WSGI handler closes the database connection at the end of each request; the test's
    transaction lives on that connection (PostgreSQL). Django's own test client disconnects the
    same signal handlers for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_schema_lists_the_api() -> None:
    paths = {op.path for op in schema.get_all_operations() if hasattr(op, "path")} or set(
        schema.raw_schema["paths"]
    )
    assert len(schema.raw_schema["paths"]) >= 20, paths


@pytest.mark.django_db
@schema.parametrize()
@QUICK
def test_api_has_no_server_errors(case: Any) -> None:
    case.call_and_validate(checks=[not_a_server_error])


@pytest.mark.fuzz
@pytest.mark.django_db
@schema.parametrize()
@LONG
def test_fuzz_long_api(case: Any) -> None:
    case.call_and_validate(checks=[not_a_server_error])
