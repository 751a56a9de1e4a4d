from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ReminderCommon


@tagged("post_install", "-at_install")
class TestPolicyValidation(ReminderCommon):
    def _count(self):
        return (
            self.env["invoice.reminder.policy"].search_count([]),
            self.env["invoice.reminder.level"].search_count([]),
        )

    def assertRefused(self, message_part, func, *args, **kwargs):
        before = self._count()
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            func(*args, **kwargs)
        self.assertIn(message_part, str(caught.exception))
        self.assertEqual(self._count(), before, "nothing is saved")

    def test_policy_without_levels(self):
        self.assertRefused("at least one level", self.make_policy, delays=())

    def test_policy_without_levels_whatever_the_context(self):
        """Only the add-on's data file may create a policy just before its levels."""
        manager = self.make_user("ladder_manager", "account.group_account_manager")
        policies = (
            self.env["invoice.reminder.policy"]
            .with_user(manager)
            .with_context(invoice_reminder_levels_follow=True)
        )
        self.assertRefused(
            "at least one level", policies.create, {"name": "Empty", "company_id": self.company.id}
        )

    def test_two_levels_same_delay(self):
        self.assertRefused("same day", self.make_policy, delays=(7, 7))

    def test_levels_out_of_order(self):
        self.assertRefused("later and later", self.make_policy, delays=(21, 7))

    def test_negative_stop_after_months(self):
        self.assertRefused("cannot be negative", self.make_policy, stop_after_months=-1)

    def test_level_without_template(self):
        self.assertRefused(
            "needs a mail template",
            self.env["invoice.reminder.policy"].create,
            {
                "name": "No template",
                "level_ids": [Command.create({"name": "First", "delay_days": 5})],
            },
        )

    def test_editing_a_level_out_of_order_is_refused(self):
        policy = self.make_policy()
        self.assertRefused("later and later", policy.level_ids[0].write, {"delay_days": 30})
        self.assertEqual(policy._levels_sorted().mapped("delay_days"), [7, 21, 45])

    def test_removing_the_last_level_is_refused(self):
        policy = self.make_policy(delays=(7,))
        self.assertRefused("at least one level", policy.level_ids.unlink)
        self.assertRefused(
            "at least one level",
            policy.write,
            {"level_ids": [Command.delete(policy.level_ids.id)]},
        )

    def test_reordering_levels_through_the_form_is_accepted(self):
        """Drag and drop in the form rewrites sequences and delays in one save."""
        policy = self.make_policy(delays=(7, 21))
        first, second = policy._levels_sorted()
        policy.write(
            {
                "level_ids": [
                    Command.update(first.id, {"sequence": 20, "delay_days": 30}),
                    Command.update(second.id, {"sequence": 10, "delay_days": 3}),
                ]
            }
        )
        self.assertEqual(policy._levels_sorted().mapped("delay_days"), [3, 30])

    def test_negative_delay_is_a_due_soon_notice(self):
        policy = self.make_policy(delays=(-3, 7))
        self.assertEqual(policy._levels_sorted().mapped("delay_days"), [-3, 7])

    def test_policy_form_with_inline_levels(self):
        with Form(self.env["invoice.reminder.policy"]) as form:
            form.name = "Form ladder"
            with form.level_ids.new() as level:
                level.name = "Friendly"
                level.delay_days = 3
                level.mail_template_id = self.template_first
            with form.level_ids.new() as level:
                level.name = "Firm"
                level.delay_days = 14
                level.mail_template_id = self.template_second
        policy = form.record
        self.assertEqual(policy.level_count, 2)
        self.assertEqual(policy.company_id, self.company)

    def test_bad_hour_is_refused(self):
        self.assertRefused("between 0 and 23", self.make_policy, schedule_hour=24)

    def test_next_send_date_is_in_the_future(self):
        policy = self.make_policy(schedule="daily", schedule_hour=8)
        self.assertTrue(policy.next_send_date)


@tagged("post_install", "-at_install")
class TestPolicyResolutionAndCompanies(ReminderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company(name="Company B")["company"]
        cls.policy_b = cls.other_company.reminder_policy_id
        cls.vip = cls.make_policy(name="VIP ladder", delays=(14, 30))
        cls.strict = cls.make_policy(name="Strict ladder", delays=(1, 5))

    def test_company_default(self):
        self.assertEqual(self.customer._reminder_policy(self.company), self.policy)
        self.assertEqual(self.customer._reminder_policy(self.other_company), self.policy_b)

    def test_tag_then_partner(self):
        tag_vip = self.env["res.partner.category"].create(
            {"name": "VIP", "reminder_policy_id": self.vip.id, "reminder_priority": 5}
        )
        tag_strict = self.env["res.partner.category"].create(
            {"name": "Bad payer", "reminder_policy_id": self.strict.id, "reminder_priority": 20}
        )
        self.customer.category_id = [Command.set(tag_vip.ids)]
        self.assertEqual(self.customer._reminder_policy(self.company), self.vip)
        self.customer.category_id = [Command.set((tag_vip | tag_strict).ids)]
        self.assertEqual(
            self.customer._reminder_policy(self.company), self.strict, "highest priority wins"
        )
        self.customer.reminder_policy_id = self.vip
        self.assertEqual(self.customer._reminder_policy(self.company), self.vip)
        contact = self.env["res.partner"].create({"name": "AP", "parent_id": self.customer.id})
        self.assertEqual(contact._reminder_policy(self.company), self.vip)

    def test_policy_of_another_company_never_applies(self):
        tag = self.env["res.partner.category"].create(
            {"name": "Company A ladder", "reminder_policy_id": self.vip.id}
        )
        self.customer.category_id = [Command.set(tag.ids)]
        self.customer.reminder_policy_id = self.strict
        self.assertEqual(self.customer._reminder_policy(self.other_company), self.policy_b)

    def test_customer_of_company_b_cannot_get_policy_of_company_a(self):
        partner_b = self.env["res.partner"].create(
            {"name": "B customer", "company_id": self.other_company.id}
        )
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            partner_b.reminder_policy_id = self.vip
        self.assertIn("cannot be given to B customer", str(caught.exception))
        partner_b.invalidate_recordset()
        self.assertFalse(partner_b.reminder_policy_id)

    def test_company_default_of_another_company_is_refused(self):
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.other_company.reminder_policy_id = self.vip
        self.assertIn("must belong to that company", str(caught.exception))
        self.other_company.invalidate_recordset()
        self.assertEqual(self.other_company.reminder_policy_id, self.policy_b)

    def test_levels_carry_their_policy_company(self):
        level = self.vip.level_ids[0]
        self.assertEqual(level.company_id, self.company)
        self.assertEqual(self.policy_b.level_ids.company_id, self.other_company)


@tagged("post_install", "-at_install")
class TestTranslatedErrors(ReminderCommon):
    def test_errors_are_translated(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["invoice_reminders"], ["fr_FR"])
        policies = self.env["invoice.reminder.policy"].with_context(lang="fr_FR")
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            policies.create({"name": "Vide"})
        self.assertIn("au moins un niveau", str(caught.exception))
        # and the newer messages too
        self.company.reminder_enabled = False
        with self.assertRaises(UserError) as caught:
            self.policy.with_context(lang="fr_FR").action_send_now()
        self.assertIn("Les relances de paiement sont désactivées", str(caught.exception))
