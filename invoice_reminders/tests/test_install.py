from odoo.tests import tagged

from .common import ReminderCommon


@tagged("post_install", "-at_install")
class TestInstall(ReminderCommon):
    def test_default_policy_has_three_levels_with_their_own_templates(self):
        default = self.env.ref("invoice_reminders.invoice_reminder_policy_default").sudo()
        self.assertEqual(default.company_id, self.env.ref("base.main_company"))
        levels = default._levels_sorted()
        self.assertEqual(levels.mapped("delay_days"), [7, 21, 45])
        self.assertEqual(
            levels.mapped("name"), ["First reminder", "Second reminder", "Final notice"]
        )
        self.assertEqual(len(levels.mapped("mail_template_id")), 3)
        self.assertEqual(default.schedule, "weekly")
        self.assertEqual(default.schedule_weekday, "0")
        self.assertEqual(default.stop_on, "paid")

    def test_every_company_has_a_default_policy_of_its_own(self):
        default = self.env.ref("invoice_reminders.invoice_reminder_policy_default").sudo()
        self.assertEqual(self.env.ref("base.main_company").sudo().reminder_policy_id, default)
        self.assertEqual(self.policy.company_id, self.company)
        self.assertEqual(self.policy._levels_sorted().mapped("delay_days"), [7, 21, 45])
        other = self.setup_other_company(name="Reminder Branch")["company"]
        self.assertTrue(other.reminder_policy_id)
        self.assertNotIn(other.reminder_policy_id, self.policy | default)
        self.assertEqual(other.reminder_policy_id.company_id, other)
        self.assertEqual(other.reminder_policy_id.level_ids.mapped("delay_days"), [7, 21, 45])

    def test_level_names_are_translated(self):
        """The standard ladder's step names read in French, in every company's copy."""
        renamed = self.policy._levels_sorted()[1]
        renamed.name = "Relance amicale"
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["invoice_reminders"], ["fr_FR"])
        french = ["Première relance", "Deuxième relance", "Dernière relance"]
        english = ["First reminder", "Second reminder", "Final notice"]
        default = self.env.ref("invoice_reminders.invoice_reminder_policy_default").sudo()
        self.assertEqual(default.with_context(lang="fr_FR")._levels_sorted().mapped("name"), french)
        self.assertEqual(
            default.with_context(lang="en_US")._levels_sorted().mapped("name"), english
        )
        # copied before French was installed: translated when its terms are loaded,
        # but a step the user renamed keeps its name
        levels = self.policy._levels_sorted()
        self.assertEqual(
            levels.with_context(lang="fr_FR").mapped("name"),
            ["Première relance", "Relance amicale", "Dernière relance"],
        )
        # copied after: carries the translations
        other = self.setup_other_company(name="Succursale")["company"]
        levels = other.reminder_policy_id._levels_sorted()
        self.assertEqual(levels.with_context(lang="fr_FR").mapped("name"), french)
        self.assertEqual(levels.with_context(lang="en_US").mapped("name"), english)

    def test_account_move_column_created(self):
        self.env.cr.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'account_move' AND column_name = 'reminder_included'"
        )
        self.assertEqual(self.env.cr.fetchone(), ("boolean",))

    def test_uniqueness_is_a_database_constraint(self):
        """What must never happen twice is refused by PostgreSQL itself, on every
        Odoo version (19.0 ignores ``_sql_constraints``): a second reminder to a
        customer for one period of a policy, a second run, fee, answer."""
        self.env.cr.execute(
            """
            SELECT c.conname, array_agg(a.attname::text ORDER BY k.ord)
              FROM pg_constraint c
              JOIN pg_class t ON t.oid = c.conrelid
              CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
             WHERE c.contype = 'u' AND t.relname LIKE 'invoice_reminder%%'
          GROUP BY c.conname
            """
        )
        constraints = dict(self.env.cr.fetchall())
        expected = {
            "invoice_reminder_digest_partner_policy_period_uniq": [
                "partner_id",
                "policy_id",
                "period",
                "kind",
            ],
            "invoice_reminder_run_policy_period_uniq": ["policy_id", "period", "kind"],
            "invoice_reminder_fee_move_level_uniq": ["move_id", "level_id"],
            "invoice_reminder_level_fee_level_currency_uniq": ["level_id", "currency_id"],
            "invoice_reminder_answer_digest_form_key_uniq": ["digest_id", "form_key"],
        }
        for name, columns in expected.items():
            self.assertEqual(constraints.get(name), columns, name)

    def test_templates_render_for_a_digest_model(self):
        for template in (self.template_first, self.template_second, self.template_final):
            self.assertEqual(template.model, "invoice.reminder.digest")
            self.assertIn("t-out", template.body_html)
