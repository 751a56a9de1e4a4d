from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        """A reminder follows its mail: ``sent`` once SMTP accepted it, else ``failed``."""
        digests = self.env["invoice.reminder.digest"].sudo().search([("mail_id", "in", self.ids)])
        if digests:
            digests._update_from_mails()
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
