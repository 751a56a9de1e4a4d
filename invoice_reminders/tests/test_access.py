from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ReminderCommon


@tagged("post_install", "-at_install")
class TestAccess(ReminderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company(name="Company B")["company"]
        cls.billing_user = cls.make_user(
            "reminder_billing", "base.group_partner_manager", "account.group_account_invoice"
        )
        cls.manager = cls.make_user("reminder_manager", "account.group_account_manager")
        cls.manager_b = cls.make_user(
            "reminder_manager_b", "account.group_account_manager", company=cls.other_company
        )

    def test_billing_user_toggles_customers_and_invoices(self):
        invoice = self.make_invoice()
        partner = self.customer.with_user(self.billing_user)
        partner.write({"reminder_enabled": False, "reminder_default": False})
        self.assertFalse(self.customer.reminder_enabled)
        invoice.with_user(self.billing_user).reminder_included = False
        self.assertFalse(invoice.reminder_included)
        # and can read the ladder that applies
        self.assertTrue(self.policy.with_user(self.billing_user).level_ids)

    def test_billing_user_cannot_edit_policies(self):
        policy = self.policy.with_user(self.billing_user)
        with self.assertRaises(AccessError):
            policy.write({"days_after_due": 3})
        with self.assertRaises(AccessError):
            self.env["invoice.reminder.policy"].with_user(self.billing_user).create(
                {"name": "Mine"}
            )
        with self.assertRaises(AccessError):
            policy.level_ids[0].write({"name": "Renamed"})

    def test_billing_user_cannot_change_settings(self):
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.billing_user).create(
                {"reminder_enabled": False}
            ).execute()
        self.assertTrue(self.company.reminder_enabled)

    def test_manager_edits_policies(self):
        policy = self.make_policy().with_user(self.manager)
        policy.write({"days_after_due": 3})
        self.assertEqual(policy.days_after_due, 3)
        policy.level_ids[0].name = "Friendly nudge"
        self.assertIn("Friendly nudge", policy.level_ids.mapped("name"))

    def test_settings_write_the_company(self):
        settings = self.env["res.config.settings"].create(
            {
                "reminder_enabled": False,
                "reminder_email_from": "reminders@company.test",
                "reminder_report_partner_ids": [(6, 0, self.customer.ids)],
            }
        )
        settings.execute()
        self.assertFalse(self.company.reminder_enabled)
        self.assertEqual(self.company.reminder_email_from, "reminders@company.test")
        self.assertEqual(self.company.reminder_report_partner_ids, self.customer)

    def test_company_isolation(self):
        policies_b = self.env["invoice.reminder.policy"].with_user(self.manager_b).search([])
        self.assertTrue(policies_b)
        self.assertEqual(policies_b.company_id, self.other_company)
        self.assertNotIn(self.policy, policies_b)
        with self.assertRaises(AccessError):
            self.policy.with_user(self.manager_b).read(["name"])
        levels_b = self.env["invoice.reminder.level"].with_user(self.manager_b).search([])
        self.assertEqual(levels_b.company_id, self.other_company)
