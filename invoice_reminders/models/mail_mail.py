from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, *args, **kwargs):
        """A reminder follows its mail: ``sent`` once SMTP accepted it, else ``failed``.

        The other arguments are passed on as given (19.0 has ``success_emails``
        more than 18.0)."""
        digests = self.env["invoice.reminder.digest"].sudo().search([("mail_id", "in", self.ids)])
        if digests:
            digests._update_from_mails()
        return super()._postprocess_sent_message(success_pids, *args, **kwargs)
