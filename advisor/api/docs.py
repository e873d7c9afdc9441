"""`/docs` served offline: Swagger UI's own files from the `swagger-ui-py` package.

FastAPI's default page loads Swagger UI from a CDN, so it is blank without internet. Here the
page references only `/docs/assets/...`, served from the package's static folder (Swagger UI
5, which reads OpenAPI 3.1; swagger-ui-bundle's 4.x cannot). ReDoc, CDN-only, is off.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = "/docs/assets"
"""Where Swagger UI's files are served (public like `/docs` itself)."""


def swagger_dir() -> Path:
    """The folder of Swagger UI's files inside the installed `swagger-ui-py` package."""
    try:
        import swagger_ui
    except ImportError:
        raise ImportError(
            "the API docs need swagger-ui-py: pip install 'career-advisor[api]'"
        ) from None
    return Path(swagger_ui.__file__).parent / "static"


def install_docs(app: FastAPI) -> None:
    """Serve `/docs` and its assets from the package (the app is built with docs_url=None)."""
    app.mount(ASSETS, StaticFiles(directory=swagger_dir()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - API docs",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon-32x32.png",
        )
