from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ReminderRunCommon

PRE_INSTALL_REF = "invoice_reminders:pre-install"


@tagged("post_install", "-at_install")
class TestAdoption(ReminderRunCommon):
    """Installing and switching reminders on never sends what nobody has seen."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a live company that has just installed the add-on: reminders off,
        # open invoices that existed before it, not included
        cls.live = cls.setup_other_company(name="Live Company")["company"]
        cls.live.write(
            {
                "email": "billing@live.test",
                "reminder_mail_server_id": cls.mail_server.id,
                "reminder_email_from": "billing@live.test",
                "reminder_report_partner_ids": [Command.set(cls.owner.ids)],
            }
        )
        cls.live.partner_id.tz = "UTC"
        cls.live.reminder_policy_id.active = True
        cls.alpha, cls.beta, cls.gamma = cls.env["res.partner"].create(
            [
                {"name": "Alpha", "email": "ap@alpha.test", "is_company": True},
                {"name": "Beta", "email": "ap@beta.test", "is_company": True},
                {"name": "Gamma", "email": "ap@gamma.test", "is_company": True},
            ]
        )
        cls.old_invoices = cls.env["account.move"]
        for partner in (cls.alpha, cls.beta, cls.gamma):
            for due in ("2025-11-03", "2025-12-15"):
                cls.old_invoices |= cls.make_invoice(
                    partner=partner, invoice_date=due, due_date=due, company=cls.live
                )
        # as the pre_init_hook leaves invoices that exist at install
        cls.old_invoices.with_context(invoice_reminder_activation=True).write(
            {"reminder_included": False}
        )

    def wizard(self, **vals):
        return (
            self.env["invoice.reminder.activation"]
            .with_company(self.live)
            .create({"company_id": self.live.id, **vals})
        )

    def live_digests(self):
        return self.env["invoice.reminder.digest"].search([("company_id", "=", self.live.id)])

    def test_invoices_existing_at_install_are_not_included(self):
        """The test command posts invoices before installing the add-on."""
        existing = self.env["account.move"].sudo().search([("ref", "=", PRE_INSTALL_REF)])
        self.assertTrue(existing, "scripts/run_tests.sh creates invoices before the install")
        self.assertFalse(any(existing.mapped("reminder_included")))
        self.assertFalse(any(existing.mapped("reminder_manual")))
        self.assertFalse(existing.company_id.reminder_enabled, "reminders are off after install")
        self.assertFalse(self.live.reminder_enabled, "and for every new company")

    def test_cron_at_any_hour_sends_nothing_until_activated(self):
        # every hour of a whole week, Monday's slot included
        for hour in range(0, 24 * 7, 1):
            now = fields.Datetime.to_datetime("2026-02-02 00:30:00") + timedelta(hours=hour)
            with freeze_time(now):
                self.env["invoice.reminder.run"].sudo()._cron_send_digests()
        self.deliver()
        self.assertFalse(self.live_digests())
        for partner in (self.alpha, self.beta, self.gamma):
            self.assertFalse(self.smtp.to(partner.email))

    def test_wizard_includes_two_customers_and_the_next_slot_sends_exactly_them(self):
        # Tuesday evening: activation; the period that began on Monday sends nothing
        with freeze_time("2026-02-03 18:00:00"):
            wizard = self.wizard(
                selection_mode="customers", partner_ids=[Command.set((self.alpha | self.beta).ids)]
            )
            self.assertEqual(len(wizard.invoice_line_ids), 6)
            self.assertEqual(
                set(wizard.customer_line_ids.mapped("partner_id.name")), {"Alpha", "Beta", "Gamma"}
            )
            self.assertEqual(wizard.selected_count, 4)
            wizard.action_confirm()
        self.assertTrue(self.live.reminder_enabled)
        self.assertEqual(
            fields.Datetime.to_string(self.live.reminder_activation_date), "2026-02-03 18:00:00"
        )
        included = self.old_invoices.filtered("reminder_included")
        self.assertEqual(included.partner_id, self.alpha | self.beta)
        for moment in ("2026-02-03 19:00:00", "2026-02-05 09:00:00", "2026-02-08 23:00:00"):
            with freeze_time(moment):
                self.run_job()
        self.assertFalse(self.live_digests(), "no catch-up of the period begun before activation")
        with freeze_time("2026-02-09 09:00:00"):
            self.run_job()
        digests = self.live_digests()
        self.assertEqual(digests.partner_id, self.alpha | self.beta)
        self.assertEqual(len(self.smtp.to("ap@alpha.test")), 1)
        self.assertEqual(len(self.smtp.to("ap@beta.test")), 1)
        self.assertFalse(self.smtp.to("ap@gamma.test"))

    def test_selection_modes(self):
        tag = self.env["res.partner.category"].create({"name": "Key accounts"})
        self.gamma.category_id = tag
        with freeze_time("2026-01-20 10:00:00"):
            wizard = self.wizard(selection_mode="all")
            self.assertEqual(wizard.selected_count, 6)
            wizard.selection_mode = "none"
            self.assertEqual(wizard.selected_count, 0)
            wizard.write({"selection_mode": "overdue", "min_days_overdue": 40})
            # due 2025-11-03 (78 days) in, due 2025-12-15 (36 days) out
            selected = wizard.invoice_line_ids.filtered("selected")
            self.assertEqual(len(selected), 3)
            self.assertEqual(set(selected.mapped("days_overdue")), {78})
            wizard.write({"selection_mode": "tags", "category_ids": [Command.set(tag.ids)]})
            self.assertEqual(wizard.invoice_line_ids.filtered("selected").partner_id, self.gamma)
            wizard.selection_mode = "manual"
            lines = wizard.invoice_line_ids
            lines.selected = False
            lines[0].selected = True
            wizard.action_confirm()
        self.assertEqual(self.old_invoices.filtered("reminder_included"), lines[0].move_id)
        self.assertFalse(lines[0].move_id.reminder_manual, "the wizard does not count as by hand")

    def test_invoice_switched_off_by_hand_stays_off_unless_asked(self):
        off = self.old_invoices[0]
        off.reminder_included = True
        off.reminder_included = False
        self.assertTrue(off.reminder_manual)
        wizard = self.wizard(selection_mode="all")
        self.assertTrue(
            wizard.invoice_line_ids.filtered(lambda line: line.move_id == off).switched_off_by_hand
        )
        wizard.action_confirm()
        self.assertFalse(off.reminder_included)
        self.assertEqual(len(self.old_invoices.filtered("reminder_included")), 5)
        # run again later, asking for them too
        self.wizard(selection_mode="all", include_manual=True).action_confirm()
        self.assertTrue(off.reminder_included)

    def test_invoice_created_switched_off_counts_as_by_hand(self):
        created_off = self.make_invoice(
            partner=self.alpha, due_date="2025-12-01", company=self.live, reminder_included=False
        )
        self.assertTrue(created_off.reminder_manual)
        self.assertFalse(self.make_invoice(partner=self.alpha, company=self.live).reminder_manual)
        self.wizard(selection_mode="all").action_confirm()
        self.assertFalse(created_off.reminder_included)

    def test_confirm_with_nothing_selected_writes_nothing(self):
        wizard = self.wizard(selection_mode="customers")
        with self.assertRaisesRegex(UserError, "No invoice is selected"):
            wizard.action_confirm()
        with self.assertRaisesRegex(UserError, "No invoice is selected"):
            wizard.action_preview()
        self.assertFalse(self.live.reminder_enabled)
        self.assertFalse(any(self.old_invoices.mapped("reminder_included")))
        # "None" is an explicit choice: only invoices created from now on
        self.wizard(selection_mode="none").action_confirm()
        self.assertTrue(self.live.reminder_enabled)
        self.assertFalse(any(self.old_invoices.mapped("reminder_included")))

    def test_wizard_preview_shows_the_first_run_and_writes_nothing(self):
        with freeze_time("2026-02-03 18:00:00"):
            wizard = self.wizard(
                selection_mode="customers", partner_ids=[Command.set(self.alpha.ids)]
            )
            counts = {
                model: self.env[model].search_count([])
                for model in ("invoice.reminder.run", "invoice.reminder.digest", "mail.mail")
            }
            wizard.action_preview()
            self.assertFalse(self.live.reminder_enabled)
            self.assertFalse(any(self.old_invoices.mapped("reminder_included")))
            for model, count in counts.items():
                self.assertEqual(self.env[model].search_count([]), count, model)
            lines = wizard.preview_line_ids
            self.assertEqual(lines.partner_id, self.alpha)
            self.assertEqual(lines.status, "send")
            self.assertEqual(fields.Datetime.to_string(lines.send_at), "2026-02-09 08:00:00")
            self.assertEqual(lines.invoice_count, 2)
            self.assertIn("Alpha", lines.body_html)
