import re

from freezegun import freeze_time

from odoo import SUPERUSER_ID, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ReminderRunCommon

BEFORE_RUN = "2026-02-02 08:30:00"  # Monday's slot has come, the cron has not run yet
RUN = "2026-02-02 09:00:00"


@tagged("post_install", "-at_install")
class TestPreview(ReminderRunCommon):
    """The preview of the next run is what the run then does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR")
        cls.gbp = cls.setup_other_currency("GBP", rates=[("2020-01-01", 0.8)])
        Partner = cls.env["res.partner"]
        cls.no_email = Partner.create({"name": "Ready Mat", "is_company": True})
        cls.bad_email = Partner.create(
            {"name": "Wood Corner", "email": "not an address", "is_company": True}
        )
        cls.off = Partner.create({"name": "Gemini", "email": "ap@gemini.test", "is_company": True})
        cls.second = Partner.create(
            {"name": "Lumber Inc", "email": "ap@lumber.test", "is_company": True}
        )
        cls.policy.level_ids.filtered(lambda lvl: lvl.delay_days == 21).write(
            {"attach_statement_docx": True}
        )
        # Deco Addict: three invoices in three currencies, and a credit note
        cls.make_invoice(amount=100, due_date="2026-01-20")
        cls.make_invoice(amount=200, due_date="2026-01-21", currency=cls.eur)
        cls.make_invoice(amount=300, due_date="2026-01-22", currency=cls.gbp)
        cls.make_invoice(amount=40, move_type="out_refund", due_date="2026-01-20")
        cls.make_invoice(partner=cls.no_email, amount=70, due_date="2026-01-20")
        cls.make_invoice(partner=cls.bad_email, amount=80, due_date="2026-01-20")
        cls.make_invoice(partner=cls.off, amount=90, due_date="2026-01-20")
        # Lumber Inc: reminded a week ago at the first level, now at the second
        cls.make_invoice(partner=cls.second, amount=500, due_date="2026-01-05")
        with freeze_time("2026-01-26 09:00:00"):
            cls.env["invoice.reminder.run"].sudo()._cron_send_digests()
        cls.off.reminder_enabled = False

    def preview(self, policy=None):
        return self.env["invoice.reminder.preview"]._create_for(self.company, policy or self.policy)

    @staticmethod
    def normalize(html):
        """A body without what differs between two renderings: the statement's and the
        reminder page's links."""
        html = re.sub(r"access_token=[\w-]+", "access_token=X", str(html or ""))
        html = re.sub(r"/my/reminders/\d+", "/my/reminders/N", html)
        return re.sub(r"/invoice_reminders/statement/\d+", "/invoice_reminders/statement/N", html)

    def test_preview_and_run_agree(self):
        with freeze_time(BEFORE_RUN):
            preview = self.preview()
        self.assertEqual(fields.Datetime.to_string(preview.send_at), BEFORE_RUN)
        with freeze_time(RUN):
            self.run_job()
        run = self.env["invoice.reminder.run"].search(
            [("policy_id", "=", self.policy.id), ("period", "=", "2026-02-02")]
        )
        sent = preview.line_ids.filtered(lambda line: line.status == "send")
        skipped = preview.line_ids.filtered(lambda line: line.status == "skip")
        self.assertEqual(sent.partner_id, run.digest_ids.partner_id)
        self.assertEqual(sent.partner_id, self.customer | self.second)
        self.assertEqual(
            {(line.partner_id, line.skip_reason) for line in skipped},
            {(skip.partner_id, skip.reason) for skip in run.skip_ids},
        )
        self.assertEqual(
            {line.partner_id.name: line.skip_reason for line in skipped},
            {"Ready Mat": "no_email", "Wood Corner": "invalid_email", "Gemini": "disabled"},
        )
        for line in sent:
            digest = run.digest_ids.filtered(lambda d, line=line: d.partner_id == line.partner_id)
            self.assertEqual(line.level_id, digest.level_id)
            self.assertEqual(line.email_to, digest.email_to)
            self.assertEqual(line.invoice_ids, digest.invoice_line_ids.move_id)
            self.assertEqual(line.credit_ids, digest.credit_line_ids.move_id)
            self.assertEqual(line.totals_json, digest.totals_json)
            self.assertEqual(line.subject, digest.mail_id.subject)
            self.assertEqual(
                self.normalize(line.body_html), self.normalize(digest.mail_id.body_html)
            )
            self.assertEqual(
                sorted(line.attachment_names.split("\n") if line.attachment_names else []),
                sorted(digest.attachment_ids.mapped("name")),
            )
        lumber = sent.filtered(lambda line: line.partner_id == self.second)
        self.assertEqual(lumber.level_id.name, "Second reminder")
        self.assertTrue(lumber.attachment_names.endswith(".docx"))
        # amounts of the skipped customers are in the preview
        ready = skipped.filtered(lambda line: line.partner_id == self.no_email)
        self.assertIn("70.00", ready.amounts_display)

    def test_preview_writes_nothing(self):
        models = (
            "invoice.reminder.run",
            "invoice.reminder.digest",
            "invoice.reminder.digest.line",
            "invoice.reminder.run.skip",
            "mail.mail",
            "ir.attachment",
        )
        counts = {model: self.env[model].sudo().search_count([]) for model in models}
        with freeze_time(BEFORE_RUN):
            preview = self.preview()
        self.assertEqual(preview.send_count, 2)
        for model, count in counts.items():
            self.assertEqual(self.env[model].sudo().search_count([]), count, model)
        self.assertFalse(self.smtp.messages)

    def test_preview_totals_net_of_credits_in_every_currency(self):
        with freeze_time(BEFORE_RUN):
            preview = self.preview()
        deco = preview.line_ids.filtered(lambda line: line.partner_id == self.customer)
        self.assertEqual(deco.invoice_count, 3)
        self.assertEqual(deco.credit_count, 1)
        nets = {name: total["net"] for name, total in deco.totals_json.items()}
        self.assertEqual(nets, {"USD": 60.0, "EUR": 200.0, "GBP": 300.0})
        self.assertIn("60.00", deco.totals_display)
        self.assertIn("300.00", deco.totals_display)

    def test_report_of_the_preview(self):
        with freeze_time(BEFORE_RUN):
            preview = self.preview()
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "invoice_reminders.report_invoice_reminder_preview", preview.ids
        )
        html = html.decode()
        for name in ("Deco Addict", "Lumber Inc", "Ready Mat", "Wood Corner", "Gemini"):
            self.assertIn(name, html)
        self.assertIn("Second reminder", html)

    def test_preview_of_a_policy_without_levels(self):
        empty = (  # as the add-on's data file creates a policy before its levels
            self.env["invoice.reminder.policy"]
            .with_user(SUPERUSER_ID)
            .sudo()
            .with_context(invoice_reminder_levels_follow=True)
            .create({"name": "Empty", "company_id": self.company.id})
        )
        with self.assertRaisesRegex(UserError, "has no level"):
            empty.action_preview()

    def test_send_a_test_to_my_address(self):
        self.deliver()  # last week's reminder, queued before this test
        self.smtp.reset()
        with freeze_time(BEFORE_RUN):
            wizard = self.env["invoice.reminder.test.send"].create(
                {"partner_id": self.second.id, "email_to": "me@company.test"}
            )
            self.assertEqual(wizard.policy_id, self.policy)
            wizard.action_send()
            self.deliver()
        received = self.smtp.to("me@company.test")
        self.assertEqual(len(received), 1)
        message = received[0]["message"]
        self.assertTrue(message["Subject"].startswith("[TEST]"))
        html = self.html_of(message)
        self.assertIn("TEST", html)
        self.assertIn("Lumber Inc", html)
        names = [part.get_filename() for part in message.iter_attachments()]
        self.assertTrue(any(name and name.endswith(".docx") for name in names))
        self.assertFalse(self.smtp.to("ap@lumber.test"), "the customer received nothing")
        self.assertEqual(len(self.digests(self.second)), 1, "not counted as a reminder")
        # the ladder did not move: the real run sends the same level
        with freeze_time(RUN):
            self.run_job()
        self.assertEqual(self.digests(self.second)[-1].level_id.name, "Second reminder")

    def test_test_send_refuses_an_invalid_address(self):
        wizard = self.env["invoice.reminder.test.send"].create(
            {"partner_id": self.second.id, "email_to": "me at company"}
        )
        count = self.env["mail.mail"].sudo().search_count([])
        with self.assertRaisesRegex(UserError, "not a valid email address"):
            wizard.action_send()
        self.assertEqual(self.env["mail.mail"].sudo().search_count([]), count)

    def test_forewarning(self):
        self.policy.forewarn_hours = 24
        self.assertTrue(self.company.reminder_report_partner_ids)
        with freeze_time("2026-01-31 07:00:00"):  # 49 hours before: too early
            self.env["invoice.reminder.policy"]._cron_send_forewarnings()
        with freeze_time("2026-02-01 09:00:00"):  # 23 hours before
            self.env["invoice.reminder.policy"]._cron_send_forewarnings()
            self.env["invoice.reminder.policy"]._cron_send_forewarnings()
            self.deliver()
        received = self.smtp.to("owner@company.test")
        self.assertEqual(len(received), 1, "once per period")
        html = self.html_of(received[0]["message"])
        self.assertIn("Lumber Inc", html)
        self.assertIn("Ready Mat", html)
        self.assertIn(f"/invoice_reminders/preview/{self.policy.id}", html)
        self.assertFalse(self.smtp.to("accounts@deco.test"), "a forewarning sends no reminder")
        self.assertEqual(self.policy.forewarned_period, fields.Date.to_date("2026-02-02"))

    def test_forward_view_on_customer_and_invoice(self):
        invoice = self.second.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        with freeze_time("2026-01-28 10:00:00"):
            self.env.invalidate_all()
            self.assertEqual(self.second.reminder_next_date, fields.Date.to_date("2026-02-02"))
            self.assertEqual(self.second.reminder_next_level_id.name, "Second reminder")
            self.assertEqual(invoice.reminder_next_date, fields.Date.to_date("2026-02-02"))
            self.assertEqual(invoice.reminder_next_level_id.name, "Second reminder")
            self.assertIn("500.00", self.second.reminder_overdue_display)
            self.assertTrue(self.no_email.reminder_address_warning)
            self.assertFalse(self.second.reminder_address_warning)
            found = self.env["res.partner"].search(
                [("reminder_next_date", "<=", "2026-02-04"), ("id", "in", self.second.ids)]
            )
            self.assertEqual(found, self.second)
            self.assertIn(
                self.no_email,
                self.env["res.partner"].search([("reminder_address_warning", "=", True)]),
            )
            self.assertEqual(
                self.env["account.move"].search(
                    [("reminder_next_level_id.name", "=", "Second reminder")]
                ),
                invoice,
            )
            # paid: no next reminder
            self.pay(invoice)
            self.env.invalidate_all()
            self.assertFalse(invoice.reminder_next_date)
            self.assertFalse(self.second.reminder_next_date)

    def test_digest_totals_net_of_credits(self):
        with freeze_time(RUN):
            self.run_job()
        digest = self.digests()
        self.assertEqual(digest.invoice_count, 3)
        self.assertIn("60.00", digest.totals_display)
        self.assertIn("200.00", digest.totals_display)
        self.assertIn("300.00", digest.totals_display)
        # the credits column of the USD row: 40.00 deducted
        usd_row = re.search(r"<td>USD</td>(.*?)</tr>", str(digest.totals_html), re.S).group(1)
        self.assertIn("40.00", usd_row)
        self.assertIn("60.00", usd_row)
        # the company currency total converts every currency, credits deducted
        eur_rate = self.eur.with_context(date="2026-02-02").inverse_rate
        expected = 60 + 200 * eur_rate + 300 * 1.25
        self.assertAlmostEqual(digest.amount_net_company, expected, places=2)
        groups = self.env["invoice.reminder.digest"]._read_group(
            [("id", "in", self.digests().ids)], ["level_id"], ["amount_net_company:sum"]
        )
        self.assertAlmostEqual(groups[0][1], expected, places=2)
        run = digest.run_id
        self.assertIn("60.00", run.totals_display)

    def test_send_test_from_customer_and_digest(self):
        action = self.second.action_reminder_send_test()
        self.assertEqual(action["res_model"], "invoice.reminder.test.send")
        self.assertEqual(action["context"]["default_partner_id"], self.second.id)
        digest = self.digests(self.second)
        action = digest.action_send_test()
        self.assertEqual(action["context"]["default_policy_id"], self.policy.id)

    def test_invoicing_user_previews(self):
        user = self.make_user("billing_preview", "account.group_account_invoice")
        with freeze_time(BEFORE_RUN):
            preview = (
                self.env["invoice.reminder.preview"]
                .with_user(user)
                ._create_for(self.company, self.policy.with_user(user))
            )
        self.assertEqual(preview.send_count, 2)
        self.assertEqual(preview.skip_count, 3)
