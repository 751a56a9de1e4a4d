from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    reminder_enabled = fields.Boolean(related="company_id.reminder_enabled", readonly=False)
    reminder_activation_date = fields.Datetime(related="company_id.reminder_activation_date")
    reminder_policy_id = fields.Many2one(related="company_id.reminder_policy_id", readonly=False)
    reminder_report_partner_ids = fields.Many2many(
        related="company_id.reminder_report_partner_ids", readonly=False
    )
    reminder_summary_mail = fields.Boolean(
        related="company_id.reminder_summary_mail", readonly=False
    )
    reminder_owner_report = fields.Boolean(
        related="company_id.reminder_owner_report", readonly=False
    )
    reminder_owner_report_weekday = fields.Selection(
        related="company_id.reminder_owner_report_weekday", readonly=False
    )
    reminder_owner_report_hour = fields.Integer(
        related="company_id.reminder_owner_report_hour", readonly=False
    )
    reminder_owner_report_date = fields.Date(related="company_id.reminder_owner_report_date")
    reminder_mail_server_id = fields.Many2one(
        related="company_id.reminder_mail_server_id", readonly=False
    )
    reminder_email_from = fields.Char(related="company_id.reminder_email_from", readonly=False)
    reminder_signature = fields.Image(related="company_id.reminder_signature", readonly=False)
    reminder_stamp = fields.Image(related="company_id.reminder_stamp", readonly=False)
