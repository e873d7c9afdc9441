"""What a chat keeps beside its messages: the learner profile, plan progress and ratings.

Functions run inside the store's transaction. A profile or plan given for chat None belongs
to the browser's chat not started yet; `take_draft` moves it into the chat that starts.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from advisor.chats.records import (
    MAX_COMMENT_CHARS,
    ChatNotFound,
    PlanProgress,
    Rating,
    answer_from_json,
    check_browser,
    check_chat,
)
from advisor.chats.rows import insert_new
from advisor.chats.schema import browsers, chats, feedback, messages
from advisor.errors import InputError
from advisor.planning.profile import Profile


def owned(conn: Connection, browser: str, chat_id: str) -> bool:
    """Whether the chat exists and belongs to this browser."""
    found = conn.execute(
        select(chats.c.id).where(chats.c.id == chat_id, chats.c.browser == browser)
    ).first()
    return found is not None


def _column(conn: Connection, browser: str, chat_id: str | None, name: str) -> str | None:
    """The JSON text in column `name` of the chat, or of the browser's unstarted chat."""
    check_browser(browser)
    if chat_id is None:
        found = conn.execute(select(browsers.c[name]).where(browsers.c.id == browser)).first()
        return None if found is None else found[0]
    check_chat(chat_id)
    found = conn.execute(
        select(chats.c[name]).where(chats.c.id == chat_id, chats.c.browser == browser)
    ).first()
    if found is None:
        raise ChatNotFound("no such chat in this browser: it may have been deleted")
    return found[0]


def read_profile(conn: Connection, browser: str, chat_id: str | None) -> Profile:
    """The saved profile (empty when none, or when saved by a version with other fields)."""
    raw = _column(conn, browser, chat_id, "profile")
    if not raw:
        return Profile()
    try:
        return Profile.from_dict(json.loads(raw))
    except (InputError, ValueError, TypeError):
        return Profile()


def read_plan(conn: Connection, browser: str, chat_id: str | None) -> PlanProgress:
    """The saved plan progress (no step done when none)."""
    return PlanProgress.from_json(_column(conn, browser, chat_id, "plan"))


def write(
    conn: Connection,
    browser: str,
    chat_id: str | None,
    *,
    now: str,
    profile: Profile | None = None,
    plan: PlanProgress | None = None,
) -> None:
    """Keep a profile and/or plan with a chat (None: with the browser's unstarted chat)."""
    check_browser(browser)
    values: dict[str, Any] = {}
    if profile is not None:
        values["profile"] = json.dumps(profile.to_dict())
    if plan is not None:
        values["plan"] = plan.to_json()
    if chat_id is None:
        insert_new(conn, browsers, {"id": browser, "issued_at": now})
        conn.execute(update(browsers).where(browsers.c.id == browser).values(values))
        return
    check_chat(chat_id)
    done = conn.execute(
        update(chats).where(chats.c.id == chat_id, chats.c.browser == browser).values(values)
    )
    if done.rowcount != 1:
        raise ChatNotFound("no such chat in this browser: it may have been deleted")


def take_draft(conn: Connection, browser: str) -> tuple[str | None, str | None]:
    """The (profile, plan) JSON of the browser's unstarted chat, cleared for the next one."""
    found = conn.execute(
        select(browsers.c.profile, browsers.c.plan).where(browsers.c.id == browser)
    ).first()
    if found is None or (found[0] is None and found[1] is None):
        return None, None
    conn.execute(update(browsers).where(browsers.c.id == browser).values(profile=None, plan=None))
    return found[0], found[1]


def rate(
    conn: Connection,
    chat_id: str,
    message_id: int,
    rating: int,
    comment: str | None,
    now: str,
) -> Rating:
    """Insert or change the one rating of an answer in this chat (checked to be one)."""
    if rating not in (0, 1):
        raise InputError(f"rating must be 1 (up) or 0 (down), not {rating!r}")
    answer = conn.execute(
        select(messages.c.reply_to, messages.c.text, messages.c.answer).where(
            messages.c.id == message_id,
            messages.c.chat_id == chat_id,
            messages.c.role == "assistant",
        )
    ).first()
    if answer is None:
        raise InputError(f"message {message_id} is not an answer in this chat")
    reply_to, text, answer_json = answer
    asked = conn.execute(select(messages.c.text).where(messages.c.id == reply_to)).scalar()
    full = answer_from_json(json.loads(answer_json)) if answer_json else None
    values: dict[str, Any] = {
        "created_at": now,
        "updated_at": now,
        "question": str(asked or ""),
        "answer": text,
        "backend": full.backend if full else "",
        "source_ids": json.dumps([s.id for s in full.sources] if full else []),
        "rating": rating,
        "comment": clip(comment or ""),
        "chat_id": chat_id,
        "message_id": message_id,
    }
    changed = {"rating": rating, "updated_at": now}
    if comment is not None:
        changed["comment"] = clip(comment)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(feedback)
        .values(values)
        .on_conflict_do_update(index_elements=["chat_id", "message_id"], set_=changed)
    )
    return ratings(conn, chat_id)[message_id]


def ratings(conn: Connection, chat_id: str) -> dict[int, Rating]:
    """The chat's ratings by rated message id."""
    found = conn.execute(
        select(
            feedback.c.message_id,
            feedback.c.rating,
            feedback.c.comment,
            feedback.c.created_at,
            feedback.c.updated_at,
        ).where(feedback.c.chat_id == chat_id)
    ).all()
    return {
        int(message_id): Rating(
            message_id=int(message_id),
            rating=int(rating),
            comment=str(comment or ""),
            created_at=created_at,
            updated_at=updated_at or created_at,
        )
        for message_id, rating, comment, created_at, updated_at in found
    }


def clip(comment: str) -> str:
    """A comment as stored: trimmed, at most MAX_COMMENT_CHARS."""
    return comment.strip()[:MAX_COMMENT_CHARS]
