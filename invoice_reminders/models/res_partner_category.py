from odoo import fields, models


class ResPartnerCategory(models.Model):
    _inherit = "res.partner.category"

    reminder_policy_id = fields.Many2one(
        "invoice.reminder.policy",
        help="Customers with this tag follow this reminder ladder, unless they have "
        "their own. Only used for invoices of the policy's company.",
    )
    reminder_priority = fields.Integer(
        default=10,
        help="When a customer has several tags with a reminder policy, the tag with "
        "the highest priority decides.",
    )
