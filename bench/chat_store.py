"""The chat store's calls on SQLite and on PostgreSQL: milliseconds per call, and the ratio.

    .venv/bin/python bench/chat_store.py          # a temp SQLite file, a throwaway PostgreSQL
    .venv/bin/python bench/chat_store.py --chats 50 --turns 5 --url postgresql://u:p@host/db

One store per database; --chats chats of --turns question/answer pairs each, then every
chat read back (`messages`), polled (`version`, what each app rerun does), its profile
saved and read, and its last answer rated twice. Prints the median and p95 of each call
and PostgreSQL's median over SQLite's. The machine's load average is printed beside them:
other processes share the cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from advisor.chats import ChatMessage, ChatStore, new_browser_id
from advisor.planning.profile import Profile

CALLS = ("start", "append", "messages", "version", "set_profile", "profile", "rate")


@contextmanager
def timed(samples: dict[str, list[float]], name: str) -> Iterator[None]:
    """Add the block's wall time (ms) to samples[name]."""
    began = time.perf_counter()
    yield
    samples[name].append((time.perf_counter() - began) * 1000)


def run(url: str, chats: int, turns: int) -> dict[str, list[float]]:
    """Milliseconds of every call, by call name."""
    store = ChatStore(url, max_chats=chats + 1)
    store.issue_browser()  # migrate before timing
    samples: dict[str, list[float]] = {name: [] for name in CALLS}
    browser = new_browser_id()
    profile = Profile(python="some", hours_per_week=10.0)
    for n in range(chats):
        with timed(samples, "start"):
            chat, question = store.start(browser, ChatMessage(role="user", text=f"Question {n}"))
        for t in range(turns):
            if t:
                with timed(samples, "append"):
                    question = store.append(browser, chat.id, ChatMessage(role="user", text="q"))
            answer = ChatMessage(role="assistant", text="An answer. [1]", reply_to=question.id)
            with timed(samples, "append"):
                reply = store.append(browser, chat.id, answer)
        with timed(samples, "messages"):
            store.messages(browser, chat.id)
        with timed(samples, "version"):
            store.version(browser, chat.id)
        with timed(samples, "set_profile"):
            store.set_profile(browser, chat.id, profile)
        with timed(samples, "profile"):
            store.profile(browser, chat.id)
        assert reply.id is not None
        for rating in (1, 0):
            with timed(samples, "rate"):
                store.rate(browser, chat.id, reply.id, rating)
    store.close()
    return samples


@contextmanager
def databases(urls: list[str]) -> Iterator[list[tuple[str, str]]]:
    """(label, URL) pairs: the given URLs, else a temp SQLite file and a throwaway PostgreSQL."""
    if urls:
        yield [(url.split(":", 1)[0], url) for url in urls]
        return
    from tests.postgres import postgres_server

    with tempfile.TemporaryDirectory() as folder, postgres_server() as pg:
        yield [
            ("sqlite", f"sqlite:///{Path(folder) / 'chats.sqlite3'}"),
            ("postgresql", pg.new_database()),
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=30)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--url", action="append", default=[], help="a database URL (repeatable)")
    args = parser.parse_args()
    medians: dict[str, dict[str, float]] = {}
    with databases(args.url) as targets:
        for label, url in targets:
            samples = run(url, args.chats, args.turns)
            load = os.getloadavg()[0]
            print(f"{label}: {args.chats} chats x {args.turns} turns (load average {load:.1f})")
            medians[label] = {}
            for name, values in samples.items():
                values.sort()
                p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
                medians[label][name] = statistics.median(values)
                print(f"  {name:12} median {medians[label][name]:6.2f} ms   p95 {p95:6.2f} ms")
    if {"sqlite", "postgresql"} <= set(medians):
        print("postgresql / sqlite, median per call:")
        for name in CALLS:
            ratio = medians["postgresql"][name] / medians["sqlite"][name]
            print(f"  {name:12} {ratio:5.2f}x")


if __name__ == "__main__":
    main()
