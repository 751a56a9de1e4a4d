import io
import os
import tempfile

import docx
import psycopg2
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ReminderRunCommon
from .test_documents import _poppler, pdf_text

MONDAY = "2026-02-02 09:00:00"  # a Monday, after the 08:00 slot (company in UTC)
NEXT_MONDAY = "2026-02-09 09:00:00"


class EscalationCommon(ReminderRunCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        cls.usd = cls.company.currency_id
        cls.fee_product = cls.env["product.product"].create(
            {"name": "Late payment fee", "type": "service", "taxes_id": [Command.clear()]}
        )
        cls.ladder = cls.make_policy(name="Escalating ladder")
        cls.first, cls.second, cls.final = cls.ladder._levels_sorted()
        cls.customer.reminder_policy_id = cls.ladder
        cls.company.partner_id.write({"street": "1 Billing Street", "city": "Liège", "zip": "4000"})

    def run_at(self, when):
        with freeze_time(when):
            self.run_job()

    def runs(self):
        return self.env["invoice.reminder.run"].search(
            [("policy_id", "=", self.ladder.id)], order="period"
        )


@tagged("post_install", "-at_install")
class TestLateFees(EscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.first.write(
            {
                "fee_percent": 1.0,
                "interest_rate": 10.0,
                "fee_fixed_ids": [
                    Command.create({"currency_id": cls.usd.id, "amount": 10.0}),
                    Command.create({"currency_id": cls.eur.id, "amount": 8.0}),
                ],
            }
        )
        cls.second.write({"interest_rate": 10.0})
        cls.ladder.write({"fee_invoice": "posted", "fee_product_id": cls.fee_product.id})

    def test_fees_in_two_currencies_shown_and_invoiced_once(self):
        # 13 days overdue on Monday 2 February
        inv_usd = self.make_invoice(amount=1000, due_date="2026-01-20")
        inv_eur = self.make_invoice(amount=500, due_date="2026-01-20", currency=self.eur)
        self.run_at(MONDAY)
        digest = self.digests()
        self.assertEqual(digest.state, "sent")
        fees = {line.move_id: line for line in digest.fee_line_ids}
        self.assertEqual(set(fees), {inv_usd, inv_eur})
        # USD: 10 fixed + 1 % of 1000 + 1000 * 10 % * 13 / 365 = 3.56
        usd = fees[inv_usd]
        self.assertEqual(
            (usd.fee_fixed, usd.fee_percent, usd.fee_interest, usd.interest_days),
            (10.0, 10.0, 3.56, 13),
        )
        self.assertAlmostEqual(usd.amount_residual, 23.56)
        # EUR: 8 fixed + 5 + 500 * 10 % * 13 / 365 = 1.78
        eur = fees[inv_eur]
        self.assertEqual((eur.fee_fixed, eur.fee_percent, eur.fee_interest), (8.0, 5.0, 1.78))
        self.assertEqual(eur.currency_id, self.eur)
        totals = {t["currency"].name: t for t in digest._get_totals()}
        self.assertAlmostEqual(totals["USD"]["fee"], 23.56)
        self.assertAlmostEqual(totals["EUR"]["fee"], 14.78)
        # the net due stays the invoices' net: the fees are a separate line
        self.assertAlmostEqual(totals["USD"]["net"], 1000)

        # the email and the statement show them as a separate line
        html = self.html_of(self.smtp.to("accounts@deco.test")[0]["message"])
        self.assertIn("Late fees and interest", html)
        self.assertIn(f"Late fee on {inv_usd.name}", html)
        self.assertIn("23.56", html)
        statement = pdf_text(digest._render_statement("pdf")[0])
        self.assertIn("Late fees and interest", statement)
        self.assertIn("interest $ 3.56 (13 days)", statement)
        self.assertIn("Total with fees: $ 1,023.56", statement)
        self.assertIn("14.78", statement)
        word = docx.Document(io.BytesIO(digest._render_statement("docx")[0]))
        cells = [
            cell.text.replace("\xa0", " ")
            for table in word.tables
            for row in table.rows
            for cell in row.cells
        ]
        self.assertIn(f"{inv_usd.name}", cells)
        self.assertIn("$ 23.56", cells)
        self.assertIn(
            "Total with fees $ 1,023.56",
            "\n".join(p.text for p in word.paragraphs).replace("\xa0", " "),
        )

        # invoiced: one posted fee invoice per currency
        fee_moves = self.env["invoice.reminder.fee"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(fee_moves), 2)
        invoices = fee_moves.fee_move_id
        self.assertEqual(len(invoices), 2)
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        by_currency = {move.currency_id: move for move in invoices}
        self.assertAlmostEqual(by_currency[self.usd].amount_total, 23.56)
        self.assertAlmostEqual(by_currency[self.eur].amount_total, 14.78)
        self.assertEqual(by_currency[self.usd].invoice_line_ids.product_id, self.fee_product)
        action = digest.action_ids.filtered(lambda a: a.kind == "fee_invoice")
        self.assertEqual(action.state, "done")
        self.assertIn(by_currency[self.usd].name, action.detail)
        # logged on the customer's chatter and in the owner's summary
        self.assertTrue(
            self.customer.message_ids.filtered(lambda m: "Fee invoice" in (m.body or ""))
        )
        summary = self.html_of(self.smtp.to("owner@company.test")[-1]["message"])
        self.assertIn("summary-actions", summary)
        self.assertIn(by_currency[self.usd].name, summary)

        # a week later the invoices stay at the first level: not charged again
        self.run_at(NEXT_MONDAY)
        later = self.digests()[-1]
        self.assertNotEqual(later, digest)
        self.assertEqual(later.level_id, self.first)
        self.assertFalse(later.fee_line_ids)
        # the fee invoices, overdue now, are reminded but never charged a fee themselves
        self.assertEqual(later.invoice_line_ids.move_id, inv_usd | inv_eur | invoices)
        self.assertEqual(
            self.env["invoice.reminder.fee"].search_count([("move_id", "in", inv_usd.ids)]), 1
        )
        self.assertEqual(
            self.env["account.move"].search_count(
                [("partner_id", "=", self.customer.id), ("invoice_origin", "!=", False)]
            ),
            2,
        )

    def test_next_level_charges_interest_only_for_the_new_days(self):
        inv = self.make_invoice(amount=1000, due_date="2026-01-20")
        self.run_at(MONDAY)  # 13 days: first level
        with freeze_time("2026-02-16 09:00:00"):  # 27 days: second level
            self.run_job()
        fees = self.env["invoice.reminder.fee"].search([("move_id", "=", inv.id)], order="id")
        self.assertEqual(fees.level_id, self.first | self.second)
        second = fees[1]
        # 1000 * 10 % * (27 - 13) / 365 = 3.84, no fixed or percentage fee at that level
        self.assertEqual((second.interest_days, second.amount_interest), (14, 3.84))
        self.assertAlmostEqual(second.amount, 3.84)

    def test_preview_shows_fees_and_leaves_nothing(self):
        self.make_invoice(amount=1000, due_date="2026-01-20")
        with freeze_time("2026-02-02 07:00:00"):
            preview = self.env["invoice.reminder.preview"]._create_for(self.company, self.ladder)
        line = preview.send_line_ids.filtered(lambda line: line.partner_id == self.customer)
        self.assertIn("Late fee on", line.action_summary)
        self.assertIn("23.56", line.action_summary)
        self.assertIn("Fee invoice: Posted fee invoice", line.action_summary)
        self.assertIn("Late fees and interest", line.body_html)
        self.assertFalse(self.env["invoice.reminder.fee"].search([]))
        self.assertFalse(self.env["invoice.reminder.action"].search([]))
        self.assertFalse(
            self.env["account.move"].search(
                [("invoice_line_ids.product_id", "=", self.fee_product.id)]
            )
        )


@tagged("post_install", "-at_install")
class TestEscalationBadInput(EscalationCommon):
    def test_negative_rates_refused(self):
        for vals in ({"fee_percent": -1}, {"interest_rate": -0.5}):
            with self.assertRaisesRegex(ValidationError, "cannot be negative"):
                with self.env.cr.savepoint():
                    self.first.write(vals)
        self.assertEqual((self.first.fee_percent, self.first.interest_rate), (0, 0))
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            with self.env.cr.savepoint():
                self.first.write(
                    {"fee_fixed_ids": [Command.create({"currency_id": self.usd.id, "amount": -5})]}
                )
        self.assertFalse(self.first.fee_fixed_ids)

    def test_fee_invoicing_needs_a_product(self):
        with self.assertRaisesRegex(ValidationError, "fee product"):
            with self.env.cr.savepoint():
                self.ladder.write({"fee_invoice": "draft"})
        self.assertEqual(self.ladder.fee_invoice, "none")

    def test_fee_charged_only_once_per_invoice_and_level(self):
        inv = self.make_invoice(amount=100, due_date="2026-01-20")
        vals = {
            "company_id": self.company.id,
            "partner_id": self.customer.id,
            "move_id": inv.id,
            "level_id": self.first.id,
            "currency_id": self.usd.id,
            "amount": 5,
        }
        self.env["invoice.reminder.fee"].create(vals)
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            self.env["invoice.reminder.fee"].create(vals)
            self.env.flush_all()


@tagged("post_install", "-at_install")
class TestReminderActivity(EscalationCommon):
    def test_activity_for_the_salesperson_or_the_policy_user(self):
        call = self.env.ref("mail.mail_activity_data_call")
        self.first.write(
            {
                "activity_type_id": call.id,
                "activity_summary": "Call the customer",
                "activity_days": 3,
            }
        )
        salesman = self.make_user("ir_salesman", "account.group_account_invoice")
        collector = self.make_user("ir_collector", "account.group_account_invoice")
        self.ladder.activity_user_id = collector
        self.customer.user_id = salesman
        other = self.env["res.partner"].create(
            {
                "name": "Ready Mat",
                "email": "ap@readymat.test",
                "is_company": True,
                "reminder_policy_id": self.ladder.id,
            }
        )
        self.make_invoice(due_date="2026-01-20")
        self.make_invoice(partner=other, due_date="2026-01-20")
        self.run_at(MONDAY)
        activity = self.customer.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, salesman)
        self.assertEqual(activity.activity_type_id, call)
        self.assertEqual(activity.summary, "Call the customer")
        self.assertEqual(str(activity.date_deadline), "2026-02-05")
        self.assertEqual(other.activity_ids.user_id, collector)
        log = self.digests().action_ids
        self.assertEqual((log.kind, log.state, log.activity_id), ("activity", "done", activity))

    def test_no_one_responsible_skipped_with_the_reason(self):
        self.first.activity_type_id = self.env.ref("mail.mail_activity_data_call")
        self.make_invoice(due_date="2026-01-20")
        self.run_at(MONDAY)
        digest = self.digests()
        self.assertEqual(digest.state, "sent", "the email still goes")
        self.assertFalse(self.customer.activity_ids)
        self.assertEqual(digest.action_ids.state, "skipped")
        self.assertIn("no salesperson", digest.action_ids.detail)
        summary = self.html_of(self.smtp.to("owner@company.test")[-1]["message"])
        self.assertIn("no salesperson", summary)


@tagged("post_install", "-at_install")
class TestReminderLetters(EscalationCommon):
    def test_letters_of_a_run_in_one_pdf(self):
        self.first.send_letter = True
        customers = self.customer | self.env["res.partner"].create(
            [
                {
                    "name": f"Customer {i}",
                    "email": f"ap{i}@customer.test",
                    "is_company": True,
                    "street": f"{i} Rue du Port",
                    "zip": "7500" + str(i),
                    "city": "Paris",
                    "country_id": self.env.ref("base.fr").id,
                    "reminder_policy_id": self.ladder.id,
                }
                for i in range(1, 4)
            ]
        )
        self.customer.write({"street": "12 Deco Lane", "city": "Brussels", "zip": "1000"})
        no_address = self.env["res.partner"].create(
            {
                "name": "Nowhere Ltd",
                "email": "ap@nowhere.test",
                "is_company": True,
                "reminder_policy_id": self.ladder.id,
            }
        )
        invoices = {}
        for partner in customers | no_address:
            invoices[partner] = [
                self.make_invoice(partner=partner, amount=100 + n, due_date="2026-01-20")
                for n in range(3)
            ]
        self.run_at(MONDAY)
        run = self.runs()
        self.assertTrue(run.letter_attachment_id)
        self.assertEqual(run.action_download_letters()["type"], "ir.actions.act_url")
        pdf = run.letter_attachment_id.raw
        text = pdf_text(pdf)
        pages = int(
            next(
                line.split()[-1]
                for line in _poppler("pdfinfo", pdf).splitlines()
                if line.startswith("Pages:")
            )
        )
        self.assertEqual(pages, 4, "one page per customer with an address")
        for partner in customers:
            self.assertIn(partner.name, text)
            for invoice in invoices[partner]:
                self.assertIn(invoice.name, text)
        self.assertIn("75001 Paris", text)
        self.assertIn("Statement of Overdue Invoices", text)
        self.assertNotIn("Nowhere Ltd", text)
        letters = run.action_ids.filtered(lambda a: a.kind == "letter")
        self.assertEqual(len(letters.filtered(lambda a: a.state == "done")), 4)
        skipped = letters.filtered(lambda a: a.state == "skipped")
        self.assertEqual(skipped.partner_id, no_address)
        self.assertIn("No postal address", skipped.detail)
        # the address sits in the envelope window: 20 mm from the left, 45 to 90 mm down
        bbox = _poppler("pdftotext", pdf, "-bbox", "-f", "1", "-l", "1")
        # the letters come in the order of the customers' names: Customer 1 first
        self.assertLess(text.index("Customer 1"), text.index("Customer 2"))
        self.assertLess(text.index("Customer 3"), text.index("Deco Addict"))
        word = next(line for line in bbox.splitlines() if ">Rue<" in line)
        x_min = float(word.split('xMin="')[1].split('"')[0])
        y_min = float(word.split('yMin="')[1].split('"')[0])
        mm = 72 / 25.4
        self.assertTrue(19 * mm < x_min < 25 * mm, x_min / mm)
        self.assertTrue(50 * mm < y_min < 90 * mm, y_min / mm)

    def test_letters_rendered_one_by_one_when_the_batch_fails(self):
        """Debian's wkhtmltopdf (unpatched Qt) may crash on a long batch: each letter alone."""
        self.first.send_letter = True
        partners = self.env["res.partner"].create(
            [
                {
                    "name": f"Client {i}",
                    "email": f"ap{i}@client.test",
                    "is_company": True,
                    "street": f"{i} Main Road",
                    "city": "Namur",
                    "reminder_policy_id": self.ladder.id,
                }
                for i in range(1, 4)
            ]
        )
        for partner in partners:
            self.make_invoice(partner=partner, amount=40, due_date="2026-01-20")
        # the real wkhtmltopdf, behind a wrapper that fails on more than one letter
        real = self.env["invoice.reminder.statement"]._wkhtmltopdf_path()
        with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as fh:
            fh.write(
                "#!/bin/sh\n"
                f'[ "$1" = "--version" ] && exec {real} --version\n'
                "html=$(cat)\n"
                'n=$(printf "%s" "$html" | grep -o \'class="letter"\' | wc -l)\n'
                'if [ "$n" -gt 1 ]; then echo "Segmentation fault" >&2; exit 139; fi\n'
                f'printf "%s" "$html" | exec {real} "$@"\n'
            )
        os.chmod(fh.name, 0o755)
        self.addCleanup(os.unlink, fh.name)
        self.env["ir.config_parameter"].sudo().set_param(
            "invoice_reminders.wkhtmltopdf_path", fh.name
        )
        self.run_at(MONDAY)
        run = self.runs()
        pdf = run.letter_attachment_id.raw
        self.assertRegex(_poppler("pdfinfo", pdf), r"Pages:\s+3\n")
        text = pdf_text(pdf)
        for partner in partners:
            self.assertIn(f"{partner.name} {partner.street}", text)
        letters = run.action_ids.filtered(lambda a: a.kind == "letter")
        self.assertEqual(set(letters.mapped("state")), {"done"})
