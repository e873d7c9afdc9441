"""Operations basics: HEAD on the probes, `/metrics`, the version in `/readyz` and
`advisor --version`, offline `/docs`, and `advisor serve --workers --root-path --log-level`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from advisor import CareerAdvisor, Store, make_answerer
from advisor.api import create_app
from tests.servers import free_port, stop_process
from tests.test_api import advisor_over, serving


def test_probes_answer_head_without_a_body(shared_store: Store) -> None:
    with serving(advisor_over(shared_store), api_token="ops-token") as client:
        for path in ("/healthz", "/readyz"):
            head = client.head(path)  # no token: probes are open
            assert head.status_code == 200 and head.content == b"", path
        assert client.head("/v1/models").status_code == 401  # the guard still applies


def test_readyz_names_the_installed_version(shared_store: Store) -> None:
    with serving(advisor_over(shared_store)) as client:
        ready = client.get("/readyz").json()
        documented = client.get("/openapi.json").json()["info"]["version"]
    assert ready["version"] == version("career-advisor") == documented


def test_advisor_version_prints_the_version() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "advisor.cli", "--version"], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.strip() == f"advisor {version('career-advisor')}"


def test_docs_work_offline_from_the_packaged_swagger_ui(shared_store: Store) -> None:
    with serving(advisor_over(shared_store), api_token="ops-token") as client:
        page = client.get("/docs", headers={"Authorization": ""})
        assert page.status_code == 200 and "SwaggerUIBundle" in page.text
        links = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        assert "/openapi.json" in page.text and links
        for link in links:
            assert link.startswith("/docs/assets/"), link  # nothing from a CDN or elsewhere
            asset = client.get(link, headers={"Authorization": ""})
            assert asset.status_code == 200 and len(asset.content) > 500, link
        assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text
        assert client.get("/redoc").status_code == 404  # ReDoc only loads from a CDN


def _sample(text: str, name: str, **labels: str) -> float:
    """One sample's value from Prometheus's text format."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        head, _, value = line.rpartition(" ")
        if head.split("{")[0] == name and all(f'{k}="{v}"' in head for k, v in labels.items()):
            return float(value)
    raise AssertionError(f"no sample {name}{{{wanted}}}")


def test_metrics_count_requests_answers_llm_errors_and_the_store(shared_store: Store) -> None:
    with serving(advisor_over(shared_store), api_rate_limit=0) as client:
        client.post("/v1/ask", json={"question": "PyTorch or TensorFlow first?"})
        client.post("/v1/ask", json={"question": "Best lasagne recipe with béchamel?"})
        client.get("/v1/models/nope")
        client.post("/v1/ask", json={"question": 7})
        text = client.get("/metrics").text
        other = create_app(advisor_over(shared_store).settings)  # a second app counts apart
        fresh = TestClient(other).get("/metrics").text
    assert not [line for line in fresh.splitlines() if line.startswith("advisor_answers_total{")]
    route = {"route": "/v1/ask", "method": "POST"}
    assert _sample(text, "advisor_http_requests_total", status="200", **route) == 2
    assert _sample(text, "advisor_http_requests_total", status="400", **route) == 1
    one_series = {"route": "/v1/models/{model}", "method": "GET", "status": "404"}
    assert _sample(text, "advisor_http_requests_total", **one_series) == 1
    assert _sample(text, "advisor_http_request_duration_seconds_count", **route) == 3
    answers = {"backend": "extractive"}
    assert _sample(text, "advisor_answers_total", outcome="answered", **answers) == 1
    assert _sample(text, "advisor_answers_total", outcome="refused", **answers) == 1
    assert _sample(text, "advisor_store_chunks") == shared_store.count_chunks() > 50


def test_metrics_count_llm_errors_by_kind(shared_store: Store) -> None:
    settings = shared_store.settings.with_(
        backend="openai", openai_base_url="http://127.0.0.1:9/v1", openai_api_key="k"
    )
    advisor = CareerAdvisor(settings, shared_store, make_answerer(settings))
    with serving(advisor, api_rate_limit=0) as client:
        failed = client.post("/v1/ask", json={"question": "PyTorch or TensorFlow first?"})
        text = client.get("/metrics").text
    assert failed.status_code in (502, 504)
    kinds = [line for line in text.splitlines() if line.startswith("advisor_llm_errors_total{")]
    assert kinds and float(kinds[0].rpartition(" ")[2]) == 1, kinds


def test_serve_runs_workers_under_a_root_path(index_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "ADVISOR_STORE_DIR": str(index_dir), "ADVISOR_BACKEND": "extractive"}
    argv = [sys.executable, "-m", "advisor.cli", "serve", "--port", str(port), "--workers", "2"]
    argv += ["--root-path", "/advisor", "--log-level", "warning"]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        workers = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        assert len(workers) >= 2  # uvicorn's supervisor started two worker processes
        document = httpx.get(f"{url}/openapi.json", timeout=30).json()
        assert document["servers"] == [{"url": "/advisor"}]
        page = httpx.get(f"{url}/docs", timeout=30).text
        assert "/advisor/docs/assets/swagger-ui-bundle.js" in page
        assert "/advisor/openapi.json" in page
    finally:
        stop_process(process)
    assert b"INFO" not in log.read_bytes()  # --log-level warning
