"""Comparing rankings the way a person would: records whose scores tie are the same rank.

Scores that differ only by float noise (two records at 0.26185727 and 0.26185731) come out
in either order depending on the CPU's float kernels, so a test that compares orderings
compares tie groups, never the order inside one.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

TIE = 1e-6
"""Scores closer than this are a tie."""

Ranked = Sequence[tuple[str, float]]


def tie_groups(ranking: Ranked, tie: float = TIE) -> list[tuple[int, int]]:
    """(start, end) position ranges of neighbours whose scores chain within `tie`."""
    groups: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(ranking) + 1):
        if i == len(ranking) or abs(ranking[i - 1][1] - ranking[i][1]) > tie:
            groups.append((start, i))
            start = i
    return groups


def assert_same_ranking(
    got: Ranked, want: Ranked, *, pool: Ranked = (), tie: float = TIE, label: str = ""
) -> None:
    """`got` ranks what `want` ranks: the same scores, and the same ids up to ties.

    `pool` is the whole ranking `want` was cut from: a tie group cut by the end of the
    list may hold any of the pool's records that tie with it.
    """
    assert len(got) == len(want), label
    assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-5), label
    for start, end in tie_groups(want, tie):
        got_ids = {i for i, _ in got[start:end]}
        want_ids = {i for i, _ in want[start:end]}
        if got_ids == want_ids:
            continue
        cut = end == len(want) and len(pool) > len(want)
        low, high = want[end - 1][1] - tie, want[start][1] + tie
        tied = {i for i, s in pool if low <= s <= high} if cut else set()
        assert cut and got_ids <= tied, (label, start, sorted(got_ids), sorted(want_ids))
