import io
from unittest.mock import patch

import docx
from freezegun import freeze_time

from odoo.tests import tagged

from .test_documents import (
    DOCX_MIMETYPE,
    LINKS_SENTENCE,
    MONDAY,
    StatementCommon,
    docx_tables,
    pdf_image_count,
    pdf_text,
    png,
)


@tagged("post_install", "-at_install")
class TestStatementDocuments(StatementCommon):
    def test_pdf_and_word_hold_every_invoice_amount_and_total(self):
        eur = self.setup_other_currency("EUR")
        invoices = [
            self.make_invoice(amount=1234.5, due_date="2026-01-20"),
            self.make_invoice(amount=50.25, due_date="2026-01-21"),
            self.make_invoice(amount=300, due_date="2026-01-20", currency=eur),
        ]
        refund = self.make_invoice(amount=30, move_type="out_refund", due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        digest = self.digests()
        data = digest._prepare_statement_data()
        content, filename, mimetype = digest._render_statement("pdf", data)
        self.assertEqual(mimetype, "application/pdf")
        self.assertEqual(filename, "Statement Deco Addict 2026-02-02.pdf")
        text = pdf_text(content)
        for invoice in invoices:
            self.assertIn(invoice.name, text)
        self.assertIn(refund.name, text)
        for amount in ("1,234.50", "50.25", "300.00", "30.00", "1,284.75", "1,254.75"):
            self.assertIn(amount, text)
        self.assertIn("Deco Addict", text)
        self.assertIn(self.company.name, text)
        self.assertIn("Payment instructions", text)

        word, _filename, word_mimetype = digest._render_statement("docx", data)
        self.assertEqual(word_mimetype, DOCX_MIMETYPE)
        _document, tables = docx_tables(word)
        invoice_table, credit_table, totals_table = tables
        self.assertEqual(invoice_table[0], [c["label"] for c in data["columns"]])
        # the same rows as the PDF
        self.assertEqual(
            invoice_table[1:],
            [
                [r["name"], r["date"], r["date_due"], r["days_overdue"], r["amount"]]
                for r in data["invoices"]
            ],
        )
        # by due date
        self.assertEqual(
            [row[0] for row in invoice_table[1:]],
            [invoices[0].name, invoices[2].name, invoices[1].name],
        )
        self.assertEqual(credit_table[0][0], refund.name)
        self.assertIn("1,254.75", " ".join(totals_table[1] + totals_table[2]))
        for row in data["invoices"]:
            self.assertIn(row["amount"].replace("\xa0", " "), text)

    def test_statement_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        invoice = self.make_invoice(amount=1234.5, due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        digest = self.digests()
        data = digest._prepare_statement_data()
        self.assertEqual(data["lang"], "fr_FR")
        text = pdf_text(digest._render_statement("pdf", data)[0])
        self.assertIn(invoice.name, text)
        self.assertIn("20/01/2026", text)
        self.assertIn("234,50", text)
        _document, tables = docx_tables(digest._render_statement("docx", data)[0])
        self.assertEqual(tables[0][1][2], "20/01/2026")
        self.assertIn("234,50", tables[0][1][4])

    def test_signature_and_stamp_only_when_asked(self):
        self.company.logo = False  # images counted: signature and stamp only
        digest = self.make_digest(self.customer, 3)
        level = digest.level_id
        level.print_signature_stamp = False
        self.assertEqual(pdf_image_count(digest._render_statement("pdf")[0]), 0)
        document, _tables = docx_tables(digest._render_statement("docx")[0])
        self.assertEqual(len(document.inline_shapes), 0)

        level.print_signature_stamp = True
        self.assertEqual(pdf_image_count(digest._render_statement("pdf")[0]), 2)
        self.company.logo = png("green")
        self.assertEqual(pdf_image_count(digest._render_statement("pdf")[0]), 3)
        document, _tables = docx_tables(digest._render_statement("docx")[0])
        self.assertEqual(len(document.inline_shapes), 3)
        self.company.logo = False
        document, _tables = docx_tables(digest._render_statement("docx")[0])
        self.assertEqual(len(document.inline_shapes), 2)

        # asked for, but the company has no stamp: only the signature
        self.company.reminder_stamp = False
        self.assertEqual(pdf_image_count(digest._render_statement("pdf")[0]), 1)
        document, _tables = docx_tables(digest._render_statement("docx")[0])
        self.assertEqual(len(document.inline_shapes), 1)

    def test_amount_due_box_pay_by_date_and_step_name_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        eur = self.setup_other_currency("EUR")
        self.make_invoice(amount=1000, due_date="2026-01-20")
        self.make_invoice(amount=300, due_date="2026-01-20", currency=eur)
        self.make_invoice(amount=100, move_type="out_refund", due_date="2026-01-20")
        level = self.policy._levels_sorted()[0]
        level.with_context(lang="fr_FR").name = "Premier rappel"
        level.pay_within_days = 10
        with freeze_time(MONDAY):
            self.run_job()
        digest = self.digests()
        data = digest._prepare_statement_data()
        text = pdf_text(digest._render_statement("pdf", data)[0])
        # the step's name in French, not "First reminder"
        self.assertIn("Premier rappel", text)
        self.assertNotIn(level.with_context(lang="en_US").name, text)
        # net of the credit note, one amount per currency, and a date to pay by
        self.assertEqual(
            [row["currency"] for row in data["amount_due"]],
            sorted(["EUR", self.company.currency_id.name]),
        )
        self.assertIn("900,00", text)
        self.assertIn("300,00", text)
        self.assertIn("12/02/2026", text)  # the reminder's date plus 10 days
        word = docx.Document(io.BytesIO(digest._render_statement("docx", data)[0]))
        paragraphs = "\n".join(paragraph.text for paragraph in word.paragraphs)
        self.assertIn("Premier rappel", paragraphs)
        self.assertIn("12/02/2026", paragraphs)
        self.assertIn("900,00", paragraphs)

    def test_preview_warns_when_the_statement_has_no_bank_account(self):
        self.policy.level_ids.write({"attach_statement_pdf": True})
        self.make_invoice(amount=80, due_date="2026-01-20")
        self.company.partner_id.bank_ids.unlink()
        Preview = self.env["invoice.reminder.preview"]
        with freeze_time(MONDAY):
            preview = Preview._create_for(self.company, self.policy)
        self.assertEqual(preview.send_count, 1)
        self.assertIn("no bank account", preview.warning)
        self.env["res.partner.bank"].create(
            {"acc_number": "BE71096123456769", "partner_id": self.company.partner_id.id}
        )
        with freeze_time(MONDAY):
            preview = Preview._create_for(self.company, self.policy)
            pdf, _name, _mime = self.env["invoice.reminder.statement"]._render_partner_statement(
                self.customer, "pdf"
            )
        self.assertNotIn("no bank account", preview.warning or "")
        self.assertIn("BE71096123456769", pdf_text(pdf).replace(" ", ""))

    def test_fifty_invoices(self):
        """Every invoice of a 50-invoice statement is in both documents.

        How fast they build is measured by the benchmark (bench/digest_bench.py).
        """
        digest = self.make_digest(self.customer, 50)
        pdf, _name, _mime = digest._render_statement("pdf")
        word, _name, _mime = digest._render_statement("docx")
        text = pdf_text(pdf)
        for i in range(50):
            self.assertIn(f"INV/2026/{i + 1:05d}", text)
            self.assertIn(f"{1000 + i * 1.25:,.2f}", text)
        total = sum(1000 + i * 1.25 for i in range(50))
        self.assertIn(f"{total:,.2f}", text)
        _document, tables = docx_tables(word)
        self.assertEqual(len(tables[0]), 51)

    def test_five_hundred_invoices_render(self):
        digest = self.make_digest(self.customer, 500)
        pdf, _name, _mime = digest._render_statement("pdf")
        word, _name, _mime = digest._render_statement("docx")
        text = pdf_text(pdf)
        self.assertIn("INV/2026/00001", text)
        self.assertIn("INV/2026/00500", text)
        total = sum(1000 + i * 1.25 for i in range(500))
        self.assertIn(f"{total:,.2f}", text)
        _document, tables = docx_tables(word)
        self.assertEqual(len(tables[0]), 501)
        self.assertEqual(tables[0][500][0], "INV/2026/00500")

    def test_file_name_pattern_per_level(self):
        digest = self.make_digest(self.customer, 1)
        digest.level_id.attachment_name = "{company} / {customer} - {date}"
        _content, filename, _mime = digest._render_statement("docx")
        self.assertEqual(filename, f"{self.company.name} _ Deco Addict - 2026-02-02.docx")
        digest.level_id.attachment_name = False
        self.assertEqual(
            digest._render_statement("docx")[1], "Statement Deco Addict 2026-02-02.docx"
        )

    def test_template_shows_links_only_when_the_level_has_them(self):
        digest = self.make_digest(self.customer, 2)
        url = f"{self.company.get_base_url()}/my/invoices/1?access_token=secret"
        digest.invoice_line_ids.access_url = url
        for template in (self.template_first, self.template_second, self.template_final):
            for include_links in (True, False):
                digest.level_id.include_links = include_links
                body = template._generate_template(digest.ids, ["body_html"])[digest.id][
                    "body_html"
                ]
                self.assertIn("INV/2026/00002", body)
                self.assertEqual(LINKS_SENTENCE in body, include_links, template.name)
                self.assertEqual("/my/invoices" in body, include_links, template.name)

    def test_level_defaults(self):
        level = self.env["invoice.reminder.level"].create(
            {
                "policy_id": self.make_policy(delays=(7,)).id,
                "name": "Extra",
                "delay_days": 30,
                "sequence": 99,
                "mail_template_id": self.template_final.id,
            }
        )
        self.assertTrue(level.include_links)
        self.assertFalse(
            level.attach_invoice_pdf
            or level.attach_statement_pdf
            or level.attach_statement_docx
            or level.print_signature_stamp
        )
        self.assertEqual(level.attachment_name, "Statement {customer} {date}")

    def test_preview_from_the_customer(self):
        overdue = self.make_invoice(amount=80, due_date="2026-01-20")
        not_due = self.make_invoice(amount=90, invoice_date="2026-02-01", due_date="2026-03-01")
        with freeze_time(MONDAY):
            pdf, filename, _mime = self.env["invoice.reminder.statement"]._render_partner_statement(
                self.customer, "pdf"
            )
            word, _name, _mime = self.env["invoice.reminder.statement"]._render_partner_statement(
                self.customer, "docx"
            )
        self.assertEqual(filename, "Statement Deco Addict 2026-02-02.pdf")
        text = pdf_text(pdf)
        self.assertIn(overdue.name, text)
        self.assertNotIn(not_due.name, text)
        self.assertIn("80.00", text)
        _document, tables = docx_tables(word)
        self.assertEqual([row[0] for row in tables[0][1:]], [overdue.name])
        # no reminder was created by the preview
        self.assertFalse(self.digests())

    def test_preview_links_follow_the_first_level(self):
        overdue = self.make_invoice(amount=80, due_date="2026-01-20")
        Statement = self.env["invoice.reminder.statement"]
        rendered = []

        def render(self, data, report_format):
            rendered.append(data)
            return b"%PDF-1.4 preview"

        for include_links in (True, False):
            self.policy._levels_sorted()[0].include_links = include_links
            with freeze_time(MONDAY), patch.object(type(Statement), "_render_statement", render):
                # the print action prepares the portal tokens, the print reads them
                self.customer._reminder_prepare_statement_links()
                Statement._render_partner_statement(self.customer, "pdf")
            url = rendered[-1]["invoices"][0]["url"]
            self.assertEqual(f"/my/invoices/{overdue.id}" in url, include_links)
            self.assertEqual(bool(url), include_links)

    def test_print_buttons(self):
        digest = self.make_digest(self.customer, 1)
        action = digest.action_print_statement()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["url"], f"/invoice_reminders/statement/{digest.id}/print/pdf")
        self.assertTrue(digest.action_print_statement_docx()["url"].endswith("/print/docx"))
        action = (
            self.env.ref("invoice_reminders.res_partner_action_print_reminder_statement")
            .with_context(active_model="res.partner", active_id=self.customer.id)
            .run()
        )
        self.assertEqual(
            action["url"], f"/invoice_reminders/partner/{self.customer.id}/statement/pdf"
        )
