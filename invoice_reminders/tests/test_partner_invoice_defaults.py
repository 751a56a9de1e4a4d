from odoo.tests import Form, tagged

from .common import ReminderCommon


@tagged("post_install", "-at_install")
class TestDefaults(ReminderCommon):
    def test_new_customer_defaults(self):
        partner = self.env["res.partner"].create({"name": "New Customer"})
        self.assertTrue(partner.reminder_enabled)
        self.assertTrue(partner.reminder_default)
        self.assertFalse(partner.reminder_policy_id)

    def test_contact_follows_its_company(self):
        company = self.env["res.partner"].create(
            {"name": "Gemini Furniture", "is_company": True, "reminder_enabled": False}
        )
        contact = self.env["res.partner"].create({"name": "Edwin Hansen", "parent_id": company.id})
        self.assertFalse(contact.reminder_enabled, "a new contact takes its company's switch")
        company.write({"reminder_enabled": True, "reminder_default": False})
        self.assertTrue(contact.reminder_enabled, "contacts follow their company")
        self.assertFalse(contact.reminder_default)

    def test_new_invoice_takes_customer_default(self):
        included = self.make_invoice(post=False)
        self.assertTrue(included.reminder_included)
        self.customer.reminder_default = False
        excluded = self.make_invoice(post=False)
        self.assertFalse(excluded.reminder_included)
        self.assertTrue(
            included.reminder_included, "changing the default leaves existing invoices alone"
        )

    def test_invoice_of_a_contact_uses_the_company_default(self):
        self.customer.reminder_default = False
        contact = self.env["res.partner"].create(
            {"name": "Lumber Inc contact", "parent_id": self.customer.id}
        )
        invoice = self.make_invoice(partner=contact, post=False)
        self.assertFalse(invoice.reminder_included)

    def test_explicit_value_wins_over_default(self):
        invoice = self.make_invoice(post=False, reminder_included=False)
        self.assertFalse(invoice.reminder_included)

    def test_toggle_on_posted_invoice(self):
        invoice = self.make_invoice()
        self.assertEqual(invoice.state, "posted")
        invoice.reminder_included = False
        self.assertFalse(invoice.reminder_included)
        self.assertIn("reminder_included", invoice._track_get_fields(), "tracked in the chatter")

    def test_form_shows_toggle_only_when_it_matters(self):
        invoice = self.make_invoice()
        with Form(invoice) as form:
            self.assertFalse(form._get_modifier("reminder_included", "invisible"))
        self.customer.reminder_enabled = False
        with Form(invoice) as form:
            self.assertTrue(
                form._get_modifier("reminder_included", "invisible"),
                "hidden when the customer receives no reminders",
            )
        self.customer.reminder_enabled = True
        self.pay(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        with Form(invoice) as form:
            self.assertTrue(form._get_modifier("reminder_included", "invisible"))
        refund = self.make_invoice(move_type="out_refund")
        with Form(refund) as form:
            self.assertTrue(form._get_modifier("reminder_included", "invisible"))
