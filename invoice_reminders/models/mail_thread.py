from odoo import models
from odoo.tools import html2plaintext


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _routing_handle_bounce(self, email_message, message_dict):
        """A bounce that comes back for a reminder marks that reminder ``bounced``."""
        res = super()._routing_handle_bounce(email_message, message_dict)
        bounced_ids = message_dict.get("bounced_msg_ids") or []
        if bounced_ids:
            digests = (
                self.env["invoice.reminder.digest"]
                .sudo()
                .search([("mail_message_id", "in", bounced_ids)])
            )
            if digests:
                detail = html2plaintext(message_dict.get("body") or "").strip()
                digests._mark_bounced(detail[:2000])
        return res
