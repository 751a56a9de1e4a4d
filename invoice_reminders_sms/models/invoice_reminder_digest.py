from odoo import fields, models


class InvoiceReminderDigest(models.Model):
    _inherit = "invoice.reminder.digest"

    statement_url = fields.Char(
        compute="_compute_statement_url",
        help="The link to download the statement, with its access token (for the SMS).",
    )

    def _compute_statement_url(self):
        for digest in self:
            digest.statement_url = digest._get_statement_link() if digest.id else False
