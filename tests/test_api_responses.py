"""`POST /v1/responses`: OpenAI's Responses API, checked against the `openai` package's own
types, over the in-process app (offline, extractive): objects, the event sequence,
citations, usage, follow-ups by `previous_response_id`, refusals and limits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from advisor import Answer, CareerAdvisor, LLMError, Store, make_answerer
from advisor.api.openai_params import DROP_HEADER
from advisor.api.openai_text import URN_PREFIX
from advisor.api.responses.schemas import ResponseEvent, ResponseObject
from advisor.api.responses.store import ResponseStore, Stored
from advisor.api.usage import token_counter
from advisor.settings import Settings
from tests.test_api import QUESTION, SECRET, advisor_over, events, serving

HEADING = "\n\n**Sources**\n"
SEQUENCE = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
]
ENDING = [
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
]
STREAM_EVENT: TypeAdapter[Any] = TypeAdapter(ResponseStreamEvent)


@pytest.fixture(scope="module")
def api(shared_store: Store) -> Iterator[TestClient]:
    settings = shared_store.settings.with_(backend="extractive", api_rate_limit=10_000)
    advisor = CareerAdvisor(settings, shared_store, make_answerer(settings))
    with serving(advisor) as client:
        yield client


def ask(api: TestClient, **body: Any) -> Any:
    """POST /v1/responses for model career-advisor."""
    return api.post("/v1/responses", json={"model": "career-advisor", **body})


@pytest.fixture(scope="module")
def whole(api: TestClient) -> dict[str, Any]:
    """The default response to QUESTION, as JSON (shared by the tests that compare with it)."""
    reply = ask(api, input=QUESTION)
    assert reply.status_code == 200, reply.text
    data: dict[str, Any] = reply.json()
    return data


def count(text: str) -> int:
    """Tokens as the server counts them: the embedding model's tokenizer."""
    return token_counter(Settings.from_env(env={})).count(text)


def check_citations(text: str, marks: list[dict[str, Any]], sources: list[dict[str, Any]]) -> None:
    """One url_citation per [n] of the answer body, whose indices cut out exactly "[n]"."""
    body = text.split(HEADING, 1)[0]
    markers = [m for m in re.finditer(r"\[(\d+)\]", body) if int(m.group(1)) <= len(sources)]
    assert marks and len(marks) == len(markers)
    for mark, marker in zip(marks, markers, strict=True):
        assert mark["type"] == "url_citation"
        assert (mark["start_index"], mark["end_index"]) == marker.span()
        assert text[mark["start_index"] : mark["end_index"]] == marker.group(0)
        source = sources[int(marker.group(1)) - 1]
        assert mark["title"].startswith(source["title"]) and source["cited"]
        assert mark["url"] == (source["url"] or URN_PREFIX + source["id"])


def test_a_response_is_one_cited_message(api: TestClient, whole: dict[str, Any]) -> None:
    parsed = Response.model_validate(whole)  # the openai package's own type
    ResponseObject.model_validate(whole)  # and the model /openapi.json documents
    assert parsed.status == "completed" and parsed.object == "response"
    assert whole["id"].startswith("resp_") and len(parsed.output) == 1
    message = whole["output"][0]
    assert message["type"] == "message" and message["role"] == "assistant"
    assert message["status"] == "completed" and len(message["content"]) == 1
    part = message["content"][0]
    assert part["type"] == "output_text" and parsed.output_text == part["text"]
    assert "PyTorch" in part["text"] and HEADING in part["text"]
    check_citations(part["text"], part["annotations"], whole["sources"])
    chat = api.post(
        "/v1/chat/completions",
        json={"model": "career-advisor", "messages": [{"role": "user", "content": QUESTION}]},
    ).json()
    assert part["text"] == chat["choices"][0]["message"]["content"]  # the same guarded text
    usage = whole["usage"]
    assert usage["input_tokens"] == count(QUESTION)
    assert usage["output_tokens"] == count(part["text"])
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_input_messages_and_sources_outside_the_text(api: TestClient) -> None:
    messages = [
        {"role": "developer", "content": "Answer in French."},  # ignored: the advisor's rules
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": QUESTION}]},
    ]
    reply = ask(api, input=messages, career_advisor={"sources_in_content": False}).json()
    part = reply["output"][0]["content"][0]
    assert HEADING not in part["text"] and "PyTorch" in part["text"]
    check_citations(part["text"], part["annotations"], reply["sources"])
    assert reply["usage"]["input_tokens"] == count("Answer in French.") + count(QUESTION)


def test_the_stream_is_the_documented_event_sequence(
    api: TestClient, whole: dict[str, Any]
) -> None:
    raw = ask(api, input=QUESTION, stream=True)
    assert raw.headers["content-type"].startswith("text/event-stream")
    stream = events(raw.text)
    for name, data in stream:
        assert name == data["type"]
        STREAM_EVENT.validate_python(data)  # each event fits the openai package's union
        ResponseEvent.model_validate(data)
    kinds = [name for name, _ in stream]
    assert [d["sequence_number"] for _, d in stream] == list(range(len(stream)))
    marks = whole["output"][0]["content"][0]["annotations"]
    deltas = kinds.count("response.output_text.delta")
    assert deltas >= 1
    assert kinds == [
        *SEQUENCE,
        *["response.output_text.delta"] * deltas,
        *["response.output_text.annotation.added"] * len(marks),
        *ENDING,
        "response.completed",
    ]
    by_kind = {name: data for name, data in stream}
    text = "".join(d["delta"] for n, d in stream if n == "response.output_text.delta")
    assert (
        text
        == by_kind["response.output_text.done"]["text"]
        == whole["output"][0]["content"][0]["text"]
    )
    added = [d for n, d in stream if n == "response.output_text.annotation.added"]
    assert [d["annotation"] for d in added] == marks
    assert [d["annotation_index"] for d in added] == list(range(len(marks)))
    done = by_kind["response.completed"]["response"]
    assert by_kind["response.created"]["response"]["id"] == done["id"]
    assert done["output"][0]["content"][0]["annotations"] == marks
    assert done["usage"] == whole["usage"]


def test_max_output_tokens_makes_an_incomplete_response(
    api: TestClient, whole: dict[str, Any]
) -> None:
    full = whole["output"][0]["content"][0]["text"]
    cut = ask(api, input=QUESTION, max_output_tokens=12).json()
    assert cut["status"] == "incomplete"
    assert cut["incomplete_details"] == {"reason": "max_output_tokens"}
    text = cut["output"][0]["content"][0]["text"]
    assert text and full.startswith(text) and count(text) <= 12
    assert cut["usage"]["output_tokens"] == count(text)
    stream = events(ask(api, input=QUESTION, max_output_tokens=12, stream=True).text)
    assert stream[-1][0] == "response.incomplete"
    assert stream[-1][1]["response"]["output"][0]["content"][0]["text"] == text


def test_previous_response_id_continues_the_conversation(
    api: TestClient, whole: dict[str, Any]
) -> None:
    follow = ask(api, input="why is that?", previous_response_id=whole["id"])
    assert follow.status_code == 200, follow.text
    data = follow.json()
    assert data["previous_response_id"] == whole["id"]
    assert "PyTorch" in data["output"][0]["content"][0]["text"]
    first = whole["output"][0]["content"][0]["text"].split(HEADING)[0]
    assert data["usage"]["input_tokens"] == count(QUESTION) + count(first) + count("why is that?")
    streamed = events(
        ask(api, input="why is that?", previous_response_id=data["id"], stream=True).text
    )
    assert streamed[-1][0] == "response.completed"
    unknown = ask(api, input="why?", previous_response_id="resp_nope")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["param"] == "previous_response_id"
    assert unknown.json()["error"]["code"] == "previous_response_not_found"
    unstored = ask(api, input=QUESTION, store=False, max_output_tokens=1).json()
    later = ask(api, input="why?", previous_response_id=unstored["id"])
    assert later.status_code == 404


def test_stored_responses_are_bounded_in_count_and_age() -> None:
    now = [0.0]
    store = ResponseStore(max_items=2, max_age=60.0, clock=lambda: now[0])
    turn = Stored((("user", "q"), ("assistant", "a")), "extractive", ("chunk-1",))
    store.put("a", turn)
    store.put("b", turn)
    store.put("c", turn)
    assert store.get("a") is None and store.get("b") == turn and len(store) == 2
    now[0] = 59.0
    assert store.get("c") == turn
    now[0] = 61.0
    assert store.get("b") is None and store.get("c") is None and len(store) == 0


REFUSED = [
    ("tool_choice", {"tools": [{"type": "function", "name": "f"}], "tool_choice": "required"}),
    ("text.format", {"text": {"format": {"type": "json_schema", "name": "x", "schema": {}}}}),
    ("top_logprobs", {"top_logprobs": 2}),
    ("include", {"include": ["message.output_text.logprobs"]}),
    ("background", {"background": True}),
    ("conversation", {"conversation": "conv_1"}),
    ("prompt", {"prompt": {"id": "pmpt_1"}}),
    ("temperature", {"temperature": 5}),
    ("top_p", {"top_p": 1.5}),
]


@pytest.mark.parametrize(("param", "extra"), REFUSED, ids=[p for p, _ in REFUSED])
def test_unsupported_parameters_are_400_with_param(
    api: TestClient, param: str, extra: dict[str, Any]
) -> None:
    reply = ask(api, input=QUESTION, **extra)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["param"] == param and error["type"] == "invalid_request_error"
    dropped = api.post(
        "/v1/responses",
        json={"model": "career-advisor", "input": QUESTION, "max_output_tokens": 4, **extra},
        headers={DROP_HEADER: "true"},
    )
    assert dropped.status_code == 200 and dropped.json()["output"][0]["content"][0]["text"]


BAD = [
    ("input", {}),
    ("input", {"input": "   "}),
    ("input", {"input": [{"role": "system", "content": "only rules"}]}),
    ("input[0].role", {"input": [{"role": "robot", "content": "hi"}]}),
    ("max_output_tokens", {"input": QUESTION, "max_output_tokens": 0}),
    ("input", {"input": "   ", "stream": True}),
]


@pytest.mark.parametrize(("param", "body"), BAD)
def test_invalid_requests_are_400_with_param(
    api: TestClient, param: str, body: dict[str, Any]
) -> None:
    reply = ask(api, **body)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["param"] == param


def test_an_unknown_model_is_404(api: TestClient) -> None:
    reply = api.post("/v1/responses", json={"model": "gpt-5", "input": QUESTION})
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "model_not_found"


class _BreaksMidway(CareerAdvisor):
    """An advisor whose answer fails after its first piece, naming a secret."""

    def stream(self, question: str, history: Any = (), **options: Any) -> Iterator[str | Answer]:
        yield "PyTorch first [1]. "
        raise LLMError(f"upstream said: invalid key {SECRET}")


def test_a_failure_midway_ends_the_stream_with_response_failed(shared_store: Store) -> None:
    settings = shared_store.settings.with_(backend="extractive", openai_api_key=SECRET)
    broken = _BreaksMidway(settings, shared_store, make_answerer(settings))
    with serving(broken) as client:
        raw = ask(client, input=QUESTION, stream=True).text
    stream = events(raw)
    kinds = [name for name, _ in stream]
    assert kinds[:5] == [*SEQUENCE, "response.output_text.delta"]
    assert kinds[-2:] == ["error", "response.failed"]
    for _, data in stream:
        STREAM_EVENT.validate_python(data)
    failed = stream[-1][1]["response"]
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "server_error" and failed["error"]["message"]
    assert SECRET not in raw


def test_model_text_is_sanitised_in_responses(shared_store: Store) -> None:
    reply = "Use [this](javascript:alert(1)) <img src=x onerror=alert(2)> or javascript:x [1]"
    advisor = advisor_over(shared_store, backend="fake", fake_responses=(reply,) * 2)
    with serving(advisor) as client:
        whole = ask(client, input=QUESTION).text
        streamed = ask(client, input=QUESTION, stream=True).text
    for text in (whole, streamed):
        assert "this" in text and "javascript:" not in text and "<img" not in text
