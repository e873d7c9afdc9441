"""The OpenAPI document is the server's exact contract: a Schemathesis run, with its default
checks over every route, reports nothing.

`schemathesis run` reads `/openapi.json` of a real server on 127.0.0.1 and sends every route
its documented examples and random valid and invalid bodies. It then checks each
response: no 5xx, a documented status, content type and headers, a body matching its schema,
valid data accepted and invalid data refused. The app runs the offline answerer over the
session's store with the rate limit off (a 429 would hide the rest). The run is bounded in
examples per route and seeded, so it sends the same requests each time.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from advisor import CareerAdvisor, Store, make_answerer
from tests.servers import api_in_thread

pytestmark = pytest.mark.slow

EXAMPLES = 10
"""Random cases per route and mode (valid, invalid) in the fuzzing phase."""
PHASES = "examples,fuzzing,stateful"
"""Every phase but `coverage`, whose boundary cases grow with the filter grammar without
bound (thousands of requests, minutes): the run stays bounded by EXAMPLES."""
TIMEOUT = 600
"""A generous bound on the whole run (about 30 s on two idle cores)."""


@pytest.fixture(scope="module")
def api_url(shared_store: Store) -> Iterator[str]:
    """The API on 127.0.0.1 over the shared store, answering offline, no rate limit."""
    settings = shared_store.settings.with_(backend="extractive", api_rate_limit=0)
    advisor = CareerAdvisor(settings, shared_store, make_answerer(settings))
    with api_in_thread(settings, advisor, "api-contract") as url:
        yield url


def test_schemathesis_finds_nothing_on_any_route(api_url: str, tmp_path: Path) -> None:
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run", f"{api_url}/openapi.json"),
        *("--max-examples", str(EXAMPLES), "--seed", "20260101", "--workers", "1"),
        *("--phases", PHASES, "--generation-database", "none"),
        *("--request-timeout", "60", "--no-color"),
    ]
    routes = httpx.get(f"{api_url}/openapi.json", timeout=30).json()["paths"]
    operations = sum(len(item) for item in routes.values())
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path
    )  # its own files (.schemathesis/) go to the test's temp dir
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20_000:]
    assert "No issues found" in report, report[-20_000:]
    assert operations >= 11 and f"Tested: {operations}\n" in report, report[-3000:]  # none skipped
