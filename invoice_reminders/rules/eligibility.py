"""Whether an invoice is reminded today, and why not: dates, payments, pauses,
promises to pay, the policy that applies.

>>> add_months(date(2024, 1, 31), 1)
datetime.date(2024, 2, 29)
"""

import calendar
from collections.abc import Iterable
from datetime import date

STOP_PAID = "paid"
STOP_PARTIAL = "partial"

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
# Promises to pay
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Policies
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
