import logging
from collections import defaultdict
from contextlib import closing
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import split_every

from .. import compat, rules
from ..plan import Scope

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

    _policy_period_uniq = compat.Constraint(
        "UNIQUE(policy_id, period, kind)",
        "A policy has only one run per period.",
    )

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

    def _compute_action_count(self):
        for run in self:
            run.action_count = len(run.action_ids)
            run.letter_count = len(
                run.action_ids.filtered(lambda a: a.kind == "letter" and a.state == "done")
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

    @api.model
    def _send_thanks(self, company):
        """Thank the customers of ``company`` whose reminded invoices are now paid."""
        self.env["account.move"]._reminder_send_thanks(company)

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
        Facts = self.env["invoice.reminder.facts"]
        partner_ids = set(Facts._open_invoice_partners(company, cadence=True))
        if not partner_ids:
            return runs
        policy_ids = set(Facts._resolve_policies(company, partner_ids).values())
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
        if not compat.testing():
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
                compat.cron_progress(self.env, processed, total - processed, len(batch))
                self._auto_commit()
                # keep memory flat whatever the number of customers
                self.env.invalidate_all()
            # every letter of the run in one PDF
            self.env["invoice.reminder.escalation"]._build_letters(self)
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
        partner_ids = self.env["invoice.reminder.planner"]._candidate_partners(self._plan_scope())
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

    def _plan_scope(self):
        """What the planner plans for: this run's company, policy, period and kind."""
        self.ensure_one()
        return Scope(self.company_id.id, self.policy_id.id, self.period, self.kind)

    def _collect_candidates(self, today, partner_ids):
        """The planner's candidates of ``partner_ids`` in this run (see ``_build_batch``)."""
        self.ensure_one()
        return self.env["invoice.reminder.planner"]._collect_candidates(
            self._plan_scope(), today, partner_ids
        )

    def _build_batch(self, candidates, today):
        """Create the skips, digests, lines and queued mails of a batch of customers,
        as the planner plans them, then charge their fees and do their actions."""
        self.ensure_one()
        plan = self.env["invoice.reminder.planner"]._plan_batch(
            self._plan_scope(), candidates, today
        )
        skips = [
            {
                "run_id": self.id,
                "partner_id": entry.partner_id,
                "reason": entry.skip,
                "amounts_json": entry.amounts,
                **({"detail": entry.detail} if entry.detail else {}),
            }
            for entry in plan
            if entry.skip
        ]
        digest_vals = [dict(entry.digest, run_id=self.id) for entry in plan if not entry.skip]
        if skips:
            self.env["invoice.reminder.run.skip"].create(skips)
        if digest_vals:
            digests = self.env["invoice.reminder.digest"].create(digest_vals)
            digests._queue_mails()
            # fees, fee invoices, activities, letters, SMS
            self.env["invoice.reminder.escalation"]._run_escalations(digests, plan)

    # ------------------------------------------------------------------
    # One customer by hand (see res.partner): the run of its current period
    # ------------------------------------------------------------------

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

    def _process_customers(self, partner_ids, now):
        """Build and queue the reminders of ``partner_ids`` now, out of the batches.

        Sending by hand takes back a skip of this period.
        """
        self.ensure_one()
        if not self._lock():
            raise UserError(_("The reminders of this period are being built right now: try again."))
        try:
            self.skip_ids.filtered(lambda skip: skip.partner_id.id in partner_ids).unlink()
            today = self._local_today(now)
            self._build_batch(self._collect_candidates(today, partner_ids), today)
            self.env["invoice.reminder.escalation"]._build_letters(self)
        finally:
            self._unlock()

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
            self.env["invoice.reminder.escalation"]._update_actions(run)
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
