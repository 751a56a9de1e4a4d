"""The ladder and the per-invoice cadence (``rules/ladder.py``), without Odoo."""

from datetime import date, datetime
from itertools import pairwise

import pytest
from conftest import invoice_facts

D = date
DT = datetime

# ---------------------------------------------------------------------------
# Ladder
# ---------------------------------------------------------------------------

LADDER = [-3, 0, 7, 21]


@pytest.mark.parametrize(
    ("days", "expected"),
    [(-4, None), (-3, 0), (-1, 0), (0, 1), (6, 1), (7, 2), (20, 2), (21, 3), (500, 3)],
)
def test_reached_level(rules, days, expected):
    assert rules.reached_level(days, LADDER) == expected


def test_reached_level_without_levels(rules):
    assert rules.reached_level(100, []) is None


def test_due_soon_level(rules):
    delays = [-3, 7, 21]
    assert rules.ladder_level(-4, delays, None) is None
    assert rules.ladder_level(-3, delays, None) == 0
    assert rules.ladder_level(6, delays, 0) == 0
    assert rules.ladder_level(7, delays, 0) == 1


def test_ladder_ten_weekly_steps_following_delays(rules):
    delays = [-3, 7, 21, 45]
    last, levels = None, []
    for week in range(10):
        last = rules.ladder_level(-3 + 7 * week, delays, last)
        levels.append(last)
    # days: -3, 4, 11, 18, 25, 32, 39, 46, 53, 60
    assert levels == [0, 0, 1, 1, 2, 2, 2, 3, 3, 3]


def test_ladder_ten_weekly_steps_one_level_at_a_time(rules):
    """An invoice found long overdue climbs the ladder one level per digest."""
    delays = [0, 7, 14, 21, 28]
    last, levels = None, []
    for week in range(10):
        last = rules.ladder_level(60 + 7 * week, delays, last)
        levels.append(last)
    assert levels == [0, 1, 2, 3, 4, 4, 4, 4, 4, 4]
    assert all(b - a in (0, 1) for a, b in pairwise(levels))


def test_ladder_never_skips(rules):
    delays = [0, 7, 14, 21]
    assert rules.ladder_level(100, delays, None) == 0
    assert rules.ladder_level(100, delays, 0) == 1
    assert rules.ladder_level(100, delays, 1) == 2
    assert rules.ladder_level(15, delays, 0) == 1


def test_ladder_never_goes_down(rules):
    delays = [0, 7, 14, 21]
    # the policy changed: the invoice reaches a lower level than already sent
    assert rules.ladder_level(8, delays, 2) == 2
    assert rules.ladder_level(-10, delays, 2) == 2
    # the ladder was shortened below the last level sent: capped to its top
    assert rules.ladder_level(100, [0, 7], 3) == 1
    assert rules.ladder_level(-10, [0, 7], 3) == 1


def test_ladder_repeats_last_level(rules):
    delays = [0, 7, 14]
    assert rules.ladder_level(14, delays, 1) == 2
    assert rules.ladder_level(1000, delays, 2) == 2
    assert rules.ladder_level(1000, [5], 0) == 0


def test_ladder_nothing_reached(rules):
    assert rules.ladder_level(6, [7, 21], None) is None
    assert rules.ladder_level(100, [], None) is None
    assert rules.ladder_level(100, [], 2) is None


@pytest.mark.parametrize(
    ("days", "last_level", "expected"),
    [
        # the first level: the day before, the day of and the day after its delay
        (-1, None, None),
        (0, None, 0),
        (1, None, 0),
        # each next level from its own day, one level at a time
        (6, 0, 0),
        (7, 0, 1),
        (8, 0, 1),
        (13, 1, 1),
        (14, 1, 2),
        (15, 1, 2),
        # the last level repeats
        (14, 2, 2),
        (1000, 2, 2),
    ],
)
def test_ladder_boundaries(rules, days, last_level, expected):
    assert rules.ladder_level(days, [0, 7, 14], last_level) == expected


@pytest.mark.parametrize(
    ("level", "last_level", "levels", "expected"),
    [
        (None, None, 3, 0),  # never reminded: the first level
        (0, None, 3, 0),
        (None, 0, 3, 1),  # one level above the last reminder, whatever the days
        (0, 0, 3, 1),
        (2, 0, 3, 2),  # unless the days reached higher
        (None, 1, 3, 2),  # up to the last level
        (None, 2, 3, 2),  # which repeats
        (0, 2, 3, 2),
        (None, 5, 3, 2),  # a ladder shortened since: its last level
        (None, 0, 1, 0),  # a ladder of one level
    ],
)
def test_resumed_level_after_a_broken_promise(rules, level, last_level, levels, expected):
    assert rules.resumed_level(level, last_level, levels) == expected


@pytest.mark.parametrize(
    ("delays", "expected"),
    [
        ([7], None),
        ([0], None),
        ([-7], None),
        ([-1, 0], None),
        ([0, 0], "duplicate_delay"),
        ([-3, 0, 7, 21], None),
        ((0, 7, 14), None),
        ([], "no_levels"),
        ([7, 7], "duplicate_delay"),
        ([21, 7, 21], "duplicate_delay"),
        ([21, 7], "unordered"),
        ([0, 14, 7], "unordered"),
        ([0, -3], "unordered"),
    ],
)
def test_check_levels(rules, delays, expected):
    assert rules.check_levels(delays) == expected


# ---------------------------------------------------------------------------
# Per-invoice cadence
# ---------------------------------------------------------------------------

CADENCE_FACTS = invoice_facts(
    due_date=D(2026, 11, 20), invoice_date=None, amount_total=100, amount_residual=100
)


@pytest.mark.parametrize(
    ("cadence", "day", "last_sent", "expected"),
    [
        ("daily", D(2026, 12, 1), None, True),
        ("daily", D(2026, 12, 1), D(2026, 12, 1), False),  # once a day
        ("daily", D(2026, 12, 5), D(2026, 12, 4), True),  # weekends too
        ("every_3_days", D(2026, 12, 3), D(2026, 12, 1), False),
        ("every_3_days", D(2026, 12, 4), D(2026, 12, 1), True),
        ("every_3_days", D(2026, 12, 9), D(2026, 12, 1), True),  # late: at once
        ("every_3_days", D(2026, 12, 1), None, True),
        ("business_days", D(2026, 12, 4), D(2026, 12, 3), True),  # Friday
        ("business_days", D(2026, 12, 5), D(2026, 12, 4), False),  # Saturday
        ("business_days", D(2026, 12, 6), None, False),  # Sunday
        ("business_days", D(2026, 12, 7), D(2026, 12, 4), True),  # Monday
        ("daily", D(2026, 12, 1), D(2026, 12, 3), False),  # a send in the future: wait
    ],
)
def test_cadence_due(rules, cadence, day, last_sent, expected):
    assert rules.cadence_due(cadence, day, last_sent) is expected


def test_cadence_due_unknown(rules):
    with pytest.raises(ValueError):
        rules.cadence_due("hourly", D(2026, 12, 1), None)


def test_cadence_level_follows_the_days_not_the_sends(rules):
    delays = [7, 21, 45]
    assert [rules.cadence_level(days, delays) for days in (0, 7, 20, 21, 44, 45, 400)] == [
        None,
        0,
        0,
        1,
        1,
        2,
        2,
    ]
    assert rules.cadence_level(100, []) is None


@pytest.mark.parametrize(
    ("cadence", "stop_on", "payment_state", "residual", "expected"),
    [
        (None, "paid", "paid", 0, None),  # no cadence, nothing to check
        ("daily", "paid", "not_paid", 100, None),
        ("daily", "paid", "paid", 0, "paid"),
        ("daily", "paid", "in_payment", 0, "paid"),
        ("daily", "paid", "not_paid", 0, "paid"),
        ("daily", "paid", "partial", 60, None),
        ("daily", "partial", "partial", 60, "partially_paid"),
        ("daily", "partial", "not_paid", 99.99, "partially_paid"),
    ],
)
def test_cadence_error(rules, cadence, stop_on, payment_state, residual, expected):
    assert rules.cadence_error(cadence, stop_on, payment_state, 100, residual) == expected


def test_next_cadence_reminder_skips_paused_days_without_counting_them_sent(rules):
    facts = dict(CADENCE_FACTS, paused_until=D(2026, 12, 6))
    # every 3rd day from the 1st: the 4th is paused, so the 7th is the next day it sends
    assert rules.next_cadence_reminder(
        "every_3_days", D(2026, 12, 2), D(2026, 12, 1), [7], **facts
    ) == (D(2026, 12, 7), 0)


def test_next_cadence_reminder_none_once_paid_or_before_the_first_level(rules):
    paid = dict(CADENCE_FACTS, payment_state="paid", amount_residual=0)
    assert rules.next_cadence_reminder("daily", D(2026, 12, 1), None, [7], **paid) is None
    # due 20 Nov, first level at 30 days: the first send is on 20 December
    assert rules.next_cadence_reminder("daily", D(2026, 12, 1), None, [30], **CADENCE_FACTS) == (
        D(2026, 12, 20),
        0,
    )


def test_next_cadence_reminder_partial_stop(rules):
    partly = dict(CADENCE_FACTS, payment_state="partial", amount_residual=40, stop_on="partial")
    assert rules.next_cadence_reminder("daily", D(2026, 12, 1), None, [7], **partly) is None
