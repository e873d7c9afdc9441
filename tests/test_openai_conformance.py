"""Conformance of /v1/chat/completions with the official `openai` SDK and `langchain-openai`.

One offline (extractive) `advisor serve` process for the whole module; refused
requests cost no answer, so most checks are cheap.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from pydantic import BaseModel

from advisor.api.openai_params import DROP_HEADER
from advisor.api.openai_text import URN_PREFIX
from advisor.api.usage import token_counter
from advisor.settings import Settings
from tests.servers import Server, advisor_replica

pytestmark = pytest.mark.slow

QUESTION = "PyTorch or TensorFlow first?"
MESSAGES: Any = [{"role": "user", "content": QUESTION}]
HEADING = "\n\n**Sources**\n"
USER_LIMIT = 2


@pytest.fixture(scope="module")
def server(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    logs = tmp_path_factory.mktemp("logs")
    env = {
        "ADVISOR_BACKEND": "extractive",
        "ADVISOR_STORE_DIR": str(index_dir),
        "ADVISOR_FEEDBACK_DB": str(logs / "feedback.sqlite3"),
        "ADVISOR_API_USER_RATE_LIMIT": str(USER_LIMIT),
        "OPENAI_API_KEY": "",
        "OPENAI_BASE_URL": "",
    }
    with advisor_replica(env, log_dir=logs) as replica:
        yield replica


@pytest.fixture(scope="module")
def client(server: Server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="none", max_retries=0, timeout=60)


@pytest.fixture(scope="module")
def whole(client: openai.OpenAI) -> Any:
    """The default, untruncated completion (shared by the tests that compare against it)."""
    return client.chat.completions.create(model="career-advisor", messages=MESSAGES)


def count(text: str) -> int:
    """Tokens as the server counts them: the embedding model's tokenizer."""
    return token_counter(Settings.from_env(env={})).count(text)


def check_annotations(content: str, marks: list[Any], sources: list[dict[str, Any]]) -> None:
    """Every [n] of the answer text has one url_citation whose indices cut out exactly "[n]"."""
    body = content.split(HEADING, 1)[0]
    markers = [m for m in re.finditer(r"\[(\d+)\]", body) if int(m.group(1)) <= len(sources)]
    assert marks and len(marks) == len(markers)
    for mark, marker in zip(marks, markers, strict=True):
        mark = mark if isinstance(mark, dict) else mark.model_dump()
        assert mark["type"] == "url_citation"
        cite = mark["url_citation"]
        assert (cite["start_index"], cite["end_index"]) == marker.span()
        assert content[cite["start_index"] : cite["end_index"]] == marker.group(0)
        source = sources[int(marker.group(1)) - 1]
        assert cite["title"].startswith(source["title"]) and source["section"] in cite["title"]
        assert source["cited"]
        assert cite["url"] == (source["url"] or URN_PREFIX + source["id"])


@pytest.mark.parametrize("in_content", [True, False])
def test_annotations_and_usage_in_a_completion(client: openai.OpenAI, in_content: bool) -> None:
    completion = client.chat.completions.create(
        model="career-advisor",
        messages=MESSAGES,
        extra_body={"career_advisor": {"sources_in_content": in_content}},
    )
    message = completion.choices[0].message
    content = message.content or ""
    assert (HEADING in content) is in_content and completion.choices[0].finish_reason == "stop"
    sources = (completion.model_extra or {})["sources"]
    check_annotations(content, message.annotations or [], sources)
    usage = completion.usage
    assert usage is not None and usage.prompt_tokens == count(QUESTION)
    assert usage.completion_tokens == count(content)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


@pytest.mark.parametrize("in_content", [True, False])
def test_annotations_and_usage_in_a_stream(
    client: openai.OpenAI, whole: Any, in_content: bool
) -> None:
    chunks = list(
        client.chat.completions.create(
            model="career-advisor",
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True} if in_content else openai.omit,
            extra_body={"career_advisor": {"sources_in_content": in_content}},
        )
    )
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    expected = whole.choices[0].message.content
    assert content == (expected if in_content else expected.split(HEADING)[0])
    last = chunks[-2] if in_content else chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    marks = (last.choices[0].delta.model_extra or {})["annotations"]
    check_annotations(content, marks, (last.model_extra or {})["sources"])
    if in_content:  # include_usage: a last chunk without choices carries the usage
        assert chunks[-1].choices == [] and chunks[-1].usage is not None
        assert chunks[-1].usage.completion_tokens == count(content)
        assert chunks[-1].usage.prompt_tokens == count(QUESTION)
        assert all(c.usage is None for c in chunks[:-1])
    else:
        assert all(c.usage is None and c.choices for c in chunks)


REFUSED = [
    ("n", {"n": 2}),
    ("tool_choice", {"tools": [{"type": "function", "function": {"name": "f"}}],
                     "tool_choice": "required"}),
    ("response_format", {"response_format": {"type": "json_object"}}),
    ("logprobs", {"logprobs": True}),
    ("top_logprobs", {"top_logprobs": 2}),
    ("temperature", {"temperature": 5}),
    ("top_p", {"top_p": 1.5}),
]  # fmt: skip


@pytest.mark.parametrize(("param", "extra"), REFUSED, ids=[p for p, _ in REFUSED])
def test_unsupported_parameters_are_400_with_param(
    client: openai.OpenAI, param: str, extra: dict[str, Any]
) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="career-advisor", messages=MESSAGES, **extra)
    error = info.value
    assert error.status_code == 400 and error.param == param
    assert error.type == "invalid_request_error" and param in error.message


def test_drop_unsupported_answers_instead(client: openai.OpenAI) -> None:
    everything: dict[str, Any] = {}
    for _, extra in REFUSED:
        everything.update(extra)
    completion = client.chat.completions.create(
        model="career-advisor",
        messages=MESSAGES,
        extra_headers={DROP_HEADER: "true"},
        max_tokens=8,
        **everything,
    )
    assert len(completion.choices) == 1 and completion.choices[0].message.content
    assert completion.choices[0].logprobs is None


def test_invalid_bodies_are_400_with_param(server: Server, client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="career-advisor", messages=MESSAGES, max_tokens=0)
    assert info.value.param == "max_tokens"
    with pytest.raises(openai.BadRequestError, match="empty") as info:
        client.chat.completions.create(
            model="career-advisor", messages=[{"role": "user", "content": "  "}], stream=True
        )
    assert info.value.param == "messages[0].content"
    url = f"{server.url}/v1/chat/completions"
    missing = httpx.post(url, json={"model": "career-advisor"}, timeout=30)
    assert missing.status_code == 400
    assert missing.json()["error"]["param"] == "messages"
    wrong = httpx.post(url, json={"model": "career-advisor", "messages": [{"content": "x"}]})
    assert wrong.status_code == 400 and wrong.json()["error"]["param"] == "messages[0].role"


def test_max_tokens_truncates_at_safe_text(client: openai.OpenAI, whole: Any) -> None:
    full = whole.choices[0].message.content
    for limit in (5, 17):
        cut = client.chat.completions.create(
            model="career-advisor", messages=MESSAGES, max_completion_tokens=limit
        )
        text = cut.choices[0].message.content or ""
        assert cut.choices[0].finish_reason == "length"
        assert text and full.startswith(text) and count(text) <= limit
        assert cut.usage is not None and cut.usage.completion_tokens == count(text)
        assert text.count("[") == text.count("]") and text.count("(") == text.count(")")
    chunks = list(
        client.chat.completions.create(
            model="career-advisor", messages=MESSAGES, max_tokens=17, stream=True
        )
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == text and chunks[-1].choices[0].finish_reason == "length"


def test_stop_cuts_before_the_stop_sequence(client: openai.OpenAI, whole: Any) -> None:
    full = whole.choices[0].message.content
    body = full.split(HEADING)[0]
    words = body.split()
    stop = words[len(words) // 2]
    expected = body[: body.index(stop)].rstrip()
    done = client.chat.completions.create(
        model="career-advisor", messages=MESSAGES, stop=[stop, "never-in-the-text"]
    )
    text = done.choices[0].message.content or ""
    assert done.choices[0].finish_reason == "stop" and stop not in text
    assert expected.startswith(text) and len(text) > len(expected) // 2
    chunks = list(
        client.chat.completions.create(
            model="career-advisor", messages=MESSAGES, stop=stop, stream=True
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == text


def test_the_user_field_is_rate_limited(client: openai.OpenAI) -> None:
    for _ in range(USER_LIMIT):
        client.chat.completions.create(
            model="career-advisor", messages=MESSAGES, user="alice", max_tokens=1
        )
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(
            model="career-advisor", messages=MESSAGES, user="alice", max_tokens=1
        )
    assert info.value.param == "user" and info.value.response.headers["retry-after"]
    client.chat.completions.create(
        model="career-advisor", messages=MESSAGES, user="bob", max_tokens=1
    )


class Choice(BaseModel):
    framework: str


def test_langchain_structured_output_is_a_clear_400(server: Server) -> None:
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(
        model="career-advisor", base_url=f"{server.url}/v1", api_key="none", max_retries=0
    )
    with pytest.raises(openai.BadRequestError, match="structured output") as info:
        model.with_structured_output(Choice).invoke(QUESTION)
    assert info.value.param == "response_format"
    calling = model.with_structured_output(Choice, method="function_calling")
    with pytest.raises(openai.BadRequestError, match="never calls tools"):
        calling.invoke(QUESTION)


def test_langchain_reads_content_usage_and_finish(server: Server, whole: Any) -> None:
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(
        model="career-advisor",
        base_url=f"{server.url}/v1",
        api_key="none",
        max_retries=0,
        stream_usage=True,
    )
    message = model.invoke(QUESTION)
    assert message.content == whole.choices[0].message.content  # the Sources list included
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == whole.usage.completion_tokens
    pieces = list(model.stream(QUESTION))
    assert "".join(str(p.content) for p in pieces) == message.content
    usage = [p.usage_metadata for p in pieces if p.usage_metadata]
    assert usage and usage[-1]["output_tokens"] == whole.usage.completion_tokens
