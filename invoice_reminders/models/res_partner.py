from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import rules


class ResPartner(models.Model):
    _inherit = "res.partner"

    reminder_enabled = fields.Boolean(
        string="Send Payment Reminders",
        default=True,
        help="Master switch: when unchecked, this customer never receives a payment "
        "reminder, whatever its invoices say.",
    )
    reminder_default = fields.Boolean(
        string="Include New Invoices",
        default=True,
        help="Whether new invoices of this customer are included in payment reminders.",
    )
    reminder_policy_id = fields.Many2one(
        "invoice.reminder.policy",
        check_company=True,
        help="This customer's own reminder ladder. When empty, the policy of its tags "
        "applies, else the company's default policy.",
    )
    reminder_cc = fields.Char(
        string="Reminder CC",
        help="Extra email addresses, separated by commas, that receive a copy of every "
        "payment reminder sent to this customer.",
    )

    @api.constrains("reminder_policy_id", "company_id")
    def _check_reminder_policy_company(self):
        for partner in self:
            policy = partner.reminder_policy_id
            if policy and partner.company_id and policy.company_id != partner.company_id:
                raise ValidationError(
                    _(
                        "The reminder policy %(policy)s belongs to %(policy_company)s: it "
                        "cannot be given to %(partner)s, a customer of %(company)s.",
                        policy=policy.display_name,
                        policy_company=policy.company_id.name,
                        partner=partner.display_name,
                        company=partner.company_id.name,
                    )
                )

    @api.model
    def _commercial_fields(self):
        return [
            *super()._commercial_fields(),
            "reminder_enabled",
            "reminder_default",
            "reminder_policy_id",
            "reminder_cc",
        ]

    def _reminder_policy(self, company):
        """The policy that applies to this customer's invoices of ``company``."""
        self.ensure_one()
        partner = self.commercial_partner_id
        own = partner.reminder_policy_id
        tags = partner.category_id.filtered(
            lambda t: t.reminder_policy_id.company_id == company and t.reminder_policy_id.active
        )
        policy_id = rules.resolve_policy(
            own.id if own and own.company_id == company and own.active else None,
            [(t.reminder_priority, t.id, t.reminder_policy_id.id) for t in tags],
            company.reminder_policy_id.id or None,
        )
        return self.env["invoice.reminder.policy"].browse(policy_id)
