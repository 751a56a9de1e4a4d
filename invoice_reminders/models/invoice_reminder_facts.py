import uuid
from collections import defaultdict

from odoo import api, models

from .. import rules


class InvoiceReminderFacts(models.AbstractModel):
    """The facts the planner decides from, each read in one set-based query.

    Open invoices, promises, policies, history, credits, recipients, portal
    tokens and fees already charged, for a set of customers at once: no query
    per customer or per invoice. Only :meth:`_ensure_access_tokens` writes.
    """

    _name = "invoice.reminder.facts"
    _description = "Payment Reminder Facts"

    # ------------------------------------------------------------------
    # Customers and their policies
    # ------------------------------------------------------------------

    @api.model
    def _open_invoice_partners(self, company, cadence=False, due_before=None):
        """Commercial partners with open customer invoices in ``company``.

        :param cadence: only invoices reminded on their own cadence
        :param due_before: only invoices due (or, without due date, dated) before that day
        """
        self.env["account.move"].flush_model()
        query = """
            SELECT DISTINCT commercial_partner_id
              FROM account_move
             WHERE company_id = %s
               AND move_type = 'out_invoice'
               AND state = 'posted'
               AND payment_state NOT IN ('paid', 'in_payment', 'reversed')
               AND amount_residual > 0
        """
        params = [company.id]
        if cadence:
            query += " AND reminder_cadence IS NOT NULL"
        if due_before:
            query += " AND coalesce(invoice_date_due, invoice_date) < %s"
            params.append(due_before)
        self.env.cr.execute(query, params)
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _resolve_policies(self, company, partner_ids):
        """Which policy applies to each commercial partner, for ``company``."""
        if not partner_ids:
            return {}
        cr = self.env.cr
        ids = list(partner_ids)
        cr.execute(
            """
            SELECT p.id, pol.id
              FROM res_partner p
              LEFT JOIN invoice_reminder_policy pol
                ON pol.id = p.reminder_policy_id AND pol.company_id = %s AND pol.active
             WHERE p.id = ANY(%s)
            """,
            (company.id, ids),
        )
        own = dict(cr.fetchall())
        cr.execute(
            """
            SELECT rel.partner_id, cat.reminder_priority, cat.id, pol.id
              FROM res_partner_res_partner_category_rel rel
              JOIN res_partner_category cat ON cat.id = rel.category_id
              JOIN invoice_reminder_policy pol
                ON pol.id = cat.reminder_policy_id AND pol.company_id = %s AND pol.active
             WHERE rel.partner_id = ANY(%s)
            """,
            (company.id, ids),
        )
        tags = defaultdict(list)
        for partner_id, priority, tag_id, policy_id in cr.fetchall():
            tags[partner_id].append((priority or 0, tag_id, policy_id))
        default = company.reminder_policy_id
        default_id = default.id if default and default.active else None
        return {
            pid: rules.resolve_policy(own.get(pid), tags.get(pid, ()), default_id) for pid in ids
        }

    @api.model
    def _recipients(self, partner_ids):
        """Email addresses per commercial partner: invoice contacts, else its own."""
        cr = self.env.cr
        cr.execute(
            """
            SELECT id, email, reminder_cc FROM res_partner WHERE id = ANY(%s)
            """,
            (list(partner_ids),),
        )
        own = {pid: (email, cc) for pid, email, cc in cr.fetchall()}
        cr.execute(
            """
            SELECT commercial_partner_id, email
              FROM res_partner
             WHERE commercial_partner_id = ANY(%s)
               AND id != commercial_partner_id
               AND type = 'invoice'
               AND active
               AND coalesce(email, '') != ''
             ORDER BY id
            """,
            (list(partner_ids),),
        )
        invoice_contacts = defaultdict(list)
        for pid, email in cr.fetchall():
            invoice_contacts[pid].append(email)
        result = {}
        for pid in partner_ids:
            email, cc = own.get(pid, (None, None))
            to = rules.split_emails(",".join(invoice_contacts[pid]) or email)
            result[pid] = (to, rules.split_emails(cc))
        return result

    # ------------------------------------------------------------------
    # Invoices, promises, credits
    # ------------------------------------------------------------------

    @api.model
    def _fetch_open_invoices(self, company, partner_ids):
        """The open customer invoices of ``partner_ids`` in ``company``, as dicts,
        with their promises (``promised_until``, ``promise_broken_on``)."""
        self.env["account.move"].flush_model()
        cr = self.env.cr
        cr.execute(
            """
            SELECT m.id, m.commercial_partner_id, m.name, m.invoice_date, m.invoice_date_due,
                   m.currency_id, m.amount_total, m.amount_residual, m.payment_state,
                   m.state, m.move_type, m.reminder_included, p.reminder_enabled,
                   m.reminder_disputed, m.reminder_pause_until,
                   m.reminder_cadence, m.reminder_cadence_stop,
                   p.reminder_pause_until AS partner_pause_until,
                   p.reminder_pause_reason AS partner_pause_reason
              FROM account_move m
              JOIN res_partner p ON p.id = m.commercial_partner_id
             WHERE m.company_id = %s
               AND m.commercial_partner_id = ANY(%s)
               AND m.move_type = 'out_invoice'
               AND m.state = 'posted'
               AND m.payment_state NOT IN ('paid', 'in_payment', 'reversed')
               AND m.amount_residual > 0
             ORDER BY m.commercial_partner_id, m.invoice_date_due, m.id
            """,
            (company.id, list(partner_ids)),
        )
        rows = cr.dictfetchall()
        promises = self._promises([row["id"] for row in rows])
        for row in rows:
            row["promised_until"], row["promise_broken_on"] = promises.get(row["id"], (None, None))
        return rows

    @api.model
    def _promises(self, move_ids):
        """``{move_id: (open promise's last day, last broken promise's date)}``."""
        if not move_ids:
            return {}
        self.env["invoice.reminder.promise"].flush_model()
        self.env.cr.execute(
            """
            SELECT rel.move_id,
                   max(p.date + coalesce(p.grace_days, 0)) FILTER (WHERE p.state = 'open'),
                   max(p.state_date) FILTER (WHERE p.state = 'broken')
              FROM invoice_reminder_promise_move_rel rel
              JOIN invoice_reminder_promise p ON p.id = rel.promise_id
             WHERE rel.move_id = ANY(%s)
             GROUP BY rel.move_id
            """,
            (list(move_ids),),
        )
        return {move_id: (until, broken) for move_id, until, broken in self.env.cr.fetchall()}

    @api.model
    def _credits(self, company, partner_ids):
        """Open credits (credit notes, unreconciled payments) per commercial partner."""
        self.env.cr.execute(
            """
            SELECT p.commercial_partner_id, aml.move_id, m.name, aml.date,
                   aml.currency_id, -aml.amount_residual_currency AS amount, m.move_type
              FROM account_move_line aml
              JOIN account_account acc ON acc.id = aml.account_id
              JOIN account_move m ON m.id = aml.move_id
              JOIN res_partner p ON p.id = aml.partner_id
             WHERE aml.company_id = %s
               AND acc.account_type = 'asset_receivable'
               AND aml.parent_state = 'posted'
               AND NOT aml.reconciled
               AND aml.amount_residual < 0
               AND p.commercial_partner_id = ANY(%s)
             ORDER BY aml.date, aml.id
            """,
            (company.id, list(partner_ids)),
        )
        credits = defaultdict(list)
        for row in self.env.cr.dictfetchall():
            credits[row["commercial_partner_id"]].append(row)
        return credits

    @api.model
    def _ensure_access_tokens(self, move_ids):
        """Portal tokens for every invoice of the batch, in one query."""
        self.env.cr.execute(
            "SELECT id FROM account_move WHERE id = ANY(%s) AND access_token IS NULL",
            (list(move_ids),),
        )
        missing = [row[0] for row in self.env.cr.fetchall()]
        if missing:
            self.env.cr.execute(
                """
                UPDATE account_move m SET access_token = v.token
                  FROM unnest(%s::int[], %s::varchar[]) AS v(id, token)
                 WHERE m.id = v.id
                """,
                (missing, [str(uuid.uuid4()) for _id in missing]),
            )
            self.env["account.move"].invalidate_model(["access_token"])
        self.env.cr.execute(
            "SELECT id, access_token FROM account_move WHERE id = ANY(%s)", (list(move_ids),)
        )
        return dict(self.env.cr.fetchall())

    # ------------------------------------------------------------------
    # History: reminders and fees of earlier periods
    # ------------------------------------------------------------------

    @api.model
    def _last_reminders(self, scope, move_ids):
        """``{move_id: (level index, period)}`` of the last reminder of each invoice, in
        periods of ``scope``'s policy before ``scope.period`` (sent or queued)."""
        if not move_ids:
            return {}
        self.env.cr.execute(
            """
            SELECT l.move_id, max(l.level_index), max(d.period)
              FROM invoice_reminder_digest_line l
              JOIN invoice_reminder_digest d ON d.id = l.digest_id
             WHERE d.policy_id = %s
               AND d.period < %s
               AND d.state IN ('queued', 'sent')
               AND l.kind = 'invoice'
               AND l.move_id = ANY(%s)
             GROUP BY l.move_id
            """,
            (scope.policy_id, scope.period, list(move_ids)),
        )
        return {move_id: (level, period) for move_id, level, period in self.env.cr.fetchall()}

    @api.model
    def _last_levels(self, scope, move_ids):
        """Level index last sent (or queued) for each invoice, in earlier periods."""
        return {
            move_id: level
            for move_id, (level, _period) in self._last_reminders(scope, move_ids).items()
        }

    @api.model
    def _charged_fees(self, move_ids):
        """What was charged: ``{(move_id, level_id)}``, ``{move_id: days overdue charged
        with interest}`` and the ids of the fee invoices among ``move_ids``."""
        self.env["invoice.reminder.fee"].flush_model()
        self.env.cr.execute(
            """
            SELECT move_id, level_id, days_overdue
              FROM invoice_reminder_fee
             WHERE move_id = ANY(%s)
            """,
            (list(move_ids),),
        )
        charged, days = set(), defaultdict(int)
        for move_id, level_id, days_overdue in self.env.cr.fetchall():
            charged.add((move_id, level_id))
            days[move_id] = max(days[move_id], days_overdue or 0)
        # a fee invoice is reminded like any invoice, but never charged a fee itself
        self.env.cr.execute(
            "SELECT DISTINCT fee_move_id FROM invoice_reminder_fee WHERE fee_move_id = ANY(%s)",
            (list(move_ids),),
        )
        fee_invoices = {row[0] for row in self.env.cr.fetchall()}
        return charged, days, fee_invoices

    @api.model
    def _paid_reminded_invoices(self, company, today):
        """``{partner_id: [move_id]}``: reminded invoices of ``company`` now paid, not
        thanked yet, of customers not thanked today."""
        self.env["account.move"].flush_model()
        self.env.cr.execute(
            """
            SELECT DISTINCT m.id, m.commercial_partner_id
              FROM account_move m
              JOIN invoice_reminder_digest_line l ON l.move_id = m.id AND l.kind = 'invoice'
              JOIN invoice_reminder_digest d ON d.id = l.digest_id AND d.state IN ('queued', 'sent')
              JOIN res_partner p ON p.id = m.commercial_partner_id
             WHERE m.company_id = %s
               AND m.move_type = 'out_invoice'
               AND m.payment_state IN ('paid', 'in_payment')
               AND NOT m.reminder_thanked
               AND (p.reminder_thanks_date IS NULL OR p.reminder_thanks_date < %s)
            """,
            (company.id, today),
        )
        moves_of = defaultdict(list)
        for move_id, partner_id in self.env.cr.fetchall():
            moves_of[partner_id].append(move_id)
        return moves_of
