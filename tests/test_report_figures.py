"""Unit tests of ``invoice_reminders/report_figures.py`` (the owner's weekly report)."""

import doctest
from datetime import date, datetime

import pytest

D = date


def test_doctests(figures):
    result = doctest.testmod(figures)
    assert result.attempted > 15
    assert result.failed == 0


def test_report_slot_and_due(figures):
    # Tuesday 08:00, the morning after the Monday run
    assert figures.report_slot(datetime(2026, 2, 10, 8), 1, 8) == datetime(2026, 2, 10, 8)
    assert figures.report_slot(datetime(2026, 2, 9, 23), 1, 8) == datetime(2026, 2, 3, 8)
    assert figures.report_slot(datetime(2026, 2, 15, 8), 6, 8) == datetime(2026, 2, 15, 8)
    # once per slot, whatever the number of ticks
    assert figures.report_due(datetime(2026, 2, 10, 8, 1), 1, 8, D(2026, 2, 3)) == D(2026, 2, 10)
    assert figures.report_due(datetime(2026, 2, 10, 9, 1), 1, 8, D(2026, 2, 10)) is None
    # before the slot: last week's, already sent
    assert figures.report_due(datetime(2026, 2, 10, 7, 59), 1, 8, D(2026, 2, 3)) is None
    with pytest.raises(ValueError):
        figures.report_slot(datetime(2026, 2, 10), 7, 8)
    with pytest.raises(ValueError):
        figures.report_slot(datetime(2026, 2, 10), 1, 24)


def test_weeks(figures):
    assert figures.week_of(D(2026, 2, 10)) == (D(2026, 2, 3), D(2026, 2, 9))
    assert figures.week_of(D(2026, 2, 10), 2) == (D(2026, 1, 20), D(2026, 1, 26))


def test_overdue_totals_partial_without_rate(figures):
    item = figures.OpenItem
    items = [
        item(1, "USD", 100.0, D(2026, 2, 1)),
        item(1, "EUR", 200.0, D(2026, 2, 1)),
        item(2, "XAU", 3.0, D(2026, 1, 1)),
        item(2, "USD", 999.0, D(2026, 2, 10)),  # due the report's day: not overdue
        item(3, "USD", 0.001, D(2026, 1, 1)),  # nothing left
    ]
    totals = figures.overdue_totals(items, D(2026, 2, 10), {"USD": 1.0, "EUR": 1.5})
    assert totals.per_currency == {"EUR": 200.0, "USD": 100.0, "XAU": 3.0}
    assert totals.company == pytest.approx(400.0)
    assert totals.partial and totals.missing == ["XAU"]
    assert not figures.overdue_totals([], D(2026, 2, 10), {}).per_currency


def test_aging_bucket_edges(figures):
    item = figures.OpenItem
    day = D(2026, 4, 1)
    items = [
        item(1, "USD", 1.0, D(2026, 3, 31)),  # 1 day
        item(1, "USD", 2.0, D(2026, 3, 2)),  # 30 days
        item(1, "USD", 4.0, D(2026, 3, 1)),  # 31 days
        item(1, "USD", 8.0, D(2026, 1, 31)),  # 60 days
        item(1, "USD", 16.0, D(2026, 1, 30)),  # 61 days
        item(1, "USD", 32.0, D(2026, 1, 1)),  # 90 days
        item(1, "USD", 64.0, D(2025, 12, 31)),  # 91 days
        item(1, "XAU", 1000.0, D(2025, 1, 1)),  # no rate: left out
    ]
    buckets = figures.aging(items, day, {"USD": 1.0})
    assert [(b.first, b.last, b.amount) for b in buckets] == [
        (1, 30, 3.0),
        (31, 60, 12.0),
        (61, 90, 48.0),
        (91, None, 64.0),
    ]
    assert [b.width for b in buckets] == [5, 19, 75, 100]


def test_top_debtors_order_and_limit(figures):
    item = figures.OpenItem
    items = [item(pid, "USD", 10.0 * pid, D(2026, 1, 1)) for pid in range(1, 13)]
    items.append(item(1, "EUR", 100.0, D(2025, 12, 1)))
    debtors = figures.top_debtors(items, D(2026, 2, 1), {"USD": 1.0, "EUR": 2.0})
    assert len(debtors) == 10
    assert debtors[0].partner_id == 1 and debtors[0].amount == pytest.approx(210.0)
    assert debtors[0].per_currency == {"EUR": 100.0, "USD": 10.0}
    assert debtors[0].oldest_days == 62
    assert [d.partner_id for d in debtors[1:]] == [12, 11, 10, 9, 8, 7, 6, 5, 4]


def test_change_and_dso(figures):
    assert figures.change(80.0, 100.0).direction == "down"
    assert figures.change(80.0, 100.0).percent == pytest.approx(-20.0)
    assert figures.change(0.0, 0.0).direction == "same"
    assert figures.dso(1000.0, 4500.0) == pytest.approx(20.0)
    assert figures.dso(1000.0, 4500.0, 30) == pytest.approx(1000 / 4500 * 30)


def test_collected_within_14_days_of_a_reminder(figures):
    payments = [
        (D(2026, 2, 3), 100.0, [D(2026, 1, 20)]),  # 14 days after: counts
        (D(2026, 2, 4), 200.0, [D(2026, 1, 20)]),  # 15 days after: does not
        (D(2026, 2, 5), 300.0, [D(2026, 2, 6)]),  # reminded after the payment
        (D(2026, 2, 10), 400.0, [D(2026, 2, 9)]),  # outside the week
    ]
    assert figures.collected(payments, D(2026, 2, 3), D(2026, 2, 9)) == (600.0, 100.0)


def test_effectiveness_per_level(figures):
    rows = [
        ("first", 1, 0),  # paid the day of the reminder
        ("first", 1, 7),
        ("first", 2, 8),
        ("first", 3, 31),
        ("first", 3, None),
        ("final", 4, None),
    ]
    effect = figures.effectiveness(rows)
    assert effect["first"] == figures.Effect(
        reminders=3,
        invoices=5,
        paid_within={7: 40, 14: 60, 30: 60},
        median_days=7.5,
    )
    assert effect["final"].paid_within == {7: 0, 14: 0, 30: 0}
    assert figures.effectiveness([]) == {}
