"""What a saved chat is made of: messages, chat summaries, ids, and the Answer as JSON."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from advisor.errors import AdvisorError, InputError
from advisor.records import Answer, Source, Usage

ROLES = ("user", "assistant")
STATUSES = ("complete", "stopped", "interrupted", "error")
"""complete: a whole answer; stopped: cut by the user; interrupted: cut by a reload or a
crash; error: a message shown instead of an answer. A question with no reply at all is
shown as interrupted too."""
TITLE_CHARS = 80
"""Longest chat title kept (a longer first question is shortened with an ellipsis)."""

_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_CHAT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class ChatNotFound(InputError):
    """No chat with this id belongs to this browser (unknown, deleted or someone else's)."""


class DatabaseUnavailable(AdvisorError):
    """The chat database cannot be opened, reached or written right now."""


def new_browser_id() -> str:
    """A fresh anonymous browser id: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def new_chat_id() -> str:
    """A fresh chat id: 72 random bits, URL-safe."""
    return secrets.token_urlsafe(9)


def is_browser_id(value: object) -> bool:
    """Whether `value` has the shape of a browser id (16-64 URL-safe characters)."""
    return isinstance(value, str) and _BROWSER_ID.fullmatch(value) is not None


def is_chat_id(value: object) -> bool:
    """Whether `value` has the shape of a chat id (8-64 URL-safe characters)."""
    return isinstance(value, str) and _CHAT_ID.fullmatch(value) is not None


def check_browser(value: object) -> str:
    """The browser id itself, or InputError when it is malformed."""
    if not is_browser_id(value):
        raise InputError("not a valid browser id: expected 16-64 letters, digits, '-' or '_'")
    assert isinstance(value, str)
    return value


def check_chat(value: object) -> str:
    """The chat id itself, or ChatNotFound when it is malformed (it cannot exist)."""
    if not is_chat_id(value):
        raise ChatNotFound("no such chat: a chat id is 8-64 letters, digits, '-' or '_'")
    assert isinstance(value, str)
    return value


def make_title(text: str) -> str:
    """A one-line chat title from a question or a new name (InputError when empty)."""
    title = " ".join(text.split())
    if not title:
        raise InputError("a chat title cannot be empty")
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1].rstrip() + "…"
    return title


@dataclass(frozen=True, kw_only=True)
class ChatMessage:
    """One saved message: a question, or what came back for one (an answer or a notice)."""

    role: str
    """"user" (a question) or "assistant" (its answer, or a message shown instead)."""
    text: str
    """The question, the answer text, or the message shown instead of an answer."""
    status: str = "complete"
    """One of STATUSES."""
    reply_to: int | None = None
    """For an assistant message: the id of the question it answers."""
    answer: Answer | None = None
    """The whole answer (sources, rewritten question, backend, ...) when there is one."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Details a surface keeps with the message (JSON-serialisable), e.g. the app's notes."""
    id: int | None = None
    """Row id, set once stored; ids grow in the order messages were saved."""
    created_at: str = ""
    """ISO 8601 time (UTC) it was saved."""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise InputError(f"message role must be one of {', '.join(ROLES)}")
        if self.status not in STATUSES:
            raise InputError(f"message status must be one of {', '.join(STATUSES)}")
        if self.role == "user" and (self.reply_to is not None or self.answer is not None):
            raise InputError("a question carries no answer and replies to nothing")
        if self.role == "assistant" and self.reply_to is None:
            raise InputError("an answer must say which question it replies to (reply_to)")

    def to_dict(self) -> dict[str, Any]:
        """JSON shape (the answer in full, so it can be shown again exactly)."""
        return {
            "id": self.id,
            "created_at": self.created_at,
            "role": self.role,
            "text": self.text,
            "status": self.status,
            "reply_to": self.reply_to,
            "answer": answer_to_json(self.answer) if self.answer else None,
            "extra": dict(self.extra),
        }


@dataclass(frozen=True, kw_only=True)
class ChatSummary:
    """One chat as listed: its id, owner, title, size and times."""

    id: str
    browser: str
    title: str
    created_at: str
    updated_at: str
    """Time of its last message (renaming does not change it)."""
    messages: int = 0
    """How many messages (questions and answers) it holds."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `advisor chats --json`."""
        return asdict(self)


_SOURCE_FIELDS = {f.name for f in fields(Source)}
_ANSWER_FIELDS = {f.name for f in fields(Answer)}


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """Every field of an Answer and its Sources (unlike `Answer.to_dict`, which drops some)."""
    data = asdict(answer)
    data["unsupported_numbers"] = list(answer.unsupported_numbers)
    for source in data["sources"]:
        source["matches"] = [list(pair) for pair in source["matches"]]
    return data


def answer_from_json(data: dict[str, Any]) -> Answer:
    """The Answer `answer_to_json` wrote (unknown keys, e.g. from a newer version, ignored)."""
    sources = []
    for raw in data.get("sources", []):
        values = {k: v for k, v in raw.items() if k in _SOURCE_FIELDS}
        values["matches"] = tuple((str(t), float(s)) for t, s in values.get("matches", ()))
        sources.append(Source(**values))
    values = {k: v for k, v in data.items() if k in _ANSWER_FIELDS and k != "sources"}
    values["unsupported_numbers"] = tuple(values.get("unsupported_numbers", ()))
    if isinstance(usage := values.get("usage"), dict):  # asdict wrote the Usage as a dict
        names = {f.name for f in fields(Usage)}
        values["usage"] = Usage(**{k: v for k, v in usage.items() if k in names})
    return Answer(sources=sources, **values)


MAX_COMMENT_CHARS = 2_000
"""A longer comment is cut to this many characters."""


@dataclass(frozen=True, kw_only=True)
class Rating:
    """A thumbs up (1) or down (0) on one saved answer, and the comment written under it."""

    message_id: int
    """The rated answer's message id in its chat."""
    rating: int
    """1 = thumbs up, 0 = thumbs down."""
    comment: str = ""
    """What the user wrote about the answer, if anything."""
    created_at: str = ""
    """ISO 8601 time (UTC) of the first rating."""
    updated_at: str = ""
    """ISO 8601 time (UTC) of the last change (rating or comment)."""

    def __post_init__(self) -> None:
        if self.rating not in (0, 1):
            raise InputError(f"rating must be 1 (up) or 0 (down), not {self.rating!r}")


@dataclass(frozen=True, kw_only=True)
class PlanProgress:
    """How far the learner got with a chat's plan: the step numbers ticked as done.

    The plan's inputs (skills, weekly hours, target role) are the chat's learner profile,
    kept beside it with `ChatStore.set_profile`.
    """

    done: frozenset[int] = frozenset()
    """Numbers of the plan steps ticked as done."""

    def to_json(self) -> str:
        """JSON text as stored."""
        return json.dumps({"done": sorted(self.done)})

    @classmethod
    def from_json(cls, text: str | None) -> PlanProgress:
        """Read what `to_json` wrote (nothing saved: no step done)."""
        if not text:
            return cls()
        data = json.loads(text)
        return cls(done=frozenset(int(n) for n in data.get("done", ())))
