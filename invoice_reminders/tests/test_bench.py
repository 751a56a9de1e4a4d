"""The benchmark script at a small size, so that it cannot rot."""

import importlib.util
import os
import unittest

from odoo.tests import TransactionCase, tagged

BENCH = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "bench", "digest_bench.py")


@tagged("post_install", "-at_install")
class TestBenchmark(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.path.exists(BENCH):
            raise unittest.SkipTest("bench/digest_bench.py is not shipped with the add-on's wheel")
        spec = importlib.util.spec_from_file_location("digest_bench", BENCH)
        cls.bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(cls.bench)

    def expected_customers(self, company):
        """Customers with an invoice to remind and an address, counted straight in SQL."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT DISTINCT m.commercial_partner_id
              FROM account_move m
              JOIN res_partner p ON p.id = m.commercial_partner_id
             WHERE m.company_id = %s AND m.move_type = 'out_invoice' AND m.state = 'posted'
               AND m.payment_state IN ('not_paid', 'partial') AND m.reminder_included
               AND p.reminder_enabled AND p.email IS NOT NULL
               AND current_date - m.invoice_date_due BETWEEN 7 AND 360
               AND (p.reminder_pause_until IS NULL OR p.reminder_pause_until < current_date)
               AND NOT EXISTS (
                   SELECT 1 FROM invoice_reminder_promise_move_rel rel
                     JOIN invoice_reminder_promise pr ON pr.id = rel.promise_id
                    WHERE rel.move_id = m.id AND pr.state = 'open'
                      AND pr.date + pr.grace_days >= current_date)
            """,
            (company.id,),
        )
        return self.env["res.partner"].browse(row[0] for row in self.env.cr.fetchall())

    def test_small_load(self):
        created = self.bench.generate(self.env, customers=100, invoices=1000, seed=7)
        self.assertEqual(created["invoices"], 1000)
        self.assertEqual(created["credit_notes"], 20)
        self.assertGreater(created["paid"], 0)
        self.assertGreater(created["partial"], 0)
        self.assertGreater(created["customers_paused"], 0)
        self.assertGreater(created["invoices_promised"], 0)
        company = self.env["res.company"].browse(created["company_id"])
        moves = self.env["account.move"].search(
            [("name", "=like", "BENCH/%"), ("company_id", "=", company.id)]
        )
        self.assertEqual(len(moves), 1000, "every cloned invoice reads back through the ORM")
        self.assertTrue(all(m.state == "posted" and m.move_type == "out_invoice" for m in moves))
        self.assertEqual(
            {len(m.line_ids) for m in moves}, {2}, "an income line and a receivable line each"
        )
        unpaid = moves.filtered(lambda m: m.payment_state == "not_paid")
        self.assertEqual(unpaid.mapped("amount_residual"), unpaid.mapped("amount_total"))
        expected = self.expected_customers(company)

        result = self.bench.measure_run(self.env, company=company)

        digests = self.env["invoice.reminder.digest"].search([("run_id", "!=", False)])
        self.assertEqual(
            sorted(digests.partner_id.ids),
            sorted(expected.ids),
            "one digest per customer with dues",
        )
        self.assertEqual(result["digests"], len(expected))
        self.assertEqual(result["mails_queued"], len(expected), "each digest's mail is queued")
        self.assertEqual(result["digest_states"], {"queued": len(expected)})
        self.assertLessEqual(result["queries_per_digest"], 5, "queries do not grow per invoice")
        self.assertEqual(result["rerun_created"], 0, "the same period again creates nothing")
        self.assertEqual(len(digests.partner_id), len(digests), "never two per customer")
        lines = digests.invoice_line_ids
        self.assertFalse(
            lines.move_id.filtered(lambda m: m.payment_state in ("paid", "in_payment")),
            "a paid invoice is never reminded",
        )
        levels = set(lines.mapped("level_index"))
        self.assertEqual(levels, {0, 1, 2}, "invoices stand at every step of the ladder")
        for key in (
            "customers",
            "invoices",
            "digests",
            "wall_s",
            "queries",
            "queries_per_digest",
            "peak_rss_mb",
            "rerun_wall_s",
            "rerun_created",
        ):
            self.assertIn(key, {**created, **result})

        statement = self.bench.measure_statement(self.env, invoices=5, company=company)
        self.assertEqual(statement["statement_invoices"], 5)
        self.assertGreater(statement["statement_pdf_s"], 0)
        self.assertGreater(statement["statement_docx_s"], 0)
