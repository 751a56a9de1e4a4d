"""Dates, eligibility, promises to pay and the policy that applies
(``rules/eligibility.py``), without Odoo."""

from datetime import date, datetime, timedelta

import pytest
from conftest import invoice_facts

D = date
DT = datetime

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
ELIGIBLE = invoice_facts(due_date=D(2026, 3, 1), invoice_date=D(2026, 2, 1))


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
# Promises to pay
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Policies
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
