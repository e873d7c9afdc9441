"""Coverage of the question's own terms (issue 21): each term is quoted or named in one note."""

from __future__ import annotations

import pytest

from advisor import CareerAdvisor
from advisor.conversation import english, person
from advisor.conversation.coverage import answerable_part, note_for
from advisor.conversation.layout import parts_of
from advisor.conversation.lexicon import MAX_WORDS, Lexicon
from advisor.conversation.naming import phrase
from advisor.text import tokens

KNOWN = set(tokens("salary salaries ml engineer learn pytorch long take month vertex"))
LEXICON = Lexicon(KNOWN.__contains__, tuple(sorted(KNOWN)), ("Google Vertex AI",))


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


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("ml engineer salary brazil", "brazil"),  # a place, no "in" before it
        ("can i get an internship as a beginner ml engineer", "internship"),
        ("is a laptop enough to learn deep learning", "laptop"),
        ("what should an ml engineer know for a job interview", "interview"),
        ("which mentors should i follow", "mentors"),
    ],
)
def test_a_word_english_uses_often_is_still_a_term_the_sources_lack(
    extractive: CareerAdvisor, question: str, term: str
) -> None:
    answer = extractive.ask(question)
    quoted, notes = parts_of(answer.text)
    assert not answer.refused and quoted
    # "laptop" is in the Docker card once: the note may add that a card names it in passing
    assert len(notes) == 1 and notes[0].startswith(f"The guide doesn't mention {term}")


@pytest.mark.parametrize(
    "question",
    [
        "whats the cheapest course for ml",  # the cards say "cheap"
        "im a pharmacist, how long to become an ml engineer",  # their own description
        "im a barista with no degree, can i become an ml engineer",
        "hypothetically, could i become an ml engineer in a year",  # an adverb names nothing
        "how long does it take to learn pytorch lmao",  # chat
    ],
)
def test_no_note_on_a_word_the_sources_use_in_another_form_or_on_the_person(
    extractive: CareerAdvisor, question: str
) -> None:
    answer = extractive.ask(question)
    quoted, notes = parts_of(answer.text)
    assert not answer.refused and quoted
    assert notes == []


@pytest.mark.parametrize(
    "question", ["how do i train my dog", "how do i prepare for a driving test"]
)
def test_a_dictionary_word_the_corpus_lacks_is_not_cut_to_find_an_answer(
    extractive: CareerAdvisor, question: str
) -> None:
    assert answerable_part(question, extractive.lexicon()) == ""  # "dog" is the subject
    assert extractive.ask(question).refused


def test_a_term_names_a_thing_where_the_question_uses_it() -> None:
    assert english.named_in("book", "whats a good book for pytorch")
    assert english.named_in("mac", "can i use it on a mac m1")  # a name: no dictionary has it
    assert english.named_in("remote", "can i get a remote ml job")  # an adjective before a noun
    assert not english.named_in("switch", "can i switch to ml")
    assert not english.named_in("worth", "is tensorflow still worth learning")
    assert not english.named_in("stand", "how do i make them stand out")
    assert not english.named_in("realistic", "is it realistic for me")  # said of something
    assert not english.named_in("specifically", "and entry level specifically")  # an adverb


def test_everyday_words_forms_and_the_persons_own_words() -> None:
    assert english.everyday("people") and english.everyday("kinds")  # "kind" is everyday
    assert not english.everyday("interview") and not english.everyday("kubernetes")
    assert {"hire"} <= english.lemmas("hired") and {"llm"} <= english.lemmas("llms")
    assert english.described("im a nurse, 5 hours a week. can i use my mac?") == ["im a nurse,"]
    assert english.described("how long for me (i code java at work)?") == ["i code java at work"]
    assert english.described("hey im a vet. can i switch?") == ["hey im a vet."]  # greeting first


def test_a_question_word_the_corpus_uses_in_another_form_is_no_term() -> None:
    corpus = "Hiring managers look at projects. Cheap GPUs help. LLMs and RNNs."
    known = set(tokens(corpus))
    lexicon = Lexicon(known.__contains__, tuple(sorted(known)), forms=english.word_forms([corpus]))
    assert lexicon.terms("what should i build to get hired?") == []
    assert lexicon.terms("whats the cheapest gpu for an llm") == []
    assert lexicon.terms("do i need a macbook, a bootcamp or an interview?") == [
        "macbook",
        "bootcamp",
        "interview",
    ]
    assert lexicon.terms("im a pharmacist and i suck at coding. is it realistic?") == []


def test_a_card_only_term_is_named_as_the_question_and_the_card_both_say_it() -> None:
    card = "Model selection with k-fold cross validation and grid search. Recruiters look at it."
    said = card.lower()
    assert phrase("does it teach cross validation", "validation", said) == "cross validation"
    assert phrase("and anomaly detection?", "anomaly", "anomaly detection") == "anomaly detection"
    assert phrase("do recruiters look at github", "recruiters", said) == "recruiters"  # a verb
    assert phrase("is grid search the way", "grid", said) == "grid search"


def test_a_name_no_dictionary_lists_is_the_corpus_s_only_as_typed() -> None:
    """Stems are English: "plotly" is no form of "plot", nor "anime" of "animated"; a name the
    corpus does use, in its plural, still counts ("llms" for "LLM")."""
    corpus = "plot plots animated llm python work like"
    known = set(tokens(corpus))
    forms = frozenset(english.word_forms([corpus]))
    lexicon = Lexicon(known.__contains__, tuple(sorted(known)), (), forms)
    assert lexicon.unknown("does plotly work with python?") == ["plotly"]
    assert lexicon.unknown("do u like anime") == ["anime"]
    assert lexicon.unknown("what are llms and plots?") == []
    assert note_for("what about plotly for plots?", ["Plots in Python."], [], lexicon) == (
        "The guide doesn't mention plotly."
    )


def test_a_word_that_frames_the_question_names_nothing_there() -> None:
    """Issue 21: a verb, a word said of something or one of emphasis gets no note."""
    assert not english.named_in("actual", "where does dvc put the actual files")  # emphasis
    assert not english.named_in("save", "can matplotlib save as pdf")  # the clause's verb
    assert not english.named_in("fits", "which portfolio project fits that")
    assert not english.named_in("bother", "why bother with numpy if im gonna use pytorch")
    assert not english.named_in("worth", "is jax worth learning instead of pytorch")
    assert not english.named_in("unrelated", "unrelated, best laptop for gaming?")  # a comma
    assert english.named_in("base", "is that base salary?")  # it narrows the pay asked
    assert english.named_in("private", "do i have to pay for private repos")
    assert english.named_in("search", "is grid search the way")  # "is" is the verb


def test_a_short_form_or_a_possessive_of_a_corpus_word_is_no_term() -> None:
    corpus = "machine learning engineer salary calculus repositories git github shape values"
    known = set(tokens(corpus))
    forms = frozenset(english.word_forms([corpus]))
    lexicon = Lexicon(known.__contains__, tuple(sorted(known)), (), forms)
    assert lexicon.terms("is that easier than ML eng?") == []  # "eng": engineer
    assert lexicon.terms("how much calc do i need") == []  # "calc": calculus
    assert lexicon.terms("do private repos cost money") == []
    assert lexicon.terms("can i use it on a mac") == ["mac"]  # no cut of "ma-ch-ine"
    assert lexicon.terms("what about SHAP values") == ["SHAP"]  # capitals: no typo of "shape"
    assert lexicon.terms("does it run on my macbook's gpu") == ["macbook", "gpu"]


def test_each_term_is_named_once_as_the_question_names_it() -> None:
    quoted = ["It takes 12–24 months."]
    cloud = "how long to learn Google Vertex AI?"
    assert note_for(cloud, quoted, [], LEXICON) == ""  # "Google" names the card's product
    assert note_for("im a dev, 3 yrs of python. how long for pytorch?", quoted, [], LEXICON) == ""
    assert note_for("pytorch at 8 hrs a week?", [], [], LEXICON) == (
        "The guide doesn't mention 8 hours a week."
    )
    assert note_for("ml salary? and what about uk", quoted, [], LEXICON) == (
        "The guide doesn't mention UK."
    )
    assert note_for("is it too late for me?", quoted, [], LEXICON) == (
        "The guide doesn't mention age."
    )
    assert note_for("is that base salary?", quoted, [], LEXICON) == (
        "The guide doesn't mention base salary."  # the pay it narrows, named with it
    )
    assert note_for("do i need sql for pytorch? what about R?", quoted, [], LEXICON) == (
        "The guide doesn't mention sql or R."  # a capital letter typed as a word names
    )
    corpus = "salary pytorch values option vertex"
    guide = frozenset(tokens("salary pytorch"))
    known = set(tokens(corpus))
    forms = frozenset(english.word_forms([corpus]))
    cards = Lexicon(known.__contains__, tuple(sorted(known)), (), forms, guide)
    assert note_for("does vertex have a no-code option", [], [], cards) == (
        "The guide doesn't mention no-code option."
    )
    assert note_for("what about SHAP values for pytorch", [], [], cards) == (
        "The guide doesn't mention SHAP values."
    )


@pytest.mark.parametrize(
    "question",
    [
        "whats the actual point of learning calculus for ml",  # emphasis, not a thing
        "how much calc do i need before deep learning",  # "calculus" cut short
        "why bother with statistics if i use scikit-learn",  # a verb
        "is an ML eng paid more than a data scientist",  # "engineer" cut short
    ],
)
def test_no_note_on_a_word_that_is_no_term(extractive: CareerAdvisor, question: str) -> None:
    answer = extractive.ask(question)
    quoted, notes = parts_of(answer.text)
    assert not answer.refused and quoted
    assert notes == []


def test_a_name_is_noted_as_typed_once(extractive: CareerAdvisor) -> None:
    mac = parts_of(extractive.ask("does pytorch run on my macbook's gpu").text)[1]
    assert mac and mac[0].startswith("The guide doesn't mention macbook.")  # not "macbooks"
    shap = parts_of(extractive.ask("what about SHAP for explaining models").text)[1]
    assert shap == ["The guide doesn't mention SHAP."]  # capitals: no typo of "shape"


@pytest.mark.parametrize(
    ("message", "theirs"),
    [
        ("nurse here (34). how much math does ml need??", "nurse here (34)."),
        ("java backend dev, we use docker at work. why docker for ml", "java backend dev,"),
        ("cs masters student. pytorch or tensorflow first?", "cs masters student."),
        ("35, accountant, no coding at all. too late for me?", "accountant"),
        (
            "hi im a teacher. thinking of switching to ai. is it hype",
            "thinking of switching to ai.",
        ),
        ("we're a microsoft shop. what is azure ml", "we're a microsoft shop."),
    ],
)
def test_a_person_introduces_themselves_without_saying_i(message: str, theirs: str) -> None:
    """Issue 21: "nurse here", "cs masters student." describe the person, not the question."""
    assert theirs in person.theirs(message)


@pytest.mark.parametrize(
    "message",
    ["kubernetes. do i need it?", "is docker needed. what else", "pandas or numpy? which first"],
)
def test_a_topic_that_opens_a_message_is_no_introduction(message: str) -> None:
    assert person.introduced(message) == []


def test_words_of_an_introduction_get_no_note() -> None:
    known = set(tokens("pytorch tensorflow math ml docker charts library"))
    lexicon = Lexicon(known.__contains__, tuple(sorted(known)))
    assert lexicon.terms("cs masters student. pytorch or tensorflow first?") == []
    assert lexicon.terms("musician with a bit of python. best charts library?") == []
    assert lexicon.terms("kubernetes. do i need it with docker?") == ["kubernetes"]


def test_an_age_is_noted_only_when_the_question_asks_about_it() -> None:
    quoted = ["It takes 12–24 months."]
    assert (
        note_for("im 16 and want to work in ai later. what do i learn first", quoted, [], LEXICON)
        == ""
    )
    assert (
        note_for("im a 35yo teacher wanting to switch. give me the steps", quoted, [], LEXICON)
        == ""
    )
    assert note_for("im 45, am i too old?", quoted, [], LEXICON) == "The guide doesn't mention age."
    assert note_for("can i learn pytorch at 40?", quoted, [], LEXICON) == (
        "The guide doesn't mention age."
    )


def test_a_common_word_only_the_cards_use_is_no_term_alone() -> None:
    """Issue 21: "option", "examples" are no thing the guide lacks; "base" narrows the pay
    asked and "no-code option" names one."""
    corpus = "salary pytorch values option examples base vertex sagemaker unsupervised cheap"
    guide = frozenset(tokens("salary pytorch unsupervised sagemaker"))
    known = set(tokens(corpus))
    forms = frozenset(english.word_forms([corpus]))
    cards = Lexicon(known.__contains__, tuple(sorted(known)), (), forms, guide)
    assert note_for("cheaper option than sagemaker?", [], [], cards) == ""
    assert note_for("k. examples of unsupervised again?", [], [], cards) == ""
    assert note_for("is that base salary?", [], [], cards) == (
        "The guide doesn't mention base salary."
    )
    assert note_for("does vertex have a no-code option", [], [], cards) == (
        "The guide doesn't mention no-code option."
    )


def test_a_card_only_word_is_noted_with_the_word_that_narrows_it() -> None:
    """Issue 21: half a term reads as a stray word ("The guide doesn't mention curve."): the
    note names it as the question does, "roc curve", "base salary"; a verb after the name it
    is said of stays alone ("can lightgbm overfit": no "lightgbm overfit")."""
    corpus = "roc curve plot salary base lightgbm overfit sagemaker jumpstart k examples"
    guide = frozenset(tokens("roc plot salary lightgbm sagemaker"))
    known = set(tokens(corpus))
    forms = frozenset(english.word_forms([corpus]))
    cards = Lexicon(known.__contains__, tuple(sorted(known)), (), forms, guide)
    assert note_for("how do i plot a roc curve", [], [], cards) == (
        "The guide doesn't mention roc curve."
    )
    assert note_for("is ml engineer base salary?", [], [], cards) == (
        "The guide doesn't mention base salary."
    )
    assert note_for("whats sagemaker jumpstart", [], [], cards) == (
        "The guide doesn't mention sagemaker jumpstart."
    )
    assert note_for("can lightgbm overfit", [], [], cards) == ("The guide doesn't mention overfit.")
    said = note_for("k. examples of unsupervised again?", [], [], cards)  # "k": a letter
    assert "k examples" not in said


def test_two_words_the_corpus_writes_as_one_are_its_word() -> None:
    corpus = "pandas groupby merge dataframe"
    known = set(tokens(corpus))
    forms = frozenset(english.word_forms([corpus]))
    lexicon = Lexicon(known.__contains__, tuple(sorted(known)), (), forms)
    assert lexicon.unknown("and group by?") == []
    assert lexicon.unknown("what about a data frame") == []
    assert lexicon.unknown("and group chats?") == ["group", "chats"]


def test_a_name_glued_to_its_digits_is_the_corpus_s_name() -> None:
    corpus = "statquest 3blue1brown stats learning"
    known = set(tokens(corpus))
    lexicon = Lexicon(known.__contains__, tuple(sorted(known)), (), english.word_forms([corpus]))
    assert lexicon.unknown("statquest or 3blue1brown for learning stats?") == []
    assert lexicon.unknown("is 4blue1brown for stats?") == ["blue1brown"]  # no such name


def test_hours_said_in_words_are_noted_when_asked_not_when_told() -> None:
    quoted = ["It takes 12–24 months."]
    assert note_for(
        "how many months to be job ready if i study full time", quoted, [], LEXICON
    ) == ("The guide doesn't mention full time.")
    assert note_for("can i learn pytorch part-time?", quoted, [], LEXICON) == (
        "The guide doesn't mention part-time."
    )
    assert (
        note_for("i work full time in a bank. how long to learn pytorch", quoted, [], LEXICON) == ""
    )


def test_a_question_about_the_persons_own_situation_notes_what_the_guide_lacks() -> None:
    """Issue 21: "i'm on windows, is that a problem" asks about Windows, so the note names it;
    in "im a nurse, can i skip the math step?" the nurse is only who asks."""
    quoted = ["Learn PyTorch first."]
    note = note_for("i'm on windows, is that a problem", quoted, [], LEXICON)
    assert note == "The guide doesn't mention windows."
    note = note_for("i only have weekends. is that enough", quoted, [], LEXICON)
    assert note == "The guide doesn't mention weekends."
    note = note_for("im a marketing manager, is ml engineer realistic for me?", quoted, [], LEXICON)
    assert "marketing" in note
    assert note_for("im a nurse. can i learn pytorch?", quoted, [], LEXICON) == ""


def test_a_name_of_several_words_is_one_term_as_said() -> None:
    """ "Khan Academy" is one thing the guide lacks, not "khan or academy"; a company with
    the thing it makes ("aws certification", "google drive") is named as the person said it."""
    quoted = ["3Blue1Brown's videos make linear algebra visual."]
    assert note_for("are they like khan academy?", quoted, [], LEXICON) == (
        "The guide doesn't mention khan academy."
    )
    assert note_for("can i use google drive as the remote", quoted, [], LEXICON) == (
        "The guide doesn't mention google drive."
    )
    assert note_for("do i need a mac or is windows fine", quoted, [], LEXICON) == (
        "The guide doesn't mention mac or windows."
    )  # two things apart stay two


def test_an_amount_asked_in_a_unit_the_quotes_lack_is_noted() -> None:
    """ "how many weeks" asks for weeks; a figure in months does not give them, and the note
    says which figure the guide gives; a figure in the unit asked covers it."""
    quoted = ["It takes 12–24 months of dedicated learning."]
    assert note_for("how many weeks does it take to learn pytorch", quoted, [], LEXICON) == (
        "The guide doesn't mention weeks; the figure it gives is 12–24 months of dedicated"
        " learning."
    )
    assert "hours a week" in note_for("how many hours a week are we talking", quoted, [], LEXICON)
    assert note_for("how many months does it take", quoted, [], LEXICON) == ""


def test_years_the_person_has_behind_them_are_theirs() -> None:
    """ "accountant for 12 yrs" says who asks; the note does not call it a figure the guide
    lacks, while an amount the question asks about still gets one."""
    quoted = ["It takes 12–24 months of dedicated learning."]
    asked = "hi im 38, accountant for 12 yrs, know a bit of sql. how long would it take"
    assert note_for(asked, quoted, [], LEXICON) == ""
    assert "3 years" in note_for("can i learn pytorch in 3 years?", quoted, [], LEXICON)
