from odoo import _, api, fields, models
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
                and self.env.su
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
        Run = self.env["invoice.reminder.run"].sudo()
        run = Run._get_or_create(self, fields.Datetime.now())
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
