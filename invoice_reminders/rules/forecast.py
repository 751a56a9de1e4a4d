"""What comes next: an invoice's and a customer's next reminder (the run's rules
applied slot after slot), and the search filters on those forecasts."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from .eligibility import (
    REASON_COMPANY_DISABLED,
    REASON_DISPUTED,
    REASON_EXCLUDED,
    REASON_NO_DATE,
    REASON_NOT_INVOICE,
    REASON_NOT_POSTED,
    REASON_PAID,
    REASON_PARTIAL,
    REASON_PARTNER_DISABLED,
    REASON_TOO_OLD,
    days_overdue,
    ineligibility_reason,
)
from .ladder import cadence_due, cadence_level, ladder_level

# ---------------------------------------------------------------------------
# Next reminder
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Search filters
# ---------------------------------------------------------------------------


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
