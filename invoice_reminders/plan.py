"""The plan of a reminder run, as plain values: what it does for each customer.

The planner (``invoice.reminder.planner``) reads the facts of a batch of
customers and returns these; the run, the preview, the test send, *Send now*
and the forecast all start from them. Nothing here touches the database:
records are referred to by id, and a reminder's values are those its
``invoice.reminder.digest`` is created with.
"""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Scope:
    """Whose reminders are planned: one policy of one company, for a period.

    ``kind`` is ``digest`` (the policy's schedule) or ``cadence`` (the
    invoices reminded alone, on their own cadence); ``period`` is the local
    date of the period's slot: the history of earlier periods decides the
    levels.
    """

    company_id: int
    policy_id: int | None
    period: date | None = None
    kind: str = "digest"

    @property
    def cadence(self):
        return self.kind == "cadence"


@dataclass
class Candidate:
    """One customer's open invoices as the rules see them, before the ladder.

    ``invoices`` are the invoice rows to remind (dicts of the facts query,
    with ``days_overdue``); ``excluded`` those left out because the customer
    is switched off or paused, which ``skip`` then names (``disabled``,
    ``paused``) with a ``detail``.
    """

    invoices: list = field(default_factory=list)
    skip: str | None = None
    detail: str | None = None
    excluded: list = field(default_factory=list)


@dataclass
class BatchFacts:
    """What the plan of a batch needs besides the invoices, read at once."""

    last_reminders: dict  # {move_id: (level index, period)} of earlier periods
    recipients: dict  # {partner_id: ([to], [cc])}
    credits: dict  # {partner_id: [credit rows]}
    currencies: dict  # {currency_id: res.currency}
    base_url: str = ""
    pay_online: bool = False

    def currency_name(self, currency_id):
        return self.currencies[currency_id].name

    def amounts_by_currency(self, rows):
        """Amount due per currency name of invoice rows."""
        amounts = {}
        for row in rows:
            name = self.currency_name(row["currency_id"])
            amounts[name] = amounts.get(name, 0.0) + row["amount_residual"]
        return amounts


@dataclass
class CustomerPlan:
    """What a run does for one customer (a commercial entity).

    ``skip`` is the reason the customer gets no reminder (a selection value of
    ``invoice.reminder.run.skip``), or None when it is sent. ``digest`` holds
    the values of the reminder, also for a skipped customer who has invoices to
    remind (for a preview or a test); ``amounts`` the amount due per currency
    name of the invoices involved; ``actions`` what the reminder does besides
    its email (fee invoice, activity, letter, SMS), as dicts with ``kind``,
    ``state`` and ``detail``. A simulation (preview, test send) adds the
    rendered ``mail``, the ``attachment_names`` and the ``files``.
    """

    partner_id: int
    skip: str | None = None
    detail: str | None = None
    digest: dict | None = None
    amounts: dict = field(default_factory=dict)
    actions: list = field(default_factory=list)
    mail: dict | None = None
    attachment_names: list = field(default_factory=list)
    files: list = field(default_factory=list)

    @property
    def sends(self):
        """Whether the run sends this customer a reminder."""
        return bool(self.digest) and not self.skip

    def lines(self, kind=None):
        """The values of the reminder's lines, of one ``kind`` (invoice, credit, fee)."""
        values = [command[2] for command in (self.digest or {}).get("line_ids", [])]
        return [line for line in values if kind is None or line.get("kind") == kind]
