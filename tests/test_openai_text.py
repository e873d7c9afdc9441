"""Unit tests of the chat-completion text: annotations, stop and max_tokens at safe cuts."""

from __future__ import annotations

import re

import pytest

from advisor.api.openai_params import ChatRequest, OpenAIError, check_request, wants_drop
from advisor.api.openai_text import (
    URN_PREFIX,
    Limits,
    Truncator,
    limit_text,
    open_markup,
    safe_end,
    url_citations,
)
from advisor.api.usage import TokenCounter, token_counter
from advisor.records import Source
from advisor.settings import Settings
from advisor.stream_safety import open_at

TEXT = (
    "Start with PyTorch 🎉 [1]. Read [the docs](https://pytorch.org/docs/stable) and "
    "https://example.com/a/b before Café lessons [2][1].\n\n**Sources**\n"
    "- [1] [PyTorch](https://pytorch.org)\n- [2] Guide"
)
BODY_END = TEXT.index("\n\n**Sources**")
SOURCES = [
    Source(id="a-0001", text="t", title="PyTorch", section="", source="cards/pytorch.md",
           url="https://pytorch.org"),
    Source(id="g-0002", text="t", title="Guide", section="3. Deep learning", source="guide.md"),
]  # fmt: skip


@pytest.fixture(scope="module")
def counter() -> TokenCounter:
    return token_counter(Settings.from_env(env={}))


def streamed(text: str, limits: Limits, counter: TokenCounter, size: int) -> tuple[str, str | None]:
    """The text pushed `size` characters at a time, as a stream would deliver it."""
    truncator = Truncator(limits, counter)
    out = "".join(truncator.push(text[i : i + size]) for i in range(0, len(text), size))
    out += truncator.close()
    assert out == truncator.sent
    return out, truncator.finish


def assert_safe(cut: str) -> None:
    """No half citation, link, image, tag, address or bold: nothing is left open at the end."""
    assert open_at(cut + " ") > len(cut)
    assert open_markup(cut) == len(cut) and cut.count("**") % 2 == 0
    if re.search(r"https?://\S*$|\]$", cut):  # ends in an address or "[label]": a whole one
        assert TEXT[len(cut) : len(cut) + 1] in ("", " ", "\n", ".")


def test_annotations_index_python_strings_and_skip_the_footer() -> None:
    marks = url_citations(TEXT, BODY_END, SOURCES)
    spans = [(m["url_citation"]["start_index"], m["url_citation"]["end_index"]) for m in marks]
    assert [TEXT[start:end] for start, end in spans] == ["[1]", "[2]", "[1]"]
    assert marks[0]["url_citation"]["url"] == "https://pytorch.org"
    assert marks[1]["url_citation"]["url"] == URN_PREFIX + "g-0002"
    assert marks[1]["url_citation"]["title"] == "Guide — 3. Deep learning"
    assert url_citations(TEXT, BODY_END, SOURCES[:1])[-1]["url_citation"]["start_index"] > 0
    assert len(url_citations(TEXT, BODY_END, SOURCES[:1])) == 2  # [2] names no listed source


@pytest.mark.parametrize("limit", range(1, 60, 3))
def test_max_tokens_cuts_safely_and_streams_the_same(counter: TokenCounter, limit: int) -> None:
    whole, finish = limit_text(TEXT, Limits(max_tokens=limit), counter)
    assert finish == "length" and TEXT.startswith(whole) and counter.count(whole) <= limit
    assert_safe(whole)
    for size in (1, 7):
        assert streamed(TEXT, Limits(max_tokens=limit), counter, size) == (whole, "length")


BOLD = (
    "**Do I need a degree or PhD to become an ML engineer?** No. A degree helps [1], and "
    "`pip install **not bold**` is code; ~~struck words~~ and __strong words__ close too."
)


@pytest.mark.parametrize("limit", range(1, 45, 2))
def test_a_cut_never_leaves_bold_strikethrough_or_code_open(
    counter: TokenCounter, limit: int
) -> None:
    whole, finish = limit_text(BOLD, Limits(max_tokens=limit), counter)
    assert finish == "length" and BOLD.startswith(whole) and counter.count(whole) <= limit
    assert open_markup(whole) == len(whole) and whole.count("~~") % 2 == 0
    assert whole.count("`") % 2 == 0 and whole.count("__") % 2 == 0
    for size in (1, 5):
        assert streamed(BOLD, Limits(max_tokens=limit), counter, size) == (whole, "length")
    if limit > 40:
        assert whole.startswith("**Do I need a degree or PhD to become an ML engineer?** No.")


def test_open_markup_finds_the_first_unclosed_span() -> None:
    assert open_markup("plain [1] text") == len("plain [1] text")
    assert open_markup("a **b** c **d") == len("a **b** c ")
    assert open_markup("x `co**de` y") == len("x `co**de` y")  # markers inside code are text
    assert open_markup("x ``co`de") == 2
    assert open_markup("__init__ and ~~gone") == len("__init__ and ")


@pytest.mark.parametrize("stop", ["PyTorch 🎉", "]", "docs/", "Café", "**Sources**", "b before"])
def test_stop_cuts_before_it_safely_and_streams_the_same(counter: TokenCounter, stop: str) -> None:
    whole, finish = limit_text(TEXT, Limits(stop=(stop, "absent")), counter)
    assert finish == "stop" and stop not in whole and TEXT.startswith(whole)
    assert len(whole) <= TEXT.index(stop)
    assert_safe(whole)
    for size in (1, 5):
        assert streamed(TEXT, Limits(stop=(stop,)), counter, size) == (whole, "stop")


def test_no_limit_passes_everything(counter: TokenCounter) -> None:
    assert limit_text(TEXT, Limits(), counter) == (TEXT, None)
    assert streamed(TEXT, Limits(max_tokens=10_000, stop=("zzz",)), counter, 3) == (TEXT, None)


def test_safe_end_never_halves_a_citation_or_link() -> None:
    text = "See [12] and [the docs](https://x.org/y) or https://a.org/b."
    assert text[: safe_end(text, text.index("2]"))] == "See"
    assert text[: safe_end(text, text.index("]("))] == "See [12] and"
    assert text[: safe_end(text, text.index("(") )] == "See [12] and"  # fmt: skip
    assert (
        text[: safe_end(text, text.index("a.org"))] == "See [12] and [the docs](https://x.org/y) or"
    )
    assert text[: safe_end(text, text.index(" and"))] == "See [12]"


def request(**extra: object) -> ChatRequest:
    return ChatRequest.model_validate(
        {"model": "career-advisor", "messages": [{"role": "user", "content": "hi"}], **extra}
    )


def test_refusals_name_the_param_and_drop_turns_them_off() -> None:
    cases = {
        "n": {"n": 2},
        "tool_choice": {"tool_choice": {"type": "function", "function": {"name": "f"}}},
        "function_call": {"function_call": {"name": "f"}},
        "response_format": {"response_format": {"type": "json_schema"}},
        "logprobs": {"logprobs": True},
        "top_logprobs": {"top_logprobs": 0},
        "temperature": {"temperature": -0.5},
        "top_p": {"top_p": 2},
    }
    for param, extra in cases.items():
        with pytest.raises(OpenAIError) as info:
            check_request(request(**extra), drop=False)
        assert info.value.param == param and info.value.status == 400
        assert check_request(request(**extra), drop=True).dropped == (param,)
    fine = {"n": 1, "tool_choice": "auto", "temperature": 2, "top_p": 0, "logprobs": False}
    options = check_request(request(**fine, response_format={"type": "text"}), drop=False)
    assert options.dropped == ()


def test_drop_precedence_body_then_header_then_setting() -> None:
    plain, off = request(), request(career_advisor={"drop_unsupported": False})
    assert wants_drop(None, plain, True) and not wants_drop(None, plain, False)
    assert wants_drop("true", plain, False) and not wants_drop("0", plain, True)
    assert not wants_drop("true", off, True)


def test_options_read_limits_and_usage() -> None:
    options = check_request(
        request(max_tokens=50, max_completion_tokens=20, stop="x", user="u1", stream=True,
                stream_options={"include_usage": True}),
        drop=False,
    )  # fmt: skip
    assert options.limits == Limits(max_tokens=20, stop=("x",))
    assert options.include_usage and options.user == "u1" and options.sources_in_content
