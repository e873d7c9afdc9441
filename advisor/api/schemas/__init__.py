"""Pydantic models of the advisor's own requests and responses, as `/openapi.json` shows them.

Response models allow extra fields, so a field added to a record's `to_dict` still reaches
clients; the API tests validate real responses against these models to catch drift.

- `base`: the request and response bases, the error envelope, the shared field types.
- `answers`: `/v1/ask` (and its stream), `/v1/retrieve`, `/v1/sources`.
- `plan`: `/v1/plan` and `/v1/roles/compare`.
- `health`: `/healthz` and `/readyz`.

The OpenAI-compatible shapes live in `advisor.api.openai_schemas` and
`advisor.api.responses.schemas`.
"""
