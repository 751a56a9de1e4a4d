import logging
import threading
import uuid
from collections import defaultdict
from contextlib import closing
from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import split_every
from odoo.tools.misc import format_date

from .. import rules

_logger = logging.getLogger(__name__)

BATCH_SIZE = 200
RUN_KINDS = [
    ("digest", "Customer digests"),
    ("cadence", "Invoices on their own cadence"),
]
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
    kind = fields.Selection(
        RUN_KINDS,
        required=True,
        default="digest",
        help="Customer digests: the policy's schedule. Invoices on their own cadence: the "
        "invoices reminded alone, every day at the policy's hour.",
    )
    state = fields.Selection(RUN_STATES, required=True, default="running")
    digest_ids = fields.One2many("invoice.reminder.digest", "run_id", string="Reminders")
    skip_ids = fields.One2many("invoice.reminder.run.skip", "run_id", string="Skipped Customers")
    digest_count = fields.Integer(compute="_compute_counts")
    skip_count = fields.Integer(compute="_compute_counts")
    totals_display = fields.Char(
        string="Net Amounts Reminded",
        compute="_compute_totals_display",
        help="Net amount due per currency of the reminders that went out.",
    )
    report_mail_id = fields.Many2one("mail.mail", string="Summary Email", ondelete="set null")
    report_sent = fields.Boolean(string="Summary Sent")
    # escalation: late fees, fee invoices, activities, letters
    action_ids = fields.One2many("invoice.reminder.action", "run_id", string="Actions")
    action_count = fields.Integer(compute="_compute_action_count")
    letter_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Letters",
        ondelete="set null",
        help="Every letter of this run in one PDF, to print and post.",
    )
    letter_count = fields.Integer(compute="_compute_action_count")

    _sql_constraints = [
        (
            "policy_period_uniq",
            "UNIQUE(policy_id, period, kind)",
            "A policy has only one run per period.",
        ),
    ]

    @api.depends("digest_ids", "skip_ids")
    def _compute_counts(self):
        for run in self:
            run.digest_count = len(run.digest_ids)
            run.skip_count = len(run.skip_ids)

    @api.depends("digest_ids.totals_json", "digest_ids.state")
    def _compute_totals_display(self):
        for run in self:
            run.totals_display = self.env["res.currency"]._reminder_format_amounts(
                {total["currency"]: total["amount"] for total in run._summary_totals()}
            )

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
            self.with_company(company)._send_thanks(company)
        # summaries of runs whose mails have been through the queue
        self.search([("state", "=", "sending")])._finish_if_delivered()
        # reminders sent by hand after their run was done follow their mail too
        self.env["invoice.reminder.digest"].search(
            [("state", "=", "queued"), ("mail_id", "!=", False), ("run_id.state", "=", "done")]
        )._update_from_mails()

    def _send_company_digests(self, company, now=None, batch_size=BATCH_SIZE, max_batches=None):
        """Create the runs due now for ``company`` and process them."""
        now = now or fields.Datetime.now()
        runs = self.browse()
        for policy in self.env["invoice.reminder.policy"].search([("company_id", "=", company.id)]):
            if not policy._period_allowed(now):
                # the period began before reminders were switched on: no catch-up
                continue
            runs |= self._get_or_create(policy, now)
        runs |= self._get_or_create_cadence_runs(company, now)
        runs = runs.filtered(lambda r: r.state == "running")
        for run in runs:
            run._process(now=now, batch_size=batch_size, max_batches=max_batches)
        return runs

    @api.model
    def _get_or_create(self, policy, now, kind="digest"):
        schedule = policy.schedule if kind == "digest" else rules.SCHEDULE_DAILY
        period = rules.period_key(
            schedule,
            now,
            policy._company_tz(),
            int(policy.schedule_weekday or 0),
            policy.schedule_hour,
        )
        domain = [("policy_id", "=", policy.id), ("period", "=", period), ("kind", "=", kind)]
        run = self.search(domain, limit=1)
        if run:
            return run
        self.env.cr.execute(
            """
            INSERT INTO invoice_reminder_run
                (name, company_id, policy_id, period, kind, state, report_sent,
                 create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, %s, %s, 'running', false, %s, now() at time zone 'UTC',
                    %s, now() at time zone 'UTC')
            ON CONFLICT (policy_id, period, kind) DO NOTHING
            """,
            (
                self._run_name(policy, period, kind),
                policy.company_id.id,
                policy.id,
                period,
                kind,
                self.env.uid,
                self.env.uid,
            ),
        )
        return self.search(domain, limit=1)

    @api.model
    def _run_name(self, policy, period, kind="digest"):
        if kind == "cadence":
            return _("%(policy)s — own cadence — %(period)s", policy=policy.name, period=period)
        return f"{policy.name} — {period}"

    @api.model
    def _get_or_create_cadence_runs(self, company, now):
        """Today's runs of the invoices reminded on their own cadence, per policy.

        A policy gets one once its hour has come today (company time zone),
        only while it has such invoices, and never for a day whose slot came
        before reminders were switched on.
        """
        runs = self.browse()
        partner_ids = set(self._open_invoice_partners(company, cadence=True))
        if not partner_ids:
            return runs
        policy_ids = set(
            self.new({"company_id": company.id})._resolve_policies(partner_ids).values()
        )
        for policy in self.env["invoice.reminder.policy"].browse(sorted(filter(None, policy_ids))):
            tz = policy._company_tz()
            slot = rules.last_slot(
                rules.SCHEDULE_DAILY, rules.utc_to_local(now, tz), 0, policy.schedule_hour
            )
            if not rules.period_allowed(
                rules.local_to_utc(slot, tz), company.reminder_activation_date
            ):
                continue
            runs |= self._get_or_create(policy, now, kind="cadence")
        return runs

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
            self._update_promises(today)
            todo = self._todo_partners()
            if self._dispatch_batches(todo, now, batch_size, max_batches):
                # built by other workers, which finish the run (see _dispatch_batches)
                return
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
            # every letter of the run in one PDF
            self._build_letters()
            self.state = "sending"
            self._auto_commit()
        finally:
            self._unlock()
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        self.env.ref("invoice_reminders.ir_cron_send_reminder_digests")._trigger(
            fields.Datetime.now() + timedelta(minutes=5)
        )

    def _dispatch_batches(self, partner_ids, now, batch_size, max_batches):
        """Hand this run's batches to other workers instead of building them here.

        Called by :meth:`_process`, under the run's lock, with the customers
        still to process. Here every batch is built in this process: returns
        False. An add-on that spreads the batches over several workers
        (invoice_reminders_queue) queues them and returns True; it then calls
        :meth:`_process` again once they are built, which finishes the run.
        """
        return False

    def _update_promises(self, today):
        """Decide the promises to pay of this company whose time has come."""
        self.env["invoice.reminder.promise"].sudo().search(
            [("company_id", "=", self.company_id.id), ("state", "=", "open")]
        )._update_states(today)

    def _todo_partners(self):
        """Customers of this run still to process: neither reminded nor skipped yet."""
        self.ensure_one()
        partner_ids = self._candidate_partners()
        self.env.cr.execute(
            "SELECT partner_id FROM invoice_reminder_digest"
            " WHERE policy_id = %s AND period = %s AND kind = %s",
            (self.policy_id.id, self.period, self.kind),
        )
        done = {row[0] for row in self.env.cr.fetchall()}
        if isinstance(self.id, int):
            self.env.cr.execute(
                "SELECT partner_id FROM invoice_reminder_run_skip WHERE run_id = %s", (self.id,)
            )
            done.update(row[0] for row in self.env.cr.fetchall())
        return [pid for pid in partner_ids if pid not in done]

    def _candidate_partners(self):
        """Customers (commercial entities) of this run's policy with open invoices, sorted."""
        self.ensure_one()
        self.env.flush_all()
        if self.kind == "cadence":
            partners = set(self._open_invoice_partners(self.company_id, cadence=True))
        else:
            partners = set(self._open_invoice_partners(self.company_id))
        policy_of = self._resolve_policies(partners)
        return sorted(pid for pid, policy_id in policy_of.items() if policy_id == self.policy_id.id)

    def _collect_candidates(self, today, partner_ids):
        """Invoices to remind of ``partner_ids``, and why customers are skipped.

        :param partner_ids: customers of this run's policy (see ``_candidate_partners``)
        :returns: ``{commercial_partner_id: {"invoices": [...], "skip": reason}}``
        """
        self.ensure_one()
        result = {}
        rows = self._fetch_open_invoices(partner_ids)
        if self.kind == "cadence":
            last_sent = self._last_reminders([row["id"] for row in rows if row["reminder_cadence"]])
        for row in rows:
            partner_id = row["commercial_partner_id"]
            if bool(row["reminder_cadence"]) != (self.kind == "cadence"):
                # an invoice on its own cadence is reminded alone, not in the digest
                continue
            if self.kind == "cadence" and not rules.cadence_due(
                row["reminder_cadence"], today, last_sent.get(row["id"], (None, None))[1]
            ):
                continue
            reason = rules.ineligibility_reason(today, **self._eligibility_facts(row))
            entry = result.setdefault(partner_id, {"invoices": [], "skip": None, "excluded": []})
            if reason is None:
                row["days_overdue"] = rules.days_overdue(
                    today, row["invoice_date_due"], row["invoice_date"]
                )
                entry["invoices"].append(row)
            elif reason == rules.REASON_PARTNER_DISABLED:
                entry["skip"] = "disabled"
                entry["excluded"].append(row)
            elif reason == rules.REASON_PAUSED and rules.is_paused(
                today, row["partner_pause_until"]
            ):
                # the customer is paused: reported with what it owes
                entry["skip"] = "paused"
                entry["detail"] = self._pause_detail(row)
                entry["excluded"].append(row)
        # customers with nothing to remind and no reason to report are left out
        return {pid: entry for pid, entry in result.items() if entry["invoices"] or entry["skip"]}

    def _pause_detail(self, row):
        reasons = dict(
            self.env["res.partner"]
            ._fields["reminder_pause_reason"]
            ._description_selection(self.env)
        )
        return _(
            "Paused until %(date)s (%(reason)s)",
            date=format_date(self.env, row["partner_pause_until"]),
            reason=reasons.get(row["partner_pause_reason"]) or _("no reason given"),
        )

    def _eligibility_facts(self, row):
        """The keyword arguments of ``rules.ineligibility_reason`` for an invoice row."""
        policy = self.policy_id
        pauses = [day for day in (row["reminder_pause_until"], row["partner_pause_until"]) if day]
        return {
            "disputed": row["reminder_disputed"],
            "paused_until": max(pauses, default=None),
            "promised_until": row["promised_until"],
            "move_type": row["move_type"],
            "state": row["state"],
            "payment_state": row["payment_state"],
            "amount_total": row["amount_total"],
            "amount_residual": row["amount_residual"],
            "included": row["reminder_included"],
            "partner_enabled": row["reminder_enabled"],
            "company_enabled": self.company_id.reminder_enabled,
            "due_date": row["invoice_date_due"],
            "invoice_date": row["invoice_date"],
            "days_after_due": policy.days_after_due,
            "stop_after_months": policy.stop_after_months,
            "stop_on": row.get("reminder_cadence_stop") or policy.stop_on
            if row.get("reminder_cadence")
            else policy.stop_on,
        }

    def _fetch_open_invoices(self, partner_ids):
        """The open customer invoices of ``partner_ids`` in this run's company, as dicts."""
        self.ensure_one()
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
            (self.company_id.id, list(partner_ids)),
        )
        rows = cr.dictfetchall()
        promises = self._promises([row["id"] for row in rows])
        for row in rows:
            row["promised_until"], row["promise_broken_on"] = promises.get(row["id"], (None, None))
        return rows

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
        return {
            move_id: level for move_id, (level, _period) in self._last_reminders(move_ids).items()
        }

    def _last_reminders(self, move_ids):
        """``{move_id: (level index, period)}`` of the last reminder of each invoice, in
        earlier periods of this policy (sent or queued)."""
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
            (self.policy_id.id, self.period, list(move_ids)),
        )
        return {move_id: (level, period) for move_id, level, period in self.env.cr.fetchall()}

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
        plan = self._plan_batch(candidates, today)
        skips = [
            {
                "run_id": self.id,
                "partner_id": entry["partner_id"],
                "reason": entry["skip"],
                "amounts_json": entry["amounts"],
                **({"detail": entry["detail"]} if entry.get("detail") else {}),
            }
            for entry in plan
            if entry["skip"]
        ]
        digest_vals = [dict(entry["digest"], run_id=self.id) for entry in plan if not entry["skip"]]
        if skips:
            self.env["invoice.reminder.run.skip"].create(skips)
        if digest_vals:
            digests = self.env["invoice.reminder.digest"].create(digest_vals)
            digests._queue_mails()
            # fees, fee invoices, activities, letters, SMS: see _run_escalations
            self._run_escalations(digests, plan)

    def _plan_batch(self, candidates, today):
        """What this run does for a batch of customers, as plain values: writes no record.

        The real run (:meth:`_build_batch`), the preview of the next run and the
        test send all start from this plan, so they cannot disagree.

        :returns: one dict per customer, in ``candidates`` order: ``partner_id``,
            ``skip`` (a skip reason, or None when a reminder is sent), ``detail``,
            ``digest`` (the values of the reminder, also given to a skipped
            customer who has invoices to remind, for a preview or a test) and
            ``amounts`` (amount due per currency name of the invoices involved)
        """
        self.ensure_one()
        policy = self.policy_id
        levels = policy._levels_sorted()
        delays = levels.mapped("delay_days")
        currencies = {}

        move_ids = [inv["id"] for entry in candidates.values() for inv in entry["invoices"]]
        last_reminders = self._last_reminders(move_ids)
        partner_ids = list(candidates)
        recipients = self._recipients(partner_ids)
        credits = self._credits(partner_ids)
        base_url = self.company_id.get_base_url()
        pay_online = self.company_id._reminder_online_payment()
        currency_ids = {
            inv["currency_id"]
            for e in candidates.values()
            for inv in e["invoices"] + e.get("excluded", [])
        }
        currency_ids |= {c["currency_id"] for rows in credits.values() for c in rows}
        for currency in self.env["res.currency"].browse(currency_ids):
            currencies[currency.id] = currency

        currency_ids_by_name = {currency.name: cid for cid, currency in currencies.items()}

        plan = []
        for partner_id, entry in candidates.items():
            if entry["skip"] and not entry["invoices"]:
                plan.append(
                    {
                        "partner_id": partner_id,
                        "skip": entry["skip"],
                        "detail": entry.get("detail"),
                        "digest": None,
                        "amounts": self._amounts_by_currency(entry["excluded"], currencies),
                    }
                )
                continue
            lines = []
            for inv in entry["invoices"]:
                last_level, last_period = last_reminders.get(inv["id"], (None, None))
                if self.kind == "cadence":
                    level = rules.cadence_level(inv["days_overdue"], delays)
                else:
                    level = rules.ladder_level(inv["days_overdue"], delays, last_level)
                broken_on = inv["promise_broken_on"]
                if broken_on and (last_period is None or broken_on > last_period):
                    # a promise broken since the last reminder: one level up
                    level = rules.resumed_level(level, last_level, len(delays))
                if level is None:
                    continue
                lines.append((inv, level))
            if not lines:
                continue
            to, cc = recipients[partner_id]
            valid_to = [a for a in to if rules.is_valid_email(a)]
            skip, detail = None, None
            if not to:
                skip = "no_email"
            elif not valid_to:
                skip, detail = "invalid_email", ", ".join(to)
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
            totals = {
                name: {
                    "currency_id": currency_ids_by_name[name],
                    "due": float(total.due),
                    "credit": float(total.credit),
                    "net": float(total.net),
                }
                for name, total in grouped.totals.items()
            }
            digest = {
                "partner_id": partner_id,
                "company_id": self.company_id.id,
                "policy_id": policy.id,
                "period": self.period,
                "kind": self.kind,
                "level_id": levels[grouped.level].id,
                "state": "queued",
                "email_to": ", ".join(valid_to),
                "email_cc": ", ".join(a for a in cc if rules.is_valid_email(a)),
                "totals_json": totals,
                "invoice_count": len(lines),
                "amount_net_company": self._to_company_currency(totals, currencies, today),
                "line_ids": line_cmds,
            }
            plan.append(
                {
                    "partner_id": partner_id,
                    "skip": skip,
                    "detail": detail,
                    "digest": digest,
                    "amounts": self._amounts_by_currency([inv for inv, _lvl in lines], currencies),
                }
            )
        self._plan_links(plan, levels, base_url, pay_online)
        # late fees and actions, in the plan so that the preview shows them
        self._plan_escalations(plan, today)
        return plan

    def _plan_links(self, plan, levels, base_url, pay_online):
        """Portal and Pay now links of the reminders sent at a level that shows them.

        Portal tokens are created for those invoices only: none for a skipped
        customer or a level without links.
        """
        with_links = set(levels.filtered("include_links").ids)
        lines = [
            command[2]
            for entry in plan
            if entry["digest"] and not entry["skip"] and entry["digest"]["level_id"] in with_links
            for command in entry["digest"]["line_ids"]
            if command[2]["kind"] == "invoice"
        ]
        if not lines:
            return
        tokens = self._ensure_access_tokens([vals["move_id"] for vals in lines])
        for vals in lines:
            url = f"{base_url}/my/invoices/{vals['move_id']}?access_token={tokens[vals['move_id']]}"
            vals["access_url"] = url
            # Odoo's own "Pay Now" link: the portal page, on its payment form
            vals["pay_url"] = pay_online and f"{url}&payment=True#portal_pay"

    @api.model
    def _amounts_by_currency(self, invoices, currencies):
        """Amount due per currency name of invoice rows."""
        amounts = defaultdict(float)
        for inv in invoices:
            amounts[currencies[inv["currency_id"]].name] += inv["amount_residual"]
        return dict(amounts)

    def _to_company_currency(self, totals, currencies, day):
        """The net total of a reminder, all currencies converted to the company's."""
        company = self.company_id
        return sum(
            currencies[total["currency_id"]]._convert(
                total["net"], company.currency_id, company, day, round=False
            )
            for total in totals.values()
        )

    # ------------------------------------------------------------------
    # One customer by hand: send now, skip this period, thank
    # ------------------------------------------------------------------

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(_("Only accounting managers can send payment reminders now."))

    @api.model
    def _current_run_of(self, partner):
        """The run of the current period of ``partner``'s policy, created if missing."""
        company = self.env.company
        policy = partner._reminder_policy(company)
        if not policy:
            raise UserError(
                _("%(customer)s has no reminder policy.", customer=partner.display_name)
            )
        now = fields.Datetime.now()
        if not policy._period_allowed(now):
            raise UserError(
                _(
                    "Payment reminders of %(company)s are off, or were switched on after the "
                    "current period began: nothing is sent for it.",
                    company=company.name,
                )
            )
        return self.sudo()._get_or_create(policy, now), now

    @api.model
    def _send_customer_now(self, partner):
        """Build and queue ``partner``'s reminder of the current period, once."""
        self._check_manager()
        run, now = self._current_run_of(partner)
        Digest = self.env["invoice.reminder.digest"].sudo()
        domain = [
            ("partner_id", "=", partner.id),
            ("policy_id", "=", run.policy_id.id),
            ("period", "=", run.period),
            ("kind", "=", "digest"),
        ]
        if Digest.search_count(domain):
            return self._notify(
                _("%(customer)s was already reminded in this period.", customer=partner.name),
                "info",
            )
        if not run._lock():
            raise UserError(_("The reminders of this period are being built right now: try again."))
        try:
            # sending by hand takes back a skip of this period
            run.skip_ids.filtered(lambda skip: skip.partner_id == partner).unlink()
            today = run._local_today(now)
            run._build_batch(run._collect_candidates(today, [partner.id]), today)
            run._build_letters()
        finally:
            run._unlock()
        digest = Digest.search(domain)
        if digest.mail_id:
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
            return self._notify(
                _("The reminder of %(customer)s is on its way.", customer=partner.name), "success"
            )
        skip = run.skip_ids.filtered(lambda skip: skip.partner_id == partner)
        reason = (
            dict(skip._fields["reason"]._description_selection(self.env)).get(skip.reason)
            if skip
            else digest.error or _("no invoice to remind today")
        )
        return self._notify(
            _(
                "Nothing was sent to %(customer)s: %(reason)s.",
                customer=partner.name,
                reason=reason,
            ),
            "warning",
        )

    @api.model
    def _skip_customer_period(self, partner):
        """Leave ``partner`` out of the current period of its policy."""
        self._check_manager()
        run, _now = self._current_run_of(partner)
        if (
            self.env["invoice.reminder.digest"]
            .sudo()
            .search_count(
                [
                    ("partner_id", "=", partner.id),
                    ("policy_id", "=", run.policy_id.id),
                    ("period", "=", run.period),
                    ("kind", "=", "digest"),
                    ("kind", "=", "digest"),
                ]
            )
        ):
            raise UserError(
                _("%(customer)s was already reminded in this period.", customer=partner.name)
            )
        if not run.skip_ids.filtered(lambda skip: skip.partner_id == partner):
            self.env["invoice.reminder.run.skip"].sudo().create(
                {
                    "run_id": run.id,
                    "partner_id": partner.id,
                    "reason": "skipped",
                    "detail": _("by %(user)s", user=self.env.user.name),
                }
            )
        return self._notify(
            _(
                "%(customer)s is left out of the reminders of %(period)s.",
                customer=partner.name,
                period=format_date(self.env, run.period),
            ),
            "success",
        )

    @api.model
    def _notify(self, message, notification_type):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Payment reminders"),
                "message": message,
                "type": notification_type,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _send_thanks(self, company):
        """Thank the customers whose reminded invoices are now fully paid, once a day."""
        today = fields.Date.context_today(self.with_company(company))
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
        if not moves_of:
            return
        Partner = self.env["res.partner"]
        Move = self.env["account.move"]
        recipients = self._recipients(list(moves_of))
        policy_of = self.new({"company_id": company.id})._resolve_policies(set(moves_of))
        for partner_id, move_ids in moves_of.items():
            policy = self.env["invoice.reminder.policy"].browse(policy_of.get(partner_id))
            template = policy.thanks_template_id
            moves = Move.browse(move_ids)
            to = [address for address in recipients[partner_id][0] if rules.is_valid_email(address)]
            if not template or not to:
                # nothing to send: these invoices are not waiting for thanks
                moves.write({"reminder_thanked": True})
                continue
            partner = Partner.browse(partner_id)
            rendered = template.with_context(
                invoice_reminders_thanked_ids=move_ids,
                # the invoices' company, not the cron user's
                invoice_reminders_company_name=company.name,
            )._generate_template([partner_id], ["subject", "body_html"])[partner_id]
            self.env["mail.mail"].sudo().create(
                {
                    "subject": rendered["subject"],
                    "body_html": rendered["body_html"],
                    "email_from": company.reminder_email_from or company.email_formatted,
                    "email_to": ", ".join(to),
                    "model": "res.partner",
                    "res_id": partner_id,
                    "message_type": "email_outgoing",
                    "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                    "author_id": company.partner_id.id,
                    "auto_delete": False,
                    "mail_server_id": company.reminder_mail_server_id.id or False,
                }
            )
            moves.write({"reminder_thanked": True})
            partner.reminder_thanks_date = today
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()

    # ------------------------------------------------------------------
    # When customers and invoices are reminded next
    # ------------------------------------------------------------------

    @api.model
    def _forecast(self, company, partner_ids):
        """When each open invoice of ``partner_ids`` is next reminded, and at which level.

        The run's rules (eligibility, ladder) applied slot after slot of each
        customer's policy, from its next run on, to the invoices as they stand.

        :returns: ``({move_id: (date, level)}, {partner_id: (date, level)})``,
            ``level`` an ``invoice.reminder.level``; invoices and customers never
            reminded are left out
        """
        Run = self.sudo().with_company(company)
        now = fields.Datetime.now()
        by_move, by_partner = {}, {}
        if not partner_ids or not company.reminder_enabled:
            return by_move, by_partner
        policy_of = Run.new({"company_id": company.id})._resolve_policies(set(partner_ids))
        partners_of = defaultdict(list)
        for partner_id, policy_id in policy_of.items():
            if policy_id:
                partners_of[policy_id].append(partner_id)
        for policy in self.env["invoice.reminder.policy"].sudo().browse(list(partners_of)):
            send_at, period = policy._next_run()
            levels = policy._levels_sorted()
            if not send_at or not levels:
                continue
            run = Run.new({"company_id": company.id, "policy_id": policy.id, "period": period})
            rows = run._fetch_open_invoices(partners_of[policy.id])
            last_levels = run._last_levels([row["id"] for row in rows])
            today = rules.utc_to_local(now, policy._company_tz()).date()
            # the history up to today included: an invoice sent today is next due later
            cadence_run = Run.new(
                {
                    "company_id": company.id,
                    "policy_id": policy.id,
                    "period": today + timedelta(days=1),
                    "kind": "cadence",
                }
            )
            last_sent = cadence_run._last_reminders(
                [row["id"] for row in rows if row["reminder_cadence"]]
            )
            slot_dates = [
                slot.date()
                for slot in rules.upcoming_slots(
                    policy.schedule,
                    rules.utc_to_local(send_at, policy._company_tz()),
                    int(policy.schedule_weekday or 0),
                    policy.schedule_hour,
                )
            ]
            delays = levels.mapped("delay_days")
            forecasts = defaultdict(list)
            for row in rows:
                if row["reminder_cadence"]:
                    forecast = rules.next_cadence_reminder(
                        row["reminder_cadence"],
                        today,
                        last_sent.get(row["id"], (None, None))[1],
                        delays,
                        **cadence_run._eligibility_facts(row),
                    )
                else:
                    forecast = rules.next_reminder(
                        slot_dates,
                        delays,
                        last_levels.get(row["id"]),
                        **run._eligibility_facts(row),
                    )
                forecasts[row["commercial_partner_id"]].append(forecast)
                if forecast:
                    by_move[row["id"]] = (forecast[0], levels[forecast[1]])
            for partner_id, invoice_forecasts in forecasts.items():
                forecast = rules.customer_next_reminder(invoice_forecasts)
                if forecast:
                    by_partner[partner_id] = (forecast[0], levels[forecast[1]])
        return by_move, by_partner

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

    # ------------------------------------------------------------------
    # What the next run will do, written nowhere
    # ------------------------------------------------------------------

    @api.model
    def _simulate_next_run(
        self, policy, partner_ids=None, render=True, attachments=False, now=None
    ):
        """What the next run of ``policy`` will do, computed by the run's own code.

        The run of the next period is built for real (plan, reminders and their
        lines, the emails rendered by the level's template, and with
        ``attachments`` its documents) inside a savepoint that is then rolled
        back: nothing is written and no email is queued, but what comes out is
        what the run will send, by construction.

        :param partner_ids: only these customers (commercial entities)
        :returns: ``(send_at, period, entries)``: one dict per customer, the
            plan's (see :meth:`_plan_batch`) with ``mail`` (rendered ``subject``,
            ``body_html``, ``email_from``, or an ``error``), ``attachment_names``
            and, with ``attachments``, ``files`` (``(name, raw, mimetype)``)
        """
        policy.ensure_one()
        send_at, period = policy._next_run(now)
        if not send_at:
            return False, False, []
        # the run's "today": the local date when it sends
        today = rules.utc_to_local(send_at, policy._company_tz()).date()
        result = []

        def simulate():
            run = self.sudo()._get_or_create_period(policy, period)
            run._update_promises(today)
            todo = run._todo_partners()
            if partner_ids is not None:
                wanted = set(partner_ids)
                todo = [pid for pid in todo if pid in wanted]
            for batch in split_every(BATCH_SIZE, todo, list):
                plan = run._plan_batch(run._collect_candidates(today, batch), today)
                with_digest = [entry for entry in plan if entry["digest"]]
                if render and with_digest:
                    run._simulate_mails(with_digest, attachments)
                result.extend(plan)

        self._in_rolled_back_savepoint(simulate)
        return send_at, period, result

    def _simulate_mails(self, entries, attachments):
        """Create the reminders of ``entries`` and render their emails into ``entries``."""
        digests = self.env["invoice.reminder.digest"].create(
            [dict(entry["digest"], run_id=self.id) for entry in entries]
        )
        by_template = defaultdict(lambda: self.env["invoice.reminder.digest"])
        for digest in digests:
            by_template[digest.level_id.mail_template_id] |= digest
        rendered = {}
        for template, template_digests in by_template.items():
            rendered.update(template_digests._render_mails(template))
        # the documents of the batch at once, as the run builds them
        prerendered = digests._prerender_documents() if attachments else None
        for entry, digest in zip(entries, digests, strict=True):
            entry["attachment_names"] = digest._get_attachment_names()
            if digest.id not in rendered:
                entry["mail"] = {"error": digest.error}
                continue
            vals = digest._prepare_mail_vals(rendered[digest.id])
            entry["mail"] = {key: vals[key] for key in ("subject", "body_html", "email_from")}
            if attachments:
                files = digest._build_attachments(prerendered)
                if files is None:
                    entry["mail"] = {"error": digest.error}
                    continue
                entry["files"] = [(att.name, att.raw, att.mimetype) for att in files]

    @api.model
    def _get_or_create_period(self, policy, period):
        """The run of ``policy`` for ``period`` (a local date), created if missing."""
        run = self.search(
            [("policy_id", "=", policy.id), ("period", "=", period), ("kind", "=", "digest")],
            limit=1,
        )
        return run or self.create(
            {
                "name": f"{policy.name} — {period}",
                "company_id": policy.company_id.id,
                "policy_id": policy.id,
                "period": period,
            }
        )

    @api.model
    def _in_rolled_back_savepoint(self, function):
        """Call ``function`` in a savepoint that is always rolled back.

        The surrounding transaction keeps its own pending work: its writes are
        flushed first, and its pre-commit data (the chatter tracking of what it
        changed, among others) are kept, where rolling back a flushing savepoint
        would clear them.
        """
        self.env.flush_all()
        precommit = self.env.cr.precommit.data
        saved = {
            key: dict(value) if isinstance(value, dict) else value
            for key, value in precommit.items()
        }
        try:
            # closing() rolls the savepoint back, whether function() raised or not
            with closing(self.env.cr.savepoint(flush=False)):
                function()
        finally:
            # drop what the simulation left: cache, pending updates and computations
            self.env.transaction.clear()
            precommit.clear()
            precommit.update(saved)

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
            # actions that follow a queue of their own (SMS) are final too
            run._update_actions()
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

    def _summary_broken_promises(self):
        """Promises to pay of this run's customers that broke since the previous period."""
        self.ensure_one()
        previous = self.search(
            [
                ("policy_id", "=", self.policy_id.id),
                ("period", "<", self.period),
                ("kind", "=", self.kind),
            ],
            order="period desc",
            limit=1,
        )
        domain = [
            ("company_id", "=", self.company_id.id),
            ("state", "=", "broken"),
            ("state_date", "<=", max(self.period, self.create_date.date())),
        ]
        if previous:
            domain.append(("state_date", ">", previous.period))
        promises = self.env["invoice.reminder.promise"].search(domain)
        partners = set(self.digest_ids.partner_id.ids) | set(self.skip_ids.partner_id.ids)
        return promises.filtered(
            lambda promise: promise.partner_id.commercial_partner_id.id in partners
        )

    def _send_summary(self):
        self.ensure_one()
        if not self.company_id.reminder_summary_mail:
            return  # the company reads it on the run and gets the weekly report
        template = self.env.ref("invoice_reminders.mail_template_reminder_summary")
        rendered = template._generate_template(self.ids, ["subject", "body_html", "email_from"])[
            self.id
        ]
        mail = self.company_id._reminder_mail_owners(
            rendered["subject"],
            rendered["body_html"],
            email_from=rendered.get("email_from"),
            model=self._name,
            res_id=self.id,
        )
        self.write({"report_mail_id": mail.id, "report_sent": bool(mail)})

    # ------------------------------------------------------------------
    # Escalation: late fees and interest, fee invoices, activities, letters.
    # The run calls it at three places: at the end of _plan_batch (what will
    # be charged and done, so that the preview shows it), after the batch's
    # mails are queued in _build_batch (doing it), and before the run starts
    # sending (the letters of the whole run, in one PDF).
    # ------------------------------------------------------------------

    def _compute_action_count(self):
        for run in self:
            run.action_count = len(run.action_ids)
            run.letter_count = len(
                run.action_ids.filtered(lambda a: a.kind == "letter" and a.state == "done")
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_download_letters(self):
        """Download the letters of this run, one PDF to print and post."""
        self.ensure_one()
        if not self.letter_attachment_id:
            return self._notify(_("This run has no letter to print."), "info")
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.letter_attachment_id.id}?download=true",
            "target": "download",
        }

    def action_view_actions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Actions of %(run)s", run=self.display_name),
            "res_model": "invoice.reminder.action",
            "view_mode": "list,form",
            "domain": [("run_id", "=", self.id)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------------
    # Planning: what will be charged and done (the preview shows it)
    # ------------------------------------------------------------------

    def _plan_escalations(self, plan, today):
        """Add the late fees and the planned actions to the entries of ``plan``."""
        self.ensure_one()
        # a skipped customer gets no reminder: nothing is charged nor done
        entries = [entry for entry in plan if entry.get("digest") and not entry["skip"]]
        if not entries:
            return
        levels = self.policy_id._levels_sorted()
        if any(level.has_fees for level in levels):
            self._plan_fees(entries, levels)
        partners = self.env["res.partner"].browse([entry["partner_id"] for entry in entries])
        partners.fetch(["name", "user_id", "street", "city", "zip", "country_id"])
        by_id = {level.id: level for level in levels}
        for entry in entries:
            entry["actions"] = self._prepare_actions(
                entry,
                by_id[entry["digest"]["level_id"]],
                self.env["res.partner"].browse(entry["partner_id"]),
            )

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

    def _plan_fees(self, entries, levels):
        """The fee lines of each reminder: one per invoice and level, never charged twice."""
        lines_of = {
            id(entry): [
                command[2]
                for command in entry["digest"]["line_ids"]
                if command[2].get("kind") == "invoice"
            ]
            for entry in entries
        }
        move_ids = [line["move_id"] for lines in lines_of.values() for line in lines]
        charged, days_charged, fee_invoices = self._charged_fees(move_ids)
        currencies = self.env["res.currency"].browse(
            {line["currency_id"] for lines in lines_of.values() for line in lines}
        )
        currency_of = {currency.id: currency for currency in currencies}
        by_id = {level.id: level for level in levels}
        for entry in entries:
            digest = entry["digest"]
            fee_commands = []
            for line in lines_of[id(entry)]:
                level = by_id[line["level_id"]]
                if (
                    not level.has_fees
                    or (line["move_id"], level.id) in charged
                    or line["move_id"] in fee_invoices
                ):
                    continue
                currency = currency_of[line["currency_id"]]
                fixed = level.fee_fixed_ids.filtered(lambda fee, c=currency: fee.currency_id == c)
                charges = rules.late_charges(
                    line["amount_residual"],
                    line["days_overdue"],
                    fixed=fixed[:1].amount,
                    percent=level.fee_percent,
                    annual_rate=level.interest_rate,
                    days_charged=days_charged[line["move_id"]],
                    rounding=currency.rounding,
                )
                if not charges.total:
                    continue
                fee_commands.append(
                    Command.create(self._prepare_fee_line_vals(line, level, currency, charges))
                )
                total = digest["totals_json"].setdefault(
                    currency.name,
                    {"currency_id": currency.id, "due": 0.0, "credit": 0.0, "net": 0.0},
                )
                total["fee"] = total.get("fee", 0.0) + float(charges.total)
            digest["line_ids"] = digest["line_ids"] + fee_commands

    def _prepare_fee_line_vals(self, line, level, currency, charges):
        """The values of the digest line of a late fee (hook)."""
        return {
            "kind": "fee",
            "move_id": line["move_id"],
            "name": _("Late fee on %(invoice)s", invoice=line["name"]),
            "date": line["date"],
            "date_due": line["date_due"],
            "level_id": level.id,
            "level_index": line["level_index"],
            "days_overdue": charges.days_overdue or line["days_overdue"],
            "amount_residual": float(charges.total),
            "fee_fixed": float(charges.fixed),
            "fee_percent": float(charges.percent),
            "fee_interest": float(charges.interest),
            "interest_days": charges.interest_days,
            "currency_id": currency.id,
        }

    def _prepare_actions(self, entry, level, partner):
        """What a reminder does besides its email, as plain dicts (hook: the SMS add-on).

        :returns: dicts with ``kind``, ``state`` (``queued`` to do, ``skipped``
            with the reason in ``detail``), ``detail`` and what the kind needs
        """
        policy = self.policy_id
        actions = []
        fee_lines = [
            command[2] for command in entry["digest"]["line_ids"] if command[2].get("kind") == "fee"
        ]
        if fee_lines and policy.fee_invoice != "none":
            kinds = dict(policy._fields["fee_invoice"]._description_selection(self.env))
            actions.append(
                {"kind": "fee_invoice", "state": "queued", "detail": kinds[policy.fee_invoice]}
            )
        if level.activity_type_id:
            user = partner.user_id or policy.activity_user_id
            summary = level.activity_summary or level.activity_type_id.name
            if user:
                actions.append(
                    {
                        "kind": "activity",
                        "state": "queued",
                        "user_id": user.id,
                        "detail": _("%(activity)s for %(user)s", activity=summary, user=user.name),
                    }
                )
            else:
                actions.append(
                    {
                        "kind": "activity",
                        "state": "skipped",
                        "detail": _(
                            "%(activity)s: the customer has no salesperson and the policy "
                            "no user for activities",
                            activity=summary,
                        ),
                    }
                )
        if level.send_letter:
            if partner.street and partner.city:
                actions.append(
                    {"kind": "letter", "state": "queued", "detail": _("To print and post")}
                )
            else:
                actions.append(
                    {
                        "kind": "letter",
                        "state": "skipped",
                        "detail": _("No postal address (street and city) on the customer"),
                    }
                )
        return actions

    # ------------------------------------------------------------------
    # Doing it
    # ------------------------------------------------------------------

    def _run_escalations(self, digests, plan):
        """Charge the fees and do the actions of the reminders of a batch that are queued.

        A reminder that failed to build does nothing: it is built again, with its
        fees and actions, by *Send now* or with the next period.
        """
        self.ensure_one()
        actions_of = {entry["partner_id"]: entry.get("actions") or [] for entry in plan}
        digests = digests.filtered(lambda d: d.state == "queued")
        if digests.fee_line_ids:
            digests.filtered("fee_line_ids")._record_fees()
        for digest in digests:
            planned = actions_of.get(digest.partner_id.id) or []
            if planned:
                digest._do_actions(planned)

    def _update_actions(self):
        """Follow the actions that go through a queue of their own (hook: the SMS add-on)."""
        return

    # ------------------------------------------------------------------
    # Letters
    # ------------------------------------------------------------------

    def _build_letters(self):
        """Every letter of this run in one PDF, attached to the run.

        One wkhtmltopdf call for the whole run; should it fail, each letter is
        rendered alone and the PDFs are merged, and a letter that cannot be
        rendered is marked failed with the reason.
        """
        self.ensure_one()
        letters = self.env["invoice.reminder.action"].search(
            [("run_id", "=", self.id), ("kind", "=", "letter"), ("state", "in", ("queued", "done"))]
        )
        if not letters:
            return
        # in the order of the customers' names, to post them
        letters = letters.sorted(lambda letter: (letter.partner_id.display_name or "", letter.id))
        Statement = self.env["invoice.reminder.statement"]
        data_of = {}
        for letter in letters:
            try:
                data_of[letter] = letter.digest_id._prepare_letter_data()
            except Exception as error:  # one customer's error must not stop the others
                letter.write({"state": "failed", "detail": str(error)})
        try:
            pdf = Statement._render_letters_pdf(list(data_of.values()))
        except UserError as error:
            _logger.info("Letters of run %s not built at once: %s", self.id, error)
            pdfs = []
            for letter, data in data_of.items():
                try:
                    pdfs.append(Statement._render_letters_pdf([data]))
                except UserError as letter_error:
                    letter.write({"state": "failed", "detail": letter_error.args[0]})
                    del data_of[letter]
            pdf = Statement._merge_pdfs(pdfs) if pdfs else None
        done = self.env["invoice.reminder.action"].browse([letter.id for letter in data_of])
        done.write({"state": "done", "detail": _("Printed in the letters of the run")})
        if not pdf:
            return
        vals = {
            "name": rules.sanitize_filename(_("Letters %(run)s", run=self.name)) + ".pdf",
            "raw": pdf,
            "mimetype": "application/pdf",
            "res_model": self._name,
            "res_id": self.id,
        }
        if self.letter_attachment_id:
            self.letter_attachment_id.sudo().write(vals)
        else:
            self.letter_attachment_id = self.env["ir.attachment"].sudo().create(vals)
