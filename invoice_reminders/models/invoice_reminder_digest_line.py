from odoo import fields, models


class InvoiceReminderDigestLine(models.Model):
    """An invoice (or a credit) as it stood in one payment reminder."""

    _name = "invoice.reminder.digest.line"
    _description = "Payment Reminder Digest Line"
    _order = "digest_id, kind desc, date_due, id"

    digest_id = fields.Many2one(
        "invoice.reminder.digest", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="digest_id.company_id", store=True)
    partner_id = fields.Many2one(related="digest_id.partner_id", store=True)
    period = fields.Date(related="digest_id.period", store=True)
    state = fields.Selection(related="digest_id.state", string="Email Status")
    kind = fields.Selection(
        [("invoice", "Overdue invoice"), ("credit", "Credit"), ("fee", "Late fee")],
        required=True,
        default="invoice",
    )
    move_id = fields.Many2one(
        "account.move", string="Document", index="btree_not_null", ondelete="cascade"
    )
    payment_id = fields.Many2one("account.payment", ondelete="cascade")
    name = fields.Char(string="Number")
    date = fields.Date()
    date_due = fields.Date(string="Due Date")
    level_id = fields.Many2one("invoice.reminder.level", ondelete="restrict")
    level_index = fields.Integer(help="Position of the level in its ladder, 0 for the first.")
    days_overdue = fields.Integer()
    amount_residual = fields.Monetary(string="Amount Due", currency_field="currency_id")
    currency_id = fields.Many2one("res.currency", required=True)
    access_url = fields.Char(string="Online Link")
    pay_url = fields.Char(
        string="Payment Link",
        help="The invoice's page in the customer portal, opened on its payment form; "
        "set when the company takes payments online.",
    )
    # a late fee line: its parts (the line's amount is their total)
    fee_fixed = fields.Monetary(string="Fixed Fee", currency_field="currency_id")
    fee_percent = fields.Monetary(string="Percentage Fee", currency_field="currency_id")
    fee_interest = fields.Monetary(string="Interest", currency_field="currency_id")
    interest_days = fields.Integer(string="Days of Interest")
