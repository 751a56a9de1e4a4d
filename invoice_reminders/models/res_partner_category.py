from odoo import api, fields, models
from odoo.exceptions import AccessError

from .res_partner import REMINDER_READ_GROUPS

# A tag's policy steers the reminders of every customer carrying it: a policy setting.
POLICY_FIELDS = {"reminder_policy_id", "reminder_priority"}


class ResPartnerCategory(models.Model):
    _inherit = "res.partner.category"

    reminder_policy_id = fields.Many2one(
        "invoice.reminder.policy",
        groups=REMINDER_READ_GROUPS,
        help="Customers with this tag follow this reminder ladder, unless they have "
        "their own. Only used for invoices of the policy's company.",
    )
    reminder_priority = fields.Integer(
        default=10,
        groups=REMINDER_READ_GROUPS,
        help="When a customer has several tags with a reminder policy, the tag with "
        "the highest priority decides.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_reminder_policy_write(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_reminder_policy_write(vals)
        return super().write(vals)

    def _check_reminder_policy_write(self, vals):
        """Only accounting managers give a tag a reminder policy, as they edit policies."""
        if (
            POLICY_FIELDS & vals.keys()
            and not self.env.su
            and not self.env.user.has_group("account.group_account_manager")
        ):
            raise AccessError(
                self.env._("Only accounting managers can set the reminder policy of a tag.")
            )
