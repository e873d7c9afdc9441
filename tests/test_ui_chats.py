"""Saved chats in the app (AppTest, fake backend): saved as you go, listed newest first,
reopened after a reload, renamed, deleted after a confirmation, never shown to another browser."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from advisor import Answer
from advisor.chats import ChatMessage, ChatStore, new_browser_id
from advisor.feedback import FeedbackStore
from ui.chat_list import plain_label
from ui.chats import merge
from ui.citations import link_citations
from ui.suggestions import STARTERS

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"


def start(params: dict[str, Any] | None = None) -> AppTest:
    """A fresh browser session (a reload when `params` are the old URL's)."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update(params or {})
    at.run()
    assert not at.exception
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception
    return at


def store() -> ChatStore:
    return ChatStore(Path(os.environ["ADVISOR_FEEDBACK_DB"]))


def questions(at: AppTest) -> list[str]:
    return [t.question for t in at.session_state["turns"]]


def answer_shown(at: AppTest) -> bool:
    """Whether the first turn's answer is on the page, each [n] linked to its source."""
    turn = at.session_state["turns"][0]
    assert isinstance(turn.answer, Answer)
    linked = link_citations(turn.answer.text, turn.id, len(turn.answer.sources))
    return linked in [m.value for m in at.markdown]


def listed(at: AppTest) -> list[str]:
    """Chat ids in the sidebar, top to bottom."""
    return [b.key.removeprefix("open_") for b in at.sidebar.button if b.key.startswith("open_")]


def test_a_chat_is_saved_as_you_go_listed_and_restored_by_a_reload(built_env: Path) -> None:
    at = click(start(), "starter_0")
    browser, chat = at.query_params["browser"], at.query_params["chat"]
    answer = at.session_state["turns"][0].answer
    assert isinstance(answer, Answer)

    (summary,) = store().chats(browser)
    assert (summary.id, summary.title, summary.messages) == (chat, STARTERS[0], 2)
    question, reply = store().messages(browser, chat)
    assert (question.role, question.text) == ("user", STARTERS[0])
    assert (reply.reply_to, reply.status, reply.answer) == (question.id, "complete", answer)
    assert listed(at) == [chat]
    assert at.button(key=f"open_{chat}").label == plain_label(STARTERS[0])

    again = start(dict(at.query_params))  # the same URL in a new session: a reload
    (turn,) = again.session_state["turns"]
    assert (turn.question, turn.answer) == (STARTERS[0], answer)
    assert answer_shown(again)  # the saved answer, its [n] linked to the restored sources
    assert any(e.label.startswith("Sources") for e in again.expander)
    assert len(again.feedback) == 1
    assert any(b.key.startswith("next_") for b in again.button)  # follow-ups again
    assert listed(again) == [chat]


def test_an_answer_cut_by_a_reload_can_be_regenerated(built_env: Path) -> None:
    browser = new_browser_id()
    chat, _ = store().start(browser, ChatMessage(role="user", text=STARTERS[1]))  # no answer yet
    at = start({"browser": browser, "chat": chat.id})
    assert questions(at) == [STARTERS[1]]
    assert "cut off before it finished" in at.warning[0].value
    (regenerate,) = [b for b in at.button if b.label == "Regenerate"]  # one offer, not two
    assert regenerate.key == f"regenerate_{at.session_state['turns'][0].id}"
    regenerate.click().run()
    assert not at.exception and not at.warning
    answer = at.session_state["turns"][0].answer
    assert isinstance(answer, Answer) and answer.sources and "months" in answer.text
    reply = store().messages(browser, chat.id)[-1]
    assert (reply.role, reply.status, reply.answer) == ("assistant", "complete", answer)
    again = start({"browser": browser, "chat": chat.id})  # the regenerated answer survives a reload
    assert again.session_state["turns"][0].answer == answer and answer_shown(again)
    assert not again.warning


def test_new_chat_keeps_the_old_one_and_a_past_chat_reopens(built_env: Path) -> None:
    at = click(start(), "starter_0")
    first = at.query_params["chat"]
    first_answer = at.session_state["turns"][0].answer
    click(at, "sidebar_new_chat")
    assert questions(at) == [] and "chat" not in at.query_params
    assert listed(at) == [first]  # still there
    click(at, "starter_2")
    second = at.query_params["chat"]
    assert second != first and listed(at) == [second, first]  # newest first

    click(at, f"open_{first}")
    assert questions(at) == [STARTERS[0]] and at.query_params["chat"] == first
    assert at.session_state["turns"][0].answer == first_answer
    assert answer_shown(at)
    at.chat_input[0].set_value("and how long would that take?").run()  # continues that chat
    assert [m.role for m in store().messages(at.query_params["browser"], first)] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert listed(at) == [first, second]


def test_rename_and_delete_a_chat_after_a_confirmation(built_env: Path) -> None:
    at = click(start(), "starter_0")
    chat = at.query_params["chat"]
    at.text_input(key=f"title_{chat}").set_value("My *framework* [question](x)")
    click(at, f"rename_{chat}")
    assert store().get(at.query_params["browser"], chat).title == "My *framework* [question](x)"
    assert at.button(key=f"open_{chat}").label == r"My \*framework\* \[question\]\(x\)"
    at.text_input(key=f"title_{chat}").set_value("   ")
    click(at, f"rename_{chat}")  # an empty name is refused with a note, the old one kept
    assert store().get(at.query_params["browser"], chat).title.startswith("My *framework*")
    assert "cannot be empty" in at.toast[0].value

    browser = at.query_params["browser"]
    click(at, f"delete_{chat}")
    assert "This cannot be undone" in at.sidebar.warning[0].value
    assert store().chats(browser)  # not yet
    click(at, "cancel_delete")
    assert not at.sidebar.warning and store().chats(browser)
    click(at, f"delete_{chat}")
    click(at, "confirm_delete")
    assert store().chats(browser) == [] and listed(at) == []
    assert questions(at) == [] and "chat" not in at.query_params  # the open chat went too


def test_another_browser_sees_nothing(built_env: Path) -> None:
    at = click(start(), "starter_0")
    chat = at.query_params["chat"]
    other = start({"browser": new_browser_id(), "chat": chat})  # a guessed or shared chat id
    assert questions(other) == [] and listed(other) == []
    assert "chat" not in other.query_params
    assert "not saved in this browser" in other.toast[0].value
    odd = start({"browser": "x' OR 1=1 --", "chat": "../../etc"})  # malformed ids
    assert questions(odd) == [] and odd.query_params["browser"] != "x' OR 1=1 --"
    assert listed(odd) == []


def test_two_tabs_on_one_chat_see_each_others_messages(built_env: Path) -> None:
    tab_a = click(start(), "starter_0")
    tab_b = start(dict(tab_a.query_params))
    tab_b.chat_input[0].set_value("and how long would that take?").run()
    tab_a.chat_input[0].set_value("What does an Applied AI Engineer do?").run()
    expected = [
        STARTERS[0],
        "and how long would that take?",
        "What does an Applied AI Engineer do?",
    ]
    assert questions(tab_a) == expected
    assert all(t.answer is not None for t in tab_a.session_state["turns"])
    tab_b.run()  # B's next rerun takes in what A added
    assert questions(tab_b) == expected
    browser, chat = tab_a.query_params["browser"], tab_a.query_params["chat"]
    assert [m.text for m in store().messages(browser, chat) if m.role == "user"] == expected
    assert store().get(browser, chat).messages == 6


# --- stored messages <-> turns (pure) -------------------------------------------------------


def saved(n: int, role: str, text: str, **kw: Any) -> ChatMessage:
    return ChatMessage(id=n, role=role, text=text, **kw)


def test_turns_from_messages_latest_reply_wins_and_an_edit_replaces() -> None:
    answer = Answer(text="PyTorch first. [1]", backend="fake")
    messages = [
        saved(1, "user", "PyTorch or TensorFlow?"),
        saved(2, "assistant", "Part", status="stopped", reply_to=1),
        saved(3, "assistant", answer.text, answer=answer, reply_to=1),  # regenerated
        saved(4, "user", "how long?"),
        saved(5, "assistant", "", status="stopped", reply_to=4),
        saved(6, "user", "How long would PyTorch take?", extra={"replaces": 4}),  # edited
        saved(7, "user", "And salaries?"),
        saved(8, "assistant", "Too long", status="error", reply_to=7, extra={"severe": True}),
    ]
    known: set[int] = set()
    turns = merge([], messages, known)
    assert known == set(range(1, 9))
    assert [t.question for t in turns] == [
        "PyTorch or TensorFlow?",
        "How long would PyTorch take?",
        "And salaries?",
    ]
    assert turns[0].answer == answer and not turns[0].stopped
    assert turns[1].message_id == 6 and turns[1].answer is None and not turns[1].stopped
    assert (turns[2].error, turns[2].severe) == ("Too long", True)
    assert all(t.reply_saved for t in turns)  # nothing to save again


def test_a_reply_is_saved_with_its_status() -> None:
    from ui.chats import reply_message
    from ui.state import ChatTurn

    turn = ChatTurn(question="q", message_id=3)
    assert reply_message(turn) is None  # no answer yet: shown as cut off after a reload
    turn.stopped = True
    assert (reply_message(turn).status, reply_message(turn).text) == ("stopped", "")  # type: ignore[union-attr]
    turn.answer = Answer(text="Partial", incomplete=True)
    message = reply_message(turn)
    assert message is not None and (message.status, message.reply_to) == ("stopped", 3)
    turn.stopped, turn.answer, turn.error, turn.can_answer_offline = False, None, "LLM down", True
    message = reply_message(turn)
    assert message is not None and (message.status, message.text) == ("error", "LLM down")
    assert message.extra == {"can_answer_offline": True}


def test_a_rating_and_its_comment_last_and_rating_again_changes_them(built_env: Path) -> None:
    at = click(start(), "starter_0")
    params = dict(at.query_params)
    turn = at.session_state["turns"][0]
    at.feedback[0].set_value(1).run()
    at.text_input(key=f"comment_{turn.id}").input("Clear, thanks.").run()

    again = start(params)  # a reload: the thumbs and the comment are as they were
    turn = again.session_state["turns"][0]
    assert again.feedback[0].value == 1
    assert again.text_input(key=f"comment_{turn.id}").value == "Clear, thanks."
    again.feedback[0].set_value(0).run()  # changed their mind after the reload

    rows = FeedbackStore(Path(os.environ["ADVISOR_FEEDBACK_DB"])).list()
    assert [(r.question, r.rating, r.comment) for r in rows] == [
        (STARTERS[0], 0, "Clear, thanks.")  # one row, changed: not a second one
    ]
    (kept,) = store().ratings(params["browser"], params["chat"]).values()
    assert (kept.message_id, kept.rating, kept.comment) == (turn.reply_id, 0, "Clear, thanks.")

    click(again, "sidebar_new_chat")  # a chat switch, away and back
    assert not again.feedback
    click(again, f"open_{params['chat']}")
    assert again.feedback[0].value == 0
    turn = again.session_state["turns"][0]
    assert again.text_input(key=f"comment_{turn.id}").value == "Clear, thanks."
