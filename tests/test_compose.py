"""The offline composer on real questions over the bundled corpus (issue 14, sections 2 and 3)."""

from __future__ import annotations

import re

import pytest

from advisor import Answer, CareerAdvisor, FakeChatModel, Store
from advisor.conversation.asks import read_ask
from advisor.conversation.coverage import answerable_part
from advisor.conversation.layout import parts_of
from advisor.conversation.leads import card_facts
from advisor.conversation.lexicon import Lexicon
from advisor.conversation.notes import career_move, qualifiers, relevance_bar
from advisor.conversation.structure import MAX_LIST_ITEMS, units
from advisor.llm import ChatAnswerer
from advisor.records import Source

BOILERPLATE = ("structured starting map", "Ryan writes", "Career Development Advisor", "Classpedia")
QUESTIONS = [
    "Do I need a degree?",
    "do i need a phd to get into ml?",
    "PyTorch or TensorFlow first?",
    "should i start with pytorch or tensorflow",
    "What libraries should I learn in Python?",
    "what maths do i need for ml?",
    "which mlops tools should i learn?",
    "What does an Applied AI Engineer do?",
    "what does a data scientist do?",
    "What is Docker?",
    "what is mlops?",
    "what is the difference between a data scientist and an ml engineer?",
    "is scikit-learn free?",
    "any good videos for maths?",
    "which course should I take?",
    "how do i deploy a model with docker?",
    "Salaries in Europe?",
    "How do I switch careers at 40?",
]


def ask(
    advisor: CareerAdvisor, question: str, history: list[tuple[str, str]] | None = None
) -> Answer:
    answer = advisor.ask(question, history or [])
    assert not answer.refused, question
    return answer


def first_piece(answer: Answer) -> str:
    pieces, _ = parts_of(answer.text)
    return pieces[0]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_piece_is_quoted_and_cited_and_nothing_answers_nothing(
    extractive: CareerAdvisor, question: str
) -> None:
    answer = ask(extractive, question)
    pieces, notes = parts_of(answer.text)
    assert pieces
    for piece in pieces:
        assert any(piece in s.text or piece == card_facts(s) for s in answer.sources), piece
    assert all(note.startswith(("The guide", "To fit these steps")) for note in notes), notes
    for n in re.findall(r"\[(\d+)\]", answer.text):
        assert 1 <= int(n) <= len(answer.sources)
    assert not any(b in answer.text for b in BOILERPLATE), answer.text
    assert not answer.unsupported_numbers


@pytest.mark.parametrize("question", QUESTIONS)
def test_lists_stay_whole_and_no_lead_in_dangles(extractive: CareerAdvisor, question: str) -> None:
    answer = ask(extractive, question)
    lines = answer.text.split("\n")
    for i, line in enumerate(lines):
        if re.sub(r"\s*\[\d+\]$", "", line).rstrip().endswith(":"):
            assert i + 1 < len(lines) and lines[i + 1].startswith("- "), answer.text
    for n, source in enumerate(answer.sources, 1):
        for unit in units(source, n):
            if unit.is_list and any(f"- {item}" in answer.text for item in unit.items):
                assert unit.body() in answer.text, unit.body()


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("Do I need a degree?", "No."),
        ("do i need a phd to become an ml engineer?", "No."),
        ("is a degree required for machine learning jobs?", "No."),
        ("PyTorch or TensorFlow first?", "PyTorch is the better first choice"),
        ("should i learn pytorch or tensorflow first", "PyTorch is the better first choice"),
        ("how long does it take to become an ml engineer?", "The path is longer than most"),
        ("how much do ml engineers earn?", "ML engineering is among the highest-compensated"),
    ],
)
def test_a_faqs_direct_answer_leads(extractive: CareerAdvisor, question: str, lead: str) -> None:
    answer = ask(extractive, question)
    assert first_piece(answer).startswith(lead), answer.text
    if lead == "No.":  # a bare "No." comes with its FAQ question and the sentence after it
        assert "Do I need a degree or PhD" in answer.text.split("No.")[0]
        assert "Many ML engineers work at top companies without advanced degrees." in answer.text


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("What is Docker?", "Docker is a platform"),
        ("what's mlops", "MLOps is what differentiates"),
        ("what is scikit-learn?", "scikit-learn is the standard"),
        ("what is an applied ai engineer?", "A rapidly growing role"),
        ("What is NumPy?", "NumPy is"),
        ("what's pandas actually for", "pandas is an open-source Python library"),
    ],
)
def test_what_is_x_leads_with_its_definition(
    extractive: CareerAdvisor, question: str, lead: str
) -> None:
    assert first_piece(ask(extractive, question)).startswith(lead)


@pytest.mark.parametrize(
    ("question", "role", "sentence"),
    [
        ("What does an Applied AI Engineer do?", "Applied AI Engineer", "A rapidly growing role"),
        ("what does an applied ai engineer actually do?", "Applied AI Engineer", "Uses APIs"),
        ("what does a data scientist do?", "Data Scientist", "Focuses on research"),
        ("what do machine learning engineers focus on?", "Machine Learning Engineer", "Focuses"),
        ("what do ml engineers actually do", "Machine Learning Engineer", "Focuses on building"),
    ],
)
def test_sentences_whose_subject_is_their_heading_are_labelled(
    extractive: CareerAdvisor, question: str, role: str, sentence: str
) -> None:
    text = ask(extractive, question).text
    assert sentence in text
    paragraph = next(p for p in text.split("\n\n") if sentence in p)
    assert paragraph.startswith(f"**{role}:**"), text


def test_card_sentences_without_their_subject_name_the_card(extractive: CareerAdvisor) -> None:
    text = ask(extractive, "What is Docker?").text
    for paragraph in text.split("\n\n"):
        if "Basic command-line and Linux familiarity." in paragraph:
            assert paragraph.startswith("**Docker — Prerequisites:**")


@pytest.mark.parametrize("question", ["whats a cnn for", "cnn vs rnn, when do i use which"])
def test_a_short_name_finds_the_item_that_spells_it_out(
    extractive: CareerAdvisor, question: str
) -> None:
    pieces, _ = parts_of(ask(extractive, question).text)
    assert "Convolutional Neural Networks (CNNs) — for image and spatial data" in pieces, pieces


def test_a_card_on_two_things_quotes_the_one_asked_about(extractive: CareerAdvisor) -> None:
    """The TensorFlow / Keras card: "who made tensorflow?" is not answered with Keras's maker."""
    text = ask(extractive, "who made tensorflow?").text
    section = next(p for p in text.split("\n\n") if "What it is:**" in p)
    assert "TensorFlow is an open-source machine learning framework developed by Google" in section
    assert "François Chollet" not in section


@pytest.mark.parametrize(
    ("question", "maker", "not_maker"),
    [
        ("who wrote fastapi?", "Sebastián Ramírez", "Ryan Mitchell"),
        ("who wrote this guide btw", "Ryan Mitchell", "Sebastián Ramírez"),
    ],
)
def test_who_wrote_a_tool_is_its_maker_not_the_guides_author(
    extractive: CareerAdvisor, question: str, maker: str, not_maker: str
) -> None:
    text = ask(extractive, question).text
    assert maker in text and not_maker not in text


def test_a_card_named_by_its_byline_is_the_only_card_quoted(extractive: CareerAdvisor) -> None:
    """ "the andrew ng thing" names the Machine Learning Specialization's card alone: no other
    card with a free tier fills the answer to a cost question."""
    answer = ask(extractive, "is the andrew ng thing free")
    cards = {s.title for s in answer.sources if s.kind != "guide"}
    cited = {t for t in cards if t in answer.text}
    assert cited == {"Machine Learning Specialization (Andrew Ng, Coursera)"}, cited
    assert "cost: paid" in answer.text


@pytest.mark.parametrize(
    ("question", "sides"),
    [
        ("pytorch vs tensorflow?", ("PyTorch", "TensorFlow")),
        ("what's the difference between pytorch and tensorflow?", ("PyTorch", "TensorFlow")),
        ("numpy or pandas, which first?", ("NumPy", "Pandas")),
        ("mlflow or weights & biases?", ("MLflow", "W&B")),
    ],
)
def test_a_comparison_gives_a_fact_for_each_side(
    extractive: CareerAdvisor, question: str, sides: tuple[str, str]
) -> None:
    pieces, _ = parts_of(ask(extractive, question).text)
    for side in sides:
        assert any(side.lower() in p.lower() for p in pieces), (side, pieces)


@pytest.mark.parametrize(
    ("question", "roles"),
    [
        ("what is the difference between a data scientist and an ml engineer?", (1, 0)),
        ("data scientist vs machine learning engineer", (1, 0)),
        ("ml engineer or applied ai engineer: which should i aim for?", (0, 2)),
    ],
)
def test_role_comparisons_use_the_role_table(
    extractive: CareerAdvisor, question: str, roles: tuple[int, int]
) -> None:
    table = extractive.compare_roles()
    text = ask(extractive, question).text
    for i in roles:
        role = table.roles[i]
        focus = table.cell(role, "Focus").quotes[0]
        assert f"**{role}:**" in text and focus in text, text


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("is scikit-learn free?", ("library", "cost: free")),
        ("any good videos for maths?", ("video series", "cost: free")),
        ("which course should I take?", ("course",)),
        ("is docker free?", ("cost: free tier",)),
    ],
)
def test_resource_questions_use_the_cards_front_matter(
    extractive: CareerAdvisor, question: str, facts: tuple[str, ...]
) -> None:
    answer = ask(extractive, question)
    cards = [s for s in answer.sources if s.cited and s.kind not in ("", "guide")]
    assert cards
    for fact in facts:
        assert fact in answer.text, answer.text
    if "free" in question:  # the card's own sentence on cost comes with its front matter
        assert re.search(
            r"\b(?:free|open source|open-source)\b", " ".join(parts_of(answer.text)[0])
        )


def test_next_steps_come_from_the_learners_plan(extractive: CareerAdvisor) -> None:
    said = "I'm a Java developer with no math and I want to become an ML engineer"
    history = [("user", said), ("assistant", "Noted for your learning plan.")]
    answer = ask(extractive, "what next?", history)
    assert "**Your next step — step 2, Build Your Mathematical Foundation" in answer.text
    assert "ML is applied mathematics." in answer.text
    assert not answer.unsupported_numbers, answer.text  # the step's number is in its source
    step_two = extractive.outline().steps[2].chunk.id
    assert any(s.id == step_two and s.cited for s in answer.sources)
    _, notes = parts_of(answer.text)
    assert any("hours per week" in n and "target role" not in n for n in notes), notes


def test_where_to_start_without_a_profile_asks_for_it(extractive: CareerAdvisor) -> None:
    answer = ask(extractive, "where should I start?")
    assert "**Your next step — step 1," in answer.text
    _, notes = parts_of(answer.text)
    assert any("your Python level" in n and "target role" in n for n in notes), notes


def test_the_author_is_quoted_only_when_asked_about(extractive: CareerAdvisor) -> None:
    assert "Ryan Mitchell" in ask(extractive, "who wrote this guide?").text
    assert "Ryan" not in ask(extractive, "is docker worth learning for ml?").text


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("PyTorch or TensorFlow first?", "which deep learning framework should i learn first?"),
        ("How much do ML engineers earn?", "what is the salary of an ml engineer?"),
        ("Do I need a degree?", "do I need a PhD?"),
        ("What is MLOps?", "which mlops tools should i learn?"),
    ],
)
def test_no_answer_repeats_the_previous_one(
    extractive: CareerAdvisor, first: str, second: str
) -> None:
    composer = extractive.answerer.composer  # type: ignore[attr-defined]
    sources = extractive.retrieve(second)
    alone = composer.compose(second, sources).text
    history = [("user", first), ("assistant", alone)]  # the last answer is what it would say
    after = composer.compose(second, sources, history).text
    plain = [re.sub(r"\s*\[\d+\]", "", t).split() for t in (alone, after)]
    assert plain[0] != plain[1]
    pieces, _ = parts_of(after)
    assert pieces and all(any(p in s.text for s in sources) for p in pieces)


@pytest.mark.parametrize(
    ("question", "note", "quoted"),
    [
        ("Salaries in Europe?", "The guide doesn't mention Europe.", "USD"),
        ("ml engineer salary in india", "The guide doesn't mention India.", "USD"),
        ("how much does google pay ml engineers?", "The guide doesn't mention Google.", "USD"),
        ("How do I switch careers at 40?", "The guide doesn't mention age.", ""),
        ("am I too old to learn ml at 50?", "The guide doesn't mention age.", ""),
        ("is python still relevant in 2030?", "The guide doesn't mention 2030.", "Python"),
    ],
)
def test_uncovered_qualifiers_get_the_guides_facts_and_a_plain_note(
    extractive: CareerAdvisor, question: str, note: str, quoted: str
) -> None:
    answer = ask(extractive, question)
    pieces, notes = parts_of(answer.text)
    assert pieces and quoted in " ".join(pieces)
    assert any(note in n for n in notes), answer.text
    assert answer.text.rstrip().endswith(note.split("; ")[-1])


def test_covered_qualifiers_get_no_note(extractive: CareerAdvisor) -> None:
    for question in ("what do junior ml engineers make in the US?", "what should I learn in 2026?"):
        assert not parts_of(ask(extractive, question).text)[1], question


@pytest.mark.parametrize(
    "question",
    ["where can I get good pizza?", "what's the weather tomorrow?", "will it rain in london?"],
)
def test_off_topic_is_still_refused(extractive: CareerAdvisor, question: str) -> None:
    assert extractive.ask(question).refused


# --- the pieces, without the model ------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Salaries in Europe?", {("region", "europe")}),
        ("salary in the UK", {("region", "uk")}),
        ("can I do this at 40?", {("age", "40")}),
        ("I'm 45, is it too late?", {("age", "45")}),
        ("am i too old", {("age", "too old")}),
        ("does google hire self-taught people?", {("company", "google")}),
        ("is python still relevant in 2030", {("year", "2030")}),
        ("I have 10 hours a week", set()),
        ("what do junior ml engineers make in the US?", set()),
    ],
)
def test_qualifiers_are_read_from_the_question(question: str, kinds: set[tuple[str, str]]) -> None:
    assert {(q.kind, q.value) for q in qualifiers(question)} == kinds
    if not career_move(question):  # "too old": a move into the field has its own leeway
        assert relevance_bar(question, 0.35) == 0.35  # no margin: searched without them
    part = answerable_part(question, Lexicon(lambda _token: True))
    assert not any(value in part.lower() for _, value in kinds)


@pytest.mark.parametrize(
    ("question", "sides", "roles"),
    [
        ("PyTorch or TensorFlow first?", ("pytorch", "tensorflow"), ()),
        ("should i learn pytorch or tensorflow first", ("pytorch", "tensorflow"), ()),
        ("pytorch vs. tensorflow", ("pytorch", "tensorflow"), ()),
        (
            "difference between a data scientist and an ml engineer?",
            ("a data scientist", "an ml engineer"),
            ("Data Scientist", "Machine Learning Engineer"),
        ),
        ("how long does it take?", (), ()),
    ],
)
def test_comparisons_are_read_from_the_question(
    question: str, sides: tuple[str, ...], roles: tuple[str, ...]
) -> None:
    found = read_ask(question)
    assert [s.removeprefix("a ").removeprefix("an ") for s in found.sides] == [
        s.removeprefix("a ").removeprefix("an ") for s in sides
    ]
    assert found.roles == roles


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("What is Docker?", "docker"),
        ("whats mlops", "mlops"),
        ("what does an applied ai engineer do?", "applied ai engineer"),
        ("what's pandas actually for", "pandas"),
        ("what is docker really used for", "docker"),
        ("what is the difference between ai and ml?", ""),
        ("what is the best course?", ""),
    ],
)
def test_definitions_are_read_from_the_question(question: str, term: str) -> None:
    assert read_ask(question).definition == term


def test_structure_keeps_lists_whole_and_drops_orphans() -> None:
    items = "\n".join(f"- item {i}" for i in range(MAX_LIST_ITEMS + 1))
    text = (
        "Intro sentence here. The tools, in order:\n\n- alpha tool\n- beta tool\n\n"
        "### Sub Role\n\nFocuses on things that matter.\n\nA long list follows:\n\n"
        f"{items}\n\nA lead-in cut off by the chunk:"
    )
    source = Source(id="x", text=text, title="Doc", section="1. Step", source="doc.md")
    found = units(source, 1)
    lists = [u for u in found if u.is_list]
    assert len(lists) == 1
    assert lists[0].body() == "The tools, in order:\n- alpha tool\n- beta tool"
    assert not any(s.endswith(":") for u in found if not u.is_list for s in u.sentences)
    focus = next(u for u in found if u.sentences[0].startswith("Focuses"))
    assert focus.heading == "Sub Role" and focus.path == "1. Step > Sub Role"
    faq = Source(
        id="f",
        text="No. Many do fine.",
        title="Doc",
        section="Frequently Asked Questions > Do I need X?",
        source="doc.md",
    )
    first = units(faq, 1)[0]
    assert first.sentences == ("No.",) and first.faq_question == "Do I need X?"
    assert first.opens_paragraph


def test_an_llm_is_asked_for_the_same_note_and_its_numbers_are_checked(
    shared_store: Store,
) -> None:
    settings = shared_store.settings.with_(backend="fake")
    reply = (
        "In the US market, entry-level ML roles typically start at $100,000–130,000 USD [1]. "
        "In Europe they start at €55,000 [1]. "
        "The guide gives US figures only; it has none for Europe."
    )
    model = FakeChatModel(responses=[reply])
    advisor = CareerAdvisor(settings, shared_store, ChatAnswerer(model, settings, "fake"))
    answer = advisor.ask("Salaries in Europe?")
    assert not answer.refused  # the uncovered region lowers the bar just enough
    system = model.calls[-1][0].content
    assert "it has none for Europe" in system and "a region" in system
    assert [n for n in answer.unsupported_numbers if "55,000" in n] == list(
        answer.unsupported_numbers
    )
    assert answer.unsupported_numbers
    assert "$100,000–130,000 USD" in answer.text


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("what next?", True),
        ("where should I start?", True),
        ("What next about becoming an ML engineer?", True),
        ("I'm a Java developer with no math, 10 hours a week. Where should I start?", True),
        ("where should I start learning ml?", True),
        ("what should i learn first, pytorch or tensorflow?", False),
        ("what should i study next in deep learning", False),
        ("how do i get started with docker and kubernetes", False),
        ("ok what do i learn first", True),  # typed in a hand check: was read as a topic
        ("so what do i start with?", True),
        ("what do i learn first for deep learning", False),
    ],
)
def test_next_step_questions_are_told_from_topic_questions(question: str, wanted: bool) -> None:
    assert read_ask(question).next_steps is wanted
