from odoo import fields, models

ACTION_KINDS = [
    ("fee_invoice", "Fee invoice"),
    ("activity", "Activity"),
    ("letter", "Letter"),
    ("sms", "SMS"),
]
ACTION_STATES = [
    ("queued", "Queued"),
    ("done", "Done"),
    ("skipped", "Skipped"),
    ("failed", "Failed"),
]


class InvoiceReminderAction(models.Model):
    """What a reminder did besides its email: a fee invoice, an activity, a letter, an SMS."""

    _name = "invoice.reminder.action"
    _description = "Payment Reminder Action"
    _order = "digest_id, id"
    _check_company_auto = True

    digest_id = fields.Many2one(
        "invoice.reminder.digest",
        string="Reminder",
        required=True,
        index=True,
        ondelete="cascade",
    )
    run_id = fields.Many2one(related="digest_id.run_id", store=True, index=True)
    company_id = fields.Many2one(related="digest_id.company_id", store=True)
    partner_id = fields.Many2one(related="digest_id.partner_id", store=True, string="Customer")
    kind = fields.Selection(ACTION_KINDS, required=True)
    state = fields.Selection(ACTION_STATES, required=True, default="done")
    detail = fields.Text()
    activity_id = fields.Many2one("mail.activity", ondelete="set null")
    fee_move_id = fields.Many2one("account.move", string="Fee Invoice", ondelete="set null")
    mail_message_id = fields.Many2one("mail.message", string="Message", ondelete="set null")
