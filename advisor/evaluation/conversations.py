"""The conversation set: multi-turn chats scored turn by turn (facts, repeats, lead-ins, notes)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from advisor.evaluation.run import contains
from advisor.records import Answer

_CITATION = re.compile(r"\s*\[\d+\]")
_LIST_ITEM = re.compile(r"\s*\n\s*(?:[-*+]|\d+[.)])\s")
_LEAD_IN = re.compile(r":[ \t]*((?:\[\d+\][ \t]*)*)")
_SENTENCE = re.compile(r"[^.!?…\n]+[.!?…]*(?:\s*\[\d+\])*")
"""A sentence with the citations that follow it."""


@dataclass(frozen=True)
class ChatTurn:
    """One user message and what its answer must (and must not) say."""

    user: str
    kind: str
    must: tuple[tuple[str, ...], ...] = ()
    """Groups of alternative phrasings; the answer contains one phrase of every group."""
    must_not: tuple[str, ...] = ()
    uncovered: tuple[str, ...] = ()
    """A qualifier the sources lack; the answer carries an uncited note naming one of these."""
    off_topic: bool = False


@dataclass(frozen=True)
class Conversation:
    """A short chat of 1-4 turns, in the `tune` or the `check` half of the set, or `holdout`
    (written after the tuning ended, never used to tune)."""

    id: str
    split: str
    turns: tuple[ChatTurn, ...]


@dataclass
class TurnResult:
    """How one answered turn fared."""

    conversation: str
    split: str
    index: int
    user: str
    searched_for: str
    refused: bool
    problems: list[str] = field(default_factory=list)
    kind: str = ""
    """The turn kind the classifier gave ("" when not classified)."""

    @property
    def right(self) -> bool:
        """True when the turn met every expectation."""
        return not self.problems


def load_conversations(name: str = "conversations.json") -> list[Conversation]:
    """A bundled conversation set: the tune/check/holdout set by default, or another file
    of advisor/evaluation/ (conversations_holdout2.json, written from the guide alone)."""
    folder = resources.files("advisor.evaluation")
    data = json.loads(folder.joinpath(name).read_text(encoding="utf-8"))
    return [
        Conversation(
            c["id"],
            c["split"],
            tuple(
                ChatTurn(
                    t["user"],
                    t["kind"],
                    tuple(tuple(g) for g in t.get("must", [])),
                    tuple(t.get("must_not", [])),
                    tuple(t.get("uncovered", [])),
                    bool(t.get("off_topic", False)),
                )
                for t in c["turns"]
            ),
        )
        for c in data["conversations"]
    ]


def plain(text: str) -> str:
    """Answer text without citations or surrounding space (for repeat detection)."""
    return re.sub(r"\s+", " ", _CITATION.sub("", text)).strip().lower()


def dangling_lead_ins(text: str) -> int:
    """Sentences ending in ':' that no list follows (a lead-in quoted without its list)."""
    count = 0
    for match in _LEAD_IN.finditer(text):
        rest = text[match.end() :]
        if _LIST_ITEM.match(rest):
            continue  # the list follows on the next lines
        if match.group(1) or not rest.strip() or rest.startswith("\n"):
            count += 1  # nothing, or a new sentence, after the colon
    return count


def has_note(text: str, terms: Sequence[str]) -> bool:
    """Whether an uncited sentence of the answer names one of `terms`, in the singular or the
    plural (the "not covered" note: "bootcamps" names "bootcamp")."""
    for sentence in _SENTENCE.findall(text):
        if not sentence.strip() or re.search(r"\[\d+\]", sentence):
            continue
        if any(re.search(rf"\b{re.escape(t)}(?:s|es)?\b", sentence, re.I) for t in terms):
            return True
    return False


def judge(turn: ChatTurn, answer: Answer, previous: Answer | None) -> list[str]:
    """The problems of one answer (empty when the turn is right)."""
    if turn.off_topic:
        return [] if answer.refused else ["off-topic answered"]
    if answer.refused:
        return ["in-scope refused"]
    problems = [f"missing {group[0]!r}" for group in turn.must if not contains(answer.text, group)]
    problems += [f"contains {p!r}" for p in turn.must_not if contains(answer.text, [p])]
    if previous is not None and not previous.refused and plain(previous.text) == plain(answer.text):
        problems.append("verbatim repeat")
    if dangling_lead_ins(answer.text):
        problems.append("dangling lead-in")
    if turn.uncovered and not has_note(answer.text, turn.uncovered):
        problems.append(f"no note on {turn.uncovered[0]}")
    return problems


Ask = Callable[[str, list[tuple[str, str]]], Answer]
Classify = Callable[[str, list[tuple[str, str]]], str]


def run_conversations(
    ask: Ask, conversations: Sequence[Conversation], classify: Classify | None = None
) -> list[TurnResult]:
    """Play every conversation through `ask`, passing each earlier turn as history."""
    results: list[TurnResult] = []
    for conv in conversations:
        history: list[tuple[str, str]] = []
        previous: Answer | None = None
        for i, turn in enumerate(conv.turns):
            answer = ask(turn.user, list(history))
            results.append(
                TurnResult(
                    conv.id,
                    conv.split,
                    i,
                    turn.user,
                    answer.question,
                    answer.refused,
                    judge(turn, answer, previous),
                    classify(turn.user, list(history)) if classify else "",
                )
            )
            history += [("user", turn.user), ("assistant", answer.text)]
            previous = answer
    return results


def summarize(
    conversations: Sequence[Conversation], results: Sequence[TurnResult]
) -> dict[str, Any]:
    """Turns right (overall and per split), repeats, lead-ins, notes and refusals."""
    turns = {(c.id, i): t for c in conversations for i, t in enumerate(c.turns)}

    def count(problem: str) -> int:
        return sum(any(p.startswith(problem) for p in r.problems) for r in results)

    def share(rows: Sequence[TurnResult]) -> float:
        return sum(r.right for r in rows) / max(1, len(rows))

    off = [r for r in results if turns[(r.conversation, r.index)].off_topic]
    in_scope = [r for r in results if not turns[(r.conversation, r.index)].off_topic]
    expected_notes = [r for r in results if turns[(r.conversation, r.index)].uncovered]
    kinds = [(r, turns[(r.conversation, r.index)].kind) for r in results if r.kind]
    follow = [(r.kind == "follow_up", kind == "follow_up") for r, kind in kinds]
    classified = (
        {
            "kinds_right": sum(r.kind == kind for r, kind in kinds) / len(kinds),
            "follow_ups_found": sum(got and want for got, want in follow)
            / max(1, sum(want for _, want in follow)),
            "follow_ups_false": sum(got and not want for got, want in follow),
        }
        if kinds
        else {}
    )
    return classified | {
        "conversations": len(conversations),
        "turns": len(results),
        "turns_right": share(results),
        "turns_right_count": sum(r.right for r in results),
        "by_split": {
            split: share([r for r in results if r.split == split])
            for split in ("tune", "check", "holdout")
            if any(r.split == split for r in results)
        },
        "verbatim_repeats": count("verbatim repeat"),
        "dangling_lead_ins": count("dangling lead-in"),
        "notes_expected": len(expected_notes),
        "notes_given": sum(
            not r.refused and not any(p.startswith("no note") for p in r.problems)
            for r in expected_notes
        ),
        "off_topic_refused": sum(r.refused for r in off),
        "off_topic_turns": len(off),
        "in_scope_refused": sum(r.refused for r in in_scope),
        "in_scope_turns": len(in_scope),
        "wrong": [
            {
                "turn": f"{r.conversation}#{r.index + 1}",
                "user": r.user,
                "searched_for": r.searched_for,
                "problems": r.problems,
            }
            for r in results
            if not r.right
        ],
    }
