from odoo import _, api, fields, models
from odoo.tools.misc import format_amount

from .invoice_reminder_preview import SKIP_REASONS


class InvoiceReminderPreviewLine(models.TransientModel):
    """One customer of a previewed run: the reminder it will receive, or why not."""

    _name = "invoice.reminder.preview.line"
    _description = "Payment Reminder Preview Line"
    _order = "status, partner_id, id"

    preview_id = fields.Many2one(
        "invoice.reminder.preview", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="preview_id.company_id")
    policy_id = fields.Many2one("invoice.reminder.policy", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    status = fields.Selection(
        [("send", "Reminded"), ("skip", "Skipped"), ("error", "Cannot be built")],
        required=True,
        readonly=True,
    )
    skip_reason = fields.Selection(SKIP_REASONS, string="Reason", readonly=True)
    detail = fields.Text(readonly=True)
    send_at = fields.Datetime(string="Sent On", readonly=True)
    period = fields.Date(readonly=True)
    level_id = fields.Many2one("invoice.reminder.level", readonly=True)
    email_to = fields.Char(string="Recipients", readonly=True)
    email_cc = fields.Char(string="Copy To", readonly=True)
    invoice_ids = fields.Many2many(
        "account.move",
        "invoice_reminder_preview_line_invoice_rel",
        string="Overdue Invoices",
        readonly=True,
    )
    credit_ids = fields.Many2many(
        "account.move",
        "invoice_reminder_preview_line_credit_rel",
        string="Credits",
        readonly=True,
    )
    invoice_count = fields.Integer(string="Number of Invoices", readonly=True)
    credit_count = fields.Integer(string="Number of Credits", readonly=True)
    amounts_json = fields.Json(readonly=True)
    totals_json = fields.Json(readonly=True)
    amounts_display = fields.Char(
        string="Amount", compute="_compute_amounts_display", help="Amount due per currency."
    )
    totals_display = fields.Char(
        string="Net Amount Due",
        compute="_compute_amounts_display",
        help="Net amount due per currency, credits deducted.",
    )
    attachment_names = fields.Text(string="Attachments", readonly=True)
    action_summary = fields.Text(
        string="Actions",
        readonly=True, help="What the reminder does besides its email: fees, activity, letter, SMS."
    )
    subject = fields.Char(readonly=True)
    email_from = fields.Char(string="From", readonly=True)
    body_html = fields.Html(string="Email", sanitize=False, readonly=True)

    @api.depends("amounts_json", "totals_json")
    def _compute_amounts_display(self):
        Currency = self.env["res.currency"]
        for line in self:
            line.amounts_display = Currency._reminder_format_amounts(line.amounts_json or {})
            line.totals_display = Currency._reminder_format_amounts(
                {name: total["net"] for name, total in (line.totals_json or {}).items()}
            )

    @api.model
    def _prepare_line_vals(self, policy, send_at, period, entry):
        """Values of a preview line from a customer's plan (a ``plan.CustomerPlan``)."""
        digest = entry.digest or {}
        lines = entry.lines()
        mail = entry.mail or {}
        status = "skip" if entry.skip else ("error" if mail.get("error") else "send")
        return {
            "policy_id": policy.id,
            "partner_id": entry.partner_id,
            "status": status,
            "skip_reason": entry.skip or False,
            "detail": entry.detail or mail.get("error") or False,
            "send_at": send_at,
            "period": period,
            "level_id": digest.get("level_id", False),
            "email_to": digest.get("email_to", False),
            "email_cc": digest.get("email_cc", False),
            "invoice_ids": [
                fields.Command.set([line["move_id"] for line in lines if line["kind"] == "invoice"])
            ],
            "credit_ids": [
                fields.Command.set([line["move_id"] for line in lines if line["kind"] == "credit"])
            ],
            "invoice_count": digest.get("invoice_count", 0),
            "credit_count": sum(1 for line in lines if line["kind"] == "credit"),
            "amounts_json": entry.amounts,
            "totals_json": digest.get("totals_json", {}),
            "attachment_names": "\n".join(entry.attachment_names) or False,
            "action_summary": self._actions_text(entry) or False,
            "subject": mail.get("subject", False),
            "email_from": mail.get("email_from", False),
            "body_html": mail.get("body_html", False),
        }

    @api.model
    def _actions_text(self, entry):
        """The fees and actions of a planned reminder, one a line."""
        Action = self.env["invoice.reminder.action"]
        kinds = dict(Action._fields["kind"]._description_selection(self.env))
        lines = [
            self.env._("%(fee)s: %(amount)s", fee=vals["name"], amount=vals["amount"])
            for vals in self._fee_lines(entry)
        ]
        for action in entry.actions:
            text = f"{kinds.get(action['kind'], action['kind'])}: {action.get('detail') or ''}"
            if action["state"] == "skipped":
                text = _("%(action)s (skipped)", action=text)
            lines.append(text)
        return "\n".join(lines)

    @api.model
    def _fee_lines(self, entry):
        currencies = self.env["res.currency"]
        result = []
        for vals in entry.lines("fee"):
            currency = currencies.browse(vals["currency_id"])
            result.append(
                {
                    "name": vals["name"],
                    "amount": format_amount(self.env, vals["amount_residual"], currency),
                }
            )
        return result

    def action_open(self):
        """Open this customer's reminder as it will be sent."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Reminder to %(customer)s", customer=self.partner_id.display_name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def action_send_test(self):
        """Send this customer's reminder to an address of the user's, as a test."""
        self.ensure_one()
        return self.env["invoice.reminder.test.send"]._get_wizard_action(
            self.partner_id, self.policy_id
        )
