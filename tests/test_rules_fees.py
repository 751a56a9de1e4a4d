"""Late fees and interest of ``rules/amounts.py``: rounding per currency, interest over days."""

import dataclasses
from decimal import Decimal

import pytest


def test_fixed_fee_in_the_invoice_currency(rules):
    charges = rules.late_charges(250, 10, fixed=15)
    assert charges.fixed == Decimal("15.00")
    assert (charges.percent, charges.interest, charges.total) == (0, 0, Decimal("15.00"))


def test_fixed_fee_rounded_to_a_currency_without_cents(rules):
    charges = rules.late_charges(100000, 10, fixed=1500.4, rounding=1)
    assert charges.fixed == Decimal("1500")
    assert str(charges.total) == "1500"


def test_percentage_rounded_half_up_per_currency(rules):
    # 1.5 % of 123.45 = 1.85175
    assert rules.late_charges(123.45, 10, percent=1.5).percent == Decimal("1.85")
    # 2 % of 12,345 JPY = 246.9
    assert rules.late_charges(12345, 10, percent=2, rounding=1).percent == Decimal("247")
    # 0.5 % of 1 = 0.005 goes up, not to the even cent
    assert rules.late_charges(1, 10, percent=0.5).percent == Decimal("0.01")


def test_interest_is_amount_times_rate_times_days_over_365(rules):
    charges = rules.late_charges(10000, 73, annual_rate=10)
    # 10,000 * 10 % * 73 / 365 = 200
    assert charges.interest == Decimal("200.00")
    assert (charges.interest_days, charges.days_overdue) == (73, 73)


def test_interest_charges_only_the_days_not_charged_yet(rules):
    first = rules.late_charges(10000, 36, annual_rate=10)
    second = rules.late_charges(10000, 73, annual_rate=10, days_charged=first.days_overdue)
    assert second.interest_days == 37
    assert first.interest + second.interest == Decimal("98.63") + Decimal("101.37")
    # nothing new when no day passed since the last charge
    again = rules.late_charges(10000, 73, annual_rate=10, days_charged=73)
    assert (again.interest, again.interest_days) == (0, 0)


def test_all_parts_add_up(rules):
    charges = rules.late_charges(1000, 30, fixed=10, percent=1.5, annual_rate=8)
    assert charges.total == Decimal("31.58")


def test_nothing_due_nothing_charged_but_the_fixed_fee(rules):
    charges = rules.late_charges(0, 100, fixed=5, percent=10, annual_rate=12)
    assert (charges.fixed, charges.percent, charges.interest) == (Decimal("5.00"), 0, 0)


def test_no_rate_no_interest_days(rules):
    charges = rules.late_charges(1000, 30, fixed=10)
    assert (charges.interest_days, charges.days_overdue) == (0, 0)


@pytest.mark.parametrize("field", ["fixed", "percent", "annual_rate"])
def test_negative_rates_refused(rules, field):
    with pytest.raises(ValueError):
        rules.late_charges(100, 10, **{field: -1})


def test_no_charges(rules):
    charges = rules.Charges()
    parts = (charges.fixed, charges.percent, charges.interest, charges.total)
    assert parts == (0, 0, 0, 0)
    assert (charges.interest_days, charges.days_overdue) == (0, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        charges.fixed = Decimal(1)


@pytest.mark.parametrize(
    ("amount", "days", "options", "expected"),
    [
        # (fixed, percent, interest, interest_days, days_overdue)
        (1000, 30, {}, ("0.00", "0.00", "0.00", 0, 0)),  # nothing asked, nothing charged
        # nothing (or less) due: no percentage, no interest, the fixed fee only
        (-50, 10, {"fixed": 5, "percent": 10, "annual_rate": 10}, ("5.00", "0.00", "0.00", 10, 10)),
        # interest from the day after the due date
        (1000, None, {"annual_rate": 10}, ("0.00", "0.00", "0.00", 0, 0)),
        (1000, -1, {"annual_rate": 10}, ("0.00", "0.00", "0.00", 0, 0)),
        (1000, 0, {"annual_rate": 10}, ("0.00", "0.00", "0.00", 0, 0)),
        (1000, 1, {"annual_rate": 36.5}, ("0.00", "0.00", "1.00", 1, 1)),
        (1000, -10, {"annual_rate": 10, "days_charged": -5}, ("0.00", "0.00", "0.00", 0, 0)),
        # the days already charged: the day before, of and after them
        (1000, 30, {"annual_rate": 10, "days_charged": 29}, ("0.00", "0.00", "0.27", 1, 30)),
        (1000, 30, {"annual_rate": 10, "days_charged": 30}, ("0.00", "0.00", "0.00", 0, 30)),
        (1000, 30, {"annual_rate": 10, "days_charged": 31}, ("0.00", "0.00", "0.00", 0, 31)),
        # fewer days than already charged (the ladder changed): nothing, none forgotten
        (1000, 10, {"annual_rate": 10, "days_charged": 30}, ("0.00", "0.00", "0.00", 0, 30)),
        (1000, 30, {"annual_rate": 10, "days_charged": None}, ("0.00", "0.00", "8.22", 30, 30)),
        (1000, 30, {"annual_rate": 10, "days_charged": -5}, ("0.00", "0.00", "8.22", 30, 30)),
    ],
)
def test_late_charges_boundaries(rules, amount, days, options, expected):
    charges = rules.late_charges(amount, days, **options)
    got = (charges.fixed, charges.percent, charges.interest)
    assert tuple(str(part) for part in got) == expected[:3]
    assert (charges.interest_days, charges.days_overdue) == expected[3:]


@pytest.mark.parametrize(
    ("amount", "step", "expected"),
    [
        # a currency with cents: half a cent goes up, a hair less goes down
        ("0.005", "0.01", "0.01"),
        ("0.0049", "0.01", "0.00"),
        ("-0.005", "0.01", "-0.01"),  # half up: away from zero
        ("2", "0.01", "2.00"),
        # a currency with whole units (yen): no decimals, half a unit up
        ("0.5", "1", "1"),
        ("0.49", "1", "0"),
        ("1.5", "1", "2"),
        ("2.5", "1", "3"),  # not to the even unit
        ("1234", "1", "1234"),
        ("1234", "1.00", "1234"),
        # cash steps: 5 cents, 50 cents, 5 and 10 units
        ("0.025", "0.05", "0.05"),
        ("0.024", "0.05", "0.00"),
        ("0.25", "0.5", "0.5"),
        ("7.5", "5", "10"),
        ("7.49", "5", "5"),
        ("14.99", "10", "10"),
        ("15", "10", "20"),
    ],
)
def test_round_to_the_currency_step(rules, amount, step, expected):
    assert str(rules.round_to(Decimal(amount), Decimal(step))) == expected


@pytest.mark.parametrize("step", [0, -1, "-0.01"])
def test_round_to_refuses_a_step_that_is_not_positive(rules, step):
    with pytest.raises(ValueError):
        rules.round_to(1, Decimal(step))
