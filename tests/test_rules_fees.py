"""Late fees and interest of ``rules.py``: rounding per currency, interest over days."""

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


def test_round_to_refuses_a_zero_step(rules):
    with pytest.raises(ValueError):
        rules.round_to(1, 0)
