"""What the README tells LiteLLM users, proved against a real server on 127.0.0.1: plain
completions and streams work; `drop_params=True` still forwards `n`, which the advisor refuses;
the `X-Advisor-Drop-Unsupported` header makes it drop `n` instead."""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch of LiteLLM's price list
import litellm

from tests.test_api_schema import api_url  # noqa: F401  (the server fixture)

pytestmark = pytest.mark.slow
QUESTION = [{"role": "user", "content": "PyTorch or TensorFlow first?"}]


def _complete(url: str, **extra: Any) -> Any:
    return litellm.completion(
        model="openai/career-advisor",
        api_base=f"{url}/v1",
        api_key="unused",
        messages=QUESTION,
        num_retries=0,
        **extra,
    )


def test_litellm_completions_and_streams(api_url: str) -> None:  # noqa: F811
    whole = _complete(api_url).choices[0].message.content
    streamed = "".join(c.choices[0].delta.content or "" for c in _complete(api_url, stream=True))
    assert "PyTorch" in whole and "[1]" in whole
    assert streamed.split("\n\n**Sources**")[0] == whole.split("\n\n**Sources**")[0]


def test_drop_params_still_sends_n_so_the_header_is_what_drops_it(api_url: str) -> None:  # noqa: F811
    with pytest.raises(litellm.BadRequestError, match="n=2"):
        _complete(api_url, n=2, drop_params=True)
    dropped = _complete(api_url, n=2, extra_headers={"X-Advisor-Drop-Unsupported": "true"})
    assert len(dropped.choices) == 1 and "PyTorch" in dropped.choices[0].message.content
