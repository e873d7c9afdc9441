"""The HTTP API: `/v1/ask`, the OpenAI-compatible `/v1/chat/completions`, the plan routes.

- `app`: the FastAPI application, its lifecycle and the advisor's own routes.
- `openai_compat`: `/v1/models` and `/v1/chat/completions`.
- `plan_routes`: `/v1/plan` and `/v1/roles`.
- `guard`: bearer token, body size and rate limits, error envelopes.
- `common`: what the routes share (public sources, the sources footer).
- `schemas`: the advisor's own request and response bodies, a module per route family.

Import `create_app` or `serve` from here; the FastAPI extra must be installed.
"""

from advisor.api.app import create_app
from advisor.api.serving import serve

__all__ = ["create_app", "serve"]
