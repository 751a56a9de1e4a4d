from odoo import _, fields, models
from odoo.exceptions import UserError


class InvoiceReminderDigest(models.Model):
    _inherit = "invoice.reminder.digest"

    statement_url = fields.Char(
        compute="_compute_statement_url",
        help="The link to download the statement, with its access token (for the SMS).",
    )

    def _compute_statement_url(self):
        for digest in self:
            digest.statement_url = digest._get_statement_link() if digest.id else False

    def _do_action(self, action):
        if action["kind"] != "sms":
            return super()._do_action(action)
        template = self.level_id.sms_template_id
        body = template._render_field("body", self.ids, compute_lang=True)[self.id]
        if not body:
            raise UserError(_("The SMS template %(template)s is empty.", template=template.name))
        message = (
            self.partner_id.sudo()
            .with_context(mail_create_nosubscribe=True)
            ._message_sms(body, partner_ids=[], sms_numbers=[action["number"]], put_in_queue=True)
        )
        # sent by Odoo's SMS queue once this transaction is committed: a rolled
        # back preview never sends one
        self.env.ref("sms.ir_cron_sms_scheduler_action")._trigger()
        return {"state": "queued", "mail_message_id": message.id}
