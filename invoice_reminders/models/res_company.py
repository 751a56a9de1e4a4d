from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import str2bool

from .. import rules
from .invoice_reminder_policy import WEEKDAYS


class ResCompany(models.Model):
    _inherit = "res.company"

    reminder_enabled = fields.Boolean(
        string="Payment Reminders",
        default=False,
        help="Send payment reminders for this company's overdue invoices. Off until "
        "activated with the activation wizard.",
    )
    reminder_activation_date = fields.Datetime(
        string="Reminders Active Since",
        readonly=True,
        copy=False,
        help="When payment reminders were last switched on: nothing is sent for a "
        "period that began before.",
    )
    reminder_policy_id = fields.Many2one(
        "invoice.reminder.policy",
        string="Default Reminder Policy",
        domain="[('company_id', '=', id)]",
        help="The ladder used for customers with no policy of their own or of their tags.",
    )
    reminder_report_partner_ids = fields.Many2many(
        "res.partner",
        "res_company_reminder_report_partner_rel",
        "company_id",
        "partner_id",
        string="Reminder Report Recipients",
        help="Who receives the weekly report and the summary after each reminder run.",
    )
    reminder_summary_mail = fields.Boolean(
        string="Email Each Run's Summary",
        default=True,
        help="Mail the summary of each reminder run (who was reminded, for what, who was "
        "skipped) to the summary recipients. Off, it stays readable on the run.",
    )
    reminder_owner_report = fields.Boolean(
        string="Weekly Report",
        default=True,
        help="Mail the summary recipients a weekly report: what is overdue and how it "
        "changed, what came in, what the reminders did and what needs a decision.",
    )
    reminder_owner_report_weekday = fields.Selection(
        WEEKDAYS,
        string="Weekly Report Day",
        required=True,
        default="1",
        help="Day of the week the weekly report is sent, by default the morning after the "
        "Monday run.",
    )
    reminder_owner_report_hour = fields.Integer(
        string="Weekly Report Hour",
        default=8,
        help="Hour of the day, in the company's time zone, when the weekly report is sent.",
    )
    reminder_owner_report_date = fields.Date(
        string="Last Weekly Report",
        readonly=True,
        copy=False,
        help="Date of the last weekly report sent: one report per week.",
    )
    reminder_mail_server_id = fields.Many2one(
        "ir.mail_server",
        help="Outgoing mail server for payment reminders; empty uses the default one.",
    )
    reminder_email_from = fields.Char(
        string="Reminder Sender",
        help="Sender address of payment reminders; empty uses the company's email.",
    )
    reminder_signature = fields.Image(
        max_width=600,
        max_height=300,
        help="Printed at the foot of reminder statements when the level asks for it.",
    )
    reminder_stamp = fields.Image(
        max_width=400,
        max_height=400,
        help="Company stamp printed at the foot of reminder statements when the level asks for it.",
    )

    @api.constrains("reminder_policy_id")
    def _check_reminder_policy_id(self):
        for company in self:
            policy = company.reminder_policy_id
            if policy and policy.company_id != company:
                raise ValidationError(
                    _(
                        "The default reminder policy of %(company)s must belong to that "
                        "company, not to %(other)s.",
                        company=company.name,
                        other=policy.company_id.name,
                    )
                )

    @api.constrains("reminder_owner_report_hour")
    def _check_reminder_owner_report_hour(self):
        for company in self:
            if not 0 <= company.reminder_owner_report_hour <= 23:
                raise ValidationError(
                    _(
                        "The hour of the weekly report must be between 0 and 23, not %(hour)s.",
                        hour=company.reminder_owner_report_hour,
                    )
                )

    @api.constrains("reminder_email_from")
    def _check_reminder_email_from(self):
        for company in self:
            address = company.reminder_email_from
            if address and not rules.is_valid_email(address):
                raise ValidationError(
                    _("The reminder sender address %(address)s is not valid.", address=address)
                )

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        for vals in vals_list:
            if vals.get("reminder_enabled"):
                vals.setdefault("reminder_activation_date", now)
        companies = super().create(vals_list)
        companies._reminder_create_default_policy()
        return companies

    def write(self, vals):
        switched_on = self.browse()
        if vals.get("reminder_enabled") and "reminder_activation_date" not in vals:
            switched_on = self.filtered(lambda company: not company.reminder_enabled)
        res = super().write(vals)
        if switched_on:
            # no catch-up: periods that began before now send nothing
            switched_on.write({"reminder_activation_date": fields.Datetime.now()})
        return res

    def _reminder_online_payment(self):
        """Whether this company's customers can pay an invoice online from its portal page.

        That needs Odoo's online payment (``account_payment``, optional for this
        add-on) switched on in the settings and a payment provider, enabled or
        in test mode, published for this company.
        """
        self.ensure_one()
        if "payment.provider" not in self.env or "transaction_ids" not in self.env[
            "account.move"
        ]._fields:
            return False
        enabled = self.env["ir.config_parameter"].sudo().get_param(
            "account_payment.enable_portal_payment"
        )
        if not str2bool(enabled or "False"):
            return False
        return bool(
            self.env["payment.provider"]
            .sudo()
            .search_count(
                [
                    ("company_id", "=", self.id),
                    ("state", "in", ("enabled", "test")),
                    ("is_published", "=", True),
                ],
                limit=1,
            )
        )

    def _reminder_contact_lines(self):
        """The company's address and contact details, as the reminder emails sign them.

        :returns: ``(address lines, contact lines)``: the postal address without the
            company's name, then its phone, email and website, each only when set
        """
        self.ensure_one()
        address = self.env["invoice.reminder.statement"]._address_lines(self.partner_id)
        contact = [value for value in (self.phone, self.email, self.website) if value]
        return address, contact

    @api.model
    def _reminder_set_default_policies(self):
        """At install: every company gets the standard ladder as its default."""
        self.sudo().with_context(active_test=False).search([])._reminder_create_default_policy()

    def _reminder_create_default_policy(self):
        """Give companies without a default policy a copy of the standard ladder."""
        template = self.env.ref(
            "invoice_reminders.invoice_reminder_policy_default", raise_if_not_found=False
        )
        if not template:
            return
        template = template.sudo()
        for company in self.filtered(lambda c: not c.reminder_policy_id):
            if template.company_id == company:
                company.reminder_policy_id = template
                continue
            policy = template.sudo().copy({"company_id": company.id, "name": template.name})
            company.sudo().reminder_policy_id = policy

    def _reminder_mail_owners(self, subject, body_html, email_from=False, **vals):
        """Queue a mail to the summary recipients, through the reminders' server.

        :returns: the ``mail.mail``, empty when no recipient has an address
        """
        self.ensure_one()
        emails = [partner.email for partner in self.reminder_report_partner_ids if partner.email]
        if not emails:
            return self.env["mail.mail"]
        mail = (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": subject,
                    "body_html": body_html,
                    "email_from": self.reminder_email_from or email_from or self.email_formatted,
                    "email_to": ", ".join(emails),
                    "auto_delete": False,
                    "mail_server_id": self.reminder_mail_server_id.id or False,
                    **vals,
                }
            )
        )
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        return mail
