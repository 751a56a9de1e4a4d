from odoo.tests import HttpCase, tagged

from .common import ReminderCommon


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
