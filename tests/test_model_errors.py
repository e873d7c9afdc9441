"""Each server's wording of a prompt longer than its context is recognised, with its sizes."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from advisor.model_errors import ContextTooLong, context_too_long


def bad_request(message: str, body: Any) -> openai.BadRequestError:
    request = httpx.Request("POST", "http://127.0.0.1:1/v1/chat/completions")
    response: Any = httpx.Response(400, request=request)  # the SDK's client may be httpx2
    return openai.BadRequestError(message, response=response, body=body)


LLAMA_CPP = {  # llama.cpp's server, as it answers 400
    "code": 400,
    "message": "request (1315 tokens) exceeds the available context size (1024 tokens), "
    "try increasing it",
    "type": "exceed_context_size_error",
    "n_prompt_tokens": 1315,
    "n_ctx": 1024,
}
LLAMA_CPP_PYTHON = "Requested tokens (2100) exceed context window of 2048"
OPENAI = {
    "message": "This model's maximum context length is 8192 tokens. However, your messages "
    "resulted in 9000 tokens. Please reduce the length of the messages.",
    "type": "invalid_request_error",
    "code": "context_length_exceeded",
}


@pytest.mark.parametrize(
    ("error", "sizes"),
    [
        (bad_request("Error code: 400", {"error": LLAMA_CPP}), (1315, 1024)),
        (bad_request("Error code: 400", LLAMA_CPP), (1315, 1024)),  # the SDK's unwrapped body
        (bad_request(f"Error code: 400 - {LLAMA_CPP['message']}", None), (1315, 1024)),
        (bad_request(LLAMA_CPP_PYTHON, None), (2100, 2048)),
        (ValueError(LLAMA_CPP_PYTHON), (2100, 2048)),  # raised in-process by llama_cpp.Llama
        (bad_request("Error code: 400", OPENAI), (9000, 8192)),
        (bad_request("context_length_exceeded", None), (0, 0)),  # no sizes: cut by half
    ],
)
def test_each_servers_overflow_is_recognised(error: Exception, sizes: tuple[int, int]) -> None:
    too_long = context_too_long(error)
    assert too_long is not None
    assert (too_long.prompt_tokens, too_long.context_tokens) == sizes


@pytest.mark.parametrize(
    "error",
    [
        bad_request("Error code: 400 - invalid temperature", {"message": "bad temperature"}),
        ValueError("some other value"),
        RuntimeError("exceeds the available context size"),  # not a client or model error
    ],
)
def test_other_errors_are_not_overflows(error: Exception) -> None:
    assert context_too_long(error) is None


def test_the_cut_keeps_what_fits_with_room_for_the_reply() -> None:
    # 1,024 tokens, 256 kept for the reply (a quarter), a tenth off for the tokenizer
    assert ContextTooLong(2048, 1024).fits(max_tokens=800) == pytest.approx(0.9 * 768 / 2048)
    assert ContextTooLong(2048, 1024).fits(max_tokens=64) == pytest.approx(0.9 * 960 / 2048)
    assert ContextTooLong().fits(max_tokens=64) == 0.5  # sizes unknown
    assert ContextTooLong(100_000, 1024).fits(max_tokens=64) == 0.1  # never below a tenth
