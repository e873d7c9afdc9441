"""The tie-aware ranking comparison itself: ties may swap, real differences may not."""

from __future__ import annotations

import pytest

from tests.ranking import assert_same_ranking, tie_groups

# The near-tie a clean clone on another machine ordered the other way (issue 13).
VERTEX, PYTHON = ("vertex-ai#3", 0.26185731), ("python#0", 0.26185727)


def test_neighbours_within_the_tolerance_form_one_group() -> None:
    ranking = [("a", 0.9), VERTEX, PYTHON, ("d", 0.2)]
    assert tie_groups(ranking) == [(0, 1), (1, 3), (3, 4)]


def test_a_float_noise_tie_may_come_out_in_either_order() -> None:
    assert_same_ranking([("a", 0.9), PYTHON, VERTEX], [("a", 0.9), VERTEX, PYTHON])


def test_a_real_difference_in_order_fails() -> None:
    with pytest.raises(AssertionError):
        assert_same_ranking([("b", 0.5), ("a", 0.5001)], [("a", 0.5001), ("b", 0.5)])


def test_a_missing_record_fails() -> None:
    with pytest.raises(AssertionError):
        assert_same_ranking([("a", 0.9), ("c", 0.8)], [("a", 0.9), ("b", 0.8)])


def test_a_tie_cut_by_the_end_of_the_list_may_hold_any_tied_record_of_the_pool() -> None:
    pool = [("a", 0.9), VERTEX, PYTHON, ("d", 0.1)]
    assert_same_ranking([("a", 0.9), PYTHON], pool[:2], pool=pool)
    with pytest.raises(AssertionError):  # "d" does not tie with the cut group
        assert_same_ranking([("a", 0.9), ("d", 0.26185731)], pool[:2], pool=pool)
