import os
import subprocess
import tempfile

from freezegun import freeze_time

from odoo.tests import tagged

from .test_documents import (
    MONDAY,
    AttachmentCommon,
    StatementCommon,
    _poppler,
    docx_tables,
    pdf_text,
)


@tagged("post_install", "-at_install")
class TestInvoicePdfs(AttachmentCommon):
    """Invoice PDFs on Debian's wkhtmltopdf, which converts one document at a time."""

    def invoice_files(self, files):
        return {
            name: content for name, (mimetype, content) in files.items() if name.startswith("INV")
        }

    def assert_each_pdf_is_its_invoice(self, invoices, files):
        self.assertEqual(
            set(files), {invoice._get_invoice_report_filename() for invoice in invoices}
        )
        for invoice in invoices:
            text = pdf_text(files[invoice._get_invoice_report_filename()])
            self.assertIn(invoice.name, text)
            others = [other.name for other in invoices if other != invoice]
            self.assertFalse([name for name in others if name in text], invoice.name)

    def test_three_invoices_are_all_attached(self):
        customer = self.make_customer("Three Ltd", attach_invoice_pdf=True)
        invoices = [
            self.make_invoice(partner=customer, amount=100 + i, due_date="2026-01-20")
            for i in range(3)
        ]
        with freeze_time(MONDAY):
            self.run_job()
        digest = self.digests(customer)
        self.assertEqual(digest.state, "sent", digest.error)
        _message, files = self.received(customer)
        self.assert_each_pdf_is_its_invoice(invoices, self.invoice_files(files))

    def test_several_invoices_in_one_conversion_fail_on_debian(self):
        """What failed every week: Odoo converts a batch's invoices in one call."""
        customer = self.make_customer("Batch Ltd", attach_invoice_pdf=True)
        invoices = self.env["account.move"].concat(
            *[self.make_invoice(partner=customer, due_date="2026-01-20") for _i in range(3)]
        )
        Digest = self.env["invoice.reminder.digest"]
        report = self.env.ref("account.account_invoices")
        Report = self.env["ir.actions.report"].with_company(self.company)
        documents, args = Digest._prepare_invoice_documents(Report, report, invoices)
        for document in documents.values():
            # self-contained: wkhtmltopdf fetches nothing from the server
            self.assertNotIn("/web/assets/", document.html)
            self.assertNotIn("<base", document.html)
            self.assertIn("<style>", document.html)
        with tempfile.TemporaryDirectory() as folder:
            paths = []
            for i, document in enumerate(documents.values()):
                paths.append(os.path.join(folder, f"report.body.tmp.{i}.html"))
                with open(paths[-1], "w", encoding="utf-8") as handle:
                    handle.write(document.html)
            output = os.path.join(folder, "report.pdf")
            subprocess.run(["wkhtmltopdf", *args, *paths, output], capture_output=True, check=False)
            self.assertFalse(os.path.exists(output) and os.path.getsize(output))
        # one conversion per invoice: every PDF, each its own invoice
        rendered = Digest._render_invoice_pdfs(invoices)
        self.assertEqual(set(rendered), set(invoices.ids))
        self.assert_each_pdf_is_its_invoice(
            invoices,
            {move._get_invoice_report_filename(): rendered[move.id] for move in invoices},
        )
        # the same PDF text as each invoice rendered alone
        for move in invoices:
            self.assertEqual(
                pdf_text(rendered[move.id]), pdf_text(Digest._render_invoice_pdfs(move)[move.id])
            )

    def test_an_invoice_that_cannot_be_rendered_fails_its_reminder_only(self):
        customer = self.make_customer("Broken Ltd", attach_invoice_pdf=True)
        other = self.make_customer("Fine Ltd", attach_invoice_pdf=True)
        good = self.make_invoice(partner=customer, due_date="2026-01-20")
        bad = self.make_invoice(partner=customer, due_date="2026-01-21")
        fine = self.make_invoice(partner=other, due_date="2026-01-20")
        # a custom invoice layout that breaks on one invoice
        self.env["ir.ui.view"].create(
            {
                "name": "test_broken_invoice",
                "type": "qweb",
                "key": "invoice_reminders.test_broken_invoice",
                "arch": f"""<t t-name="invoice_reminders.test_broken_invoice">
                    <t t-call="web.html_container"><t t-foreach="docs" t-as="o">
                    <t t-call="web.basic_layout"><div class="page">
                        <h2 t-out="o.name"/>
                        <t t-if="o.id == {bad.id}" t-out="o.env['no.such.model']"/>
                    </div></t></t></t></t>""",
            }
        )
        report = self.env["ir.actions.report"].create(
            {
                "name": "Broken invoice",
                "model": "account.move",
                "report_type": "qweb-pdf",
                "report_name": "invoice_reminders.test_broken_invoice",
            }
        )
        customer.invoice_template_pdf_report_id = report
        with freeze_time(MONDAY):
            self.run_job()
        digest = self.digests(customer)
        self.assertEqual(digest.state, "failed")
        self.assertIn(bad.name, digest.error)
        self.assertNotIn(good.name, digest.error)
        self.assertFalse(self.smtp.to(customer.email), "nothing sent with a missing document")
        self.assertEqual(self.digests(other).state, "sent")
        _message, files = self.received(other)
        self.assert_each_pdf_is_its_invoice([fine], self.invoice_files(files))
        summary = self.html_of(self.smtp.to("owner@company.test")[0]["message"])
        self.assertIn("Broken Ltd", summary)
        self.assertIn(bad.name, summary)

    def test_every_document_of_twenty_invoices_in_three_currencies(self):
        eur = self.setup_other_currency("EUR")
        gbp = self.setup_other_currency("GBP")
        customer = self.make_customer(
            "Everything Twenty Ltd",
            attach_invoice_pdf=True,
            attach_statement_pdf=True,
            attach_statement_docx=True,
            print_signature_stamp=True,
        )
        currencies = [self.company.currency_id, eur, gbp]
        invoices = [
            self.make_invoice(
                partner=customer,
                amount=100 + i,
                due_date=f"2026-01-{i + 1:02d}",
                currency=currencies[i % 3],
            )
            for i in range(20)
        ]
        with freeze_time(MONDAY):
            self.run_job()
        digest = self.digests(customer)
        self.assertEqual(digest.state, "sent", digest.error)
        _message, files = self.received(customer)
        self.assertEqual(len(files), 22)
        self.assert_each_pdf_is_its_invoice(invoices, self.invoice_files(files))
        statement = pdf_text(files["Statement Everything Twenty Ltd 2026-02-02.pdf"][1])
        word_tables = docx_tables(files["Statement Everything Twenty Ltd 2026-02-02.docx"][1])[1]
        words = " ".join(cell for table in word_tables for row in table for cell in row)
        for invoice in invoices:
            self.assertIn(invoice.name, statement)
            self.assertIn(invoice.name, words)
        for currency in currencies:
            self.assertIn(currency.name, statement)
            self.assertIn(currency.name, words)


@tagged("post_install", "-at_install")
class TestStatementBatches(StatementCommon):
    def test_batch_gives_the_pdf_of_each_statement_alone(self):
        Statement = self.env["invoice.reminder.statement"]
        partners = self.env["res.partner"].create(
            [{"name": f"Batch Customer {i}", "email": f"b{i}@customer.test"} for i in range(9)]
        )
        # one long statement (several pages) among short ones
        digests = [
            self.make_digest(partner, 120 if i == 4 else i + 1, amount=100.0 * (i + 1))
            for i, partner in enumerate(partners)
        ]
        data_list = [digest._prepare_statement_data() for digest in digests]
        self.env["ir.config_parameter"].sudo().set_param("invoice_reminders.pdf_processes", 2)
        together = Statement._render_statements_pdf(data_list)
        self.assertEqual(len(together), len(digests))
        for digest, data, content in zip(digests, data_list, together, strict=True):
            alone = Statement._render_statement_pdf(data)
            self.assertEqual(pdf_text(content), pdf_text(alone), digest.partner_id.name)
            self.assertIn(digest.partner_id.name, pdf_text(content))
        self.assertGreater(int(_poppler("pdfinfo", together[4]).split("Pages:")[1].split()[0]), 1)

    def test_a_batch_of_reminders_each_carries_its_own_statement(self):
        policy = self.make_policy(name="Statements", delays=(7,))
        policy.level_ids.write({"attach_statement_pdf": True, "attach_statement_docx": True})
        partners = self.env["res.partner"].create(
            [
                {
                    "name": f"Statement Customer {i}",
                    "email": f"s{i}@customer.test",
                    "reminder_policy_id": policy.id,
                }
                for i in range(6)
            ]
        )
        invoices = {
            partner: self.make_invoice(partner=partner, amount=10 * (i + 1), due_date="2026-01-20")
            for i, partner in enumerate(partners)
        }
        with freeze_time(MONDAY):
            self.run_job()
        for partner, invoice in invoices.items():
            self.assertEqual(self.digests(partner).state, "sent", partner.name)
            messages = self.smtp.to(partner.email)
            self.assertEqual(len(messages), 1)
            files = {
                part.get_filename(): part.get_content()
                for part in messages[0]["message"].iter_attachments()
            }
            statement = files[f"Statement {partner.name} 2026-02-02.pdf"]
            text = pdf_text(statement)
            self.assertIn(partner.name, text)
            self.assertIn(invoice.name, text)
            others = [p.name for p in partners if p != partner and p.name in text]
            self.assertFalse(others, partner.name)
            word = files[f"Statement {partner.name} 2026-02-02.docx"]
            self.assertEqual(docx_tables(word)[1][0][1][0], invoice.name)
