"""The figures of the owner's weekly report, as plain Python.

The model ``invoice.reminder.owner.report`` reads the open invoices, the
payments and the reminders in a few set-based queries and calls these
functions with plain values (dates, numbers, currency codes); the mail, the
screens and the tests all read what they return.  Nothing here touches the
database: ``tests/test_report_figures.py`` tests it without Odoo.

>>> items = [OpenItem(1, "USD", 300.0, date(2026, 1, 20)),
...          OpenItem(2, "EUR", 100.0, date(2025, 10, 1))]
>>> totals = overdue_totals(items, date(2026, 2, 3), {"USD": 1.0, "EUR": 0.5})
>>> totals.per_currency, totals.company, totals.partial
({'EUR': 100.0, 'USD': 300.0}, 350.0, False)
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

WEEK_DAYS = 7
DSO_DAYS = 90
EFFECT_DAYS = 14
TOP_DEBTORS = 10
EFFECT_WEEKS = 8
PAID_WITHIN = (7, 14, 30)
# aging buckets: (first day, last day or None for "and more")
AGING_BUCKETS = ((1, 30), (31, 60), (61, 90), (91, None))
_TOLERANCE = 0.005


@dataclass(frozen=True)
class OpenItem:
    """An open customer invoice as it stood at a date.

    ``residual``: what it still owed then, in its own ``currency`` (a code);
    ``due``: its due date (or its date when it has none).
    """

    partner_id: int
    currency: str
    residual: float
    due: date


@dataclass
class Totals:
    """Amounts per currency and their total in the company's currency.

    ``partial``: some currency had no rate at the date; ``company`` then
    leaves it out and ``missing`` names it.
    """

    per_currency: dict = field(default_factory=dict)
    company: float = 0.0
    partial: bool = False
    missing: list = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    """A figure with last week's value: ``delta`` and ``percent`` (None when undefined)."""

    current: float | None
    previous: float | None
    delta: float | None
    percent: float | None
    direction: str  # "up", "down", "same" or "" when undefined


@dataclass(frozen=True)
class Bucket:
    """An aging bucket: its days, its amount and its bar's width (percent of the largest)."""

    first: int
    last: int | None
    amount: float
    width: int


@dataclass(frozen=True)
class Debtor:
    """A customer owing overdue money: total in company currency, oldest days overdue."""

    partner_id: int
    amount: float
    per_currency: dict
    oldest_days: int


@dataclass(frozen=True)
class Effect:
    """How the reminders of one level did: reminders and invoices, the share of the
    invoices paid within each of ``PAID_WITHIN`` days (whole percent), the median days to pay."""

    reminders: int
    invoices: int
    paid_within: dict
    median_days: float | None


# ---------------------------------------------------------------------------
# When the report goes out, and which days it covers
# ---------------------------------------------------------------------------


def report_slot(now_local: datetime, weekday: int, hour: int) -> datetime:
    """The latest weekly slot (``weekday``, Monday 0, at ``hour``) at or before ``now_local``.

    >>> report_slot(datetime(2026, 2, 10, 9, 30), 1, 8)
    datetime.datetime(2026, 2, 10, 8, 0)
    >>> report_slot(datetime(2026, 2, 10, 7, 59), 1, 8)
    datetime.datetime(2026, 2, 3, 8, 0)
    """
    if not 0 <= int(weekday) <= 6 or not 0 <= int(hour) <= 23:
        raise ValueError(f"invalid weekly slot: weekday {weekday}, hour {hour}")
    slot = now_local.replace(hour=int(hour), minute=0, second=0, microsecond=0)
    slot -= timedelta(days=(slot.weekday() - int(weekday)) % 7)
    if slot > now_local:
        slot -= timedelta(days=WEEK_DAYS)
    return slot


def report_due(now_local: datetime, weekday: int, hour: int, last_sent: date | None) -> date | None:
    """The report date (the local date of the slot) due at ``now_local``, or None.

    One report per slot: none when the slot's date was already reported
    (``last_sent``). A server down at the slot catches up at the next tick;
    a company never reported catches up only within a day of its slot, so that
    switching the report on does not send last week's at once.

    >>> report_due(datetime(2026, 2, 10, 8, 5), 1, 8, None)
    datetime.date(2026, 2, 10)
    >>> report_due(datetime(2026, 2, 10, 9, 5), 1, 8, date(2026, 2, 10)) is None
    True
    >>> report_due(datetime(2026, 2, 12, 9, 5), 1, 8, date(2026, 2, 3))
    datetime.date(2026, 2, 10)
    >>> report_due(datetime(2026, 2, 12, 9, 5), 1, 8, None) is None
    True
    """
    slot = report_slot(now_local, weekday, hour)
    if last_sent and last_sent >= slot.date():
        return None
    if not last_sent and now_local - slot >= timedelta(days=1):
        return None
    return slot.date()


def week_of(report_date: date, weeks_back: int = 0) -> tuple[date, date]:
    """The seven days before ``report_date`` (``weeks_back`` weeks earlier), first and last.

    >>> week_of(date(2026, 2, 10))
    (datetime.date(2026, 2, 3), datetime.date(2026, 2, 9))
    >>> week_of(date(2026, 2, 10), 1)
    (datetime.date(2026, 1, 27), datetime.date(2026, 2, 2))
    """
    end = report_date - timedelta(days=WEEK_DAYS * weeks_back + 1)
    return end - timedelta(days=WEEK_DAYS - 1), end


# ---------------------------------------------------------------------------
# Amounts
# ---------------------------------------------------------------------------


def days_overdue(day: date, due: date) -> int:
    """Days ``due`` lies before ``day`` (0 when not overdue).

    >>> days_overdue(date(2026, 2, 10), date(2026, 2, 1))
    9
    """
    return max((day - due).days, 0)


def to_company(amount: float, currency: str, rates: Mapping[str, float | None]) -> float | None:
    """``amount`` of ``currency`` in the company's currency; None without a rate.

    ``rates``: company-currency units for one unit of each currency.

    >>> to_company(10.0, "EUR", {"EUR": 1.1})
    11.0
    >>> to_company(10.0, "CHF", {"EUR": 1.1}) is None
    True
    """
    rate = rates.get(currency)
    if rate is None:
        return None
    return amount * rate


def convert_totals(per_currency: Mapping[str, float], rates: Mapping[str, float | None]) -> Totals:
    """Per-currency amounts and their company-currency total, partial without a rate.

    >>> convert_totals({"USD": 10.0, "XAU": 1.0}, {"USD": 1.0})
    Totals(per_currency={'USD': 10.0, 'XAU': 1.0}, company=10.0, partial=True, missing=['XAU'])
    """
    totals = Totals(per_currency=dict(sorted(per_currency.items())))
    for currency, amount in totals.per_currency.items():
        converted = to_company(amount, currency, rates)
        if converted is None:
            totals.partial = True
            totals.missing.append(currency)
        else:
            totals.company += converted
    return totals


def _overdue(items: Iterable[OpenItem], day: date) -> list[OpenItem]:
    return [item for item in items if item.due < day and item.residual > _TOLERANCE]


def overdue_totals(items: Iterable[OpenItem], day: date, rates: Mapping) -> Totals:
    """What is overdue at ``day`` (due strictly before it), per currency and in total."""
    per_currency = {}
    for item in _overdue(items, day):
        per_currency[item.currency] = per_currency.get(item.currency, 0.0) + item.residual
    return convert_totals(per_currency, rates)


def aging(items: Iterable[OpenItem], day: date, rates: Mapping) -> list[Bucket]:
    """The overdue amount (company currency) of each aging bucket, with bar widths.

    >>> [(b.first, b.amount, b.width) for b in aging(
    ...     [OpenItem(1, "USD", 50.0, date(2026, 1, 1)), OpenItem(1, "USD", 100.0,
    ...      date(2025, 10, 1))], date(2026, 2, 1), {"USD": 1.0})]
    [(1, 0.0, 0), (31, 50.0, 50), (61, 0.0, 0), (91, 100.0, 100)]
    """
    amounts = [0.0] * len(AGING_BUCKETS)
    for item in _overdue(items, day):
        converted = to_company(item.residual, item.currency, rates)
        if converted is None:
            continue
        days = days_overdue(day, item.due)
        for index, (first, last) in enumerate(AGING_BUCKETS):
            if days >= first and (last is None or days <= last):
                amounts[index] += converted
                break
    widths = bar_widths(amounts)
    return [
        Bucket(first, last, amount, width)
        for (first, last), amount, width in zip(AGING_BUCKETS, amounts, widths, strict=True)
    ]


def bar_widths(amounts: Sequence[float]) -> list[int]:
    """Each amount as a whole percentage of the largest (0 when all are 0).

    A positive amount gets at least 1, so that it shows.

    >>> bar_widths([0, 25, 100, 0.01])
    [0, 25, 100, 1]
    >>> bar_widths([0, 0])
    [0, 0]
    """
    top = max(amounts, default=0)
    if top <= 0:
        return [0 for _amount in amounts]
    return [max(round(100 * amount / top), 1) if amount > 0 else 0 for amount in amounts]


def top_debtors(
    items: Iterable[OpenItem], day: date, rates: Mapping, limit: int = TOP_DEBTORS
) -> list[Debtor]:
    """The ``limit`` customers owing the most overdue (company currency), largest first.

    Ties go to the oldest debt, then the customer's id. Amounts of a currency
    without a rate are listed per currency but count for nothing in the order.

    >>> [(d.partner_id, d.amount, d.oldest_days) for d in top_debtors(
    ...     [OpenItem(1, "USD", 50.0, date(2026, 1, 1)), OpenItem(2, "USD", 80.0,
    ...      date(2026, 1, 20)), OpenItem(1, "USD", 40.0, date(2026, 1, 25))],
    ...     date(2026, 2, 1), {"USD": 1.0})]
    [(1, 90.0, 31), (2, 80.0, 12)]
    """
    by_partner = {}
    for item in _overdue(items, day):
        amount, per_currency, oldest = by_partner.get(item.partner_id, (0.0, {}, 0))
        per_currency[item.currency] = per_currency.get(item.currency, 0.0) + item.residual
        amount += to_company(item.residual, item.currency, rates) or 0.0
        oldest = max(oldest, days_overdue(day, item.due))
        by_partner[item.partner_id] = (amount, per_currency, oldest)
    debtors = [
        Debtor(partner_id, amount, dict(sorted(per_currency.items())), oldest)
        for partner_id, (amount, per_currency, oldest) in by_partner.items()
    ]
    debtors.sort(key=lambda debtor: (-debtor.amount, -debtor.oldest_days, debtor.partner_id))
    return debtors[:limit]


def dso(receivable: float, sales: float, days: int = DSO_DAYS) -> float | None:
    """Days sales outstanding: what customers owe over what they bought in ``days``.

    None without sales in the period.

    >>> dso(3000.0, 9000.0)
    30.0
    >>> dso(100.0, 0.0) is None
    True
    """
    if sales <= _TOLERANCE:
        return None
    return receivable / sales * days


def change(current: float | None, previous: float | None) -> Change:
    """``current`` against last week's ``previous``.

    >>> change(120.0, 100.0)
    Change(current=120.0, previous=100.0, delta=20.0, percent=20.0, direction='up')
    >>> change(5.0, 0.0).percent is None
    True
    >>> change(None, 4.0).direction
    ''
    """
    if current is None or previous is None:
        return Change(current, previous, None, None, "")
    delta = current - previous
    percent = delta / abs(previous) * 100 if abs(previous) > _TOLERANCE else None
    if abs(delta) <= _TOLERANCE:
        direction = "same"
    else:
        direction = "up" if delta > 0 else "down"
    return Change(current, previous, delta, percent, direction)


def reminded_before(
    payment_day: date, reminder_days: Iterable[date], days: int = EFFECT_DAYS
) -> bool:
    """Whether a reminder went out in the ``days`` days before a payment (its day included).

    >>> reminded_before(date(2026, 2, 10), [date(2026, 1, 20), date(2026, 2, 2)])
    True
    >>> reminded_before(date(2026, 2, 20), [date(2026, 2, 2)])
    False
    """
    return any(payment_day - timedelta(days=days) <= day <= payment_day for day in reminder_days)


def collected(payments: Iterable[tuple], first: date, last: date) -> tuple[float, float]:
    """What came in from ``first`` to ``last``, and the part of it reminded before.

    ``payments``: ``(day, amount in company currency, reminder days of the invoice)``.

    >>> collected([(date(2026, 2, 4), 100.0, [date(2026, 2, 2)]),
    ...            (date(2026, 2, 5), 50.0, []), (date(2026, 1, 5), 70.0, [])],
    ...           date(2026, 2, 3), date(2026, 2, 9))
    (150.0, 100.0)
    """
    total = after_reminder = 0.0
    for day, amount, reminder_days in payments:
        if first <= day <= last:
            total += amount
            if reminded_before(day, reminder_days):
                after_reminder += amount
    return total, after_reminder


def effectiveness(rows: Iterable[tuple], within: Sequence[int] = PAID_WITHIN) -> dict:
    """Per key (a level), how its reminded invoices were paid after the reminder.

    ``rows``: ``(key, reminder id, days from the reminder to the full payment or
    None when unpaid)``, one per invoice of each reminder.

    >>> effect = effectiveness([("L1", 1, 3), ("L1", 1, None), ("L1", 2, 20), ("L2", 3, None)])
    >>> effect["L1"]
    Effect(reminders=2, invoices=3, paid_within={7: 33, 14: 33, 30: 67}, median_days=11.5)
    >>> effect["L2"].median_days is None
    True
    """
    grouped = {}
    for key, reminder_id, days in rows:
        reminders, paid_days = grouped.setdefault(key, (set(), []))
        reminders.add(reminder_id)
        paid_days.append(days)
    result = {}
    for key, (reminders, paid_days) in grouped.items():
        paid = [days for days in paid_days if days is not None]
        result[key] = Effect(
            reminders=len(reminders),
            invoices=len(paid_days),
            paid_within={
                limit: round(100 * sum(1 for days in paid if days <= limit) / len(paid_days))
                for limit in within
            },
            median_days=median(paid) if paid else None,
        )
    return result
