from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    # The column is created by the pre_init_hook: see hooks.py.
    reminder_included = fields.Boolean(
        string="Payment Reminders",
        compute="_compute_reminder_included",
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
        tracking=True,
        help="Include this invoice in payment reminders. Set from the customer's "
        "default when the invoice is created.",
    )
    reminder_partner_enabled = fields.Boolean(
        related="commercial_partner_id.reminder_enabled",
        string="Customer Receives Reminders",
    )
    reminder_line_ids = fields.One2many(
        "invoice.reminder.digest.line",
        "move_id",
        string="Reminder History",
        help="Every payment reminder that included this invoice.",
    )

    @api.depends("partner_id")
    def _compute_reminder_included(self):
        for move in self:
            partner = move.partner_id.commercial_partner_id
            move.reminder_included = partner.reminder_default if partner else True
