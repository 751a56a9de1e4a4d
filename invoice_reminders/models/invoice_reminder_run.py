import logging
import threading
import uuid
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import split_every

from .. import rules

_logger = logging.getLogger(__name__)

BATCH_SIZE = 200
RUN_STATES = [
    ("running", "Building reminders"),
    ("sending", "Sending"),
    ("done", "Done"),
]
# advisory-lock namespace of the runs (an arbitrary constant of this module)
LOCK_NAMESPACE = 0x1D6E


class InvoiceReminderRun(models.Model):
    """One period of one policy: what was sent, what was skipped, the owner's summary."""

    _name = "invoice.reminder.run"
    _description = "Payment Reminder Run"
    _order = "period desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    policy_id = fields.Many2one(
        "invoice.reminder.policy",
        required=True,
        index=True,
        check_company=True,
        ondelete="cascade",
    )
    period = fields.Date(required=True)
    state = fields.Selection(RUN_STATES, required=True, default="running")
    digest_ids = fields.One2many("invoice.reminder.digest", "run_id", string="Reminders")
    skip_ids = fields.One2many("invoice.reminder.run.skip", "run_id", string="Skipped Customers")
    digest_count = fields.Integer(compute="_compute_counts")
    skip_count = fields.Integer(compute="_compute_counts")
    report_mail_id = fields.Many2one("mail.mail", string="Summary Email", ondelete="set null")
    report_sent = fields.Boolean(string="Summary Sent")

    _sql_constraints = [
        (
            "policy_period_uniq",
            "UNIQUE(policy_id, period)",
            "A policy has only one run per period.",
        ),
    ]

    @api.depends("digest_ids", "skip_ids")
    def _compute_counts(self):
        for run in self:
            run.digest_count = len(run.digest_ids)
            run.skip_count = len(run.skip_ids)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_send_now(self):
        """Build again the reminders that failed to build, and queue what is missing.

        :returns: a notification of what the runs now hold; the form reloads after it
        """
        if not self.env.su and not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(_("Only accounting managers can send payment reminders now."))
        processed = self.browse()
        for run in self:
            failed = run.digest_ids.filtered(lambda d: d.state == "failed" and not d.mail_id)
            if failed or run.state == "running":
                failed.unlink()
                run.write({"state": "running", "report_sent": False})
                run._process()
                processed |= run
        digests = processed.digest_ids
        failed_count = len(digests.filtered(lambda d: d.state == "failed"))
        if not processed:
            notification_type = "info"
            message = _("Nothing to send: every reminder of this period is already queued or sent.")
        else:
            notification_type = "warning" if failed_count else "success"
            message = _(
                "%(queued)s reminder(s) queued, %(failed)s failed, "
                "%(skipped)s customer(s) skipped.",
                queued=len(digests.filtered(lambda d: d.state == "queued" and d.mail_id)),
                failed=failed_count,
                skipped=len(processed.skip_ids),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Send now"),
                "message": message,
                "type": notification_type,
                # then reload the form, which shows the run as it now stands
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------

    @api.model
    def _cron_send_digests(self):
        """Hourly: for each company, build the reminders of every policy that is due."""
        companies = self.env["res.company"].search([("reminder_enabled", "=", True)])
        for company in companies:
            self.with_company(company)._send_company_digests(company)
        # summaries of runs whose mails have been through the queue
        self.search([("state", "=", "sending")])._finish_if_delivered()

    def _send_company_digests(self, company, now=None, batch_size=BATCH_SIZE, max_batches=None):
        """Create the runs due now for ``company`` and process them."""
        now = now or fields.Datetime.now()
        runs = self.browse()
        for policy in self.env["invoice.reminder.policy"].search([("company_id", "=", company.id)]):
            runs |= self._get_or_create(policy, now)
        runs = runs.filtered(lambda r: r.state == "running")
        for run in runs:
            run._process(now=now, batch_size=batch_size, max_batches=max_batches)
        return runs

    @api.model
    def _get_or_create(self, policy, now):
        period = rules.period_key(
            policy.schedule,
            now,
            policy._company_tz(),
            int(policy.schedule_weekday or 0),
            policy.schedule_hour,
        )
        run = self.search([("policy_id", "=", policy.id), ("period", "=", period)], limit=1)
        if run:
            return run
        self.env.cr.execute(
            """
            INSERT INTO invoice_reminder_run
                (name, company_id, policy_id, period, state, report_sent,
                 create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, %s, 'running', false, %s, now() at time zone 'UTC',
                    %s, now() at time zone 'UTC')
            ON CONFLICT (policy_id, period) DO NOTHING
            """,
            (
                f"{policy.name} — {period}",
                policy.company_id.id,
                policy.id,
                period,
                self.env.uid,
                self.env.uid,
            ),
        )
        return self.search([("policy_id", "=", policy.id), ("period", "=", period)], limit=1)

    # ------------------------------------------------------------------
    # Building one period
    # ------------------------------------------------------------------

    def _lock(self):
        """Session-level advisory lock: two runs of the same period cannot overlap."""
        self.ensure_one()
        self.env.cr.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_NAMESPACE, self.id))
        return self.env.cr.fetchone()[0]

    def _unlock(self):
        self.env.cr.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, self.id))

    def _auto_commit(self):
        """Commit a finished batch, except inside tests (which roll back).

        The run is built in batches so that tens of thousands of customers fit
        in the cron's time limit: each batch's digests and queued mails are
        committed together, and a run killed between batches resumes where it
        stopped.
        """
        if not getattr(threading.current_thread(), "testing", False):
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _local_today(self, now):
        tz = self.policy_id._company_tz()
        return rules.utc_to_local(now, tz).date()

    def _process(self, now=None, batch_size=BATCH_SIZE, max_batches=None):
        """Build and queue the digests still missing for this period.

        Safe to interrupt anywhere and to call again: a customer who already has
        a digest for this period of this policy is not processed again, and the
        database refuses a second one.
        """
        self.ensure_one()
        if self.state != "running":
            return
        now = now or fields.Datetime.now()
        if not self._lock():
            _logger.info("Reminder run %s is already being processed: skipped", self.id)
            return
        try:
            today = self._local_today(now)
            partner_ids = self._candidate_partners()
            self.env.cr.execute(
                "SELECT partner_id FROM invoice_reminder_digest"
                " WHERE policy_id = %s AND period = %s",
                (self.policy_id.id, self.period),
            )
            done = {row[0] for row in self.env.cr.fetchall()}
            self.env.cr.execute(
                "SELECT partner_id FROM invoice_reminder_run_skip WHERE run_id = %s", (self.id,)
            )
            done.update(row[0] for row in self.env.cr.fetchall())
            todo = [pid for pid in partner_ids if pid not in done]
            total = len(todo)
            processed = 0
            for batch_index, batch in enumerate(split_every(batch_size, todo, list)):
                if max_batches is not None and batch_index >= max_batches:
                    return
                # only this batch's invoices are in memory: memory stays flat
                self._build_batch(self._collect_candidates(today, batch), today)
                processed += len(batch)
                self.env["ir.cron"]._notify_progress(done=processed, remaining=total - processed)
                self._auto_commit()
                # keep memory flat whatever the number of customers
                self.env.invalidate_all()
            self.state = "sending"
            self._auto_commit()
        finally:
            self._unlock()
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        self.env.ref("invoice_reminders.ir_cron_send_reminder_digests")._trigger(
            fields.Datetime.now() + timedelta(minutes=5)
        )

    def _candidate_partners(self):
        """Customers (commercial entities) of this run's policy with open invoices, sorted."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT DISTINCT m.commercial_partner_id
              FROM account_move m
             WHERE m.company_id = %s
               AND m.move_type = 'out_invoice'
               AND m.state = 'posted'
               AND m.payment_state NOT IN ('paid', 'in_payment', 'reversed')
               AND m.amount_residual > 0
            """,
            (self.company_id.id,),
        )
        policy_of = self._resolve_policies({row[0] for row in self.env.cr.fetchall()})
        return sorted(pid for pid, policy_id in policy_of.items() if policy_id == self.policy_id.id)

    def _collect_candidates(self, today, partner_ids):
        """Invoices to remind of ``partner_ids``, and why customers are skipped.

        :param partner_ids: customers of this run's policy (see ``_candidate_partners``)
        :returns: ``{commercial_partner_id: {"invoices": [...], "skip": reason}}``
        """
        self.ensure_one()
        policy = self.policy_id
        company = self.company_id
        cr = self.env.cr
        cr.execute(
            """
            SELECT m.id, m.commercial_partner_id, m.name, m.invoice_date, m.invoice_date_due,
                   m.currency_id, m.amount_total, m.amount_residual, m.payment_state,
                   m.state, m.move_type, m.reminder_included, p.reminder_enabled
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
        result = {}
        for row in cr.dictfetchall():
            partner_id = row["commercial_partner_id"]
            reason = rules.ineligibility_reason(
                today,
                move_type=row["move_type"],
                state=row["state"],
                payment_state=row["payment_state"],
                amount_total=row["amount_total"],
                amount_residual=row["amount_residual"],
                included=row["reminder_included"],
                partner_enabled=row["reminder_enabled"],
                company_enabled=company.reminder_enabled,
                due_date=row["invoice_date_due"],
                invoice_date=row["invoice_date"],
                days_after_due=policy.days_after_due,
                stop_after_months=policy.stop_after_months,
                stop_on=policy.stop_on,
            )
            entry = result.setdefault(partner_id, {"invoices": [], "skip": None})
            if reason is None:
                row["days_overdue"] = rules.days_overdue(
                    today, row["invoice_date_due"], row["invoice_date"]
                )
                entry["invoices"].append(row)
            elif reason == rules.REASON_PARTNER_DISABLED:
                entry["skip"] = "disabled"
        # customers with nothing to remind and no reason to report are left out
        return {pid: entry for pid, entry in result.items() if entry["invoices"] or entry["skip"]}

    def _resolve_policies(self, partner_ids):
        """Which policy applies to each commercial partner, for this run's company."""
        self.ensure_one()
        if not partner_ids:
            return {}
        company = self.company_id
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

    def _last_levels(self, move_ids):
        """Level index last sent (or queued) for each invoice, in earlier periods of this policy."""
        if not move_ids:
            return {}
        self.env.cr.execute(
            """
            SELECT l.move_id, max(l.level_index)
              FROM invoice_reminder_digest_line l
              JOIN invoice_reminder_digest d ON d.id = l.digest_id
             WHERE d.policy_id = %s
               AND d.period < %s
               AND d.state IN ('queued', 'sent')
               AND l.kind = 'invoice'
               AND l.move_id = ANY(%s)
             GROUP BY l.move_id
            """,
            (self.policy_id.id, self.period, list(move_ids)),
        )
        return dict(self.env.cr.fetchall())

    def _credits(self, partner_ids):
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
            (self.company_id.id, list(partner_ids)),
        )
        credits = defaultdict(list)
        for row in self.env.cr.dictfetchall():
            credits[row["commercial_partner_id"]].append(row)
        return credits

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

    def _build_batch(self, candidates, today):
        """Create the digests, lines and queued mails of a batch of customers."""
        self.ensure_one()
        policy = self.policy_id
        levels = policy._levels_sorted()
        delays = levels.mapped("delay_days")
        Digest = self.env["invoice.reminder.digest"]
        Skip = self.env["invoice.reminder.run.skip"]
        currencies = {}

        move_ids = [inv["id"] for entry in candidates.values() for inv in entry["invoices"]]
        last_levels = self._last_levels(move_ids)
        partner_ids = list(candidates)
        recipients = self._recipients(partner_ids)
        credits = self._credits(partner_ids)
        tokens = self._ensure_access_tokens(move_ids) if move_ids else {}
        base_url = self.company_id.get_base_url()
        currency_ids = {inv["currency_id"] for e in candidates.values() for inv in e["invoices"]}
        currency_ids |= {c["currency_id"] for rows in credits.values() for c in rows}
        for currency in self.env["res.currency"].browse(currency_ids):
            currencies[currency.id] = currency

        currency_ids_by_name = {currency.name: cid for cid, currency in currencies.items()}
        skips, digest_vals = [], []
        for partner_id, entry in candidates.items():
            if entry["skip"] and not entry["invoices"]:
                skips.append({"run_id": self.id, "partner_id": partner_id, "reason": entry["skip"]})
                continue
            lines = []
            for inv in entry["invoices"]:
                level = rules.ladder_level(inv["days_overdue"], delays, last_levels.get(inv["id"]))
                if level is None:
                    continue
                lines.append((inv, level))
            if not lines:
                continue
            to, cc = recipients[partner_id]
            valid_to = [a for a in to if rules.is_valid_email(a)]
            if not to:
                skips.append({"run_id": self.id, "partner_id": partner_id, "reason": "no_email"})
                continue
            if not valid_to:
                skips.append(
                    {
                        "run_id": self.id,
                        "partner_id": partner_id,
                        "reason": "invalid_email",
                        "detail": ", ".join(to),
                    }
                )
                continue
            grouped = rules.group_digests(
                [
                    rules.Line(
                        partner_id=partner_id,
                        invoice_id=inv["id"],
                        currency=currencies[inv["currency_id"]].name,
                        amount=inv["amount_residual"],
                        level=level,
                        kind="invoice",
                    )
                    for inv, level in lines
                ]
                + [
                    rules.Line(
                        partner_id=partner_id,
                        invoice_id=credit["move_id"],
                        currency=currencies[credit["currency_id"]].name,
                        amount=credit["amount"],
                        level=None,
                        kind="credit",
                    )
                    for credit in credits.get(partner_id, [])
                ]
            )[0]
            line_cmds = [
                fields.Command.create(
                    {
                        "kind": "invoice",
                        "move_id": inv["id"],
                        "name": inv["name"],
                        "date": inv["invoice_date"],
                        "date_due": inv["invoice_date_due"] or inv["invoice_date"],
                        "level_id": levels[level].id,
                        "level_index": level,
                        "days_overdue": inv["days_overdue"],
                        "amount_residual": inv["amount_residual"],
                        "currency_id": inv["currency_id"],
                        "access_url": f"{base_url}/my/invoices/{inv['id']}"
                        f"?access_token={tokens.get(inv['id'])}",
                    }
                )
                for inv, level in lines
            ] + [
                fields.Command.create(
                    {
                        "kind": "credit",
                        "move_id": credit["move_id"],
                        "name": credit["name"],
                        "date": credit["date"],
                        "amount_residual": credit["amount"],
                        "currency_id": credit["currency_id"],
                    }
                )
                for credit in credits.get(partner_id, [])
            ]
            digest_vals.append(
                {
                    "run_id": self.id,
                    "partner_id": partner_id,
                    "company_id": self.company_id.id,
                    "policy_id": policy.id,
                    "period": self.period,
                    "level_id": levels[grouped.level].id,
                    "state": "queued",
                    "email_to": ", ".join(valid_to),
                    "email_cc": ", ".join(a for a in cc if rules.is_valid_email(a)),
                    "totals_json": {
                        name: {
                            "currency_id": currency_ids_by_name[name],
                            "due": float(total.due),
                            "credit": float(total.credit),
                            "net": float(total.net),
                        }
                        for name, total in grouped.totals.items()
                    },
                    "line_ids": line_cmds,
                }
            )
        if skips:
            Skip.create(skips)
        if digest_vals:
            digests = Digest.create(digest_vals)
            digests._queue_mails()

    # ------------------------------------------------------------------
    # The owner's summary
    # ------------------------------------------------------------------

    def _finish_if_delivered(self):
        """Send the summary of each run whose mails have all been through the queue."""
        for run in self.filtered(lambda r: r.state == "sending"):
            queued = run.digest_ids.filtered(lambda d: d.state == "queued" and d.mail_id)
            queued._update_from_mails()
            if any(d.state == "queued" for d in run.digest_ids):
                continue
            run._send_summary()
            run.state = "done"

    def _summary_totals(self):
        """Totals per currency of the reminders that went out (not failed)."""
        self.ensure_one()
        totals = defaultdict(float)
        for digest in self.digest_ids.filtered(lambda d: d.state != "failed"):
            for currency, total in (digest.totals_json or {}).items():
                totals[currency] += total["net"]
        currencies = self.env["res.currency"].search([("name", "in", list(totals))])
        by_name = {c.name: c for c in currencies}
        return [
            {"currency": by_name[name], "amount": amount}
            for name, amount in sorted(totals.items())
            if name in by_name
        ]

    def _send_summary(self):
        self.ensure_one()
        partners = self.company_id.reminder_report_partner_ids
        emails = [p.email for p in partners if p.email]
        if not emails:
            self.report_sent = False
            return
        template = self.env.ref("invoice_reminders.mail_template_reminder_summary")
        rendered = template._generate_template(self.ids, ["subject", "body_html", "email_from"])[
            self.id
        ]
        company = self.company_id
        mail = (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": rendered["subject"],
                    "body_html": rendered["body_html"],
                    "email_from": company.reminder_email_from
                    or rendered.get("email_from")
                    or company.email_formatted,
                    "email_to": ", ".join(emails),
                    "auto_delete": False,
                    "mail_server_id": company.reminder_mail_server_id.id or False,
                    "model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self.write({"report_mail_id": mail.id, "report_sent": True})
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
