"""Unit tests of ``invoice_reminders/rules.py``, without Odoo."""

import dataclasses
import doctest
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

D = date
DT = datetime

# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def test_constants(rules):
    assert (rules.STOP_PAID, rules.STOP_PARTIAL) == ("paid", "partial")
    assert (rules.SCHEDULE_WEEKLY, rules.SCHEDULE_DAILY, rules.SCHEDULE_BUSINESS_DAYS) == (
        "weekly",
        "daily",
        "business_days",
    )
    reasons = {name: getattr(rules, name) for name in dir(rules) if name.startswith("REASON_")}
    assert reasons == {
        "REASON_NOT_POSTED": "not_posted",
        "REASON_NOT_INVOICE": "not_invoice",
        "REASON_PAID": "paid",
        "REASON_PARTIAL": "partially_paid",
        "REASON_EXCLUDED": "excluded",
        "REASON_PARTNER_DISABLED": "partner_disabled",
        "REASON_COMPANY_DISABLED": "company_disabled",
        "REASON_NO_DATE": "no_date",
        "REASON_NOT_DUE": "not_due_yet",
        "REASON_TOO_OLD": "too_old",
        "REASON_DISPUTED": "disputed",
        "REASON_PAUSED": "paused",
        "REASON_PROMISED": "promised",
    }


def test_doctests(rules):
    result = doctest.testmod(rules, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2000, 1, 31), 1, D(2000, 2, 29)),  # divisible by 400: leap
        (D(1900, 1, 31), 1, D(1900, 2, 28)),  # divisible by 100: not leap
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2024, 5, 31), 1, D(2024, 6, 30)),
        (D(2024, 12, 31), 1, D(2025, 1, 31)),
        (D(2024, 11, 15), 14, D(2026, 1, 15)),
        (D(2024, 1, 31), 0, D(2024, 1, 31)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2024, 1, 15), -1, D(2023, 12, 15)),
        (D(2023, 3, 31), -13, D(2022, 2, 28)),
        (D(2024, 2, 29), -24, D(2022, 2, 28)),
    ],
)
def test_add_months(rules, start, months, expected):
    assert rules.add_months(start, months) == expected


def test_reference_date(rules):
    assert rules.reference_date(D(2026, 2, 1), D(2026, 1, 1)) == D(2026, 2, 1)
    assert rules.reference_date(None, D(2026, 1, 1)) == D(2026, 1, 1)
    assert rules.reference_date(None, None) is None
    # Odoo reads empty dates as False
    assert rules.reference_date(False, False) is None


def test_days_overdue(rules):
    today = D(2026, 3, 1)
    assert rules.days_overdue(today, D(2026, 2, 1), D(2026, 1, 1)) == 28
    assert rules.days_overdue(today, D(2026, 3, 4), D(2026, 2, 1)) == -3
    assert rules.days_overdue(today, D(2026, 3, 1), None) == 0
    # no due date: falls back on the invoice date
    assert rules.days_overdue(today, None, D(2026, 2, 20)) == 9
    assert rules.days_overdue(today, None, None) is None
    # leap day is counted
    assert rules.days_overdue(D(2024, 3, 1), D(2024, 2, 28), None) == 2


# ---------------------------------------------------------------------------
# Eligibility
# ---------------------------------------------------------------------------

TODAY = D(2026, 3, 10)
ELIGIBLE = {
    "move_type": "out_invoice",
    "state": "posted",
    "payment_state": "not_paid",
    "amount_total": 100.0,
    "amount_residual": 100.0,
    "included": True,
    "partner_enabled": True,
    "company_enabled": True,
    "due_date": D(2026, 3, 1),
    "invoice_date": D(2026, 2, 1),
    "days_after_due": 0,
    "stop_after_months": 12,
    "stop_on": "paid",
}


def reason(rules, today=TODAY, **changes):
    """The ineligibility reason of the eligible invoice with ``changes``."""
    return rules.ineligibility_reason(today, **{**ELIGIBLE, **changes})


def test_eligible(rules):
    assert reason(rules) is None
    assert rules.is_eligible(TODAY, **ELIGIBLE) is True
    assert rules.is_eligible(TODAY, **{**ELIGIBLE, "included": False}) is False


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"move_type": "out_refund"}, "not_invoice"),
        ({"move_type": "in_invoice"}, "not_invoice"),
        ({"move_type": "entry"}, "not_invoice"),
        ({"state": "draft"}, "not_posted"),
        ({"state": "cancel"}, "not_posted"),
        ({"payment_state": "paid", "amount_residual": 0.0}, "paid"),
        ({"payment_state": "in_payment"}, "paid"),
        ({"payment_state": "reversed"}, "paid"),
        ({"amount_residual": 0.0}, "paid"),
        ({"amount_residual": 0.004}, "paid"),
        ({"amount_residual": -5.0}, "paid"),
        (
            {"stop_on": "partial", "payment_state": "partial", "amount_residual": 40.0},
            "partially_paid",
        ),
        ({"stop_on": "partial", "amount_residual": 60.0}, "partially_paid"),
        ({"included": False}, "excluded"),
        ({"partner_enabled": False}, "partner_disabled"),
        ({"company_enabled": False}, "company_disabled"),
        ({"due_date": None, "invoice_date": None}, "no_date"),
        ({"due_date": D(2026, 3, 11)}, "not_due_yet"),
        ({"days_after_due": 10}, "not_due_yet"),
        ({"due_date": D(2025, 3, 9)}, "too_old"),
    ],
)
def test_every_reason(rules, changes, expected):
    assert reason(rules, **changes) == expected


def test_reasons_checked_in_order(rules):
    """Everything is wrong; fixing one problem at a time reveals the next one."""
    changes = {
        "move_type": "out_refund",
        "state": "draft",
        "payment_state": "in_payment",
        "stop_on": "partial",
        "amount_residual": 50.0,
        "included": False,
        "partner_enabled": False,
        "company_enabled": False,
        "due_date": None,
        "invoice_date": None,
    }
    fixes = [
        ("not_invoice", {"move_type": "out_invoice"}),
        ("not_posted", {"state": "posted"}),
        ("paid", {"payment_state": "partial"}),
        ("partially_paid", {"stop_on": "paid"}),
        ("excluded", {"included": True}),
        ("partner_disabled", {"partner_enabled": True}),
        ("company_disabled", {"company_enabled": True}),
        ("no_date", {"due_date": D(2026, 3, 20)}),
        ("not_due_yet", {"due_date": D(2020, 1, 1)}),
        ("too_old", {"stop_after_months": 0}),
    ]
    for expected, fix in fixes:
        assert reason(rules, **changes) == expected
        changes.update(fix)
    assert reason(rules, **changes) is None


def test_partial_payment_reminded_when_stopping_on_paid_only(rules):
    assert reason(rules, payment_state="partial", amount_residual=40.0) is None
    assert reason(rules, payment_state="partial", amount_residual=40.0, stop_on="partial") == (
        "partially_paid"
    )


def test_residual_tolerance(rules):
    assert reason(rules, amount_residual=0.006) is None
    assert reason(rules, amount_residual=0.005) == "paid"
    # rounding noise is not a partial payment
    assert reason(rules, stop_on="partial", amount_residual=99.996) is None
    assert reason(rules, stop_on="partial", amount_residual=99.99) == "partially_paid"


def test_no_due_date_falls_back_on_invoice_date(rules):
    no_due = {"due_date": None, "invoice_date": D(2026, 2, 28)}  # 10 days before TODAY
    assert reason(rules, days_after_due=10, **no_due) is None
    assert reason(rules, days_after_due=11, **no_due) == "not_due_yet"
    assert reason(rules, due_date=None, invoice_date=D(2025, 3, 9)) == "too_old"
    # the due date wins over the invoice date
    assert reason(rules, due_date=D(2026, 3, 5), invoice_date=D(2026, 1, 1), days_after_due=6) == (
        "not_due_yet"
    )


@pytest.mark.parametrize(
    ("days_after_due", "days_overdue", "expected"),
    [
        # included from the day the invoice is *days after due* days overdue, on
        (7, 6, "not_due_yet"),  # the day before
        (7, 7, None),  # the day itself
        (7, 8, None),  # the day after
        # 0 (or nothing): from the due date itself
        (0, -1, "not_due_yet"),
        (0, 0, None),
        (0, 1, None),
        (None, -1, "not_due_yet"),
        (None, 0, None),
        # a negative delay reminds before the due date ("due soon")
        (-3, -4, "not_due_yet"),
        (-3, -3, None),
        (-3, -2, None),
    ],
)
def test_days_after_due_boundaries(rules, days_after_due, days_overdue, expected):
    due = TODAY - timedelta(days=days_overdue)
    assert reason(rules, due_date=due, days_after_due=days_after_due) == expected


@pytest.mark.parametrize(
    ("stop_on", "total", "residual", "expected"),
    [
        # paid: what remains is half a cent or less
        ("paid", 100.0, 0.01, None),  # a cent left
        ("paid", 100.0, 0.005, "paid"),
        ("paid", 100.0, 0.0, "paid"),
        ("paid", 100.0, -0.01, "paid"),  # overpaid
        # first payment: more than half a cent paid
        ("partial", 100.0, 100.0 - 0.01, "partially_paid"),  # a cent paid
        ("partial", 100.0, 100.0 - 0.005, None),  # half a cent: rounding noise
        ("partial", 100.0, 100.0, None),
        ("partial", 100.0, 100.01, None),  # more due than invoiced
        # no total known: what remains is not taken for a partial payment
        ("partial", 0.0, 0.5, None),
        ("partial", None, 0.5, None),
        ("partial", None, None, "paid"),
    ],
)
def test_payment_stops_to_the_cent(rules, stop_on, total, residual, expected):
    assert rules.payment_stop_reason(stop_on, "not_paid", total, residual) == expected
    assert reason(rules, stop_on=stop_on, amount_total=total, amount_residual=residual) == (
        expected
    )


@pytest.mark.parametrize(
    ("field", "expected"), [("paused_until", "paused"), ("promised_until", "promised")]
)
@pytest.mark.parametrize(("offset", "held"), [(-1, True), (0, True), (1, False)])
def test_pause_and_promise_hold_up_to_their_own_date(rules, field, expected, offset, held):
    until = D(2026, 3, 20)
    today = until + timedelta(days=offset)
    assert reason(rules, today=today, **{field: until}) == (expected if held else None)


@pytest.mark.parametrize(
    ("due", "months", "today", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29), None),  # leap year: stops after Feb 29
        (D(2024, 1, 31), 1, D(2024, 3, 1), "too_old"),
        (D(2023, 1, 31), 1, D(2023, 2, 28), None),
        (D(2023, 1, 31), 1, D(2023, 3, 1), "too_old"),
        (D(2024, 2, 29), 12, D(2025, 2, 28), None),
        (D(2024, 2, 29), 12, D(2025, 3, 1), "too_old"),
        (D(2025, 8, 31), 6, D(2026, 2, 28), None),
        (D(2025, 8, 31), 6, D(2026, 3, 1), "too_old"),
        (D(2025, 8, 31), 6, D(2026, 2, 27), None),
        (D(2000, 1, 1), 0, D(2026, 3, 1), None),  # 0: never stop
        (D(2000, 1, 1), None, D(2026, 3, 1), None),
        (D(2000, 1, 1), -1, D(2026, 3, 1), None),
    ],
)
def test_stop_after_months(rules, due, months, today, expected):
    assert reason(rules, today=today, due_date=due, stop_after_months=months) == expected


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


PROMISE_DAY = D(2026, 3, 20)  # the promise's date, grace included


@pytest.mark.parametrize(
    ("paid", "on_its_date", "after_it"),
    [
        (0, "open", "broken"),
        (499.99, "open", "broken"),  # a cent short
        (500 - 0.005, "kept", "kept"),  # half a cent short: rounding noise
        (500, "kept", "kept"),
        (500.01, "kept", "kept"),
    ],
)
@pytest.mark.parametrize(("offset", "passed"), [(-1, False), (0, False), (1, True)])
def test_promise_outcome_on_its_date_and_to_the_cent(
    rules, paid, on_its_date, after_it, offset, passed
):
    """Open up to and including its date, broken the day after; kept when paid in full."""
    today = PROMISE_DAY + timedelta(days=offset)
    expected = after_it if passed else on_its_date
    assert rules.promise_outcome(today, PROMISE_DAY, 500, paid) == expected


def test_a_promise_holds_reminders_exactly_while_it_is_open(rules):
    for offset in (-1, 0, 1):
        today = PROMISE_DAY + timedelta(days=offset)
        held = reason(rules, today=today, promised_until=PROMISE_DAY) == "promised"
        assert held is (rules.promise_outcome(today, PROMISE_DAY, 500, 0) == "open")


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
# Grouping
# ---------------------------------------------------------------------------


def test_group_digests_three_currencies_with_credits(rules):
    line = rules.Line
    lines = [
        line(2, 21, "USD", 200, 0, "invoice"),
        line(1, 11, "EUR", 10.5, 1, "invoice"),
        line(2, 25, "EUR", 100.10, 2, "invoice"),
        line(3, 31, "EUR", 70, None, "credit"),  # no invoice: dropped
        line(2, 26, "EUR", 30, None, "credit"),
        line(2, 22, "EUR", 50.05, 1, "invoice"),
        line(2, 27, "CHF", 15.25, None, "credit"),  # credit only currency
        line(2, 28, "USD", 0.5, None, "credit"),
    ]
    digests = rules.group_digests(lines)

    assert [d.partner_id for d in digests] == [1, 2]
    first, second = digests
    assert first.level == 1
    assert [inv.invoice_id for inv in first.invoices] == [11]
    assert first.credits == []
    assert list(first.totals) == ["EUR"]

    assert second.level == 2
    assert [inv.invoice_id for inv in second.invoices] == [21, 25, 22]  # input order
    assert [cred.invoice_id for cred in second.credits] == [26, 27, 28]
    assert list(second.totals) == ["CHF", "EUR", "USD"]
    totals = {name: (total.due, total.credit, total.net) for name, total in second.totals.items()}
    assert totals == {
        "CHF": (Decimal(0), Decimal("15.25"), Decimal("-15.25")),
        "EUR": (Decimal("150.15"), Decimal(30), Decimal("120.15")),
        "USD": (Decimal(200), Decimal("0.5"), Decimal("199.5")),
    }
    for total in second.totals.values():
        assert all(isinstance(value, Decimal) for value in (total.due, total.credit, total.net))


def test_group_digests_decimal_exactness(rules):
    line = rules.Line
    digest = rules.group_digests(
        [
            line(1, 1, "EUR", 0.1, 0),
            line(1, 2, "EUR", 0.2, 0),
            line(1, 3, "EUR", 0.3, None, "credit"),
        ]
    )[0]
    assert 0.1 + 0.2 != 0.3
    assert digest.totals["EUR"].due == Decimal("0.3")
    assert digest.totals["EUR"].net == Decimal(0)

    digest = rules.group_digests([line(1, i, "EUR", 0.1, 0) for i in range(10)])[0]
    assert digest.totals["EUR"].due == Decimal(1)
    # Decimal amounts are kept as they are
    digest = rules.group_digests([line(1, 1, "EUR", Decimal("0.123456789"), 0)])[0]
    assert digest.totals["EUR"].due == Decimal("0.123456789")


def test_group_digests_levels_and_order(rules):
    line = rules.Line
    digests = rules.group_digests(
        [
            line(9, 1, "EUR", 1, None),
            line(5, 2, "EUR", 1, 3),
            line(5, 3, "EUR", 1, 0),
            line(5, 4, "EUR", 1, 7, "credit"),  # credits never set the level
        ]
    )
    assert [(d.partner_id, d.level) for d in digests] == [(5, 3), (9, None)]
    assert rules.group_digests([]) == []


def test_line_is_frozen(rules):
    item = rules.Line(1, 2, "EUR", 10, 0, "invoice")
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.amount = 20


# ---------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "now", "weekday", "hour", "expected"),
    [
        # 2026-11-23 is a Monday
        ("weekly", DT(2026, 11, 23, 8), 0, 8, DT(2026, 11, 23, 8)),
        ("weekly", DT(2026, 11, 23, 7, 59), 0, 8, DT(2026, 11, 16, 8)),
        ("weekly", DT(2026, 11, 29, 23, 59), 0, 8, DT(2026, 11, 23, 8)),
        ("weekly", DT(2026, 11, 27, 17, 0, 1), 4, 17, DT(2026, 11, 27, 17)),
        ("weekly", DT(2026, 11, 26, 23), 4, 17, DT(2026, 11, 20, 17)),
        ("weekly", DT(2026, 11, 23, 0, 30), 0, 0, DT(2026, 11, 23, 0)),
        ("daily", DT(2026, 11, 23, 7), 0, 8, DT(2026, 11, 22, 8)),
        ("daily", DT(2026, 11, 23, 8, 0, 1), 0, 8, DT(2026, 11, 23, 8)),
        ("daily", DT(2026, 1, 1, 0, 0), 0, 23, DT(2025, 12, 31, 23)),
        ("business_days", DT(2026, 11, 28, 12), 0, 8, DT(2026, 11, 27, 8)),  # Saturday
        ("business_days", DT(2026, 11, 29, 12), 0, 8, DT(2026, 11, 27, 8)),  # Sunday
        ("business_days", DT(2026, 11, 30, 7), 0, 8, DT(2026, 11, 27, 8)),  # Monday, early
        ("business_days", DT(2026, 11, 24, 9), 0, 8, DT(2026, 11, 24, 8)),
    ],
)
def test_last_slot(rules, schedule, now, weekday, hour, expected):
    assert rules.last_slot(schedule, now, weekday, hour) == expected


@pytest.mark.parametrize(
    ("schedule", "now", "weekday", "hour", "expected"),
    [
        ("weekly", DT(2026, 11, 23, 8), 0, 8, DT(2026, 11, 30, 8)),  # strictly after
        ("weekly", DT(2026, 11, 23, 7, 59), 0, 8, DT(2026, 11, 23, 8)),
        ("weekly", DT(2026, 11, 29, 23), 6, 22, DT(2026, 12, 6, 22)),
        ("daily", DT(2026, 12, 31, 23), 0, 23, DT(2027, 1, 1, 23)),
        ("daily", DT(2026, 12, 31, 22, 59), 0, 23, DT(2026, 12, 31, 23)),
        ("business_days", DT(2026, 11, 27, 9), 0, 8, DT(2026, 11, 30, 8)),  # Friday
        ("business_days", DT(2026, 11, 28, 7), 0, 8, DT(2026, 11, 30, 8)),  # Saturday
        ("business_days", DT(2026, 11, 24, 7), 0, 8, DT(2026, 11, 24, 8)),
    ],
)
def test_next_slot(rules, schedule, now, weekday, hour, expected):
    assert rules.next_slot(schedule, now, weekday, hour) == expected


@pytest.mark.parametrize(
    ("schedule", "weekday", "hour"),
    [("weekly", 0, 8), ("weekly", 6, 0), ("daily", 0, 23), ("business_days", 0, 8)],
)
def test_slots_frame_every_moment(rules, schedule, weekday, hour):
    """Over two weeks, each moment lies between two consecutive slots."""
    start = DT(2026, 11, 16)
    for quarter in range(14 * 24 * 4):
        now = start + timedelta(minutes=15 * quarter)
        last = rules.last_slot(schedule, now, weekday, hour)
        following = rules.next_slot(schedule, now, weekday, hour)
        assert last <= now < following
        assert rules.next_slot(schedule, last, weekday, hour) == following
        assert (last.hour, last.minute, last.second) == (hour, 0, 0)


@pytest.mark.parametrize(
    ("schedule", "weekday", "hour", "message"),
    [
        ("monthly", 0, 8, "unknown schedule"),
        ("", 0, 8, "unknown schedule"),
        # the rule's own messages, not datetime's ("hour must be in 0..23")
        ("weekly", 7, 8, "weekday must be within"),
        ("weekly", -1, 8, "weekday must be within"),
        ("daily", 0, 24, "hour must be within"),
        ("business_days", 0, -1, "hour must be within"),
    ],
)
def test_slot_arguments_are_checked(rules, schedule, weekday, hour, message):
    with pytest.raises(ValueError, match=message):
        rules.last_slot(schedule, DT(2026, 11, 23, 9), weekday, hour)
    with pytest.raises(ValueError, match=message):
        rules.next_slot(schedule, DT(2026, 11, 23, 9), weekday, hour)
    with pytest.raises(ValueError, match=message):
        rules.period_key(schedule, DT(2026, 11, 23, 9), "UTC", weekday, hour)


def test_slot_defaults_are_a_new_policy_s(rules):
    """Weekly on Monday at 8:00, as a new policy."""
    wednesday = DT(2026, 11, 25, 12)
    assert rules.last_slot("weekly", wednesday) == DT(2026, 11, 23, 8)
    assert rules.next_slot("weekly", wednesday) == DT(2026, 11, 30, 8)
    assert list(rules.upcoming_slots("weekly", DT(2026, 11, 30, 8), limit=2)) == [
        DT(2026, 11, 30, 8),
        DT(2026, 12, 7, 8),
    ]


def test_utc_local_conversions(rules):
    assert rules.utc_to_local(DT(2026, 1, 15, 12), "Europe/Brussels") == DT(2026, 1, 15, 13)
    assert rules.utc_to_local(DT(2026, 7, 15, 12), "Europe/Brussels") == DT(2026, 7, 15, 14)
    assert rules.local_to_utc(DT(2026, 7, 15, 14), "Europe/Brussels") == DT(2026, 7, 15, 12)
    assert rules.utc_to_local(DT(2026, 7, 15, 12), "") == DT(2026, 7, 15, 12)
    assert rules.utc_to_local(DT(2026, 7, 15, 12), None) == DT(2026, 7, 15, 12)
    assert rules.local_to_utc(DT(2026, 7, 15, 12), False) == DT(2026, 7, 15, 12)
    for tz in ("Europe/Brussels", "Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata"):
        moment = DT(2026, 11, 22, 23, 30)
        assert rules.local_to_utc(rules.utc_to_local(moment, tz), tz) == moment


def test_midnight_brussels(rules):
    now = DT(2026, 11, 22, 23, 30)  # Sunday in UTC, Monday 00:30 in Brussels
    assert rules.utc_to_local(now, "Europe/Brussels") == DT(2026, 11, 23, 0, 30)
    assert rules.period_key("weekly", now, "Europe/Brussels", 0, 0) == D(2026, 11, 23)
    assert rules.period_key("weekly", now, "UTC", 0, 0) == D(2026, 11, 16)
    assert rules.period_key("weekly", now, "Europe/Brussels", 0, 1) == D(2026, 11, 16)
    assert rules.period_key("daily", now, "Europe/Brussels", 0, 0) == D(2026, 11, 23)
    assert rules.period_key("daily", now, "UTC", 0, 0) == D(2026, 11, 22)
    assert rules.period_key("business_days", now, "Europe/Brussels", 0, 0) == D(2026, 11, 23)
    assert rules.period_key("business_days", now, "UTC", 0, 0) == D(2026, 11, 20)


def test_auckland_and_los_angeles(rules):
    now = DT(2026, 11, 22, 20)  # Sunday 20:00 UTC
    assert rules.utc_to_local(now, "Pacific/Auckland") == DT(2026, 11, 23, 9)  # NZDT +13
    assert rules.utc_to_local(now, "America/Los_Angeles") == DT(2026, 11, 22, 12)  # PST -8
    assert rules.period_key("weekly", now, "Pacific/Auckland") == D(2026, 11, 23)
    assert rules.period_key("weekly", now, "America/Los_Angeles") == D(2026, 11, 16)
    assert rules.period_key("daily", now, "Pacific/Auckland") == D(2026, 11, 23)
    assert rules.period_key("daily", now, "America/Los_Angeles") == D(2026, 11, 22)
    assert rules.period_key("business_days", now, "America/Los_Angeles") == D(2026, 11, 20)
    # the next Monday 08:00 of each company, in UTC
    for tz, expected in (
        ("Pacific/Auckland", DT(2026, 11, 29, 19)),
        ("America/Los_Angeles", DT(2026, 11, 23, 16)),
    ):
        local = rules.next_slot("weekly", rules.utc_to_local(now, tz), 0, 8)
        assert rules.local_to_utc(local, tz) == expected


def test_period_key_constant_over_a_week(rules):
    start = rules.local_to_utc(DT(2026, 11, 23, 8), "Europe/Brussels")
    keys = {
        rules.period_key("weekly", start + timedelta(minutes=m), "Europe/Brussels")
        for m in range(0, 7 * 24 * 60, 10)
    }
    assert keys == {D(2026, 11, 23)}
    assert rules.period_key("weekly", start - timedelta(seconds=1), "Europe/Brussels") == D(
        2026, 11, 16
    )


def test_dst_spring_forward(rules):
    tz = "Europe/Brussels"  # 2026-03-29 02:00 local -> 03:00 (01:00 UTC)
    assert rules.utc_to_local(DT(2026, 3, 29, 0, 59), tz) == DT(2026, 3, 29, 1, 59)
    assert rules.utc_to_local(DT(2026, 3, 29, 1, 0), tz) == DT(2026, 3, 29, 3, 0)
    # 02:30 does not exist: read with the offset before the change (+1)
    assert rules.local_to_utc(DT(2026, 3, 29, 2, 30), tz) == DT(2026, 3, 29, 1, 30)
    # daily 08:00 is 07:00 UTC the day before, 06:00 UTC from the change on
    local = rules.next_slot("daily", rules.utc_to_local(DT(2026, 3, 28, 8), tz), 0, 8)
    assert local == DT(2026, 3, 29, 8)
    assert rules.local_to_utc(local, tz) == DT(2026, 3, 29, 6)
    assert rules.local_to_utc(DT(2026, 3, 28, 8), tz) == DT(2026, 3, 28, 7)
    # a slot in the gap (Sunday 02:00) still opens its period once the clock jumped
    assert rules.period_key("weekly", DT(2026, 3, 29, 0, 59), tz, 6, 2) == D(2026, 3, 22)
    assert rules.period_key("weekly", DT(2026, 3, 29, 1, 0), tz, 6, 2) == D(2026, 3, 29)


def test_dst_fall_back(rules):
    tz = "Europe/Brussels"  # 2026-10-25 03:00 local -> 02:00 (01:00 UTC)
    first, second = DT(2026, 10, 25, 0, 30), DT(2026, 10, 25, 1, 30)
    assert (
        rules.utc_to_local(first, tz) == rules.utc_to_local(second, tz) == DT(2026, 10, 25, 2, 30)
    )
    # the ambiguous 02:30 is read as its first occurrence (fold=0, +2)
    assert rules.local_to_utc(DT(2026, 10, 25, 2, 30), tz) == first
    # the repeated hour stays in one period: no second digest
    assert rules.period_key("daily", first, tz, 0, 2) == D(2026, 10, 25)
    assert rules.period_key("daily", second, tz, 0, 2) == D(2026, 10, 25)
    assert rules.period_key("daily", DT(2026, 10, 24, 23, 59), tz, 0, 2) == D(2026, 10, 24)
    la = "America/Los_Angeles"  # 2026-11-01 02:00 PDT -> 01:00 PST
    assert rules.local_to_utc(DT(2026, 11, 1, 1, 30), la) == DT(2026, 11, 1, 8, 30)
    assert rules.local_to_utc(DT(2026, 11, 2, 1, 30), la) == DT(2026, 11, 2, 9, 30)


# ---------------------------------------------------------------------------
# Policies and addresses
# ---------------------------------------------------------------------------


def test_resolve_policy_partner_first(rules):
    assert rules.resolve_policy(7, [(100, 1, 8)], 9) == 7


def test_resolve_policy_highest_priority(rules):
    tags = [(5, 1, 10), (20, 3, 11), (-1, 2, 12)]
    assert rules.resolve_policy(None, tags, 99) == 11
    assert rules.resolve_policy(None, reversed(tags), 99) == 11
    assert rules.resolve_policy(None, iter(tags), 99) == 11  # any iterable
    assert rules.resolve_policy(None, [(-5, 1, 10), (-1, 2, 12)], 99) == 12


def test_resolve_policy_ties_to_lowest_tag(rules):
    tags = [(10, 7, 70), (10, 3, 30), (10, 5, 50), (1, 1, 10)]
    assert rules.resolve_policy(None, tags, 99) == 30
    assert rules.resolve_policy(None, sorted(tags, reverse=True), 99) == 30


def test_resolve_policy_fallbacks(rules):
    assert rules.resolve_policy(None, [(50, 1, None)], 99) == 99  # tag without a policy
    assert rules.resolve_policy(None, [], 99) == 99
    assert rules.resolve_policy(False, (), False) is None
    assert rules.resolve_policy(None, [], None) is None


def test_split_emails(rules):
    assert rules.split_emails(None) == []
    assert rules.split_emails("") == []
    assert rules.split_emails(" ,; \n") == []
    assert rules.split_emails("a@x.be") == ["a@x.be"]
    text = " Ann@X.be, bob@x.be;carl@x.be\n\tann@x.be ;; BOB@X.BE  dan@x.be,\r\n"
    assert rules.split_emails(text) == ["Ann@X.be", "bob@x.be", "carl@x.be", "dan@x.be"]


@pytest.mark.parametrize(
    "address",
    ["a@b.co", "first.last+tag@sub.example.org", "o'brien@example.ie", "A_B@EXAMPLE.COM"],
)
def test_valid_email(rules, address):
    assert rules.is_valid_email(address) is True


@pytest.mark.parametrize(
    "address",
    [
        "",
        None,
        "ann",
        "@example.com",
        "ann@",
        "ann@localhost",
        "ann@@example.com",
        "ann@bob@example.com",
        "ann smith@example.com",
        "ann@exa mple.com",
        " ann@example.com",
        "ann@example.com\n",
        "ann@.com",
        "ann@example.com.",
        "ann@example..com",
        "ann@example.com,bob@example.com",
    ],
)
def test_invalid_email(rules, address):
    assert rules.is_valid_email(address) is False


# ---------------------------------------------------------------------------
# Attachment file names
# ---------------------------------------------------------------------------


def test_default_attachment_name(rules):
    assert rules.DEFAULT_ATTACHMENT_NAME == "Statement {customer} {date}"
    assert (
        rules.expand_filename(None, "pdf", customer="Deco Addict", date=D(2026, 2, 2))
        == "Statement Deco Addict 2026-02-02.pdf"
    )
    assert rules.expand_filename("   ", "docx", customer="X", date=D(2026, 2, 2)) == (
        "Statement X 2026-02-02.docx"
    )


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("Statement {customer} {date}", "Statement Deco Addict 2026-02-02.pdf"),
        ("{date}-{customer}", "2026-02-02-Deco Addict.pdf"),
        ("{company} reminder", "YourCo reminder.pdf"),
        ("Reminder {unknown}", "Reminder {unknown}.pdf"),
        ("No placeholder", "No placeholder.pdf"),
        ("{customer}{customer}", "Deco AddictDeco Addict.pdf"),
    ],
)
def test_expand_filename_placeholders(rules, pattern, expected):
    values = {"customer": "Deco Addict", "date": D(2026, 2, 2), "company": "YourCo"}
    assert rules.expand_filename(pattern, "pdf", **values) == expected


def test_expand_filename_extension_with_or_without_dot(rules):
    assert rules.expand_filename("a", ".pdf") == "a.pdf"
    assert rules.expand_filename("a", "pdf") == "a.pdf"
    assert rules.expand_filename("a", "") == "a"


def test_expand_filename_none_value_is_empty(rules):
    assert rules.expand_filename("S {customer} {date}", "pdf", customer=None, date=None) == "S.pdf"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Deco/Addict", "Deco_Addict"),
        ('a\\b:c*d?e"f<g>h|i', "a_b_c_d_e_f_g_h_i"),
        ("tab\there\nnew", "tab here new"),
        ("  spaced   out  ", "spaced out"),
        ("..hidden.", "hidden"),
        ("", "document"),
        (None, "document"),
        ("///", "___"),
        ("Müller & Söhne — Zürich", "Müller & Söhne — Zürich"),
        ("\x00\x01\x7f", "___"),
    ],
)
def test_sanitize_filename(rules, name, expected):
    assert rules.sanitize_filename(name) == expected


def test_sanitize_filename_length(rules):
    assert len(rules.sanitize_filename("x" * 500)) == 120
    assert len(rules.sanitize_filename("x" * 120)) == 120
    assert rules.sanitize_filename("ab cd", max_length=3) == "ab"
    long_name = rules.expand_filename("{customer}", "docx", customer="y" * 500)
    assert len(long_name) == 120
    assert long_name.endswith(".docx")


def test_expand_filename_never_makes_a_path(rules):
    name = rules.expand_filename("{customer}", "pdf", customer="../../etc/passwd")
    assert "/" not in name
    assert not name.startswith(".")


# ---------------------------------------------------------------------------
# Per-invoice cadence
# ---------------------------------------------------------------------------

CADENCE_FACTS = {
    "move_type": "out_invoice",
    "state": "posted",
    "payment_state": "not_paid",
    "amount_total": 100,
    "amount_residual": 100,
    "included": True,
    "partner_enabled": True,
    "company_enabled": True,
    "due_date": D(2026, 11, 20),
    "invoice_date": None,
    "days_after_due": 0,
    "stop_after_months": 12,
    "stop_on": "paid",
}


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
