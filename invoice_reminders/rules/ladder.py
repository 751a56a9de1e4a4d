"""The level an invoice is at: the ladder of a customer's digest, one level per
reminder, and the per-invoice cadence, reminded alone outside the digest.

>>> ladder_level(50, [7, 21, 45], None)
0
>>> ladder_level(50, [7, 21, 45], 0)
1
"""

from collections.abc import Sequence
from datetime import date
from itertools import pairwise

from .eligibility import payment_stop_reason

CADENCE_DAILY = "daily"
CADENCE_EVERY_3_DAYS = "every_3_days"
CADENCE_BUSINESS_DAYS = "business_days"
CADENCES = (CADENCE_DAILY, CADENCE_EVERY_3_DAYS, CADENCE_BUSINESS_DAYS)


# ---------------------------------------------------------------------------
# Ladder
# ---------------------------------------------------------------------------


def reached_level(days: int, delays: Sequence[int]) -> int | None:
    """Index of the highest level whose delay ``days`` has reached, None if none.

    ``delays`` are ascending and may be negative (a "due soon" level).

    >>> reached_level(-3, [-3, 7])
    0
    >>> reached_level(6, [7, 21]) is None
    True
    """
    reached = None
    for index, delay in enumerate(delays):
        if days >= delay:
            reached = index
    return reached


def ladder_level(days: int, delays: Sequence[int], last_level: int | None) -> int | None:
    """The level (index in ``delays``) an invoice is at in this digest.

    It takes the highest level reached but climbs at most one level past
    ``last_level`` (None: never reminded), so no level is ever skipped.  It
    never goes down (e.g. after a policy change) and, past the last level, it
    repeats the last level.  None when the invoice has reached nothing yet.

    >>> [ladder_level(100, [0, 7, 14], last) for last in (None, 0, 1, 2, 5)]
    [0, 1, 2, 2, 2]
    >>> ladder_level(-10, [0, 7], None) is None
    True
    """
    if not delays:
        return None
    reached = reached_level(days, delays)
    if last_level is None:
        return None if reached is None else 0
    last_level = min(last_level, len(delays) - 1)
    if reached is None or reached <= last_level:
        return last_level
    return min(reached, last_level + 1)


def resumed_level(level: int | None, last_level: int | None, levels: int) -> int | None:
    """The level after a broken promise to pay: the ladder resumes one level above
    the last reminder, whatever the days overdue (the last level repeats).

    >>> resumed_level(0, 0, 3), resumed_level(None, None, 3), resumed_level(2, 2, 3)
    (1, 0, 2)
    """
    floor = 0 if last_level is None else min(last_level + 1, levels - 1)
    return max(level if level is not None else floor, floor)


def check_levels(delays: Sequence[int]) -> str | None:
    """What is wrong with a ladder's delays (in sequence order), or None.

    >>> check_levels([-3, 7, 21]), check_levels([7, 7]), check_levels([21, 7]), check_levels([])
    (None, 'duplicate_delay', 'unordered', 'no_levels')
    """
    if not delays:
        return "no_levels"
    if len(set(delays)) != len(delays):
        return "duplicate_delay"
    if any(b <= a for a, b in pairwise(delays)):
        return "unordered"
    return None


# ---------------------------------------------------------------------------
# Per-invoice cadence: an invoice reminded alone, outside the customer's digest
# ---------------------------------------------------------------------------


def cadence_due(cadence: str, day: date, last_sent: date | None) -> bool:
    """Whether an invoice on its own ``cadence`` is reminded on ``day``.

    ``last_sent`` is the day it was last reminded (None: never).  Every day
    sends once a day; every 3rd day waits three days after the last send;
    every business day sends Monday to Friday.

    >>> cadence_due("daily", date(2026, 12, 2), date(2026, 12, 1))
    True
    >>> cadence_due("every_3_days", date(2026, 12, 3), date(2026, 12, 1))
    False
    >>> cadence_due("every_3_days", date(2026, 12, 4), date(2026, 12, 1))
    True
    >>> cadence_due("business_days", date(2026, 12, 5), None)  # a Saturday
    False
    """
    if cadence not in CADENCES:
        raise ValueError(f"unknown cadence {cadence!r}")
    if last_sent is not None and last_sent >= day:
        return False
    if cadence == CADENCE_BUSINESS_DAYS:
        return day.weekday() < 5
    if cadence == CADENCE_EVERY_3_DAYS:
        return last_sent is None or (day - last_sent).days >= 3
    return True


def cadence_level(days: int, delays: Sequence[int]) -> int | None:
    """The level of an invoice on its own cadence: the level its days overdue
    reached, since it is reminded too often to climb one level per reminder.

    >>> cadence_level(30, [7, 21, 45]), cadence_level(3, [7, 21, 45])
    (1, None)
    """
    return reached_level(days, delays) if delays else None


def cadence_error(
    cadence: str | None,
    stop_on: str,
    payment_state: str,
    amount_total: float,
    amount_residual: float,
) -> str | None:
    """What forbids a cadence on an invoice as it stands (a ``REASON_*``), or None.

    >>> cadence_error("daily", "paid", "paid", 100, 0)
    'paid'
    >>> cadence_error("daily", "partial", "partial", 100, 40)
    'partially_paid'
    >>> cadence_error("daily", "paid", "partial", 100, 40) is None
    True
    """
    if not cadence:
        return None
    return payment_stop_reason(stop_on, payment_state, amount_total, amount_residual)
