"""Coverage of the question's own terms (issue 21): each term is quoted or named in one note."""

from __future__ import annotations

from advisor import CareerAdvisor
from advisor.conversation.coverage import MAX_WORDS, Lexicon, answerable_part, note_for
from advisor.conversation.layout import parts_of
from advisor.text import tokens

KNOWN = set(tokens("salary salaries ml engineer learn pytorch long take month vertex"))
LEXICON = Lexicon(
    KNOWN.__contains__, tuple(sorted(KNOWN)), ("Google Vertex AI",), frozenset({"take", "how"})
)


def test_one_note_names_every_term_the_quotes_leave_out() -> None:
    quoted = ["Entry-level ML roles start at $100,000 USD.", "Cloud: Google Vertex AI."]
    note = note_for("ml salaries at google in europe with kubeflow?", quoted, [], LEXICON)
    assert (
        note == "The guide doesn't mention Europe, Google or kubeflow."
    )  # a card name is no cover
    assert note_for("ml salaries in the US?", ["US roles start at $100,000."], [], LEXICON) == ""
    assert note_for("pytorch in 6 months?", ["It takes 6 months."], [], LEXICON) == ""
    assert note_for("pytorch at 10 hours a week?", [], [], LEXICON) == (
        "The guide doesn't mention 10 hours a week."
    )


def test_what_the_sources_can_answer_is_searched_without_the_rest() -> None:
    assert answerable_part("how long to learn pytorch with 5 hours a week?", LEXICON) == (
        "how long to learn pytorch?"
    )
    assert answerable_part("can i learn pytorch on a chromebook?", LEXICON) == (
        "can i learn pytorch?"
    )
    assert answerable_part("how long to learn pytorch?", LEXICON) == ""  # nothing to take out


def test_a_term_the_sources_lack_gets_the_guides_answer_and_a_note(
    extractive: CareerAdvisor,
) -> None:
    answer = extractive.ask("how long to learn pytorch with 5 hours per week?")
    quoted, notes = parts_of(answer.text)
    assert not answer.refused and quoted
    assert notes == ["The guide doesn't mention 5 hours per week."]
    chromebook = extractive.ask("can i learn ml with a chromebook?")
    assert parts_of(chromebook.text)[1] == ["The guide doesn't mention chromebook."]


def test_a_pasted_page_is_read_no_further_than_a_question() -> None:
    page = " ".join(f"zq{n:03d}word" for n in range(500))
    assert len(LEXICON.unknown(page)) == MAX_WORDS  # each word read once, the first few only
