"""Unit tests of the forward-looking rules of ``rules/``: activation,
next reminder, forewarning, filters (no Odoo)."""

from datetime import date, datetime, timedelta

import pytest
from conftest import invoice_facts

D = date
DT = datetime

FACTS = invoice_facts(due_date=D(2026, 11, 20), invoice_date=D(2026, 11, 1))


def mondays(first, count):
    return [first + timedelta(weeks=i) for i in range(count)]


# -- activation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("slot", "activated", "allowed"),
    [
        (DT(2026, 11, 30, 8), DT(2026, 11, 24, 18), True),
        (DT(2026, 11, 23, 8), DT(2026, 11, 24, 18), False),
        (DT(2026, 11, 24, 18), DT(2026, 11, 24, 18), True),  # the same instant
        (DT(2026, 11, 24, 17, 59), DT(2026, 11, 24, 18), False),
        (DT(2030, 1, 1), None, False),  # never switched on
    ],
)
def test_period_allowed(rules, slot, activated, allowed):
    assert rules.period_allowed(slot, activated) is allowed


def test_upcoming_slots_weekly_and_business_days(rules):
    weekly = list(rules.upcoming_slots("weekly", DT(2026, 11, 30, 8), 0, 8, limit=3))
    assert weekly == [DT(2026, 11, 30, 8), DT(2026, 12, 7, 8), DT(2026, 12, 14, 8)]
    business = list(rules.upcoming_slots("business_days", DT(2026, 11, 27, 8), 0, 8, limit=3))
    assert [slot.weekday() for slot in business] == [4, 0, 1]  # Friday, Monday, Tuesday
    # the forecast looks 400 slots ahead
    assert len(list(rules.upcoming_slots("daily", DT(2026, 1, 1, 8)))) == 400


# -- next reminder ------------------------------------------------------------


def test_next_reminder_waits_for_the_first_level(rules):
    # due 20 Nov, first level at 7 days: not on the 23rd (3 days), on the 30th (10)
    slots = mondays(D(2026, 11, 23), 5)
    assert rules.next_reminder(slots, [7, 21, 45], None, **FACTS) == (D(2026, 11, 30), 0)


def test_next_reminder_climbs_one_level_at_a_time(rules):
    slots = mondays(D(2027, 1, 4), 3)  # 45 days and more: the final level is reached
    assert rules.next_reminder(slots, [7, 21, 45], 0, **FACTS) == (D(2027, 1, 4), 1)
    assert rules.next_reminder(slots, [7, 21, 45], 2, **FACTS) == (D(2027, 1, 4), 2)


@pytest.mark.parametrize(
    "change",
    [
        {"payment_state": "paid", "amount_residual": 0.0},
        {"included": False},
        {"partner_enabled": False},
        {"company_enabled": False},
        {"state": "cancel"},
        {"move_type": "out_refund"},
        {"stop_on": "partial", "payment_state": "partial", "amount_residual": 40.0},
    ],
)
def test_no_next_reminder_when_it_cannot_be_reminded(rules, change):
    slots = mondays(D(2026, 11, 30), 10)
    assert rules.next_reminder(slots, [7, 21], None, **dict(FACTS, **change)) is None


def test_no_next_reminder_once_too_old(rules):
    facts = dict(FACTS, stop_after_months=1)
    # 30 Nov: 10 days, reminded; from 21 Dec on: more than a month overdue
    assert rules.next_reminder(mondays(D(2026, 11, 30), 3), [7], None, **facts) == (
        D(2026, 11, 30),
        0,
    )
    assert rules.next_reminder(mondays(D(2026, 12, 21), 10), [7], None, **facts) is None


def test_next_reminder_with_days_after_due(rules):
    facts = dict(FACTS, days_after_due=14)
    slots = mondays(D(2026, 11, 30), 3)  # 10, 17, 24 days
    assert rules.next_reminder(slots, [7], None, **facts) == (D(2026, 12, 7), 0)


def test_next_reminder_gives_up_after_the_slots(rules):
    assert rules.next_reminder([D(2026, 11, 21)], [7], None, **FACTS) is None
    assert rules.next_reminder([], [7], None, **FACTS) is None


@pytest.mark.parametrize(("days_ahead", "found"), [(399, True), (400, False)])
def test_next_cadence_reminder_looks_400_days_ahead(rules, days_ahead, found):
    # due 20 Nov, first level at 7 days: the first send is on 27 November
    first = D(2026, 11, 27) - timedelta(days=days_ahead)
    expected = (D(2026, 11, 27), 0) if found else None
    assert rules.next_cadence_reminder("daily", first, None, [7], **FACTS) == expected


def test_customer_next_reminder(rules):
    forecasts = [(D(2026, 12, 7), 0), None, (D(2026, 11, 30), 1), (D(2026, 11, 30), 2)]
    assert rules.customer_next_reminder(forecasts) == (D(2026, 11, 30), 2)
    assert rules.customer_next_reminder([]) is None
    assert rules.customer_next_reminder([None, None]) is None


# -- forewarning --------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "hours", "already", "due"),
    [
        (DT(2026, 11, 29, 9), 24, False, True),
        (DT(2026, 11, 29, 8), 24, False, True),  # exactly 24 hours before
        (DT(2026, 11, 29, 7, 59), 24, False, False),
        (DT(2026, 11, 30, 8), 24, False, False),  # the run itself: too late
        (DT(2026, 11, 29, 9), 24, True, False),
        (DT(2026, 11, 29, 9), 0, False, False),  # no forewarning
        (DT(2026, 11, 30, 8), 0, False, False),
        (DT(2026, 11, 30, 7, 59), 0, False, False),
        (DT(2026, 11, 29, 9), -24, False, False),
        # one hour: the hour before the run
        (DT(2026, 11, 30, 6, 59), 1, False, False),
        (DT(2026, 11, 30, 7), 1, False, True),
        (DT(2026, 11, 30, 7, 59), 1, False, True),
    ],
)
def test_forewarning_due(rules, now, hours, already, due):
    assert rules.forewarning_due(now, DT(2026, 11, 30, 8), hours, already) is due


def test_forewarning_without_a_next_run(rules):
    assert rules.forewarning_due(DT(2026, 11, 29), None, 24, False) is False


# -- filters of the forward-view fields ---------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("=", "2026-11-30", [1]),
        ("!=", "2026-11-30", [2]),
        ("<", D(2026, 12, 7), [1]),
        ("<=", "2026-12-07", [1, 2]),
        (">", "2026-11-30 10:00:00", [2]),
        (">=", DT(2026, 11, 30, 23), [1, 2]),
    ],
)
def test_filter_dates(rules, operator, value, expected):
    dates = {1: D(2026, 11, 30), 2: D(2026, 12, 7), 3: None}
    assert rules.filter_dates(dates, operator, value) == expected


def test_filter_dates_is_set_and_bad_operator(rules):
    assert rules.filter_dates({1: D(2026, 11, 30)}, "=", False) is None
    with pytest.raises(ValueError):
        rules.filter_dates({1: D(2026, 11, 30)}, "ilike", "2026")


def test_filter_levels(rules):
    assert rules.filter_levels({1: 10, 2: 11, 3: 10}, [10]) == [1, 3]
    assert rules.filter_levels({1: 10}, None) is None
    assert rules.filter_levels({1: 10}, []) == []


def test_is_set_operator(rules):
    assert rules.is_set_operator("=", False) == "not in"  # is not set
    assert rules.is_set_operator("!=", False) == "in"  # is set
