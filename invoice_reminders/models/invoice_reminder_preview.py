from collections import defaultdict

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

SKIP_REASONS = [
    ("no_email", "No email address"),
    ("invalid_email", "Invalid email address"),
    ("disabled", "Reminders off"),
    ("paused", "Paused"),
]


class InvoiceReminderPreview(models.TransientModel):
    """What the next run of one policy (or of every policy of a company) will do.

    Computed by the run's own code (``invoice.reminder.simulation._simulate_next_run``)
    and written nowhere else than in these transient records.
    """

    _name = "invoice.reminder.preview"
    _description = "Payment Reminder Preview"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    policy_id = fields.Many2one(
        "invoice.reminder.policy",
        readonly=True,
        check_company=True,
        help="The policy previewed; empty: every active policy of the company.",
    )
    send_at = fields.Datetime(
        string="Next Run", readonly=True, help="When the previewed run sends its reminders."
    )
    line_ids = fields.One2many("invoice.reminder.preview.line", "preview_id", readonly=True)
    send_line_ids = fields.One2many(
        "invoice.reminder.preview.line",
        "preview_id",
        domain=[("status", "=", "send")],
        string="Reminders",
        readonly=True,
    )
    skip_line_ids = fields.One2many(
        "invoice.reminder.preview.line",
        "preview_id",
        domain=[("status", "=", "skip")],
        string="Skipped Customers",
        readonly=True,
    )
    send_count = fields.Integer(string="Customers Reminded", readonly=True)
    skip_count = fields.Integer(string="Customers Skipped", readonly=True)
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    totals_display = fields.Char(string="Net Amounts Due", readonly=True)
    skipped_display = fields.Char(string="Amounts Not Reminded", readonly=True)
    warning = fields.Text(readonly=True)

    @api.depends("policy_id", "company_id", "send_at")
    def _compute_display_name(self):
        for preview in self:
            preview.display_name = _(
                "Next run of %(what)s",
                what=preview.policy_id.display_name or preview.company_id.name,
            )

    # ------------------------------------------------------------------
    # Building
    # ------------------------------------------------------------------

    @api.model
    def _create_for(self, company, policies=None, partner_ids=None):
        """Compute the preview of the next run of ``policies`` (default: all of ``company``)."""
        if policies is None:
            policies = self.env["invoice.reminder.policy"].search([("company_id", "=", company.id)])
        for policy in policies:
            if not policy.level_ids:
                raise UserError(
                    _(
                        "The policy %(policy)s has no level: there is nothing to preview. "
                        "Add at least one level first.",
                        policy=policy.display_name,
                    )
                )
        line_vals, send_times = self._compute_line_vals(policies, partner_ids)
        return self._create_from_vals(company, policies, line_vals, send_times)

    @api.model
    def _compute_line_vals(self, policies, partner_ids=None):
        """The preview lines of the next run of ``policies``, as values, and its times."""
        Simulation = self.env["invoice.reminder.simulation"]
        line_vals, send_times = [], []
        for policy in policies:
            send_at, period, entries = Simulation._simulate_next_run(
                policy, partner_ids=partner_ids
            )
            if send_at:
                send_times.append(send_at)
            line_vals += [
                self.env["invoice.reminder.preview.line"]._prepare_line_vals(
                    policy, send_at, period, entry
                )
                for entry in entries
            ]
        return line_vals, send_times

    @api.model
    def _create_from_vals(self, company, policies, line_vals, send_times):
        preview = self.create(
            {
                "company_id": company.id,
                "policy_id": policies.id if len(policies) == 1 else False,
                "send_at": min(send_times) if send_times else False,
                "line_ids": [Command.create(vals) for vals in line_vals],
            }
        )
        preview._update_summary()
        return preview

    def _update_summary(self):
        self.ensure_one()
        lines = self.line_ids
        sent = lines.filtered(lambda line: line.status == "send")
        skipped = lines - sent
        net, not_reminded = defaultdict(float), defaultdict(float)
        for line in lines:
            target = net if line.status == "send" else not_reminded
            for name, amount in (line.amounts_json or {}).items():
                target[name] += amount
        display = self.env["res.currency"]._reminder_format_amounts

        warning = False
        if not self.company_id.reminder_enabled:
            warning = _(
                "Payment reminders are off for %(company)s: nothing will be sent until they "
                "are activated.",
                company=self.company_id.name,
            )
        elif not lines:
            warning = _("The next run has no customer to remind.")
        bank_warning = self._bank_account_warning()
        if bank_warning:
            warning = f"{warning}\n{bank_warning}" if warning else bank_warning
        self.write(
            {
                "send_count": len(sent),
                "skip_count": len(skipped),
                "invoice_count": sum(sent.mapped("invoice_count")),
                "totals_display": display(net),
                "skipped_display": display(not_reminded),
                "warning": warning,
            }
        )

    def _bank_account_warning(self):
        """A warning when the statements sent ask for a transfer to no bank account."""
        self.ensure_one()
        company = self.company_id
        levels = self.line_ids.filtered(lambda line: line.status == "send").policy_id.level_ids
        with_statement = levels.filtered(
            lambda level: level.attach_statement_pdf or level.attach_statement_docx
        )
        if not with_statement or company.partner_id.bank_ids:
            return False
        return _(
            "The statements ask for payment by bank transfer, but %(company)s has no bank "
            "account to print on them: add one to the company's contact (Bank Accounts).",
            company=company.name,
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_refresh(self):
        """Compute the preview again, as the data now stands."""
        self.ensure_one()
        preview = self._create_for(self.company_id, self.policy_id or None)
        return preview._get_action()

    def action_print(self):
        self.ensure_one()
        return self.env.ref(
            "invoice_reminders.action_report_invoice_reminder_preview"
        ).report_action(self)

    def _get_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.display_name,
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (self.env.ref("invoice_reminders.invoice_reminder_preview_view_form").id, "form")
            ],
            "target": "current",
        }

    def _get_url(self):
        """Link that opens a fresh preview of the same policy (transient records expire)."""
        self.ensure_one()
        return f"{self.company_id.get_base_url()}/invoice_reminders/preview/{self.policy_id.id}"

    def _send_forewarning(self):
        """Mail this preview to the company's summary recipients."""
        self.ensure_one()
        template = self.env.ref("invoice_reminders.mail_template_reminder_forewarning")
        rendered = template._generate_template(self.ids, ["subject", "body_html"])[self.id]
        return self.company_id._reminder_mail_owners(rendered["subject"], rendered["body_html"])
