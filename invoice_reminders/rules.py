"""The decisions of payment reminders, as plain Python.

Nothing here touches the database: the models fetch records and call these
functions with plain values (dates, numbers, strings).  They are unit-tested
in milliseconds by ``tests/test_rules.py``, without Odoo.

>>> add_months(date(2024, 1, 31), 1)
datetime.date(2024, 2, 29)
>>> ladder_level(50, [7, 21, 45], None)
0
>>> ladder_level(50, [7, 21, 45], 0)
1
"""

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

STOP_PAID = "paid"
STOP_PARTIAL = "partial"

SCHEDULE_WEEKLY = "weekly"
SCHEDULE_DAILY = "daily"
SCHEDULE_BUSINESS_DAYS = "business_days"
SCHEDULES = (SCHEDULE_WEEKLY, SCHEDULE_DAILY, SCHEDULE_BUSINESS_DAYS)

REASON_NOT_POSTED = "not_posted"
REASON_NOT_INVOICE = "not_invoice"
REASON_PAID = "paid"
REASON_PARTIAL = "partially_paid"
REASON_EXCLUDED = "excluded"
REASON_PARTNER_DISABLED = "partner_disabled"
REASON_COMPANY_DISABLED = "company_disabled"
REASON_NO_DATE = "no_date"
REASON_NOT_DUE = "not_due_yet"
REASON_TOO_OLD = "too_old"
REASON_DISPUTED = "disputed"
REASON_PAUSED = "paused"
REASON_PROMISED = "promised"

CADENCE_DAILY = "daily"
CADENCE_EVERY_3_DAYS = "every_3_days"
CADENCE_BUSINESS_DAYS = "business_days"
CADENCES = (CADENCE_DAILY, CADENCE_EVERY_3_DAYS, CADENCE_BUSINESS_DAYS)

KIND_INVOICE = "invoice"
KIND_CREDIT = "credit"

_TOLERANCE = 0.005
_PAID_STATES = ("paid", "in_payment", "reversed")


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------


def add_months(d: date, months: int) -> date:
    """``d`` moved by calendar months, clamped to the end of the month.

    >>> add_months(date(2023, 1, 31), 1)
    datetime.date(2023, 2, 28)
    >>> add_months(date(2024, 3, 31), -1)
    datetime.date(2024, 2, 29)
    >>> add_months(date(2024, 11, 15), 14)
    datetime.date(2026, 1, 15)
    """
    year, month0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return d.replace(year=year, month=month0 + 1, day=min(d.day, last_day))


def reference_date(due_date: date | None, invoice_date: date | None) -> date | None:
    """The date overdue days count from: the due date, else the invoice date."""
    return due_date or invoice_date or None


def days_overdue(today: date, due_date: date | None, invoice_date: date | None) -> int | None:
    """Days past the reference date (negative before it); None without any date.

    >>> days_overdue(date(2026, 1, 10), None, date(2026, 1, 1))
    9
    """
    ref = reference_date(due_date, invoice_date)
    if ref is None:
        return None
    return (today - ref).days


# ---------------------------------------------------------------------------
# Eligibility
# ---------------------------------------------------------------------------


def payment_stop_reason(
    stop_on: str, payment_state: str, amount_total: float, amount_residual: float
) -> str | None:
    """``REASON_PAID`` or ``REASON_PARTIAL`` when payments stop an invoice's reminders.

    Reminders stop once the invoice is paid, or at its first partial payment
    when the policy says so (``stop_on``).

    >>> payment_stop_reason("paid", "partial", 100, 40) is None
    True
    >>> payment_stop_reason("partial", "not_paid", 100, 60)
    'partially_paid'
    >>> payment_stop_reason("paid", "not_paid", 100, 0.001)
    'paid'
    """
    amount_total = amount_total or 0.0
    amount_residual = amount_residual or 0.0
    if payment_state in _PAID_STATES or amount_residual <= _TOLERANCE:
        return REASON_PAID
    if stop_on == STOP_PARTIAL and (
        payment_state == "partial" or amount_residual < amount_total - _TOLERANCE
    ):
        return REASON_PARTIAL
    return None


def ineligibility_reason(
    today: date,
    *,
    move_type: str,
    state: str,
    payment_state: str,
    amount_total: float,
    amount_residual: float,
    included: bool,
    partner_enabled: bool,
    company_enabled: bool,
    due_date: date | None,
    invoice_date: date | None,
    days_after_due: int,
    stop_after_months: int,
    stop_on: str,
    disputed: bool = False,
    paused_until: date | None = None,
    promised_until: date | None = None,
) -> str | None:
    """Why an invoice must not be reminded today (a ``REASON_*`` code), or None.

    The checks run in a fixed order, the first one that fails gives the reason.
    ``stop_after_months`` of 0 means reminders never stop.  ``paused_until``
    (the invoice's or its customer's pause) and ``promised_until`` (a promise
    to pay, grace included) hold reminders back up to and including that day.

    >>> ineligibility_reason(date(2026, 2, 2), move_type="out_invoice", state="posted",
    ...     payment_state="not_paid", amount_total=100, amount_residual=100, included=True,
    ...     partner_enabled=True, company_enabled=True, due_date=date(2026, 1, 20),
    ...     invoice_date=None, days_after_due=0, stop_after_months=12, stop_on="paid")
    """
    amount_total = amount_total or 0.0
    amount_residual = amount_residual or 0.0
    if move_type != "out_invoice":
        return REASON_NOT_INVOICE
    if state != "posted":
        return REASON_NOT_POSTED
    stopped = payment_stop_reason(stop_on, payment_state, amount_total, amount_residual)
    if stopped:
        return stopped
    if not included:
        return REASON_EXCLUDED
    if disputed:
        return REASON_DISPUTED
    if not partner_enabled:
        return REASON_PARTNER_DISABLED
    if not company_enabled:
        return REASON_COMPANY_DISABLED
    if is_paused(today, paused_until):
        return REASON_PAUSED
    if is_paused(today, promised_until):
        return REASON_PROMISED
    ref = reference_date(due_date, invoice_date)
    if ref is None:
        return REASON_NO_DATE
    if (today - ref).days < (days_after_due or 0):
        return REASON_NOT_DUE
    if (stop_after_months or 0) > 0 and today > add_months(ref, stop_after_months):
        return REASON_TOO_OLD
    return None


def is_paused(today: date, until: date | None) -> bool:
    """A pause holds up to and including its last day.

    >>> is_paused(date(2026, 2, 2), date(2026, 2, 2)), is_paused(date(2026, 2, 3), date(2026, 2, 2))
    (True, False)
    """
    return bool(until) and today <= until


def is_eligible(today: date, **kwargs) -> bool:
    """True when :func:`ineligibility_reason` finds nothing against the invoice."""
    return ineligibility_reason(today, **kwargs) is None


# ---------------------------------------------------------------------------
# Ladder
# ---------------------------------------------------------------------------


def reached_level(days: int, delays: Sequence[int]) -> int | None:
    """Index of the highest level whose delay ``days`` has reached, None if none.

    ``delays`` are ascending and may be negative (a "due soon" level).

    >>> reached_level(-3, [-3, 7])
    0
    >>> reached_level(6, [7, 21]) is None
    True
    """
    reached = None
    for index, delay in enumerate(delays):
        if days >= delay:
            reached = index
    return reached


def ladder_level(days: int, delays: Sequence[int], last_level: int | None) -> int | None:
    """The level (index in ``delays``) an invoice is at in this digest.

    It takes the highest level reached but climbs at most one level past
    ``last_level`` (None: never reminded), so no level is ever skipped.  It
    never goes down (e.g. after a policy change) and, past the last level, it
    repeats the last level.  None when the invoice has reached nothing yet.

    >>> [ladder_level(100, [0, 7, 14], last) for last in (None, 0, 1, 2, 5)]
    [0, 1, 2, 2, 2]
    >>> ladder_level(-10, [0, 7], None) is None
    True
    """
    if not delays:
        return None
    reached = reached_level(days, delays)
    if last_level is None:
        return None if reached is None else 0
    last_level = min(last_level, len(delays) - 1)
    if reached is None or reached <= last_level:
        return last_level
    return min(reached, last_level + 1)


def resumed_level(level: int | None, last_level: int | None, levels: int) -> int | None:
    """The level after a broken promise to pay: the ladder resumes one level above
    the last reminder, whatever the days overdue (the last level repeats).

    >>> resumed_level(0, 0, 3), resumed_level(None, None, 3), resumed_level(2, 2, 3)
    (1, 0, 2)
    """
    floor = 0 if last_level is None else min(last_level + 1, levels - 1)
    return max(level if level is not None else floor, floor)


def promise_outcome(
    today: date, until: date, promised: float, paid: float, tolerance: float = _TOLERANCE
) -> str:
    """``open`` until the promise's date (grace included) has passed, then ``kept``
    when the payments reached the promised amount, else ``broken``.  A promise
    paid in full early is kept at once.

    >>> promise_outcome(date(2026, 3, 1), date(2026, 2, 20), 500, 500)
    'kept'
    >>> promise_outcome(date(2026, 3, 1), date(2026, 2, 20), 500, 200)
    'broken'
    >>> promise_outcome(date(2026, 2, 10), date(2026, 2, 20), 500, 200)
    'open'
    """
    if paid >= promised - tolerance:
        return "kept"
    if today > until:
        return "broken"
    return "open"


def check_levels(delays: Sequence[int]) -> str | None:
    """What is wrong with a ladder's delays (in sequence order), or None.

    >>> check_levels([-3, 7, 21]), check_levels([7, 7]), check_levels([21, 7]), check_levels([])
    (None, 'duplicate_delay', 'unordered', 'no_levels')
    """
    if not delays:
        return "no_levels"
    if len(set(delays)) != len(delays):
        return "duplicate_delay"
    if any(b <= a for a, b in pairwise(delays)):
        return "unordered"
    return None


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
# Schedules
# ---------------------------------------------------------------------------


def _check_schedule(schedule: str, weekday: int, hour: int) -> None:
    """Raise ValueError on an unknown schedule, weekday or hour."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}")
    if not 0 <= int(weekday) <= 6:
        raise ValueError(f"weekday must be within 0..6, not {weekday!r}")
    if not 0 <= int(hour) <= 23:
        raise ValueError(f"hour must be within 0..23, not {hour!r}")


def _is_slot_day(schedule: str, day: date, weekday: int) -> bool:
    """Whether the schedule sends on ``day``."""
    if schedule == SCHEDULE_WEEKLY:
        return day.weekday() == weekday
    if schedule == SCHEDULE_BUSINESS_DAYS:
        return day.weekday() < 5
    return True


def last_slot(schedule: str, now_local: datetime, weekday: int = 0, hour: int = 8) -> datetime:
    """The most recent sending slot at or before ``now_local`` (naive local time).

    >>> last_slot("weekly", datetime(2026, 11, 24, 9), 0, 8)
    datetime.datetime(2026, 11, 23, 8, 0)
    >>> last_slot("business_days", datetime(2026, 11, 23, 7, 59))
    datetime.datetime(2026, 11, 20, 8, 0)
    """
    _check_schedule(schedule, weekday, hour)
    slot = now_local.replace(hour=int(hour), minute=0, second=0, microsecond=0)
    if slot > now_local:
        slot -= timedelta(days=1)
    while not _is_slot_day(schedule, slot.date(), int(weekday)):
        slot -= timedelta(days=1)
    return slot


def next_slot(schedule: str, now_local: datetime, weekday: int = 0, hour: int = 8) -> datetime:
    """The first sending slot strictly after ``now_local`` (naive local time).

    >>> next_slot("weekly", datetime(2026, 11, 23, 8), 0, 8)
    datetime.datetime(2026, 11, 30, 8, 0)
    """
    _check_schedule(schedule, weekday, hour)
    slot = now_local.replace(hour=int(hour), minute=0, second=0, microsecond=0)
    if slot <= now_local:
        slot += timedelta(days=1)
    while not _is_slot_day(schedule, slot.date(), int(weekday)):
        slot += timedelta(days=1)
    return slot


def utc_to_local(utc_naive: datetime, tz_name: str | None) -> datetime:
    """Naive UTC to naive local time of ``tz_name`` (UTC when empty).

    >>> utc_to_local(datetime(2026, 11, 22, 23, 30), "Europe/Brussels")
    datetime.datetime(2026, 11, 23, 0, 30)
    """
    aware = utc_naive.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(ZoneInfo(tz_name or "UTC")).replace(tzinfo=None)


def local_to_utc(local_naive: datetime, tz_name: str | None) -> datetime:
    """Naive local time of ``tz_name`` (UTC when empty) to naive UTC.

    Ambiguous or missing local times (DST folds and gaps) are read with
    ``fold=0``, i.e. with the offset in force before the transition.
    """
    aware = local_naive.replace(tzinfo=ZoneInfo(tz_name or "UTC"), fold=0)
    return aware.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def period_key(
    schedule: str, now_utc: datetime, tz_name: str | None, weekday: int = 0, hour: int = 8
) -> date:
    """The local date of the current slot at ``now_utc``: identifies the period."""
    return last_slot(schedule, utc_to_local(now_utc, tz_name), weekday, hour).date()


def period_allowed(slot_utc: datetime, activated_at: datetime | None) -> bool:
    """Whether the period starting at ``slot_utc`` may send anything.

    Nothing is sent for a period that began before reminders were switched on
    (``activated_at``, naive UTC; None: never switched on): no catch-up across
    an activation.

    >>> period_allowed(datetime(2026, 11, 30, 8), datetime(2026, 11, 24, 18))
    True
    >>> period_allowed(datetime(2026, 11, 23, 8), datetime(2026, 11, 24, 18))
    False
    >>> period_allowed(datetime(2026, 11, 23, 8), None)
    False
    """
    return activated_at is not None and slot_utc >= activated_at


def upcoming_slots(
    schedule: str, first_local: datetime, weekday: int = 0, hour: int = 8, limit: int = 400
) -> Iterable[datetime]:
    """``first_local`` then the following sending slots, ``limit`` at most.

    >>> [s.day for s in upcoming_slots("weekly", datetime(2026, 11, 30, 8), 0, 8, 3)]
    [30, 7, 14]
    """
    slot = first_local
    for _index in range(limit):
        yield slot
        slot = next_slot(schedule, slot, weekday, hour)


# ---------------------------------------------------------------------------
# Per-invoice cadence: an invoice reminded alone, outside the customer's digest
# ---------------------------------------------------------------------------


def cadence_due(cadence: str, day: date, last_sent: date | None) -> bool:
    """Whether an invoice on its own ``cadence`` is reminded on ``day``.

    ``last_sent`` is the day it was last reminded (None: never).  Every day
    sends once a day; every 3rd day waits three days after the last send;
    every business day sends Monday to Friday.

    >>> cadence_due("daily", date(2026, 12, 2), date(2026, 12, 1))
    True
    >>> cadence_due("every_3_days", date(2026, 12, 3), date(2026, 12, 1))
    False
    >>> cadence_due("every_3_days", date(2026, 12, 4), date(2026, 12, 1))
    True
    >>> cadence_due("business_days", date(2026, 12, 5), None)  # a Saturday
    False
    """
    if cadence not in CADENCES:
        raise ValueError(f"unknown cadence {cadence!r}")
    if last_sent is not None and last_sent >= day:
        return False
    if cadence == CADENCE_BUSINESS_DAYS:
        return day.weekday() < 5
    if cadence == CADENCE_EVERY_3_DAYS:
        return last_sent is None or (day - last_sent).days >= 3
    return True


def cadence_level(days: int, delays: Sequence[int]) -> int | None:
    """The level of an invoice on its own cadence: the level its days overdue
    reached, since it is reminded too often to climb one level per reminder.

    >>> cadence_level(30, [7, 21, 45]), cadence_level(3, [7, 21, 45])
    (1, None)
    """
    return reached_level(days, delays) if delays else None


def cadence_error(
    cadence: str | None,
    stop_on: str,
    payment_state: str,
    amount_total: float,
    amount_residual: float,
) -> str | None:
    """What forbids a cadence on an invoice as it stands (a ``REASON_*``), or None.

    >>> cadence_error("daily", "paid", "paid", 100, 0)
    'paid'
    >>> cadence_error("daily", "partial", "partial", 100, 40)
    'partially_paid'
    >>> cadence_error("daily", "paid", "partial", 100, 40) is None
    True
    """
    if not cadence:
        return None
    return payment_stop_reason(stop_on, payment_state, amount_total, amount_residual)


# reasons that time cannot lift: no later slot will remind the invoice
_FINAL_REASONS = frozenset(
    {
        REASON_NOT_INVOICE,
        REASON_NOT_POSTED,
        REASON_PAID,
        REASON_PARTIAL,
        REASON_EXCLUDED,
        REASON_DISPUTED,
        REASON_PARTNER_DISABLED,
        REASON_COMPANY_DISABLED,
        REASON_NO_DATE,
        REASON_TOO_OLD,
    }
)


def next_reminder(
    slot_dates: Iterable[date],
    delays: Sequence[int],
    last_level: int | None,
    **facts,
) -> tuple[date, int] | None:
    """The first slot date at which an invoice will be reminded, and its level.

    The same rules as the run, applied slot after slot as they stand now:
    :func:`ineligibility_reason` with ``facts`` (its keyword arguments), then
    :func:`ladder_level`.  None when no slot reminds it (paid, excluded, too
    old by then...).

    >>> facts = dict(move_type="out_invoice", state="posted", payment_state="not_paid",
    ...     amount_total=100, amount_residual=100, included=True, partner_enabled=True,
    ...     company_enabled=True, due_date=date(2026, 11, 20), invoice_date=None,
    ...     days_after_due=0, stop_after_months=12, stop_on="paid")
    >>> next_reminder([date(2026, 11, 23), date(2026, 11, 30)], [7, 21], None, **facts)
    (datetime.date(2026, 11, 30), 0)
    """
    for day in slot_dates:
        reason = ineligibility_reason(day, **facts)
        if reason in _FINAL_REASONS:
            return None
        if reason is not None:
            continue
        days = days_overdue(day, facts.get("due_date"), facts.get("invoice_date"))
        level = ladder_level(days, delays, last_level)
        if level is not None:
            return day, level
    return None


def next_cadence_reminder(
    cadence: str,
    first: date,
    last_sent: date | None,
    delays: Sequence[int],
    limit: int = 400,
    **facts,
) -> tuple[date, int] | None:
    """The first day from ``first`` on at which an invoice on its own ``cadence``
    is reminded, and its level: :func:`cadence_due`, then the run's eligibility
    (:func:`ineligibility_reason` with ``facts``) and :func:`cadence_level`.

    >>> facts = dict(move_type="out_invoice", state="posted", payment_state="not_paid",
    ...     amount_total=100, amount_residual=100, included=True, partner_enabled=True,
    ...     company_enabled=True, due_date=date(2026, 11, 20), invoice_date=None,
    ...     days_after_due=0, stop_after_months=12, stop_on="paid")
    >>> next_cadence_reminder("every_3_days", date(2026, 12, 2), date(2026, 12, 1), [7], **facts)
    (datetime.date(2026, 12, 4), 0)
    """
    for offset in range(limit):
        day = first + timedelta(days=offset)
        if not cadence_due(cadence, day, last_sent):
            continue
        reason = ineligibility_reason(day, **facts)
        if reason in _FINAL_REASONS:
            return None
        if reason is not None:
            continue
        level = cadence_level(
            days_overdue(day, facts.get("due_date"), facts.get("invoice_date")), delays
        )
        if level is not None:
            return day, level
    return None


def customer_next_reminder(
    invoice_forecasts: Iterable[tuple[date, int] | None],
) -> tuple[date, int] | None:
    """A customer's next reminder from its invoices' forecasts: the earliest date,
    at the highest level of the invoices reminded that day (the digest's level).

    >>> customer_next_reminder([(date(2026, 12, 7), 0), None, (date(2026, 11, 30), 1),
    ...     (date(2026, 11, 30), 2)])
    (datetime.date(2026, 11, 30), 2)
    >>> customer_next_reminder([None]) is None
    True
    """
    known = [forecast for forecast in invoice_forecasts if forecast]
    if not known:
        return None
    first = min(day for day, _level in known)
    return first, max(level for day, level in known if day == first)


_DATE_OPERATORS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def filter_dates(dates: dict, operator: str, value) -> list | None:
    """Keys of ``dates`` whose date compares to ``value`` as ``operator`` says.

    ``value`` is a date or an ISO string; None for ``False`` ("is set" searches,
    which the caller turns into a domain on every key).

    >>> filter_dates({1: date(2026, 11, 30), 2: date(2026, 12, 7)}, "<=", "2026-12-01")
    [1]
    >>> filter_dates({1: date(2026, 11, 30)}, "=", False) is None
    True
    """
    if value is False or value is None:
        return None
    if operator not in _DATE_OPERATORS:
        raise ValueError(f"unsupported operator {operator!r}")
    if isinstance(value, datetime):
        value = value.date()
    elif isinstance(value, str):
        value = date.fromisoformat(value[:10])
    compare = _DATE_OPERATORS[operator]
    return sorted(key for key, day in dates.items() if day and compare(day, value))


def is_set_operator(operator: str, value) -> str:
    """``in`` or ``not in`` the set of records that have a value, for a search
    ``(field, operator, False)`` ("is not set" / "is set").

    >>> is_set_operator("=", False), is_set_operator("!=", False)
    ('not in', 'in')
    """
    return "in" if (operator == "=") != (value is False) else "not in"


def filter_levels(levels: dict, wanted_ids: list | None) -> list | None:
    """Keys of ``levels`` (``{key: level id}``) whose level is in ``wanted_ids``.

    >>> filter_levels({1: 10, 2: 11}, [11])
    [2]
    """
    if wanted_ids is None:
        return None
    wanted = set(wanted_ids)
    return sorted(key for key, level_id in levels.items() if level_id in wanted)


def forewarning_due(
    now_utc: datetime, send_at: datetime | None, hours: int, already_sent: bool
) -> bool:
    """Whether the forewarning of a run sending at ``send_at`` goes out now.

    >>> forewarning_due(datetime(2026, 11, 29, 9), datetime(2026, 11, 30, 8), 24, False)
    True
    >>> forewarning_due(datetime(2026, 11, 29, 7), datetime(2026, 11, 30, 8), 24, False)
    False
    >>> forewarning_due(datetime(2026, 11, 29, 9), datetime(2026, 11, 30, 8), 24, True)
    False
    """
    if not send_at or hours <= 0 or already_sent:
        return False
    return send_at - timedelta(hours=hours) <= now_utc < send_at


# ---------------------------------------------------------------------------
# Policies and addresses
# ---------------------------------------------------------------------------


def resolve_policy(
    partner_policy_id: int | None,
    tag_policies: Iterable[tuple[int, int, int]],
    company_default_id: int | None,
) -> int | None:
    """The customer's own policy, else its tags' policy, else the company default.

    ``tag_policies`` are ``(priority, tag_id, policy_id)``: the highest priority
    wins, ties go to the lowest tag id.

    >>> resolve_policy(None, [(5, 1, 10), (20, 2, 11)], 99)
    11
    >>> resolve_policy(None, [], 99)
    99
    """
    if partner_policy_id:
        return partner_policy_id
    best = min(
        (
            (-priority, tag_id, policy_id)
            for priority, tag_id, policy_id in tag_policies
            if policy_id
        ),
        default=None,
    )
    if best is not None:
        return best[2]
    return company_default_id or None


_EMAIL_RE = re.compile(r"[^@\s,;<>]+@[^@\s,;<>.]+(?:\.[^@\s,;<>.]+)+")


def split_emails(text: str | None) -> list[str]:
    """Addresses of a comma-, semicolon- or blank-separated text, first of duplicates kept.

    >>> split_emails("a@x.be; B@x.be,\\n b@X.BE  c@x.be")
    ['a@x.be', 'B@x.be', 'c@x.be']
    """
    seen, result = set(), []
    for address in re.split(r"[,;\s]+", text or ""):
        if address and address.lower() not in seen:
            seen.add(address.lower())
            result.append(address)
    return result


def is_valid_email(address: str) -> bool:
    """A plain sanity check of one address: one @, a local part, a dotted domain, no blank.

    >>> is_valid_email("ann@example.com"), is_valid_email("ann@localhost")
    (True, False)
    """
    return bool(address) and _EMAIL_RE.fullmatch(address) is not None


DEFAULT_ATTACHMENT_NAME = "Statement {customer} {date}"
FILENAME_MAX_LENGTH = 120
_PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")
_FILENAME_UNSAFE_RE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def sanitize_filename(name: str | None, max_length: int = FILENAME_MAX_LENGTH) -> str:
    """A file name safe on every system: no path separator, control or reserved character.

    Blanks are collapsed, other unsafe characters become ``_``, leading and trailing
    dots and blanks are dropped, and the name is cut to ``max_length``.

    >>> sanitize_filename('Deco/Addict: "Q1"  2026?')
    'Deco_Addict_ _Q1_ 2026_'
    >>> sanitize_filename("  ..  ")
    'document'
    """
    cleaned = _FILENAME_UNSAFE_RE.sub("_", " ".join((name or "").split())).strip(" .")
    cleaned = cleaned[:max_length].rstrip(" .")
    return cleaned or "document"


def expand_filename(pattern: str | None, extension: str, **values: object) -> str:
    """The attachment file name of ``pattern`` with its ``{placeholders}`` filled in.

    Known placeholders are replaced by ``values`` (``customer``, ``date``…), unknown
    ones are kept as written; the result is sanitized and ``extension`` appended.
    An empty pattern falls back to :data:`DEFAULT_ATTACHMENT_NAME`.

    >>> expand_filename("Statement {customer} {date}", "pdf", customer="Deco Addict",
    ...                 date=date(2026, 2, 2))
    'Statement Deco Addict 2026-02-02.pdf'
    >>> expand_filename("{customer}/{oops}", ".docx", customer="A/B")
    'A_B_{oops}.docx'
    """

    def replace(match: re.Match) -> str:
        key = match.group(1)
        if key not in values:
            return match.group(0)
        value = values[key]
        if isinstance(value, date):
            return value.isoformat()
        return "" if value is None else str(value)

    name = _PLACEHOLDER_RE.sub(replace, (pattern or "").strip() or DEFAULT_ATTACHMENT_NAME)
    extension = extension.lstrip(".")
    base = sanitize_filename(name, FILENAME_MAX_LENGTH - len(extension) - 1)
    return f"{base}.{extension}" if extension else base


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


# Characters XML 1.0 refuses (C0 controls but tab, newline and carriage return):
# a vertical tab pasted from a spreadsheet into a customer's name, say.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value):
    """``value`` with every string stripped of the characters XML cannot hold.

    Walks dictionaries, lists and tuples; leaves everything else as it is.
    A Word document is XML: such a character would make it impossible to build.

    >>> xml_text("Acme\\x0bLtd")
    'AcmeLtd'
    >>> xml_text({"name": "A\\x00B", "lines": ["x\\x1fy", ("\\tz",)], "n": 3})
    {'name': 'AB', 'lines': ['xy', ('\\tz',)], 'n': 3}
    """
    if isinstance(value, str):
        return _XML_INVALID.sub("", value)
    if isinstance(value, dict):
        return {key: xml_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [xml_text(item) for item in value]
    if isinstance(value, tuple):
        return tuple(xml_text(item) for item in value)
    return value


# ----------------------------------------------------------------------
# Customers' answers on the reminder page
# ----------------------------------------------------------------------

ANSWER_PROMISE = "promise"
ANSWER_DISPUTE = "dispute"
ANSWER_PAID = "paid"
ANSWER_CALL = "call"
ANSWER_KINDS = (ANSWER_PROMISE, ANSWER_DISPUTE, ANSWER_PAID, ANSWER_CALL)

# the reminder page answers its token for this many days after the reminder
ANSWER_TOKEN_DAYS = 90
# answers accepted per token within ANSWER_RATE_WINDOW
ANSWER_RATE_LIMIT = 10
ANSWER_RATE_WINDOW = timedelta(hours=1)
ANSWER_MAX_FILE_BYTES = 10 * 1024 * 1024
# what a customer may upload: documents and pictures, by extension and content type
ANSWER_FILE_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
}
# the first bytes of the binary types above (text types have none)
_FILE_MAGIC = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
}
ANSWER_PHONE_MAX = 32
ANSWER_TEXT_MAX = 2000

ERR_DATE_MISSING = "date_missing"
ERR_DATE_PAST = "date_past"
ERR_DATE_TOO_FAR = "date_too_far"
ERR_DATE_FUTURE = "date_future"
ERR_AMOUNT_INVALID = "amount_invalid"
ERR_AMOUNT_ZERO = "amount_zero"
ERR_AMOUNT_ABOVE_DUE = "amount_above_due"
ERR_REASON_MISSING = "reason_missing"
ERR_PHONE_INVALID = "phone_invalid"
ERR_TEXT_TOO_LONG = "text_too_long"
ERR_FILE_TOO_BIG = "file_too_big"
ERR_FILE_TYPE = "file_type"
ERR_PROMISE_CLOSED = "promise_closed"
ERR_PROMISE_WIDER = "promise_wider"

_PHONE_RE = re.compile(r"\+?[\d\s().\-/]+")


def answer_token_valid(sent_on: date, today: date, open_invoices: int) -> bool:
    """Whether a reminder's page still answers its token.

    It expires once every invoice of the reminder is paid, or
    ``ANSWER_TOKEN_DAYS`` days after the reminder (that day still answers).

    >>> answer_token_valid(date(2026, 2, 2), date(2026, 5, 3), 1)
    True
    >>> answer_token_valid(date(2026, 2, 2), date(2026, 5, 4), 1)
    False
    >>> answer_token_valid(date(2026, 2, 2), date(2026, 2, 2), 0)
    False
    """
    return open_invoices > 0 and today <= sent_on + timedelta(days=ANSWER_TOKEN_DAYS)


def answer_rate_limited(times: Iterable[datetime], now: datetime) -> bool:
    """Whether a token has had its ``ANSWER_RATE_LIMIT`` answers within the window.

    :param times: when the token's earlier answers (accepted or refused) came

    >>> now = datetime(2026, 2, 2, 10, 0)
    >>> answer_rate_limited([now - timedelta(minutes=m) for m in range(9)], now)
    False
    >>> answer_rate_limited([now - timedelta(minutes=m) for m in range(10)], now)
    True
    >>> answer_rate_limited([now - timedelta(hours=1)] * 10, now)
    False
    """
    start = now - ANSWER_RATE_WINDOW
    return sum(1 for moment in times if moment > start) >= ANSWER_RATE_LIMIT


def parse_amount(text: str | None) -> Decimal | None:
    """An amount typed by a customer, with a dot or a comma for decimals; ``None`` if not one.

    Spaces are dropped. With both separators, the last one marks the decimals;
    with one only, it does when it comes once with one or two digits after it
    (else it separates thousands).

    >>> parse_amount("1 234,50"), parse_amount("1,234.50"), parse_amount("80.5")
    (Decimal('1234.50'), Decimal('1234.50'), Decimal('80.5'))
    >>> parse_amount("1.234"), parse_amount("1,234,567")
    (Decimal('1234'), Decimal('1234567'))
    >>> parse_amount("abc"), parse_amount(""), parse_amount("1e3"), parse_amount("-5")
    (None, None, None, None)
    """
    text = re.sub(r"[\s\u00a0\u202f']", "", text or "")
    if not re.fullmatch(r"\d[\d.,]*", text) or len(text) > 20:
        return None
    last = max(text.rfind("."), text.rfind(","))
    separator = text[last] if last >= 0 else ""
    both = "." in text and "," in text
    single = text.count(separator) == 1 and len(text) - last - 1 in (1, 2)
    if separator and (both or single):
        whole, decimals = text[:last], text[last + 1 :]
    else:
        whole, decimals = text, ""
    # the pattern leaves digits only once the separators are gone
    whole = whole.replace(".", "").replace(",", "")
    return Decimal(f"{whole}.{decimals}" if decimals else whole)


def promise_error(
    today: date,
    promised_on: date | None,
    amount: Decimal | None,
    due: Decimal | float,
    max_days: int,
) -> str | None:
    """Why a customer's promise to pay is refused, or ``None``.

    The date is today at the earliest and ``max_days`` days ahead at the
    latest; the amount is more than zero and at most what is ``due``.

    >>> promise_error(date(2026, 2, 2), date(2026, 3, 4), Decimal(100), 100, 30) is None
    True
    >>> promise_error(date(2026, 2, 2), date(2026, 3, 5), Decimal(100), 100, 30)
    'date_too_far'
    >>> promise_error(date(2026, 2, 2), date(2026, 2, 1), Decimal(100), 100, 30)
    'date_past'
    >>> promise_error(date(2026, 2, 2), date(2026, 2, 2), Decimal("100.01"), 100, 30)
    'amount_above_due'
    """
    if promised_on is None:
        return ERR_DATE_MISSING
    if promised_on < today:
        return ERR_DATE_PAST
    if promised_on > today + timedelta(days=max(max_days, 0)):
        return ERR_DATE_TOO_FAR
    if amount is None:
        return ERR_AMOUNT_INVALID
    if amount <= 0:
        return ERR_AMOUNT_ZERO
    if amount > _decimal(due) + Decimal(str(_TOLERANCE)):
        return ERR_AMOUNT_ABOVE_DUE
    return None


def paid_error(today: date, paid_on: date | None) -> str | None:
    """Why a customer's "already paid" is refused: no date, or a date to come.

    >>> paid_error(date(2026, 2, 2), date(2026, 2, 2)), paid_error(date(2026, 2, 2), None)
    (None, 'date_missing')
    >>> paid_error(date(2026, 2, 2), date(2026, 2, 3))
    'date_future'
    """
    if paid_on is None:
        return ERR_DATE_MISSING
    if paid_on > today:
        return ERR_DATE_FUTURE
    return None


def dispute_error(reason: str | None, reasons: Iterable[str], comment: str | None) -> str | None:
    """Why a dispute is refused: a reason not of the list, or too long a comment.

    >>> dispute_error("price", ["price", "other"], ""), dispute_error("", ["price"], "")
    (None, 'reason_missing')
    >>> dispute_error("price", ["price"], "x" * 2001)
    'text_too_long'
    """
    if not reason or reason not in reasons:
        return ERR_REASON_MISSING
    if len(comment or "") > ANSWER_TEXT_MAX:
        return ERR_TEXT_TOO_LONG
    return None


def call_error(phone: str | None, preferred: str | None) -> str | None:
    """Why a call request is refused: no phone number of 6 digits or more, or too long.

    >>> call_error("+33 1 23 45 67 89", "mornings"), call_error("call me", "")
    (None, 'phone_invalid')
    >>> call_error("12345", ""), call_error("123456", "x" * 2001)
    ('phone_invalid', 'text_too_long')
    """
    phone = (phone or "").strip()
    if (
        len(phone) > ANSWER_PHONE_MAX
        or not _PHONE_RE.fullmatch(phone)
        or sum(char.isdigit() for char in phone) < 6
    ):
        return ERR_PHONE_INVALID
    if len(preferred or "") > ANSWER_TEXT_MAX:
        return ERR_TEXT_TOO_LONG
    return None


def file_error(filename: str | None, size: int, head: bytes = b"") -> str | None:
    """Why an uploaded file is refused: over ``ANSWER_MAX_FILE_BYTES``, or not of a listed type.

    The type is the extension's, and binary types must start as such files do.

    >>> file_error("proof.PDF", 2048, b"%PDF-1.7"), file_error("x.pdf", 10 * 1024 * 1024 + 1)
    (None, 'file_too_big')
    >>> file_error("run.exe", 10, b"MZ"), file_error("fake.pdf", 10, b"MZ")
    ('file_type', 'file_type')
    """
    if size > ANSWER_MAX_FILE_BYTES:
        return ERR_FILE_TOO_BIG
    name = (filename or "").lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    if extension not in ANSWER_FILE_TYPES:
        return ERR_FILE_TYPE
    magic = _FILE_MAGIC.get(extension)
    if magic and not any(head.startswith(start) for start in magic):
        return ERR_FILE_TYPE
    return None


def promise_replacement(
    promised_moves: Iterable[int], others: Iterable[tuple[str, Iterable[int]]]
) -> str | None:
    """Whether a customer's new promise may replace the promises already on its invoices.

    :param promised_moves: the invoices of the new promise
    :param others: ``(state, invoices)`` of the promises already covering any of them

    A promise is replaced only while it is open and when it covers none but
    the new promise's invoices; else the reason (a kept or broken promise,
    a promise that covers other invoices too).

    >>> promise_replacement([1, 2], [("open", [1])]) is None
    True
    >>> promise_replacement([1], [("broken", [1])]), promise_replacement([1], [("open", [1, 3])])
    ('promise_closed', 'promise_wider')
    """
    promised = set(promised_moves)
    others = [(state, set(moves)) for state, moves in others]
    if any(state != "open" for state, moves in others if moves & promised):
        return ERR_PROMISE_CLOSED
    if any(moves - promised for state, moves in others if moves & promised):
        return ERR_PROMISE_WIDER
    return None
