"""Answer selection (issue 21): what the conversation said weighs against a unit, and a quote
that opens with a pronoun brings its antecedent or stays out."""

from __future__ import annotations

from advisor import CareerAdvisor
from advisor.conversation.budget import (
    MAX_QUOTES,
    PARAGRAPH_CHARS,
    PER_SOURCE,
    fill,
    with_paragraph,
)
from advisor.conversation.coherence import coherent
from advisor.conversation.layout import parts_of
from advisor.conversation.leads import Line, quote
from advisor.conversation.selection import (
    REPEAT_PENALTY,
    narrowed,
    penalise,
    repeated,
    said_before,
)
from advisor.conversation.structure import Unit, units
from advisor.extractive import Scored
from advisor.records import Source

GUIDE = Source(
    id="g",
    text="### Framework\n\nPyTorch is the better first choice. It's the dominant framework in "
    "research. It has a Pythonic API.\n\nThis paragraph opens with a pronoun.",
    title="Guide",
    section="Deep learning",
    source="guide.md",
    kind="guide",
)


def test_a_unit_the_conversation_quoted_scores_lower_by_its_share_said() -> None:
    history = [("user", "pytorch?"), ("assistant", "PyTorch is the better first choice. [1]")]
    said = said_before(history)
    first, dominant, pythonic = units(GUIDE, 1)[:3]
    assert repeated(first.sentences, said) == 1 and repeated(dominant.sentences, said) == 0
    scored = [Scored(first, 2.0, 0.5), Scored(dominant, 1.9, 0.5), Scored(pythonic, 1.0, 0.1)]
    ranked = penalise(scored, said)
    assert [s.unit for s in ranked] == [dominant, first, pythonic]
    assert ranked[1].score == 2.0 - REPEAT_PENALTY
    assert said_before([("assistant", "I can't answer that.")]) == frozenset()  # a refusal


def test_a_pronoun_brings_the_sentence_before_it_or_is_left_out() -> None:
    first, dominant, pythonic, opener = units(GUIDE, 1)
    assert coherent([quote(pythonic)], [GUIDE]) == []  # its antecedent points back too
    assert [ln.body for ln in coherent([quote(dominant)], [GUIDE])] == [
        first.sentences[0],
        dominant.sentences[0],
    ]
    assert coherent([quote(opener)], [GUIDE]) == []  # opens its paragraph: no antecedent
    both = coherent([quote(first), quote(dominant), quote(first)], [GUIDE])
    assert [ln.body for ln in both] == [first.sentences[0], dominant.sentences[0]]


def test_why_adds_the_reasons_and_a_follow_up_adds_something(extractive: CareerAdvisor) -> None:
    history: list[tuple[str, str]] = []
    for question in ("pytorch or tensorflow?", "why?"):
        answer = extractive.ask(question, history)
        history += [("user", question), ("assistant", answer.text)]
    first, why = history[1][1], history[3][1]
    assert "Pythonic" in why and why != first
    quoted, _ = parts_of(why)
    assert any(q not in first for q in quoted)  # something the first answer did not say


CARD = Source(
    id="c",
    text="## What it is\n\nFoolib, short for Fast Operator Library, is a toolkit for sparse "
    "tensors. It was created by Ada Rivers at a university lab. It runs on Linux and macOS.\n\n"
    "## Who it is for\n\nIt suits engineers who train models on sparse data.",
    title="Foolib",
    section="",
    source="foolib.md",
    kind="library",
)


def test_a_cards_sentence_that_points_back_is_one_unit_with_what_it_points_to() -> None:
    # "It was created by ..." alone named only its card; the sentence saying what "it" is
    # was left out. Now the two (and the next "It ...") are one quotable unit, in order.
    made, suits = units(CARD, 1)
    assert made.sentences[0].startswith("Foolib, short for") and len(made.sentences) == 3
    assert made.body().startswith("Foolib, short for") and "Ada Rivers" in made.body()
    assert suits.sentences == ("It suits engineers who train models on sparse data.",)
    # the guide's own pronouns are still brought forward by coherence, sentence by sentence
    assert [len(u.sentences) for u in units(GUIDE, 1)] == [1, 1, 1, 1]


def test_who_made_a_tool_quotes_what_the_tool_is(extractive: CareerAdvisor) -> None:
    for question, maker, what in (
        ("who created xgboost?", "Tianqi Chen", "gradient-boosted decision trees"),
        ("who wrote fastapi", "Sebastián Ramírez", "Python web framework"),
    ):
        answer = extractive.ask(question).text
        assert maker in answer and what in answer, answer
        assert answer.index(what) < answer.index(maker)  # what it is, then who made it


def test_a_chain_scores_by_its_opening_sentence_or_its_mean_not_its_pronoun() -> None:
    # "It was created by ..." embeds as little more than its card's heading, so its own
    # similarity to "what is foolib?" is high; the chain is scored by what it opens with
    # (or its mean), so a chain does not outrank a sentence that answers better.
    from advisor.extractive import score_units

    made, suits = units(CARD, 1)
    opening, created, runs = made.sentences
    matches = ((opening, 0.40), (created, 0.90), (runs, 0.50), (suits.sentences[0], 0.70))
    card = Source(**{**CARD.__dict__, "matches": matches})
    scored = score_units("any details?", [made, suits], [card], lambda _t: 1.0)
    assert [s.unit for s in scored] == [suits, made]
    assert scored[1].similarity == (0.40 + 0.90 + 0.50) / 3


def test_a_pronoun_quote_goes_right_after_its_antecedent_quoted_earlier() -> None:
    # "PyTorch is the better first choice." led, a card's sentence came next, then "It's the
    # dominant framework ...": it was dropped (its link looked lost); now it follows its subject.
    first, dominant, _, _ = units(GUIDE, 1)
    (made, _) = units(CARD, 2)
    lines = coherent([quote(first), quote(made), quote(dominant)], [GUIDE, CARD])
    assert [ln.body for ln in lines] == [first.sentences[0], dominant.sentences[0], made.body()]


def _scored(*scores: tuple[int, float]) -> list[Scored]:
    """Sentence units, one per (source, score), each with words of its own."""
    return [
        Scored(Unit(n, (f"Sentence {i} names topic{i} and detail{i}.",), "", i), score, 0.5)
        for i, (n, score) in enumerate(scores)
    ]


def test_the_answer_holds_every_unit_scoring_close_to_the_best_and_no_weak_filler() -> None:
    # Four passages answer about equally well: all four are quoted (three was a fixed cap).
    close = _scored((1, 3.0), (2, 2.9), (3, 2.8), (4, 2.7), (5, 1.0))
    assert [ln.n for ln in fill([], close, 1)] == [1, 2, 3, 4]
    # One passage answers, the rest are far behind: the floor, not a third filler sentence.
    weak = _scored((1, 3.0), (2, 2.9), (3, 1.2), (4, 1.1))
    assert [ln.n for ln in fill([], weak, 1)] == [1, 2]
    # Never more than MAX_QUOTES, and a source that answers gives up to PER_SOURCE lines.
    many = _scored(*((n, 3.0 - n / 100) for n in (1, 1, 1, 1, 2, 3, 4, 5)))
    taken = fill([], many, 1)
    assert len(taken) == MAX_QUOTES and [ln.n for ln in taken].count(1) == PER_SOURCE == 3
    assert fill([], [], 1) == []


def test_a_card_that_answers_is_quoted_for_each_reason_it_gives(
    extractive: CareerAdvisor,
) -> None:
    # The DVC card says what DVC is and why Git needs it (large files): with two lines per
    # source the second reason gave way to an unrelated GitHub sentence.
    answer = extractive.ask("whats dvc and why would i need it, i already use git").text
    assert "Data Version Control" in answer and "large files" in answer, answer


def test_a_question_about_a_lists_order_keeps_that_side_of_the_item_it_names() -> None:
    # "and what is NumPy?" after the list wants NumPy's item; "what comes after NumPy?" wants
    # the items after it, "what comes before it?" the ones before, "in what order?" all.
    items = ("Core Python — data structures", "NumPy — arrays", "Pandas — data loading")
    unit = Unit(
        1,
        ("The key libraries, in order:", *items),
        "3. Python",
        0,
        True,
        "The key libraries, in order:",
        True,
    )
    said = said_before([("assistant", unit.body() + " [1]")])
    line = Line(unit.body(), 1, "", unit)

    def kept(question: str) -> tuple[str, ...]:
        (cut,) = narrowed([line], question, said, lambda _: 1.0)
        return cut.unit.items if cut.unit is not None else ()

    assert kept("what is numpy?") == items[1:2]
    assert kept("and after numpy?") == items[1:]
    assert kept("what comes before numpy?") == items[:2]
    assert kept("in what order, numpy?") == items


def test_what_comes_before_a_library_names_the_one_before_it(extractive: CareerAdvisor) -> None:
    history: list[tuple[str, str]] = []
    for question in (
        "what python libraries should i learn",
        "what comes before pandas in the order",
    ):
        answer = extractive.ask(question, history)
        history += [("user", question), ("assistant", answer.text)]
    assert "NumPy" in history[-1][1], history[-1][1]


def course(text: str, kind: str = "course") -> Source:
    """A course card's "What it covers" passage (a guide passage quotes one sentence a unit)."""
    return Source(
        id=kind, text=text, title="Course", section="What it covers", source="c.md", kind=kind
    )


COURSE = course(
    "The specialization is made up of three courses. The first covers supervised learning. "
    "The second covers neural networks. The third covers recommender systems.\n\n"
    "Labs use Jupyter notebooks."
)


def test_the_best_quoted_sentence_brings_the_rest_of_its_paragraph_right_after_it() -> None:
    """ "whats in it exactly" matched the paragraph's opening ("made up of three courses");
    what each course covers follows it, before the next quote, and the next paragraph does
    not come along."""
    made_up, first, second, third, labs = units(COURSE, 1)
    other = units(GUIDE, 2)[0]
    scored = [Scored(u, 3.0 - i / 10, 0.1) for i, u in enumerate([made_up, other, labs, first])]
    scored += [Scored(second, 1.0, 0.0), Scored(third, 1.0, 0.0)]
    lines = with_paragraph([quote(made_up), quote(other)], scored)
    assert [ln.unit for ln in lines] == [made_up, first, second, third, other]
    assert labs.opens_paragraph


def test_a_paragraph_longer_than_its_budget_stops_before_the_unit_that_would_pass_it() -> None:
    long = " ".join(f"Part {n} covers neural networks in depth and at length." for n in range(9))
    source = course(f"Three courses. The first covers supervised learning. {long}", "guide")
    opening, first, *rest = units(source, 1)
    assert sum(len(u.body()) for u in rest) > PARAGRAPH_CHARS
    scored = [Scored(u, 2.0, 0.1) for u in (opening, first, *rest)]
    lines = with_paragraph([quote(opening)], scored)
    assert 1 < len(lines) < 2 + len(rest)
    assert sum(len(ln.body) for ln in lines[1:]) <= PARAGRAPH_CHARS
