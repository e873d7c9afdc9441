"""ChatStore: saved chats round-trip, stay per browser, stay bounded, and lose nothing
when two tabs (threads or processes) write to one chat at once."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from advisor import Answer, InputError, Settings, Source
from advisor.chats import ChatMessage, ChatNotFound, ChatStore, new_browser_id
from advisor.chats.schema import messages
from advisor.records import Usage

A, B = new_browser_id(), new_browser_id()


class Clock:
    """A settable clock for the age caps."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: float) -> None:
        self.now += timedelta(days=days)


def ask(text: str) -> ChatMessage:
    return ChatMessage(role="user", text=text)


def reply(to: ChatMessage, text: str = "An answer. [1]", **kw: object) -> ChatMessage:
    return ChatMessage(role="assistant", text=text, reply_to=to.id, **kw)  # type: ignore[arg-type]


def an_answer() -> Answer:
    source = Source(
        id="guide-0017",
        text="PyTorch is the better first choice.",
        title="How to Become an AI and Machine Learning Engineer in 2026",
        section="Frequently Asked Questions > Should I learn PyTorch or TensorFlow first?",
        source="guide.md",
        url="",
        score=0.8123,
        kind="guide",
        step=5,
        matches=(("PyTorch is the better first choice.", 0.71),),
    )
    return Answer(
        text="PyTorch is the better first choice in 2026. [1]",
        sources=[source],
        backend="extractive",
        usage=Usage(prompt_tokens=1078, completion_tokens=16, estimated=True),
        question="Should I learn PyTorch or TensorFlow first?",
        unsupported_numbers=("42",),
        warning="note",
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(chat_db: str, clock: Clock) -> Iterator[ChatStore]:
    """A store on a new database of each kind (SQLite file, PostgreSQL), small caps."""
    store = ChatStore(chat_db, max_chats=3, max_days=30, clock=clock)
    yield store
    store.close()


def message_rows(store: ChatStore) -> int:
    """How many message rows the database holds (any chat)."""
    with store.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(messages)).scalar_one())


def url(store: ChatStore) -> str:
    """The store's database URL, for another store (another tab, process or replica)."""
    return store.db.url.render_as_string(hide_password=False)


def test_a_chat_round_trips_with_its_whole_answer(store: ChatStore) -> None:
    chat, question = store.start(A, ask("  PyTorch or\nTensorFlow first?  "))
    assert chat.title == "PyTorch or TensorFlow first?" and chat.messages == 1
    answer = an_answer()
    saved = store.append(A, chat.id, reply(question, answer.text, answer=answer, extra={"n": 1}))
    stopped = store.append(A, chat.id, reply(question, "Partial", status="stopped"))
    assert question.id is not None and question.id < saved.id < stopped.id  # type: ignore[operator]

    again = ChatStore(url(store)).messages(A, chat.id)  # a fresh store reads the same data
    assert [m.role for m in again] == ["user", "assistant", "assistant"]
    assert again[0].text == "  PyTorch or\nTensorFlow first?  "
    assert again[1].answer == answer  # sources, rewritten question and all
    assert again[1].answer.sources[0].matches == answer.sources[0].matches  # type: ignore[union-attr]
    assert again[1].extra == {"n": 1} and again[1].reply_to == question.id
    assert (again[2].status, again[2].answer) == ("stopped", None)
    assert store.version(A, chat.id) == (3, stopped.id)
    assert store.get(A, chat.id).messages == 3


def test_listed_newest_first_and_renamed(store: ChatStore, clock: Clock) -> None:
    first, q1 = store.start(A, ask("First question"))
    second, _ = store.start(A, ask("Second question " + "x" * 200))
    assert len(second.title) == 80 and second.title.endswith("…")
    assert [c.id for c in store.chats(A)] == [second.id, first.id]
    store.append(A, first.id, reply(q1))  # activity moves a chat to the top
    assert [c.id for c in store.chats(A)] == [first.id, second.id]

    renamed = store.rename(A, second.id, "  My   plan\n")
    assert renamed.title == "My plan"
    assert [c.id for c in store.chats(A)] == [first.id, second.id]  # renaming is not activity
    with pytest.raises(InputError):
        store.rename(A, second.id, "   ")


def test_delete_removes_the_chat_and_its_messages(store: ChatStore) -> None:
    keep, _ = store.start(A, ask("keep me"))
    gone, q = store.start(A, ask("delete me"))
    store.append(A, gone.id, reply(q))
    store.delete(A, gone.id)
    assert [c.id for c in store.chats(A)] == [keep.id]
    with pytest.raises(ChatNotFound):
        store.messages(A, gone.id)
    assert message_rows(store) == 1


def test_another_browser_sees_nothing_and_cannot_touch_a_guessed_chat(store: ChatStore) -> None:
    chat, _ = store.start(A, ask("mine"))
    assert store.chats(B) == []
    for attempt in (
        lambda: store.messages(B, chat.id),
        lambda: store.version(B, chat.id),
        lambda: store.get(B, chat.id),
        lambda: store.append(B, chat.id, ask("hijack")),
        lambda: store.rename(B, chat.id, "hijacked"),
        lambda: store.delete(B, chat.id),
    ):
        with pytest.raises(ChatNotFound):
            attempt()
    assert store.get(A, chat.id).title == "mine" and store.get(A, chat.id).messages == 1


def test_malformed_ids_are_refused(store: ChatStore) -> None:
    chat, _ = store.start(A, ask("mine"))
    for browser in ("", "short", "x" * 65, "a' OR '1'='1' --......", None):
        with pytest.raises(InputError):
            store.chats(browser)  # type: ignore[arg-type]
    for chat_id in ("", "1", "../../etc/passwd", chat.id + "'"):
        with pytest.raises(ChatNotFound):
            store.messages(A, chat_id)
    _, other_q = store.start(A, ask("other"))
    with pytest.raises(InputError, match="not a question in this chat"):
        store.append(A, chat.id, reply(other_q))  # a reply to another chat's question
    with pytest.raises(InputError):
        ChatMessage(role="assistant", text="no question")
    with pytest.raises(InputError):
        ChatMessage(role="user", text="x", status="finished")


def test_the_number_of_chats_per_browser_is_capped(store: ChatStore) -> None:
    ids = [store.start(A, ask(f"question {n}"))[0].id for n in range(5)]
    other, _ = store.start(B, ask("another browser"))
    assert [c.id for c in store.chats(A)] == ids[:1:-1]  # the newest 3, newest first
    assert [c.id for c in store.chats(B)] == [other.id]  # one browser's cap spares the other
    with pytest.raises(ChatNotFound):
        store.messages(A, ids[0])


def test_old_chats_are_hidden_dropped_and_cleaned_up(store: ChatStore, clock: Clock) -> None:
    old, _ = store.start(A, ask("old"))
    old_b, _ = store.start(B, ask("old elsewhere"))
    clock.advance(20)
    recent, _ = store.start(A, ask("recent"))
    clock.advance(15)  # old is 35 days old now: past max_days=30
    assert [c.id for c in store.chats(A)] == [recent.id]
    assert len(store.all_chats()) == 3  # hidden, not yet deleted
    store.start(A, ask("newest"))  # starting a chat drops this browser's expired ones
    assert {c.id for c in store.all_chats()} >= {old_b.id} and old.id not in {
        c.id for c in store.all_chats()
    }
    assert store.delete_older_than(10) == 2  # old_b (35 days) and recent (15 days)
    assert [c.title for c in store.all_chats()] == ["newest"]
    assert store.delete_older_than(10) == 0
    with pytest.raises(InputError):
        store.delete_older_than(-1)


def test_nothing_is_created_by_listing_an_absent_file(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "absent.sqlite3")
    assert store.all_chats() == [] and store.delete_older_than(0) == 0
    assert not store.path.exists()


def test_settings_name_the_caps(tmp_path: Path) -> None:
    env = {"ADVISOR_FEEDBACK_DB": str(tmp_path / "f.db"), "ADVISOR_MAX_CHATS": "7"}
    store = ChatStore.from_settings(Settings.from_env(env={**env, "ADVISOR_CHAT_DAYS": "1.5"}))
    assert (store.path, store.max_chats, store.max_days) == (tmp_path / "f.db", 7, 1.5)
    from advisor import ConfigurationError

    with pytest.raises(ConfigurationError, match="ADVISOR_MAX_CHATS"):
        Settings.from_env(env={"ADVISOR_MAX_CHATS": "0"})
    with pytest.raises(ConfigurationError, match="ADVISOR_CHAT_DAYS"):
        Settings.from_env(env={"ADVISOR_CHAT_DAYS": "0"})


def test_shares_the_feedback_file(tmp_path: Path) -> None:
    from advisor.feedback import FeedbackRecord, FeedbackStore

    path = tmp_path / "feedback.sqlite3"
    FeedbackStore(path).add(
        FeedbackRecord(question="q", answer="a", backend="fake", source_ids=[], rating=1)
    )
    ChatStore(path).start(A, ask("q"))
    assert len(FeedbackStore(path).list()) == 1 and len(ChatStore(path).chats(A)) == 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


PER_WRITER = 30


def _write(target: str, browser: str, chat_id: str, question_id: int, tag: str) -> None:
    store = ChatStore(target)  # its own store and connections, as another tab's session has
    for n in range(PER_WRITER):
        message = ChatMessage(role="assistant", text=f"{tag}{n}", reply_to=question_id)
        store.append(browser, chat_id, message)
    store.close()


def _check_all_landed(store: ChatStore, chat_id: str, tags: list[str]) -> None:
    texts = [m.text for m in store.messages(A, chat_id)][1:]
    assert len(texts) == len(tags) * PER_WRITER
    for tag in tags:
        mine = [t for t in texts if t.startswith(tag)]
        assert mine == [f"{tag}{n}" for n in range(PER_WRITER)]  # each writer's order kept
    assert store.version(A, chat_id)[0] == 1 + len(tags) * PER_WRITER


def test_two_tabs_writing_at_once_lose_nothing_threads(store: ChatStore) -> None:
    chat, question = store.start(A, ask("busy chat"))
    tags = ["a", "b", "c"]
    threads = [
        threading.Thread(target=_write, args=(url(store), A, chat.id, question.id, t)) for t in tags
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    _check_all_landed(store, chat.id, tags)


def test_two_tabs_writing_at_once_lose_nothing_processes(store: ChatStore) -> None:
    chat, question = store.start(A, ask("busy chat"))
    tags = ["p", "q"]
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=_write, args=(url(store), A, chat.id, question.id, t)) for t in tags
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    _check_all_landed(store, chat.id, tags)


def test_a_chat_keeps_its_profile_and_plan(store: ChatStore) -> None:
    from advisor.chats import PlanProgress
    from advisor.planning.profile import Profile

    draft = Profile(python="some", hours_per_week=8.0, target_role="Machine Learning Engineer")
    store.set_profile(A, None, draft)  # the form filled before the first question
    store.set_plan(A, None, PlanProgress(done=frozenset({1, 2})))
    assert store.profile(A, None) == draft and store.profile(B, None) == Profile()
    chat, _ = store.start(A, ask("PyTorch first?"))  # the chat takes them over
    assert store.profile(A, chat.id) == draft
    assert store.plan(A, chat.id).done == {1, 2}
    assert store.profile(A, None) == Profile() and store.plan(A, None).done == frozenset()

    changed = Profile(python="some", math="none", hours_per_week=5.0, programming="professional")
    store.set_profile(A, chat.id, changed)
    store.set_plan(A, chat.id, PlanProgress(done=frozenset({3})))
    again = ChatStore(url(store))  # a reload: another store on the same database
    assert again.profile(A, chat.id) == changed and again.plan(A, chat.id).done == {3}
    other, _ = store.start(A, ask("Another chat"))
    assert store.profile(A, other.id) == Profile()  # each chat has its own
    with pytest.raises(ChatNotFound):
        store.set_profile(B, chat.id, Profile())  # another browser cannot touch it
    with pytest.raises(ChatNotFound):
        store.plan(B, chat.id)
    assert store.profile(A, chat.id) == changed


def test_rating_again_changes_the_one_rating_and_reads_back(store: ChatStore) -> None:
    from advisor.feedback import FeedbackStore

    chat, question = store.start(A, ask("Who is StatQuest for?"))
    answer = store.append(A, chat.id, reply(question, an_answer().text, answer=an_answer()))
    assert answer.id is not None and question.id is not None
    first = store.rate(A, chat.id, answer.id, 1)
    assert (first.rating, first.comment) == (1, "")
    store.rate(A, chat.id, answer.id, 1)  # the same thumb again
    changed = store.rate(A, chat.id, answer.id, 0, comment="  Too vague.  ")
    assert (changed.rating, changed.comment, changed.created_at) == (
        0,
        "Too vague.",
        first.created_at,
    )
    assert store.rate(A, chat.id, answer.id, 1).comment == "Too vague."  # None keeps it
    assert store.ratings(A, chat.id) == {answer.id: store.ratings(A, chat.id)[answer.id]}
    assert store.ratings(A, chat.id)[answer.id].rating == 1

    rows = FeedbackStore(store.db).list()  # one row for `advisor feedback`, with the context
    assert len(rows) == 1
    assert (rows[0].question, rows[0].answer, rows[0].backend) == (
        "Who is StatQuest for?",
        an_answer().text,
        "extractive",
    )
    assert rows[0].source_ids == ["guide-0017"]
    with pytest.raises(InputError, match="not an answer"):
        store.rate(A, chat.id, question.id, 1)  # a question is not an answer
    with pytest.raises(InputError):
        store.rate(A, chat.id, answer.id, 5)
    with pytest.raises(ChatNotFound):
        store.rate(B, chat.id, answer.id, 0)
    with pytest.raises(ChatNotFound):
        store.ratings(B, chat.id)
    store.delete(A, chat.id)  # the chat goes; the rating stays for `advisor feedback`
    assert len(FeedbackStore(store.db).list()) == 1
