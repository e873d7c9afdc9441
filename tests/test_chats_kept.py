"""What the app relies on when it keeps ratings with a chat: a rating belongs to one reply,
so a regenerated answer (a new reply to the same question) starts unrated while the old
reply keeps its rating, and a chat's ratings are its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from advisor.chats import ChatMessage, ChatStore, new_browser_id
from advisor.feedback import FeedbackStore

A = new_browser_id()


@pytest.fixture
def store(chat_db: str) -> Iterator[ChatStore]:
    store = ChatStore(chat_db)
    yield store
    store.close()


def answered(store: ChatStore, question: str) -> tuple[str, int, int]:
    """A new chat of browser A with one answered question: (chat id, question id, reply id)."""
    summary, asked = store.start(A, ChatMessage(role="user", text=question))
    reply = store.append(
        A, summary.id, ChatMessage(role="assistant", text="Beginners. [1]", reply_to=asked.id)
    )
    assert asked.id is not None and reply.id is not None
    return summary.id, asked.id, reply.id


def test_a_regenerated_answer_starts_unrated_and_the_first_keeps_its_rating(
    store: ChatStore,
) -> None:
    chat, asked, first = answered(store, "Who is StatQuest for?")
    store.rate(A, chat, first, 0, comment="Too short.")
    again = store.append(
        A, chat, ChatMessage(role="assistant", text="Beginners in statistics. [1]", reply_to=asked)
    )
    assert again.id is not None
    assert set(store.ratings(A, chat)) == {first}  # the new reply has no rating yet
    store.rate(A, chat, again.id, 1)
    kept = store.ratings(A, chat)
    assert (kept[first].rating, kept[first].comment) == (0, "Too short.")
    assert (kept[again.id].rating, kept[again.id].comment) == (1, "")
    rows = FeedbackStore(store.db).list()  # `advisor feedback` lists both answers' ratings
    assert sorted((r.answer, r.rating) for r in rows) == [
        ("Beginners in statistics. [1]", 1),
        ("Beginners. [1]", 0),
    ]


def test_a_chats_ratings_are_its_own(store: ChatStore) -> None:
    one, _, rated = answered(store, "Who is StatQuest for?")
    other, _, _ = answered(store, "What is fast.ai?")
    store.rate(A, one, rated, 1, comment="Clear.")
    assert store.ratings(A, other) == {}
    assert [r.comment for r in store.ratings(A, one).values()] == ["Clear."]
