import base64

from markupsafe import Markup, escape

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError

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

    def _check_recipient(self):
        """A test goes to an internal user's address; managers may send it anywhere."""
        if self.env.su or self.env.user.has_group("account.group_account_manager"):
            return
        internal = self.env["res.users"].search_count(
            [("share", "=", False), ("email", "=ilike", self.email_to.strip())], limit=1
        )
        if not internal:
            raise AccessError(
                _(
                    "A test reminder carries the customer's invoices and links: it can only "
                    "be sent to the address of a user of this database, not to %(address)s. "
                    "Ask an accounting manager to send it elsewhere.",
                    address=self.email_to,
                )
            )

    def _log_on_customer(self, partner, entry):
        """Note on the customer's chatter who sent which test reminder to whom."""
        attachments = entry.attachment_names
        text = _(
            "Test reminder (%(level)s, %(count)s invoice(s)) sent by %(user)s to %(address)s; "
            "attachments: %(attachments)s. The customer received nothing.",
            level=self.env["invoice.reminder.level"].browse(entry.digest["level_id"]).name,
            count=entry.digest["invoice_count"],
            user=self.env.user.name,
            address=self.email_to,
            attachments=", ".join(attachments) or _("none"),
        )
        # a note, whoever may send the test, even without the right to edit the contact
        partner._message_log(body=escape(text), author_id=self.env.user.partner_id.id)

    def _queue_test_mail(self, partner, entry):
        """Queue the built reminder, with its documents, to ``email_to`` only."""
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
        self._check_recipient()
        partner = self.partner_id.commercial_partner_id
        # the customer and the policy must be the user's to read before the run's
        # own code builds the reminder (as superuser, as the run does)
        partner.check_access("read")
        self.policy_id.check_access("read")
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
        self._queue_test_mail(partner, entry)
        self._log_on_customer(partner, entry)
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
