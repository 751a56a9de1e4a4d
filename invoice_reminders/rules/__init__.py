"""The decisions of payment reminders, as plain Python.

Nothing here touches the database: the models fetch records and call these
functions with plain values (dates, numbers, strings).  They are unit-tested
in milliseconds by ``tests/test_rules*.py``, without Odoo.

The rules live in one module per concern; this package is their one import
surface: ``from .. import rules`` then ``rules.ladder_level(...)``.

- ``eligibility``: dates, payments, pauses, promises to pay, the policy that applies
- ``ladder``: the level of a digest's invoice, the per-invoice cadence
- ``schedule``: sending slots, time zones, periods, the forewarning
- ``forecast``: the next reminder of an invoice or a customer, its search filters
- ``amounts``: digests (lines, totals per currency), late fees and interest
- ``text``: e-mail addresses, attachment file names, text safe for XML
"""

# New rules: in rules/<concern>.py (a new concern: a new module), re-exported here and in __all__.

from .amounts import (
    DAYS_PER_YEAR,
    KIND_CREDIT,
    KIND_INVOICE,
    Charges,
    CurrencyTotal,
    Digest,
    Line,
    group_digests,
    late_charges,
    round_to,
)
from .eligibility import (
    REASON_COMPANY_DISABLED,
    REASON_DISPUTED,
    REASON_EXCLUDED,
    REASON_NO_DATE,
    REASON_NOT_DUE,
    REASON_NOT_INVOICE,
    REASON_NOT_POSTED,
    REASON_PAID,
    REASON_PARTIAL,
    REASON_PARTNER_DISABLED,
    REASON_PAUSED,
    REASON_PROMISED,
    REASON_TOO_OLD,
    STOP_PAID,
    STOP_PARTIAL,
    add_months,
    days_overdue,
    ineligibility_reason,
    is_eligible,
    is_paused,
    payment_stop_reason,
    promise_outcome,
    reference_date,
    resolve_policy,
)
from .forecast import (
    customer_next_reminder,
    filter_dates,
    filter_levels,
    is_set_operator,
    next_cadence_reminder,
    next_reminder,
)
from .ladder import (
    CADENCE_BUSINESS_DAYS,
    CADENCE_DAILY,
    CADENCE_EVERY_3_DAYS,
    CADENCES,
    cadence_due,
    cadence_error,
    cadence_level,
    check_levels,
    ladder_level,
    reached_level,
    resumed_level,
)
from .schedule import (
    SCHEDULE_BUSINESS_DAYS,
    SCHEDULE_DAILY,
    SCHEDULE_WEEKLY,
    SCHEDULES,
    forewarning_due,
    last_slot,
    local_to_utc,
    next_slot,
    period_allowed,
    period_key,
    upcoming_slots,
    utc_to_local,
)
from .text import (
    DEFAULT_ATTACHMENT_NAME,
    FILENAME_MAX_LENGTH,
    expand_filename,
    is_valid_email,
    sanitize_filename,
    split_emails,
    xml_text,
)

__all__ = [
    "CADENCES",
    "CADENCE_BUSINESS_DAYS",
    "CADENCE_DAILY",
    "CADENCE_EVERY_3_DAYS",
    "DAYS_PER_YEAR",
    "DEFAULT_ATTACHMENT_NAME",
    "FILENAME_MAX_LENGTH",
    "KIND_CREDIT",
    "KIND_INVOICE",
    "REASON_COMPANY_DISABLED",
    "REASON_DISPUTED",
    "REASON_EXCLUDED",
    "REASON_NOT_DUE",
    "REASON_NOT_INVOICE",
    "REASON_NOT_POSTED",
    "REASON_NO_DATE",
    "REASON_PAID",
    "REASON_PARTIAL",
    "REASON_PARTNER_DISABLED",
    "REASON_PAUSED",
    "REASON_PROMISED",
    "REASON_TOO_OLD",
    "SCHEDULES",
    "SCHEDULE_BUSINESS_DAYS",
    "SCHEDULE_DAILY",
    "SCHEDULE_WEEKLY",
    "STOP_PAID",
    "STOP_PARTIAL",
    "Charges",
    "CurrencyTotal",
    "Digest",
    "Line",
    "add_months",
    "cadence_due",
    "cadence_error",
    "cadence_level",
    "check_levels",
    "customer_next_reminder",
    "days_overdue",
    "expand_filename",
    "filter_dates",
    "filter_levels",
    "forewarning_due",
    "group_digests",
    "ineligibility_reason",
    "is_eligible",
    "is_paused",
    "is_set_operator",
    "is_valid_email",
    "ladder_level",
    "last_slot",
    "late_charges",
    "local_to_utc",
    "next_cadence_reminder",
    "next_reminder",
    "next_slot",
    "payment_stop_reason",
    "period_allowed",
    "period_key",
    "promise_outcome",
    "reached_level",
    "reference_date",
    "resolve_policy",
    "resumed_level",
    "round_to",
    "sanitize_filename",
    "split_emails",
    "upcoming_slots",
    "utc_to_local",
    "xml_text",
]
