from odoo import fields, models


class InvoiceReminderLevel(models.Model):
    _inherit = "invoice.reminder.level"

    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS",
        domain="[('model', '=', 'invoice.reminder.digest')]",
        ondelete="set null",
        help="Also send this SMS to the customer's mobile at this step: a short text with "
        "the amount due and the statement link. Empty: no SMS.",
    )
