"""Money: a customer's digest (its invoice and credit lines, totals per currency,
in exact decimals), and the late fees and interest of an invoice."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

KIND_INVOICE = "invoice"
KIND_CREDIT = "credit"


# ---------------------------------------------------------------------------
# Grouping
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """An open invoice, or a credit, of a customer as a digest needs it.

    A credit carries a positive amount: what is owed back to the customer.
    """

    partner_id: int
    invoice_id: int
    currency: str
    amount: Decimal | float
    level: int | None
    kind: str = KIND_INVOICE


@dataclass
class CurrencyTotal:
    """What a customer owes in one currency; ``net`` is ``due - credit``."""

    due: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)

    @property
    def net(self) -> Decimal:
        """The amount due minus the credits."""
        return self.due - self.credit


@dataclass
class Digest:
    """The reminder of one customer: its invoice and credit lines and totals.

    ``level`` is the highest level of its invoice lines; ``totals`` maps a
    currency name to its :class:`CurrencyTotal`, sorted by currency.
    """

    partner_id: int
    level: int | None = None
    invoices: list[Line] = field(default_factory=list)
    credits: list[Line] = field(default_factory=list)
    totals: dict[str, CurrencyTotal] = field(default_factory=dict)


def _decimal(amount: Decimal | float) -> Decimal:
    """``amount`` as a Decimal, through its shortest repr for floats."""
    return amount if isinstance(amount, Decimal) else Decimal(str(amount))


def group_digests(lines: Iterable[Line]) -> list[Digest]:
    """One digest per customer having at least one invoice line, by partner id.

    Credits of customers without any invoice line are dropped.

    >>> d = group_digests([Line(1, 10, "EUR", 0.1, 0), Line(1, 11, "EUR", 0.2, 1),
    ...                    Line(1, 12, "EUR", 0.05, None, "credit")])[0]
    >>> d.level, d.totals["EUR"].due, d.totals["EUR"].net
    (1, Decimal('0.3'), Decimal('0.25'))
    """
    digests: dict[int, Digest] = {}
    for line in lines:
        digest = digests.setdefault(line.partner_id, Digest(line.partner_id))
        total = digest.totals.setdefault(line.currency, CurrencyTotal())
        if line.kind == KIND_CREDIT:
            digest.credits.append(line)
            total.credit += _decimal(line.amount)
        else:
            digest.invoices.append(line)
            total.due += _decimal(line.amount)
            if line.level is not None and (digest.level is None or line.level > digest.level):
                digest.level = line.level
    result = []
    for partner_id in sorted(digests):
        digest = digests[partner_id]
        if digest.invoices:
            digest.totals = dict(sorted(digest.totals.items()))
            result.append(digest)
    return result


# ---------------------------------------------------------------------------
# Late fees and interest
# ---------------------------------------------------------------------------


DAYS_PER_YEAR = 365


@dataclass(frozen=True)
class Charges:
    """The late fee and interest charged on one invoice at one level.

    Each part is rounded to the currency; ``interest_days`` are the days of
    interest charged now, ``days_overdue`` the day up to which interest is
    charged (the next charge starts there).
    """

    fixed: Decimal = Decimal(0)
    percent: Decimal = Decimal(0)
    interest: Decimal = Decimal(0)
    interest_days: int = 0
    days_overdue: int = 0

    @property
    def total(self) -> Decimal:
        """The three parts added up."""
        return self.fixed + self.percent + self.interest


def round_to(amount: Decimal | float, rounding: Decimal | float) -> Decimal:
    """``amount`` rounded half up to a multiple of ``rounding`` (a currency's step).

    >>> round_to(Decimal("2.345"), 0.01), round_to(1234.5, 1), round_to(0.125, 0.05)
    (Decimal('2.35'), Decimal('1235'), Decimal('0.15'))
    """
    step = _decimal(rounding)
    if step <= 0:
        raise ValueError("the rounding of a currency must be positive")
    value = (_decimal(amount) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    # as many decimals as the step has (0.01 -> 2, 1 -> 0)
    return value.quantize(step.normalize()) if step < 1 else value.quantize(Decimal(1))


def late_charges(
    amount: Decimal | float,
    days_overdue: int,
    *,
    fixed: Decimal | float = 0,
    percent: Decimal | float = 0,
    annual_rate: Decimal | float = 0,
    days_charged: int = 0,
    rounding: Decimal | float = Decimal("0.01"),
) -> Charges:
    """The fee and interest of an invoice reminded at a level.

    :param amount: what remains due on the invoice
    :param days_overdue: days past its due date
    :param fixed: a fixed fee, in the invoice's currency
    :param percent: a fee of this percentage of ``amount``
    :param annual_rate: interest at this annual rate (percent), over the days
        overdue not charged yet: ``amount * rate * days / 365``
    :param days_charged: the days overdue already charged with interest by an
        earlier level (interest is never charged twice for the same day)
    :param rounding: the currency's rounding step (0.01, 1 for JPY…)

    >>> c = late_charges(1000, 30, fixed=10, percent=1.5, annual_rate=8)
    >>> c.fixed, c.percent, c.interest, c.interest_days, c.total
    (Decimal('10.00'), Decimal('15.00'), Decimal('6.58'), 30, Decimal('31.58'))
    >>> late_charges(1000, 45, annual_rate=8, days_charged=30).interest
    Decimal('3.29')
    """
    for value in (fixed, percent, annual_rate):
        if _decimal(value) < 0:
            raise ValueError("late fees and interest rates cannot be negative")
    base = max(_decimal(amount), Decimal(0))
    days = max(int(days_overdue or 0), 0)
    interest_days = max(days - max(int(days_charged or 0), 0), 0)
    interest = base * _decimal(annual_rate) / 100 * interest_days / DAYS_PER_YEAR
    return Charges(
        fixed=round_to(fixed, rounding),
        percent=round_to(base * _decimal(percent) / 100, rounding),
        interest=round_to(interest, rounding),
        interest_days=interest_days if _decimal(annual_rate) else 0,
        days_overdue=max(days, int(days_charged or 0)) if _decimal(annual_rate) else 0,
    )
