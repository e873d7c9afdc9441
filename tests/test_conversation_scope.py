"""Whether to answer mid-chat (issue 21): a follow-up in a conversation the sources answered is
never refused for a weak match alone; a turn to another domain still is."""

from __future__ import annotations

from advisor import CareerAdvisor


def chat(advisor: CareerAdvisor, *asked: str) -> list[tuple[str, str]]:
    """A chat's history after the questions `asked` and their offline answers."""
    history: list[tuple[str, str]] = []
    for question in asked:
        history += [("user", question), ("assistant", advisor.ask(question, history).text)]
    return history


def test_a_follow_up_with_few_of_the_guides_words_is_answered(extractive: CareerAdvisor) -> None:
    """ "why is the pay so high anyway" after salary questions asks about the salaries; "whats
    in the last one" after the specialization's courses asks about its last course. Neither
    shares many words with a passage; both are answered, while the weather and the Super Bowl
    asked in the same chats are refused."""
    pay = chat(extractive, "how much do ml engineers make starting out?", "and senior ones?")
    answer = extractive.ask("why is the pay so high anyway", pay)
    assert not answer.refused, answer.question
    assert "$" in answer.text or "compensat" in answer.text
    roadmap = chat(extractive, "give me the roadmap in short, like a list", "which step first")
    assert not extractive.ask("ok whats the final step", roadmap).refused
    for history in (pay, roadmap):
        for typed in (
            "who won the super bowl last year",
            "can you help me fix my printer its offline",
            "nvm. whats 17 times 23",
        ):
            assert extractive.ask(typed, history).refused, typed
