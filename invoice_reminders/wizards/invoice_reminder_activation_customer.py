from odoo import api, fields, models


class InvoiceReminderActivationCustomer(models.TransientModel):
    """A customer with open invoices, as the activation wizard shows it."""

    _name = "invoice.reminder.activation.customer"
    _description = "Payment Reminder Activation Customer"
    _order = "oldest_days_overdue desc, id"

    wizard_id = fields.Many2one(
        "invoice.reminder.activation", required=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    invoice_count = fields.Integer(string="Open Invoices", readonly=True)
    selected_count = fields.Integer(string="Included", compute="_compute_selected_count")
    amounts_json = fields.Json(readonly=True)
    amounts_display = fields.Char(string="Amount Due", compute="_compute_amounts_display")
    oldest_days_overdue = fields.Integer(string="Oldest (Days Overdue)", readonly=True)
    email = fields.Char(string="Reminder Address", readonly=True)
    has_email = fields.Boolean(string="Email Found", readonly=True)

    @api.depends("wizard_id.invoice_line_ids.selected")
    def _compute_selected_count(self):
        for line in self:
            line.selected_count = len(
                line.wizard_id.invoice_line_ids.filtered(
                    lambda inv, partner=line.partner_id: inv.selected and inv.partner_id == partner
                )
            )

    @api.depends("amounts_json")
    def _compute_amounts_display(self):
        for line in self:
            line.amounts_display = self.env["res.currency"]._reminder_format_amounts(
                line.amounts_json or {}
            )
