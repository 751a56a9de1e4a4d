"""Digests: lines, credits and totals per currency (``rules/amounts.py``), without Odoo."""

import dataclasses
from datetime import date, datetime
from decimal import Decimal

import pytest

D = date
DT = datetime

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
