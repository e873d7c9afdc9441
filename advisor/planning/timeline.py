"""How long the plan takes: the guide's month range scaled by the path left and weekly hours.

Keeps the arithmetic visible (`assumptions`) and says in words what drives the result
(`drivers`): the learner's hours against the assumed "dedicated" pace, the steps skipped or
shortened, and, past the guide's upper bound, why, quoting the guide's range.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from advisor.planning.outline import Citations, Outline
from advisor.planning.profile import Profile

SHARE = {"full": 1.0, "shortened": 0.5, "skipped": 0.0}
"""Share of a step's time still ahead (an assumption the timeline states)."""
_RANGE = r"(?<!\d)(\d++)\s*+[–-]\s*+(\d++)\s++months"
"""'12-24 months', read once: possessive runs that start only where a number starts."""


@dataclass(frozen=True)
class Timeline:
    """A month range computed from the guide's figure; every factor listed as an assumption."""

    low_months: int | None
    high_months: int | None
    assumptions: tuple[str, ...]
    drivers: tuple[str, ...] = ()
    """What drives the estimate, in words, biggest factor first."""

    @property
    def covered(self) -> bool:
        """False when the sources give no month range to start from."""
        return self.low_months is not None

    def text(self) -> str:
        """ "About 8–16 months" or the not-covered note."""
        if not self.covered:
            return "The sources give no duration to estimate from."
        return f"About {self.low_months}–{self.high_months} months"


@dataclass(frozen=True)
class StepCut:
    """A step the learner does not need in full, and why, in a few words."""

    number: int
    label: str
    status: str
    reason: str


def estimate_timeline(
    outline: Outline,
    profile: Profile,
    statuses: list[str],
    cuts: Sequence[StepCut],
    reference_hours: float,
    cite: Citations,
) -> Timeline:
    """Scale the guide's month range by the work left and the learner's weekly hours."""
    found = outline.sentence_with(_RANGE)
    if found is None:
        return Timeline(None, None, ("The sources state no month range for the path.",))
    sentence, chunk = found
    n = cite.cite(chunk)
    match = re.search(_RANGE, sentence)
    assert match is not None
    low, high = int(match.group(1)), int(match.group(2))
    assumptions = [f"The guide: “{sentence}” [{n}]"]
    faster = outline.sentence_with(r"move faster|faster")
    if faster is not None:
        assumptions.append(f"The guide: “{faster[0]}” [{cite.cite(faster[1])}]")
    share = sum(SHARE[s] for s in statuses) / max(1, len(statuses))
    left, short = statuses.count("full"), statuses.count("shortened")
    assumptions.append(
        f"Assumption (not from the guide): the {low}–{high} months are spread evenly over the "
        f"guide's {len(statuses)} steps; a step you know some of counts half, one you know well "
        f"counts nothing. You have {left} full and {short} shortened steps: "
        f"{share:.0%} of the path."
    )
    hours = profile.hours_per_week
    if hours is None:
        hours = reference_hours
        assumptions.append(
            f"You have not said your weekly hours; the estimate uses {reference_hours:g} hours "
            "a week (see the next assumption)."
        )
    pace = reference_hours / hours
    assumptions.append(
        f"Assumption (not from the guide): “dedicated learning” means {reference_hours:g} "
        f"hours a week; at {hours:g} hours a week the time scales by {pace:.2g}×."
    )
    lo, hi = _scaled(low, high, share * pace)
    assumptions.append(f"{low}–{high} months × {share:.0%} × {pace:.2g} = {lo}–{hi} months.")
    words = _Words(low, high, _clause(sentence), n, reference_hours, hours)
    drivers = words.drivers(share, len(statuses), cuts, (lo, hi))
    return Timeline(lo, hi, tuple(assumptions), drivers)


def _scaled(low: int, high: int, factor: float) -> tuple[int, int]:
    lo = max(1, math.floor(round(low * factor, 6)))  # round first: 7.9999999 is 8
    return lo, max(lo, math.ceil(round(high * factor, 6)))


def _clause(sentence: str) -> str:
    """The part of the guide's sentence that states the range, verbatim."""
    parts = re.split(r"[—,;:]", sentence)
    return next((p.strip(" .") for p in parts if re.search(_RANGE, p)), sentence)


@dataclass(frozen=True)
class _Words:
    """The sentences that say what drives an estimate."""

    low: int
    high: int
    quote: str
    citation: int
    reference_hours: float
    hours: float

    def drivers(
        self, share: float, steps: int, cuts: Sequence[StepCut], result: tuple[int, int]
    ) -> tuple[str, ...]:
        pace = self.reference_hours / self.hours
        said = [self._hours_words(pace), self._path_words(share, steps, cuts)]
        if abs(math.log(max(share, 1e-9))) > abs(math.log(pace)):
            said.reverse()  # the bigger factor first
        said.append(self._range_words(share, result))
        return tuple(s for s in said if s)

    def _hours_words(self, pace: float) -> str:
        base = (
            f"Your time: {self.hours:g} hours a week, against the {self.reference_hours:g} a week "
            "this estimate takes the guide's “dedicated learning” to mean (the guide does not say "
            "how many hours that is)"
        )
        if pace > 1:
            return f"{base}, so each month of the guide's pace takes you about {pace:.2g} months."
        if pace < 1:
            return f"{base}, so you go about {1 / pace:.2g}× the guide's pace."
        return f"{base}: you study at the guide's pace."

    def _path_words(self, share: float, steps: int, cuts: Sequence[StepCut]) -> str:
        if not cuts:
            return f"The path: all {steps} of the guide's steps are ahead of you, in full."
        parts = "; ".join(f"step {c.number} ({c.label}) {c.status}: {c.reason}" for c in cuts)
        return f"The path: {parts}. That leaves {share:.0%} of the guide's path."

    def _range_words(self, share: float, result: tuple[int, int]) -> str:
        lo, hi = result
        at_pace = _scaled(self.low, self.high, share)
        guide = f"the guide's range, “{self.quote}” [{self.citation}]"
        if hi > self.high:
            return (
                f"This goes past {guide}, because you study part-time: at "
                f"{self.reference_hours:g} hours a week the same steps would take "
                f"{at_pace[0]}–{at_pace[1]} months."
            )
        if lo < self.low:
            why = "you study more hours a week" if self.hours > self.reference_hours else ""
            if share < 1:
                why = " and ".join(x for x in ("you skip or shorten steps", why) if x)
            return f"This is below {guide}, because {why}."
        return f"This is within {guide}."
