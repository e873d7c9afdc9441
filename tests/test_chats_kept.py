"""What the app keeps with a saved chat besides its messages: one rating (and comment) per
reply, changed in place, and named state such as the learner's profile and plan progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor import InputError
from advisor.chats import ChatMessage, ChatNotFound, ChatRating, ChatStore, new_browser_id

A, B = new_browser_id(), new_browser_id()


@pytest.fixture
def store(tmp_path: Path) -> ChatStore:
    return ChatStore(tmp_path / "feedback.sqlite3")


def chat_with_reply(store: ChatStore) -> tuple[str, int, int]:
    """A chat of browser A: (its id, the question's id, the reply's id)."""
    summary, question = store.start(A, ChatMessage(role="user", text="Who is StatQuest for?"))
    reply = store.append(
        A, summary.id, ChatMessage(role="assistant", text="Beginners. [1]", reply_to=question.id)
    )
    assert question.id is not None and reply.id is not None
    return summary.id, question.id, reply.id


def test_rating_again_changes_the_one_rating(store: ChatStore) -> None:
    chat, _, reply = chat_with_reply(store)
    store.rate(A, chat, ChatRating(message_id=reply, rating=1, feedback_id=7))
    store.rate(A, chat, ChatRating(message_id=reply, rating=1, comment="Clear."))
    store.rate(A, chat, ChatRating(message_id=reply, rating=0, comment="Too short."))
    assert store.ratings(A, chat) == {
        reply: ChatRating(message_id=reply, rating=0, comment="Too short.", feedback_id=7)
    }


def test_only_a_reply_of_ones_own_chat_can_be_rated(store: ChatStore) -> None:
    chat, question, reply = chat_with_reply(store)
    with pytest.raises(InputError, match="not a reply"):
        store.rate(A, chat, ChatRating(message_id=question, rating=1))  # a question
    with pytest.raises(ChatNotFound):
        store.rate(B, chat, ChatRating(message_id=reply, rating=1))  # another browser's chat
    with pytest.raises(ChatNotFound):
        store.ratings(B, chat)
    with pytest.raises(InputError, match=r"1 .* or 0"):
        ChatRating(message_id=reply, rating=5)
    assert store.ratings(A, chat) == {}


def test_named_state_is_kept_replaced_and_private(store: ChatStore) -> None:
    chat, _, _ = chat_with_reply(store)
    assert store.state(A, chat) == {}
    store.save_state(A, chat, "profile", {"python": "basic", "hours_per_week": 8.0})
    store.save_state(A, chat, "plan_done", [1, 2])
    store.save_state(A, chat, "plan_done", [1, 2, 3])
    assert store.state(A, chat) == {
        "profile": {"python": "basic", "hours_per_week": 8.0},
        "plan_done": [1, 2, 3],
    }
    with pytest.raises(ChatNotFound):
        store.state(B, chat)
    with pytest.raises(ChatNotFound):
        store.save_state(B, chat, "profile", {})


def test_deleting_a_chat_deletes_what_was_kept_with_it(store: ChatStore) -> None:
    chat, _, reply = chat_with_reply(store)
    store.rate(A, chat, ChatRating(message_id=reply, rating=1))
    store.save_state(A, chat, "plan_done", [4])
    store.delete(A, chat)
    kept = store._open()  # the rows themselves, not only what the API still shows
    try:
        left = [
            kept.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("chat_ratings", "chat_state")
        ]
    finally:
        kept.close()
    assert left == [0, 0]
