from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import compat


class InvoiceReminderLevelFee(models.Model):
    """The fixed late fee of a reminder level in one currency."""

    _name = "invoice.reminder.level.fee"
    _description = "Payment Reminder Level Fixed Fee"
    _order = "level_id, currency_id"

    policy_id = fields.Many2one(
        "invoice.reminder.policy",
        compute="_compute_policy_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        ondelete="cascade",
    )
    level_id = fields.Many2one(
        "invoice.reminder.level",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('policy_id', '=', policy_id)]",
    )
    company_id = fields.Many2one(related="level_id.company_id", store=True)
    currency_id = fields.Many2one("res.currency", required=True)
    amount = fields.Monetary(string="Fixed Fee", currency_field="currency_id", required=True)

    _level_currency_uniq = compat.Constraint(
        "UNIQUE(level_id, currency_id)",
        "A level has one fixed fee per currency.",
    )

    @api.depends("level_id")
    def _compute_policy_id(self):
        for fee in self:
            fee.policy_id = fee.level_id.policy_id

    @api.constrains("amount", "level_id", "policy_id")
    def _check_amount(self):
        for fee in self:
            if fee.policy_id != fee.level_id.policy_id:
                raise ValidationError(
                    _(
                        "The fixed fee of level %(level)s belongs to another policy.",
                        level=fee.level_id.name,
                    )
                )
            if fee.amount < 0:
                raise ValidationError(
                    _(
                        "The level %(level)s: the fixed fee in %(currency)s cannot be negative.",
                        level=fee.level_id.name,
                        currency=fee.currency_id.name,
                    )
                )
