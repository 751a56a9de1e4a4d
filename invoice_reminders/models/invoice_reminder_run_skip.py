from odoo import api, fields, models


class InvoiceReminderRunSkip(models.Model):
    """A customer who had overdue invoices but was not reminded, and why."""

    _name = "invoice.reminder.run.skip"
    _description = "Payment Reminder Skipped Customer"
    _order = "run_id, id"

    run_id = fields.Many2one("invoice.reminder.run", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    partner_id = fields.Many2one("res.partner", string="Customer", ondelete="cascade")
    reason = fields.Selection(
        [
            ("no_email", "No email address"),
            ("invalid_email", "Invalid email address"),
            ("disabled", "Reminders off"),
            ("paused", "Paused"),
            ("skipped", "Skipped by hand"),
            ("template_error", "Template error"),
            ("document_error", "Document error"),
            ("error", "Error"),
        ],
        required=True,
    )
    detail = fields.Text()
    amounts_json = fields.Json(help="Amount due per currency of the invoices involved.")
    amounts_display = fields.Char(string="Amount", compute="_compute_amounts_display")

    @api.depends("amounts_json")
    def _compute_amounts_display(self):
        for skip in self:
            skip.amounts_display = self.env["res.currency"]._reminder_format_amounts(
                skip.amounts_json or {}
            )
