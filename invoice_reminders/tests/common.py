"""Shared base class of the invoice_reminders tests."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo import Command, fields
from odoo.modules import module as odoo_module
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class ReminderCommon(AccountTestInvoicingCommon):
    """A company with the standard ladder, customers and helpers to make invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        # reminders switched on long before the periods the tests walk through
        cls.company.write(
            {
                "email": "billing@company.test",
                "reminder_enabled": True,
                "reminder_activation_date": "2020-01-01 00:00:00",
            }
        )
        # the test company was created after install: it got its own copy of the
        # standard ladder, like any company created later
        cls.policy = cls.company.reminder_policy_id
        cls.template_first = cls.env.ref("invoice_reminders.mail_template_reminder_first")
        cls.template_second = cls.env.ref("invoice_reminders.mail_template_reminder_second")
        cls.template_final = cls.env.ref("invoice_reminders.mail_template_reminder_final")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Deco Addict", "email": "accounts@deco.test", "is_company": True}
        )

    @classmethod
    def make_invoice(
        cls,
        partner=None,
        amount=100.0,
        invoice_date="2026-01-05",
        due_date=None,
        currency=None,
        move_type="out_invoice",
        post=True,
        company=None,
        **vals,
    ):
        """Create (and post) a customer invoice with one untaxed line."""
        company = company or cls.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": (partner or cls.customer).id,
                    "invoice_date": invoice_date,
                    "invoice_date_due": due_date or invoice_date,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create({"name": "Service", "price_unit": amount, "tax_ids": []})
                    ],
                    **vals,
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def pay(cls, invoice, amount=None, date=None):
        """Register a real payment on ``invoice`` (all that is due by default)."""
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "payment_date": date or fields.Date.today(),
                    **({"amount": amount} if amount is not None else {}),
                }
            )
        )
        return wizard._create_payments()

    @classmethod
    def make_user(cls, login, *groups, company=None):
        """A user of ``company`` (the test company by default) in ``groups``."""
        company = company or cls.company
        return new_test_user(
            cls.env,
            login=login,
            groups=",".join(("base.group_user", *groups)),
            company_id=company.id,
            company_ids=[company.id],
        )

    @classmethod
    def make_policy(cls, delays=(7, 21, 45), company=None, **vals):
        templates = [cls.template_first, cls.template_second, cls.template_final]
        return cls.env["invoice.reminder.policy"].create(
            {
                "name": vals.pop("name", "Test ladder"),
                "company_id": (company or cls.company).id,
                "level_ids": [
                    Command.create(
                        {
                            "sequence": 10 * (i + 1),
                            "name": f"Level {i + 1}",
                            "delay_days": delay,
                            "mail_template_id": templates[min(i, 2)].id,
                        }
                    )
                    for i, delay in enumerate(delays)
                ],
                **vals,
            }
        )


@contextmanager
def real_smtp(env):
    """Let ``ir.mail_server`` really talk SMTP while a test runs.

    Odoo's test runner makes ``ir.mail_server`` skip the SMTP conversation
    whenever a test is running; the tests that check what a customer receives
    lift that switch so that the mail goes through the whole real path to the
    loopback SMTP server: Odoo 19.0's ``_disable_send`` (which Odoo's own tests
    replace for that), else 18.0's ``current_test`` flag (the thread's ``testing``
    flag, that keeps the mail queue from committing, stays).
    """
    IrMailServer = type(env["ir.mail_server"])
    if hasattr(IrMailServer, "_disable_send"):
        with patch.object(IrMailServer, "_disable_send", classmethod(lambda cls: False)):
            yield
        return
    saved = odoo_module.current_test
    odoo_module.current_test = None
    try:
        yield
    finally:
        odoo_module.current_test = saved


class ReminderRunCommon(ReminderCommon):
    """Adds a real SMTP server on loopback and helpers to run the weekly job."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from .smtp_sink import SMTPSink

        cls.smtp = SMTPSink().start()
        cls.addClassCleanup(cls.smtp.stop)
        cls.mail_server = cls.env["ir.mail_server"].create(
            {
                "name": "Loopback SMTP",
                "smtp_host": "127.0.0.1",
                "smtp_port": cls.smtp.port,
                "smtp_encryption": "none",
                "sequence": 1,
            }
        )
        cls.owner = cls.env["res.partner"].create(
            {"name": "The Owner", "email": "owner@company.test"}
        )
        cls.company.write(
            {
                "reminder_mail_server_id": cls.mail_server.id,
                "reminder_email_from": "billing@company.test",
                "reminder_report_partner_ids": [Command.set(cls.owner.ids)],
            }
        )
        cls.company.partner_id.tz = "UTC"
        # only the ladder under test sends: other companies' policies stay quiet
        cls.env["invoice.reminder.policy"].search(
            [("company_id", "!=", cls.company.id)]
        ).active = False

    def setUp(self):
        super().setUp()
        self.smtp.reset()

    def run_job(self):
        """What the hourly cron does, then deliver the queue over real SMTP."""
        self.env["invoice.reminder.run"].sudo()._cron_send_digests()
        self.deliver()
        # the summary is sent once the digests have been through the queue
        self.env["invoice.reminder.run"].sudo()._cron_send_digests()
        self.deliver()

    def deliver(self):
        with real_smtp(self.env):
            self.env["mail.mail"].process_email_queue()

    def digests(self, partner=None):
        return self.env["invoice.reminder.digest"].search(
            [("partner_id", "=", (partner or self.customer).id)], order="period, id"
        )

    def bounce(self, sent, address, reason="mailbox full"):
        """A delivery status notification for the ``sent`` message, through the mail gateway."""
        alias = self.env["ir.config_parameter"].sudo().get_param("mail.bounce.alias", "bounce")
        dsn = (
            f"From: MAILER-DAEMON@mx.test\r\nTo: {alias}@company.test\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            f"Message-Id: <bounce-{abs(hash(sent['Message-Id']))}@mx.test>\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
            "\r\n--B\r\n"
            "Content-Type: text/plain\r\n\r\n"
            f"Delivery to {address} failed: {reason}.\r\n"
            "\r\n--B\r\n"
            "Content-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.test\r\n\r\n"
            f"Final-Recipient: rfc822; {address}\r\n"
            "Action: failed\r\n"
            "Status: 5.2.2\r\n"
            "\r\n--B\r\n"
            "Content-Type: text/rfc822-headers\r\n\r\n"
            f"Message-Id: {sent['Message-Id']}\r\n"
            f"To: {address}\r\n"
            f"Subject: {sent['Subject']}\r\n"
            "\r\n--B--\r\n"
        )
        self.env["mail.thread"].message_process(False, dsn)

    @staticmethod
    def html_of(message):
        part = message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""
