from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import ReminderCommon


def days_ago(days):
    return fields.Date.today() - timedelta(days=days)


@tagged("post_install", "-at_install")
class TestTours(ReminderCommon, HttpCase):
    """The toggles work in a real browser (headless Chromium)."""

    def test_partner_form_tour(self):
        self.assertTrue(self.customer.reminder_enabled)
        self.start_tour(
            f"/odoo/action-account.res_partner_action_customer/{self.customer.id}",
            "invoice_reminders_partner_tour",
            login=self.env.user.login,
        )
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.reminder_enabled)

    def test_invoice_list_toggle_tour(self):
        customer = self.env["res.partner"].create({"name": "TOUR-INV Customer"})
        invoice = self.make_invoice(partner=customer)
        self.assertTrue(invoice.reminder_included)
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "invoice_reminders_invoice_list_tour",
            login=self.env.user.login,
        )
        invoice.invalidate_recordset()
        self.assertFalse(invoice.reminder_included)

    def test_activation_wizard_tour(self):
        """An accountant activates reminders from the policy, after a preview."""
        self.company.reminder_enabled = False
        customer = self.env["res.partner"].create(
            {"name": "TOUR Alpha", "email": "ap@alpha.test", "is_company": True}
        )
        invoices = self.make_invoice(partner=customer, invoice_date=days_ago(40))
        invoices |= self.make_invoice(partner=customer, invoice_date=days_ago(60))
        invoices.with_context(invoice_reminder_activation=True).reminder_included = False
        self.start_tour(
            f"/odoo/action-invoice_reminders.invoice_reminder_policy_action/{self.policy.id}",
            "invoice_reminders_activation_tour",
            login=self.env.user.login,
        )
        self.assertTrue(self.company.reminder_enabled)
        self.assertTrue(all(invoices.mapped("reminder_included")))

    def test_preview_tour(self):
        """The preview of the next run, a customer's email opened from it."""
        beta = self.env["res.partner"].create(
            {"name": "TOUR Beta", "email": "ap@beta.test", "is_company": True}
        )
        nomail = self.env["res.partner"].create({"name": "TOUR Nomail", "is_company": True})
        # the browser runs at today's date: invoices overdue as of today
        self.make_invoice(partner=beta, amount=4321.0, invoice_date=days_ago(30))
        self.make_invoice(partner=nomail, invoice_date=days_ago(30))
        self.start_tour(
            f"/odoo/action-invoice_reminders.invoice_reminder_policy_action/{self.policy.id}",
            "invoice_reminders_preview_tour",
            login=self.env.user.login,
        )
