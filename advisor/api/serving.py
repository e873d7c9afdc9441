"""Running the API: `advisor serve` with one worker (a uvicorn server whose SIGTERM also stops
the answers in flight) or several (uvicorn's worker processes, each building its app from the
environment), every log line with the configured secrets masked.
"""

from __future__ import annotations

import logging
import threading
from types import FrameType
from typing import Any

from fastapi import FastAPI

from advisor.api.app import create_app
from advisor.secrets import Redactor, mask_every_log_record
from advisor.settings import Settings

SHUTDOWN_GRACE = 10
"""Seconds `serve` waits on SIGTERM for open responses; stopped answers end well within it."""


LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    workers: int = 1,
    root_path: str = "",
    log_level: str = "info",
) -> None:
    """Run the API with uvicorn; each worker process loads the advisor once at start-up.

    Several workers build their settings from the environment (uvicorn starts them afresh).
    `root_path` is the path prefix a reverse proxy serves the API under ("/advisor").
    """
    if workers > 1:
        _serve_workers(settings, host, port, workers, root_path, log_level)
        return
    make_server(settings, host, port, root_path=root_path, log_level=log_level).run()


def worker_app() -> FastAPI:
    """One worker's app (uvicorn's factory when serving with several workers)."""
    settings = Settings.from_env()
    hide_secrets(settings)
    return create_app(settings)


def _serve_workers(
    settings: Settings, host: str, port: int, workers: int, root_path: str, log_level: str
) -> None:
    import uvicorn

    _service_log(log_level)
    proxies = list(settings.trusted_proxies)
    hide_secrets(settings)
    uvicorn.run(
        "advisor.api.serving:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        root_path=root_path,
        log_level=log_level,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or [],
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )


def _service_log(level: str) -> None:
    """The service's own messages at `level`; client libraries stay quiet."""
    logger = logging.getLogger("advisor")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level.upper())


def hide_secrets(settings: Settings) -> None:
    """Mask the configured secrets in every log record this process makes, whatever handler
    writes it (one added later, or logging's last resort, included)."""
    mask_every_log_record(Redactor.for_settings(settings))


def make_server(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    root_path: str = "",
    log_level: str = "info",
) -> Any:
    """The uvicorn server for these settings: proxy headers believed only from
    ADVISOR_TRUSTED_PROXIES, every log line with the configured secrets masked, and a SIGTERM
    that stops the answers in flight (open responses get SHUTDOWN_GRACE seconds)."""
    try:
        import uvicorn
    except ImportError:
        raise ImportError(
            "serving the API needs uvicorn: pip install 'career-advisor[api]'"
        ) from None
    _service_log(log_level)
    stopping = threading.Event()

    class Server(uvicorn.Server):
        """uvicorn's server; a SIGTERM or Ctrl-C also stops the answers in flight."""

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            stopping.set()
            super().handle_exit(sig, frame)

    proxies = list(settings.trusted_proxies)
    config = uvicorn.Config(
        create_app(settings, stopping=stopping),
        host=host,
        port=port,
        workers=1,
        root_path=root_path,
        log_level=log_level,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or [],  # never FORWARDED_ALLOW_IPS's 127.0.0.1 default
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )
    hide_secrets(settings)
    return Server(config)
