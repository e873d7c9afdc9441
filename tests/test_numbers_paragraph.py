"""Numbers are checked per paragraph or list item (issue 22): a citation anywhere in it
supports its numbers, as does the user's own message; numbers carried over from the
conversation are not flagged a second time."""

from __future__ import annotations

from advisor import CareerAdvisor, FakeChatModel, Source, Store
from advisor.llm import ChatAnswerer
from advisor.numbers import FLAG, check_by_paragraph, values_in
from advisor.stream_safety import SafeStream, render

GUIDE = (
    "ML engineering is among the highest-compensated roles in technology. In the US market, "
    "entry-level ML roles typically start at $100,000–130,000 USD. Senior ML engineers and "
    "research scientists at major technology companies frequently earn $200,000–400,000 USD "
    "in total compensation."
)
"""The guide's salary paragraph, word for word."""
SOURCES = [
    Source(id="pay", text=GUIDE, title="Guide", section="Salaries", source="guide.md"),
    Source(id="time", text="It takes 12–24 months.", title="Guide", section="Time", source="g"),
]
QUOTE = (
    "In the US market, entry-level ML roles typically start at $100,000–130,000 USD. "
    "Senior ML engineers and research scientists at major technology companies frequently "
    "earn $200,000–400,000 USD in total compensation [1]."
)
"""The issue's example: a word-for-word quote of [1], cited once at the end."""


def test_a_quote_cited_once_at_the_end_of_its_paragraph_passes_clean() -> None:
    check, _ = check_by_paragraph(QUOTE, SOURCES)
    assert check.unsupported == () and check.text == QUOTE
    assert render(QUOTE, SOURCES).text == QUOTE
    guard = SafeStream(SOURCES)
    shown = "".join(guard.push(QUOTE[i : i + 3]) for i in range(0, len(QUOTE), 3))
    shown += guard.finish()
    assert shown == QUOTE and FLAG not in shown


def test_a_citation_in_another_paragraph_or_item_does_not_count() -> None:
    later = "Entry roles start at $100,000.\n\nThe guide says so [1]."
    assert check_by_paragraph(later, SOURCES)[0].unsupported == ("$100,000",)
    items = "- Entry roles start at $100,000.\n- Seniors earn $200,000–400,000 USD [1]."
    check, _ = check_by_paragraph(items, SOURCES)
    assert check.unsupported == ("$100,000",)
    assert f"$100,000{FLAG}" in check.text and "$200,000–400,000 USD [1]" in check.text


def test_a_citation_at_the_end_of_a_list_item_supports_the_whole_item() -> None:
    items = (
        "Pay and time:\n- Entry roles start at $100,000 USD and seniors earn $200,000–400,000 "
        "USD [1].\n- It takes 12–24 months [2]."
    )
    assert check_by_paragraph(items, SOURCES)[0].unsupported == ()
    assert render(items, SOURCES).unsupported == ()


def test_the_users_own_numbers_count_as_supported() -> None:
    text = "With your $150,000 salary, entry roles at $100,000–130,000 USD pay less [1]."
    assert check_by_paragraph(text, SOURCES)[0].unsupported == ("$150,000",)
    given = frozenset(values_in("I earn $150k today. Would ML pay more?"))
    assert check_by_paragraph(text, SOURCES, given=given)[0].unsupported == ()


def test_a_stream_flags_when_the_paragraph_ends() -> None:
    text = "Seniors earn $250,000 after 30 months [1]. Then more\n\nNext part [2]."
    guard = SafeStream(SOURCES)
    shown = ""
    for i in range(0, len(text), 3):
        shown += guard.push(text[i : i + 3])
        if "Next" not in text[: i + 3]:
            assert "$250,000" not in shown  # the paragraph may still cite its source
    assert f"$250,000{FLAG} after 30{FLAG} months [1]." in shown  # flagged once it ended
    shown += guard.finish()
    assert guard.result is not None and shown == guard.result.text
    assert guard.result.unsupported == ("$250,000", "30")


def test_a_supported_number_streams_before_its_paragraph_ends() -> None:
    guard = SafeStream(SOURCES)
    shown = guard.push("Entry roles start at $100,000–130,000 USD [1]. Seniors earn ")
    assert shown.startswith("Entry roles start at $100,000–130,000 USD [1]. Seniors")
    shown += guard.push("$250,000 ") + guard.push("a year [2].")
    assert "$250,000" not in shown  # not supported yet: [1] (or a later citation) may
    shown += guard.finish()
    assert shown.endswith(f"$250,000{FLAG} a year [2].")


def fake_advisor(store: Store, *replies: str) -> CareerAdvisor:
    settings = store.settings.with_(backend="fake")
    return CareerAdvisor(
        settings, store, ChatAnswerer(FakeChatModel(responses=list(replies)), settings, "fake")
    )


def test_numbers_from_the_message_and_the_history_are_not_flagged_again(
    shared_store: Store,
) -> None:
    question = "How much do ML engineers earn?"
    history = [
        ("user", "I earn $90,000 as a Java developer. What do ML engineers earn?"),
        ("assistant", f"About $175,000{FLAG} on average [1]."),
    ]
    reply = (
        "Compared with your $90,000, the $175,000 mentioned earlier, and $999,000 elsewhere: "
        "entry-level ML roles typically start at $100,000–130,000 USD [1][2][3][4]."
    )
    answer = fake_advisor(shared_store, reply).ask(question, history)
    assert answer.unsupported_numbers == ("$999,000",)
    assert f"$175,000{FLAG}" not in answer.text and f"$90,000{FLAG}" not in answer.text
    assert f"$999,000{FLAG}" in answer.text
