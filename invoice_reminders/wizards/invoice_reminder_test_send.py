import base64

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from .. import rules


class InvoiceReminderTestSend(models.TransientModel):
    """Send one customer's next reminder to the user's own address, as a test.

    The reminder is built by the run's own code for the next period, then
    rolled back: it is not recorded as the customer's reminder, the ladder
    does not move, and the customer receives nothing.
    """

    _name = "invoice.reminder.test.send"
    _description = "Payment Reminder Test Send"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    policy_id = fields.Many2one(
        "invoice.reminder.policy",
        compute="_compute_policy_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        required=True,
    )
    email_to = fields.Char(
        string="Send To",
        required=True,
        default=lambda self: self.env.user.email,
        help="The address that receives the test: yours, not the customer's.",
    )

    @api.depends("partner_id", "company_id")
    def _compute_policy_id(self):
        for wizard in self:
            wizard.policy_id = wizard.policy_id or (
                wizard.partner_id and wizard.partner_id._reminder_policy(wizard.company_id)
            )

    @api.model
    def _get_wizard_action(self, partner, policy=None):
        return {
            "type": "ir.actions.act_window",
            "name": _("Send a test reminder"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_partner_id": partner.commercial_partner_id.id,
                **({"default_policy_id": policy.id} if policy else {}),
                **({"default_company_id": policy.company_id.id} if policy else {}),
            },
        }

    def action_send(self):
        """Build the customer's next reminder and send it to ``email_to`` only."""
        self.ensure_one()
        if not rules.is_valid_email(self.email_to or ""):
            raise UserError(
                _(
                    "%(address)s is not a valid email address: type the address that should "
                    "receive the test.",
                    address=self.email_to or "",
                )
            )
        partner = self.partner_id.commercial_partner_id
        Simulation = self.env["invoice.reminder.simulation"].sudo()
        send_at, _period, entries = Simulation._simulate_next_run(
            self.policy_id, partner_ids=[partner.id], attachments=True
        )
        entry = next((e for e in entries if e.digest), None)
        if not send_at:
            raise UserError(
                _(
                    "Payment reminders are off for %(company)s: there is no next run to test.",
                    company=self.policy_id.company_id.name,
                )
            )
        if not entry:
            raise UserError(
                _(
                    "%(customer)s has no invoice to remind in the next run of %(policy)s: "
                    "there is nothing to test.",
                    customer=partner.display_name,
                    policy=self.policy_id.display_name,
                )
            )
        if entry.mail.get("error"):
            raise UserError(entry.mail["error"])
        mail = entry.mail
        banner = self.env["ir.qweb"]._render(
            "invoice_reminders.invoice_reminder_test_banner",
            {"customer": partner.display_name, "recipients": entry.digest["email_to"]},
        )
        company = self.policy_id.company_id
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": name,
                    "datas": base64.b64encode(raw),
                    "mimetype": mimetype,
                    "res_model": "mail.mail",
                }
                for name, raw, mimetype in entry.files
            ]
        )
        self.env["mail.mail"].sudo().create(
            {
                "subject": _("[TEST] %(subject)s", subject=mail["subject"]),
                "body_html": Markup(banner) + Markup(mail["body_html"] or ""),
                "email_from": mail["email_from"],
                "email_to": self.email_to,
                "auto_delete": False,
                "mail_server_id": company.reminder_mail_server_id.id or False,
                "attachment_ids": [Command.set(attachments.ids)],
                "headers": repr({"X-Invoice-Reminders-Test": "1"}),
            }
        )
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Test reminder"),
                "message": _(
                    "The reminder of %(customer)s was sent to %(address)s as a test; the "
                    "customer received nothing.",
                    customer=partner.display_name,
                    address=self.email_to,
                ),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
