from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .. import rules

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]


class InvoiceReminderPolicy(models.Model):
    """A reminder ladder: the ordered steps an overdue invoice climbs."""

    _name = "invoice.reminder.policy"
    _description = "Payment Reminder Policy"
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    level_ids = fields.One2many(
        "invoice.reminder.level",
        "policy_id",
        string="Levels",
        copy=True,
    )
    days_after_due = fields.Integer(
        string="Days After Due Date",
        default=0,
        help="Days past the due date (past the invoice date when there is none) "
        "before an invoice is included in reminders at all.",
    )
    stop_after_months = fields.Integer(
        string="Stop After (Months)",
        default=12,
        help="An invoice overdue for longer than this is never reminded again. "
        "0 means reminders never stop on age.",
    )
    stop_on = fields.Selection(
        [("paid", "When fully paid"), ("partial", "At the first payment")],
        string="Stop Reminding",
        required=True,
        default="paid",
    )
    schedule = fields.Selection(
        [
            ("weekly", "Weekly"),
            ("daily", "Daily"),
            ("business_days", "Business days"),
        ],
        required=True,
        default="weekly",
    )
    schedule_weekday = fields.Selection(
        WEEKDAYS, string="Day of the Week", required=True, default="0"
    )
    schedule_hour = fields.Integer(
        string="Hour",
        default=8,
        help="Hour of the day, in the company's time zone, when reminders are sent.",
    )
    forewarn_hours = fields.Integer(
        string="Forewarning (Hours)",
        default=0,
        help="This many hours before each run, the summary recipients receive by email "
        "the preview of what it will send. 0: no forewarning.",
    )
    forewarned_period = fields.Date(
        readonly=True,
        copy=False,
        help="The last period whose forewarning was sent.",
    )
    company_reminder_enabled = fields.Boolean(related="company_id.reminder_enabled")
    promise_grace_days = fields.Integer(
        string="Promise Grace (Days)",
        default=3,
        help="Days after a promise to pay's date before it counts as broken and reminders resume.",
    )
    # the reminder's page (controllers/portal.py); helps in the policy's form
    answer_promise_max_days = fields.Integer("Promise Within (Days)", default=30)
    answer_paid_pause_days = fields.Integer("Check Payments Within (Days)", default=7)
    thanks_template_id = fields.Many2one(
        "mail.template",
        string="Thank-You Email",
        domain="[('model', '=', 'res.partner')]",
        help="Sent once to a customer whose reminded invoices have been fully paid "
        "(one email per customer per day). Empty: no thank-you.",
    )
    fee_invoice = fields.Selection(
        [
            ("none", "Shown on the reminder only"),
            ("draft", "Draft fee invoice"),
            ("posted", "Posted fee invoice"),
        ],
        string="Invoice Late Fees",
        required=True,
        default="none",
        help="The late fees and interest of the levels are always shown on the reminder and "
        "its statement; they can also be invoiced, once per invoice and level, on a fee "
        "invoice per customer and currency, left as a draft or posted.",
    )
    fee_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        ondelete="restrict",
        help="The product of the fee invoice lines (its income account and taxes apply).",
    )
    level_fee_ids = fields.One2many(
        "invoice.reminder.level.fee",
        "policy_id",
        string="Fixed Fees",
        help="The fixed late fee of each level, per currency.",
    )
    activity_user_id = fields.Many2one(
        "res.users",
        string="Activities For",
        ondelete="set null",
        help="Who gets the activities of the levels when the customer has no salesperson. "
        "Empty: such customers get no activity, and the summary says so.",
    )
    level_count = fields.Integer(compute="_compute_level_count")
    next_send_date = fields.Datetime(
        compute="_compute_next_send_date",
        help="Next time reminders of this policy are due, in UTC.",
    )

    @api.depends("level_ids")
    def _compute_level_count(self):
        for policy in self:
            policy.level_count = len(policy.level_ids)

    @api.depends("schedule", "schedule_weekday", "schedule_hour", "company_id")
    @api.depends_context("uid")
    def _compute_next_send_date(self):
        now = fields.Datetime.now()
        for policy in self:
            policy.next_send_date = policy._next_slot_utc(now)

    def _company_tz(self):
        self.ensure_one()
        return self.company_id.partner_id.tz or "UTC"

    def _next_slot_utc(self, now_utc):
        """First sending time of this policy after ``now_utc`` (naive UTC)."""
        self.ensure_one()
        if not 0 <= (self.schedule_hour or 0) <= 23:
            return False
        tz = self._company_tz()
        local = rules.next_slot(
            self.schedule,
            rules.utc_to_local(now_utc, tz),
            int(self.schedule_weekday or 0),
            self.schedule_hour,
        )
        return rules.local_to_utc(local, tz)

    def _current_slot_utc(self, now_utc):
        """Start of the current period of this policy (its last slot), naive UTC."""
        self.ensure_one()
        tz = self._company_tz()
        local = rules.last_slot(
            self.schedule,
            rules.utc_to_local(now_utc, tz),
            int(self.schedule_weekday or 0),
            self.schedule_hour,
        )
        return rules.local_to_utc(local, tz)

    def _period_allowed(self, now_utc):
        """Whether the current period may send: it began after reminders were switched on."""
        self.ensure_one()
        company = self.company_id
        return company.reminder_enabled and rules.period_allowed(
            self._current_slot_utc(now_utc), company.reminder_activation_date
        )

    def _next_run(self, now_utc=None):
        """When the next run of this policy sends, and for which period.

        The current period when it may send and its run is not done yet (the
        cron takes it at its next tick), else the next slot.

        :returns: ``(send_at, period)``: when it sends (naive UTC; now for a
            period due and not built yet) and the period's local date;
            ``(False, False)`` when reminders are off for the company
        """
        self.ensure_one()
        now_utc = now_utc or fields.Datetime.now()
        if not self.company_id.reminder_enabled or not 0 <= (self.schedule_hour or 0) <= 23:
            return False, False
        tz = self._company_tz()
        if self._period_allowed(now_utc):
            slot_utc = self._current_slot_utc(now_utc)
            period = rules.utc_to_local(slot_utc, tz).date()
            run = (
                self.env["invoice.reminder.run"]
                .sudo()
                .search(
                    [("policy_id", "=", self.id), ("period", "=", period), ("kind", "=", "digest")],
                    limit=1,
                )
            )
            if not run or run.state == "running":
                # due now: the cron's next tick builds it (a catch-up, if late)
                return max(slot_utc, now_utc), period
        slot_utc = self._next_slot_utc(now_utc)
        period = rules.utc_to_local(slot_utc, tz).date()
        return slot_utc, period

    @api.constrains("forewarn_hours")
    def _check_forewarn_hours(self):
        for policy in self:
            if not 0 <= policy.forewarn_hours <= 168:
                raise ValidationError(
                    _(
                        "Policy %(policy)s: the forewarning must come between 0 and 168 hours "
                        "(a week) before the run.",
                        policy=policy.display_name,
                    )
                )

    @api.constrains("answer_promise_max_days", "answer_paid_pause_days")
    def _check_answer_days(self):
        for policy in self:
            if not (
                0 <= policy.answer_promise_max_days <= 365
                and 0 <= policy.answer_paid_pause_days <= 365
            ):
                raise ValidationError(
                    _(
                        "Policy %(policy)s: the days of the reminder page's promises and "
                        "payment checks go from 0 to 365.",
                        policy=policy.display_name,
                    )
                )

    @api.constrains("fee_invoice", "fee_product_id")
    def _check_fee_product(self):
        for policy in self:
            if policy.fee_invoice != "none" and not policy.fee_product_id:
                raise ValidationError(
                    _(
                        "Policy %(policy)s: late fees can only be invoiced with a fee product. "
                        "Choose the product of the fee invoices, or show the fees on the "
                        "reminder only.",
                        policy=policy.display_name,
                    )
                )

    @api.constrains("schedule_hour")
    def _check_schedule_hour(self):
        for policy in self:
            if not 0 <= policy.schedule_hour <= 23:
                raise ValidationError(
                    _(
                        "Policy %(policy)s: the sending hour must be between 0 and 23.",
                        policy=policy.display_name,
                    )
                )

    @api.constrains("level_ids", "stop_after_months", "days_after_due")
    def _check_levels(self):
        messages = {
            "no_levels": _("A reminder policy needs at least one level."),
            "duplicate_delay": _("Two levels of a reminder policy cannot start on the same day."),
            "unordered": _(
                "The levels of a reminder policy must start later and later: "
                "each level needs more days past due than the one before it."
            ),
        }
        for policy in self:
            if policy.stop_after_months < 0:
                raise ValidationError(
                    _(
                        "Policy %(policy)s: the number of months after which reminders "
                        "stop cannot be negative.",
                        policy=policy.display_name,
                    )
                )
            if policy.days_after_due < 0:
                raise ValidationError(
                    _(
                        "Policy %(policy)s: the number of days after the due date "
                        "cannot be negative.",
                        policy=policy.display_name,
                    )
                )
            levels = policy.level_ids.sorted(lambda lvl: (lvl.sequence, lvl.id))
            if (
                not levels
                # the data files load as the superuser (constraints run in sudo on
                # Odoo 19.0 whoever the user: env.su tells nothing there)
                and self.env.uid == SUPERUSER_ID
                and self.env.context.get("invoice_reminder_levels_follow")
            ):
                # a data file, creating the levels right after their policy
                continue
            problem = rules.check_levels(levels.mapped("delay_days"))
            if problem:
                raise ValidationError(
                    _(
                        "Policy %(policy)s: %(problem)s",
                        policy=policy.display_name,
                        problem=messages[problem],
                    )
                )
            levels._check_mail_template_id()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # make sure the ladder is validated even when no level is given
            vals.setdefault("level_ids", [])
        return (
            super(InvoiceReminderPolicy, self.with_context(invoice_reminder_defer_check=True))
            .create(vals_list)
            .with_env(self.env)
        )

    def write(self, vals):
        # levels edited through the policy are checked once, on the whole ladder
        res = super(
            InvoiceReminderPolicy, self.with_context(invoice_reminder_defer_check=True)
        ).write(vals)
        if "level_ids" not in vals and "company_id" in vals:
            self._check_levels()
        return res

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, name=_("%s (copy)", policy.name)) if "name" not in (default or {}) else vals
            for policy, vals in zip(self, vals_list, strict=True)
        ]

    def action_preview(self):
        """What the next run of this policy will send, to whom, and who is skipped."""
        self.ensure_one()
        preview = self.env["invoice.reminder.preview"]._create_for(self.company_id, self)
        return preview._get_action()

    def action_send_now(self):
        """Build and queue this period's reminders now instead of waiting for the cron.

        Safe next to the cron: the run of a period is locked while it is built and
        a customer never gets two reminders for the same period.
        """
        self.ensure_one()
        if not self.env.su and not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(_("Only accounting managers can send payment reminders now."))
        if not self.active:
            raise UserError(
                _(
                    "The policy %(policy)s is archived: it sends no reminders.",
                    policy=self.display_name,
                )
            )
        if not self.company_id.reminder_enabled:
            # a run built now would hold nothing and close this period for good
            raise UserError(
                _(
                    "Payment reminders are switched off for %(company)s: switch them on in "
                    "the Invoicing settings first.",
                    company=self.company_id.name,
                )
            )
        now = fields.Datetime.now()
        if not self._period_allowed(now):
            raise UserError(
                _(
                    "Payment reminders of %(company)s were switched on after the current "
                    "period of %(policy)s began: nothing is sent for it. Its first "
                    "reminders go out on %(date)s; see them beforehand with Preview.",
                    company=self.company_id.name,
                    policy=self.display_name,
                    date=fields.Datetime.to_string(self._next_slot_utc(now)),
                )
            )
        Run = self.env["invoice.reminder.run"].sudo()
        run = Run._get_or_create(self, now)
        run.action_send_now()
        return {
            "type": "ir.actions.act_window",
            "res_model": "invoice.reminder.run",
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }

    def _levels_sorted(self):
        self.ensure_one()
        return self.level_ids.sorted(lambda lvl: (lvl.sequence, lvl.id))

    # ------------------------------------------------------------------
    # Forewarning
    # ------------------------------------------------------------------

    @api.model
    def _cron_send_forewarnings(self):
        """Hourly: mail the preview of each run that is due within its forewarning."""
        companies = self.env["res.company"].search([("reminder_enabled", "=", True)])
        for company in companies:
            policies = self.with_company(company).search(
                [("company_id", "=", company.id), ("forewarn_hours", ">", 0)]
            )
            policies._send_forewarnings()

    def _send_forewarnings(self, now=None):
        now = now or fields.Datetime.now()
        for policy in self:
            send_at, period = policy._next_run(now)
            if not rules.forewarning_due(
                now, send_at, policy.forewarn_hours, policy.forewarned_period == period
            ):
                continue
            preview = self.env["invoice.reminder.preview"]._create_for(policy.company_id, policy)
            preview._send_forewarning()
            policy.forewarned_period = period
