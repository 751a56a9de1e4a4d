from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import format_date

from .. import compat, rules
from .invoice_reminder_digest import DIGEST_STATES

PAUSE_REASONS = [
    ("dispute", "Dispute"),
    ("promise", "Promise to pay"),
    ("plan", "Agreed payment plan"),
    ("other", "Other"),
]

# Who reads the reminder fields of customers and invoices: what Odoo itself
# allows for a customer's receivables (res.partner.credit / debit).
REMINDER_READ_GROUPS = "account.group_account_invoice,account.group_account_readonly"
# Who changes them: invoicing users (auditors read only).
REMINDER_WRITE_GROUP = "account.group_account_invoice"


def check_reminder_write(records, vals, fnames):
    """Refuse a change of the reminder fields ``fnames`` by a user who may not make it.

    Field groups let auditors through, and a model's own rights let anyone who may
    edit a contact or an invoice through: this check sits in ``create`` and
    ``write``, whatever view or RPC call the values come from.
    """
    touched = sorted(fnames & vals.keys())
    env = records.env
    if touched and not env.su and not env.user.has_group(REMINDER_WRITE_GROUP):
        raise AccessError(
            env._(
                "Only invoicing users can change payment reminder settings "
                "(%(fields)s on %(model)s).",
                fields=", ".join(records._fields[name].string for name in touched),
                model=env["ir.model"]._get(records._name).name,
            )
        )


# The fields that steer a customer's reminders (the others are computed or set by the run).
STEERING_FIELDS = {
    "reminder_enabled",
    "reminder_default",
    "reminder_policy_id",
    "reminder_pause_until",
    "reminder_pause_reason",
    "reminder_pause_note",
    "reminder_cc",
    "reminder_thanks_date",
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    reminder_enabled = fields.Boolean(
        string="Send Payment Reminders",
        default=True,
        help="Master switch: when unchecked, this customer never receives a payment "
        "reminder, whatever its invoices say.",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_default = fields.Boolean(
        string="Include New Invoices",
        default=True,
        help="Whether new invoices of this customer are included in payment reminders.",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_policy_id = fields.Many2one(
        "invoice.reminder.policy",
        check_company=True,
        help="This customer's own reminder ladder. When empty, the policy of its tags "
        "applies, else the company's default policy.",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_pause_until = fields.Date(
        string="Reminders Paused Until",
        help="No payment reminder until this day included; they resume on their own the "
        "day after, at the level where they stopped.",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_pause_reason = fields.Selection(
        PAUSE_REASONS, string="Pause Reason", groups=REMINDER_READ_GROUPS
    )
    reminder_pause_note = fields.Char(string="Pause Note", groups=REMINDER_READ_GROUPS)
    reminder_paused = fields.Boolean(
        string="Reminders Paused",
        compute="_compute_reminder_paused",
        search="_search_reminder_paused",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_thanks_date = fields.Date(
        string="Last Thank-You",
        readonly=True,
        copy=False,
        help="When this customer was last thanked for paying reminded invoices.",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_last_digest_id = fields.Many2one(
        "invoice.reminder.digest",
        string="Last Reminder",
        compute="_compute_reminder_last_digest_id",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_last_state = fields.Selection(
        DIGEST_STATES,
        string="Last Reminder Status",
        compute="_compute_reminder_last_digest_id",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_has_overdue = fields.Boolean(
        string="Has Overdue Invoices",
        compute="_compute_reminder_has_overdue",
        search="_search_reminder_has_overdue",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_next_date = fields.Date(
        string="Next Reminder",
        compute="_compute_reminder_forecast",
        search="_search_reminder_next_date",
        help="When this customer receives its next payment reminder, as its invoices "
        "stand today (empty: none planned).",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_next_level_id = fields.Many2one(
        "invoice.reminder.level",
        string="Next Reminder Level",
        compute="_compute_reminder_forecast",
        search="_search_reminder_next_level_id",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_overdue_display = fields.Char(
        string="Overdue",
        compute="_compute_reminder_forecast",
        help="Amount past due per currency.",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_address_warning = fields.Boolean(
        string="No Reminder Address",
        compute="_compute_reminder_forecast",
        search="_search_reminder_address_warning",
        help="Reminders are on but no valid email address receives them: this customer is skipped.",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_cc = fields.Char(
        string="Reminder CC",
        help="Extra email addresses, separated by commas, that receive a copy of every "
        "payment reminder sent to this customer.",
        groups=REMINDER_READ_GROUPS,
    )

    @api.constrains("reminder_policy_id", "company_id")
    def _check_reminder_policy_company(self):
        for partner in self:
            policy = partner.reminder_policy_id
            if policy and partner.company_id and policy.company_id != partner.company_id:
                raise ValidationError(
                    _(
                        "The reminder policy %(policy)s belongs to %(policy_company)s: it "
                        "cannot be given to %(partner)s, a customer of %(company)s.",
                        policy=policy.display_name,
                        policy_company=policy.company_id.name,
                        partner=partner.display_name,
                        company=partner.company_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_reminder_write(self, vals, STEERING_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_reminder_write(self, vals, STEERING_FIELDS)
        return super().write(vals)

    @api.model
    def _commercial_fields(self):
        return [
            *super()._commercial_fields(),
            "reminder_enabled",
            "reminder_default",
            "reminder_policy_id",
            "reminder_cc",
            "reminder_pause_until",
            "reminder_pause_reason",
            "reminder_pause_note",
        ]

    def _commercial_sync_from_company(self):
        """A contact takes its company's reminder settings, those off too: Odoo
        19.0 copies only the commercial fields that are set (18.0 all of them)."""
        res = super()._commercial_sync_from_company()
        commercial = self.commercial_partner_id
        if commercial != self:
            vals = {
                fname: self._fields[fname].convert_to_write(commercial[fname], commercial)
                for fname in self._commercial_fields()
                if fname.startswith("reminder_") and self[fname] != commercial[fname]
            }
            if vals:
                self.write(vals)
        return res

    def _reminder_policy(self, company):
        """The policy that applies to this customer's invoices of ``company``."""
        self.ensure_one()
        partner = self.commercial_partner_id
        own = partner.reminder_policy_id
        tags = partner.category_id.filtered(
            lambda t: t.reminder_policy_id.company_id == company and t.reminder_policy_id.active
        )
        policy_id = rules.resolve_policy(
            own.id if own and own.company_id == company and own.active else None,
            [(t.reminder_priority, t.id, t.reminder_policy_id.id) for t in tags],
            company.reminder_policy_id.id or None,
        )
        return self.env["invoice.reminder.policy"].browse(policy_id)

    # ------------------------------------------------------------------
    # What happens next
    # ------------------------------------------------------------------

    def _compute_reminder_forecast(self):
        company = self.env.company
        commercial = self.commercial_partner_id
        ids = [pid for pid in commercial.ids if isinstance(pid, int)]
        _by_move, by_partner = self.env["invoice.reminder.planner"]._forecast(company, ids)
        recipients = self.env["invoice.reminder.facts"].sudo()._recipients(ids) if ids else {}
        overdue = self._reminder_overdue_amounts(company, ids)
        for partner in self:
            pid = partner.commercial_partner_id.id
            date, level = by_partner.get(pid, (False, self.env["invoice.reminder.level"]))
            partner.reminder_next_date = date
            partner.reminder_next_level_id = level
            partner.reminder_overdue_display = overdue.get(pid, False)
            to = recipients.get(pid, ([], []))[0]
            partner.reminder_address_warning = bool(
                company.reminder_enabled
                and partner.commercial_partner_id.reminder_enabled
                and isinstance(pid, int)
                and not any(rules.is_valid_email(address) for address in to)
            )

    @api.model
    def _reminder_overdue_amounts(self, company, partner_ids):
        """Amount past due per currency of each customer, formatted."""
        if not partner_ids:
            return {}
        self.env["account.move"].flush_model()
        self.env.cr.execute(
            """
            SELECT commercial_partner_id, currency_id, sum(amount_residual)
              FROM account_move
             WHERE company_id = %s
               AND commercial_partner_id = ANY(%s)
               AND move_type = 'out_invoice'
               AND state = 'posted'
               AND payment_state NOT IN ('paid', 'in_payment', 'reversed')
               AND amount_residual > 0
               AND coalesce(invoice_date_due, invoice_date) < %s
             GROUP BY commercial_partner_id, currency_id
             ORDER BY commercial_partner_id, currency_id
            """,
            (company.id, list(partner_ids), fields.Date.context_today(self)),
        )
        amounts = defaultdict(dict)
        Currency = self.env["res.currency"]
        for partner_id, currency_id, amount in self.env.cr.fetchall():
            amounts[partner_id][Currency.browse(currency_id)] = amount
        return {
            partner_id: Currency._reminder_format_amounts(by_currency)
            for partner_id, by_currency in amounts.items()
        }

    def _search_reminder_next_date(self, operator, value):
        operator, value = compat.search_term(operator, value)
        company = self.env.company
        Facts = self.env["invoice.reminder.facts"].sudo()
        _by_move, by_partner = self.env["invoice.reminder.planner"]._forecast(
            company, Facts._open_invoice_partners(company)
        )
        dates = {pid: date for pid, (date, _level) in by_partner.items()}
        matching = rules.filter_dates(dates, operator, value)
        if matching is None:  # "is set" / "is not set"
            operator_in = rules.is_set_operator(operator, value)
            return [("commercial_partner_id", operator_in, list(dates))]
        return [("commercial_partner_id", "in", matching)]

    def _search_reminder_next_level_id(self, operator, value):
        operator, value = compat.search_term(operator, value)
        company = self.env.company
        Facts = self.env["invoice.reminder.facts"].sudo()
        _by_move, by_partner = self.env["invoice.reminder.planner"]._forecast(
            company, Facts._open_invoice_partners(company)
        )
        matching = rules.filter_levels(
            {pid: level.id for pid, (_date, level) in by_partner.items()},
            self.env["invoice.reminder.level"]._reminder_level_ids(operator, value),
        )
        if matching is None:  # "is set" / "is not set"
            operator_in = rules.is_set_operator(operator, value)
            return [("commercial_partner_id", operator_in, list(by_partner))]
        return [("commercial_partner_id", "in", matching)]

    def _search_reminder_address_warning(self, operator, value):
        operator, value = compat.search_term(operator, value)
        company = self.env.company
        if not company.reminder_enabled:
            return [("id", "in", [])] if (operator == "=") == bool(value) else []
        Facts = self.env["invoice.reminder.facts"].sudo()
        ids = Facts._open_invoice_partners(company)
        recipients = Facts._recipients(ids)
        warned = [
            pid
            for pid, (to, _cc) in recipients.items()
            if not any(rules.is_valid_email(address) for address in to)
        ]
        domain = [("commercial_partner_id", "in", warned), ("reminder_enabled", "=", True)]
        if (operator == "=") != bool(value):
            return ["!", "&", *domain]
        return domain

    def _reminder_prepare_statement_links(self):
        """Portal tokens of the invoices a printed statement links to (the print action)."""
        self.ensure_one()
        self.check_access("read")
        # the billing users' and auditors' right, as the print route checks it
        self.env["invoice.reminder.digest"].check_access("read")
        statement = self.env["invoice.reminder.statement"]
        partner = self.commercial_partner_id
        level = statement._partner_statement_level(partner)
        if level and not level.include_links:
            return
        moves = statement._partner_statement_moves(partner)
        if moves:
            # all the statement's tokens in one query, as the run makes them
            self.env["invoice.reminder.facts"]._ensure_access_tokens(moves.ids)

    def action_reminder_send_test(self):
        """Send this customer's next reminder to the user's own address, as a test."""
        self.ensure_one()
        return self.env["invoice.reminder.test.send"]._get_wizard_action(self)

    # ------------------------------------------------------------------
    # Collections control
    # ------------------------------------------------------------------

    @api.depends("reminder_pause_until")
    def _compute_reminder_paused(self):
        today = fields.Date.context_today(self)
        for partner in self:
            until = partner.commercial_partner_id.reminder_pause_until
            partner.reminder_paused = bool(until and until >= today)

    def _search_reminder_paused(self, operator, value):
        operator, value = compat.search_term(operator, value)
        today = fields.Date.context_today(self)
        paused = [("commercial_partner_id.reminder_pause_until", ">=", today)]
        if (operator == "=") != bool(value):
            return ["!", *paused]
        return paused

    def _compute_reminder_last_digest_id(self):
        Digest = self.env["invoice.reminder.digest"]
        for partner in self:
            last = Digest.search(
                [("partner_id", "=", partner.commercial_partner_id.id)],
                order="period desc, id desc",
                limit=1,
            )
            partner.reminder_last_digest_id = last
            partner.reminder_last_state = last.state

    def _compute_reminder_has_overdue(self):
        overdue = set(self._reminder_overdue_partner_ids())
        for partner in self:
            partner.reminder_has_overdue = partner.commercial_partner_id.id in overdue

    def _search_reminder_has_overdue(self, operator, value):
        operator, value = compat.search_term(operator, value)
        operator_in = "in" if (operator == "=") == bool(value) else "not in"
        return [("id", operator_in, self._reminder_overdue_partner_ids())]

    @api.model
    def _reminder_overdue_partner_ids(self):
        """Customers of the current company with an open invoice past its due date."""
        return self.env["invoice.reminder.facts"]._open_invoice_partners(
            self.env.company, due_before=fields.Date.context_today(self)
        )

    def action_reminder_pause(self):
        """Pause this customer's reminders until a date, with a reason."""
        return self.env["invoice.reminder.pause"]._get_wizard_action(partners=self)

    def action_reminder_resume(self):
        self.commercial_partner_id.write(
            {
                "reminder_pause_until": False,
                "reminder_pause_reason": False,
                "reminder_pause_note": False,
            }
        )
        for partner in self.commercial_partner_id:
            partner.message_post(body=_("Payment reminders resumed."))

    def action_reminder_promise(self):
        """Record a promise to pay of this customer."""
        return self.env["invoice.reminder.promise"]._get_form_action(partner=self)

    def action_reminder_send_now(self):
        """Send this customer's reminder of the current period now (once per period)."""
        self.ensure_one()
        return self.commercial_partner_id._reminder_send_now()

    def action_reminder_skip_period(self):
        """Skip this customer in the current period of its policy."""
        self.ensure_one()
        return self.commercial_partner_id._reminder_skip_period()

    # ------------------------------------------------------------------
    # One customer by hand: send now, skip this period
    # ------------------------------------------------------------------

    def _check_reminder_manager(self):
        if not self.env.su and not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(_("Only accounting managers can send payment reminders now."))

    def _reminder_period_digest_domain(self, run):
        """The reminder of this customer in ``run``'s period, as a domain."""
        return [
            ("partner_id", "=", self.id),
            ("policy_id", "=", run.policy_id.id),
            ("period", "=", run.period),
            ("kind", "=", "digest"),
        ]

    def _reminder_send_now(self):
        """Build and queue this customer's reminder of the current period, once."""
        self.ensure_one()
        self._check_reminder_manager()
        Run = self.env["invoice.reminder.run"]
        run, now = Run._current_run_of(self)
        Digest = self.env["invoice.reminder.digest"].sudo()
        domain = self._reminder_period_digest_domain(run)
        if Digest.search_count(domain):
            return Run._notify(
                _("%(customer)s was already reminded in this period.", customer=self.name),
                "info",
            )
        run._process_customers([self.id], now)
        digest = Digest.search(domain)
        if digest.mail_id:
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
            return Run._notify(
                _("The reminder of %(customer)s is on its way.", customer=self.name), "success"
            )
        skip = run.skip_ids.filtered(lambda skip: skip.partner_id == self)
        reason = (
            dict(skip._fields["reason"]._description_selection(self.env)).get(skip.reason)
            if skip
            else digest.error or _("no invoice to remind today")
        )
        return Run._notify(
            _("Nothing was sent to %(customer)s: %(reason)s.", customer=self.name, reason=reason),
            "warning",
        )

    def _reminder_skip_period(self):
        """Leave this customer out of the current period of its policy."""
        self.ensure_one()
        self._check_reminder_manager()
        Run = self.env["invoice.reminder.run"]
        run, _now = Run._current_run_of(self)
        domain = self._reminder_period_digest_domain(run)
        if self.env["invoice.reminder.digest"].sudo().search_count(domain):
            raise UserError(
                _("%(customer)s was already reminded in this period.", customer=self.name)
            )
        if not run.skip_ids.filtered(lambda skip: skip.partner_id == self):
            self.env["invoice.reminder.run.skip"].sudo().create(
                {
                    "run_id": run.id,
                    "partner_id": self.id,
                    "reason": "skipped",
                    "detail": _("by %(user)s", user=self.env.user.name),
                }
            )
        return Run._notify(
            _(
                "%(customer)s is left out of the reminders of %(period)s.",
                customer=self.name,
                period=format_date(self.env, run.period),
            ),
            "success",
        )
