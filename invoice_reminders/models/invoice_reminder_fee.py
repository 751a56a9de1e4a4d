from odoo import fields, models

from .. import compat


class InvoiceReminderFee(models.Model):
    """A late fee (and interest) charged on one invoice at one level: never twice."""

    _name = "invoice.reminder.fee"
    _description = "Payment Reminder Late Fee"
    _order = "id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True)
    digest_id = fields.Many2one(
        "invoice.reminder.digest", string="Reminder", index=True, ondelete="set null"
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True, ondelete="cascade"
    )
    level_id = fields.Many2one(
        "invoice.reminder.level", required=True, index=True, ondelete="cascade"
    )
    currency_id = fields.Many2one("res.currency", required=True)
    amount_fixed = fields.Monetary(string="Fixed Fee", currency_field="currency_id")
    amount_percent = fields.Monetary(string="Percentage Fee", currency_field="currency_id")
    amount_interest = fields.Monetary(string="Interest", currency_field="currency_id")
    interest_days = fields.Integer(help="Days of interest charged by this fee.")
    days_overdue = fields.Integer(help="Days overdue up to which interest is charged.")
    amount = fields.Monetary(string="Total", currency_field="currency_id")
    fee_move_id = fields.Many2one(
        "account.move", string="Fee Invoice", index="btree_not_null", ondelete="set null"
    )

    _move_level_uniq = compat.Constraint(
        "UNIQUE(move_id, level_id)",
        "A late fee is charged only once for the same invoice and level.",
    )
