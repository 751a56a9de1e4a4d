import base64
import io
import logging
import os
import subprocess
import tempfile

import docx
from freezegun import freeze_time
from PIL import Image

from odoo import Command
from odoo.tests import tagged

from .common import ReminderRunCommon

_logger = logging.getLogger(__name__)

MONDAY = "2026-02-02 09:00:00"  # a Monday, after the 08:00 slot (company in UTC)
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LINKS_SENTENCE = "You can view and pay each invoice online by following its link."


def _poppler(tool, content, *args):
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as fh:
        fh.write(content)
        path = fh.name
    try:
        return subprocess.run(
            [tool, *args, path, "-"] if tool == "pdftotext" else [tool, *args, path],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    finally:
        os.unlink(path)


def pdf_text(content):
    """The text of a PDF, read back with pdftotext, blanks normalized."""
    return " ".join(_poppler("pdftotext", content).replace("\xa0", " ").split())


def pdf_image_count(content):
    listing = _poppler("pdfimages", content, "-list").splitlines()
    return len(listing) - 2  # two header lines


def png(color, size=(120, 60)):
    stream = io.BytesIO()
    Image.new("RGB", size, color).save(stream, "PNG")
    return base64.b64encode(stream.getvalue())


def docx_tables(content):
    document = docx.Document(io.BytesIO(content))
    return document, [
        [[cell.text for cell in row.cells] for row in table.rows] for table in document.tables
    ]


class StatementCommon(ReminderRunCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"reminder_signature": png("blue"), "reminder_stamp": png("red")})
        cls.env["ir.config_parameter"].sudo().set_param("invoice_reminders.wkhtmltopdf_path", False)

    @classmethod
    def make_digest(cls, partner, count, period="2026-02-02", level=None, amount=1000.0):
        """A reminder of ``count`` invoices built directly (no accounting entries needed)."""
        currency = cls.company.currency_id
        level = level or cls.policy._levels_sorted()[0]
        lines = [
            Command.create(
                {
                    "kind": "invoice",
                    "name": f"INV/2026/{i + 1:05d}",
                    "date": "2026-01-01",
                    "date_due": "2026-01-15",
                    "days_overdue": 18,
                    "level_id": level.id,
                    "level_index": 0,
                    "amount_residual": amount + i * 1.25,
                    "currency_id": currency.id,
                }
            )
            for i in range(count)
        ]
        total = sum(amount + i * 1.25 for i in range(count))
        return cls.env["invoice.reminder.digest"].create(
            {
                "partner_id": partner.id,
                "company_id": cls.company.id,
                "policy_id": cls.policy.id,
                "period": period,
                "level_id": level.id,
                "email_to": partner.email,
                "totals_json": {currency.name: {"due": total, "credit": 0.0, "net": total}},
                "line_ids": lines,
            }
        )

    def set_levels(self, policy, **options):
        policy.level_ids.write(options)


class AttachmentCommon(StatementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a legal PDF already stored on an invoice (as sending it from Odoo does)
        other = cls.env["res.partner"].create({"name": "Stored Pdf Ltd"})
        cls.stored_pdf = cls.make_digest(other, 1, period="2020-01-06")._render_statement("pdf")[0]

    def make_customer(self, name, **level_options):
        policy = self.make_policy(name=f"Policy {name}", delays=(7,))
        policy.level_ids.write(level_options)
        return self.env["res.partner"].create(
            {
                "name": name,
                "email": f"{name.lower().replace(' ', '.')}@customer.test",
                "reminder_policy_id": policy.id,
            }
        )

    def store_pdf(self, invoice):
        attachment = self.env["ir.attachment"].create(
            {
                "name": invoice._get_invoice_report_filename(),
                "raw": self.stored_pdf,
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": invoice.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        invoice.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
        self.assertEqual(invoice.invoice_pdf_report_id, attachment)
        return attachment

    def received(self, partner):
        messages = self.smtp.to(partner.email)
        self.assertEqual(len(messages), 1, partner.name)
        message = messages[0]["message"]
        return message, {
            part.get_filename(): (part.get_content_type(), part.get_content())
            for part in message.iter_attachments()
        }


@tagged("post_install", "-at_install")
class TestDigestAttachments(AttachmentCommon):
    def test_each_digest_carries_exactly_what_its_level_asks(self):
        self.company.logo = False  # images counted below: signature and stamp only
        nothing = self.make_customer("Nothing Ltd", include_links=False)
        links = self.make_customer("Links Ltd")
        statements = self.make_customer(
            "Statements Ltd",
            include_links=False,
            attach_statement_pdf=True,
            attach_statement_docx=True,
        )
        everything = self.make_customer(
            "Everything Ltd",
            attach_invoice_pdf=True,
            attach_statement_pdf=True,
            print_signature_stamp=True,
            attachment_name="{company} reminder {customer}",
        )
        invoices = {
            partner: self.make_invoice(partner=partner, amount=120, due_date="2026-01-20")
            for partner in (nothing, links, statements, everything)
        }
        stored = self.store_pdf(invoices[everything])
        attachments_before = self.env["ir.attachment"].search_count([])
        with freeze_time(MONDAY):
            self.run_job()

        message, files = self.received(nothing)
        html = self.html_of(message)
        self.assertEqual(files, {})
        # the invoice is listed, without a link and without the sentence about links
        self.assertIn(invoices[nothing].name, html)
        self.assertNotIn("/my/invoices", html)
        self.assertNotIn("<a ", html.split("reminder-invoices", 1)[1].split("</table>", 1)[0])
        self.assertNotIn(LINKS_SENTENCE, html)
        self.assertNotIn("/invoice_reminders/statement/", html)

        message, files = self.received(links)
        html = self.html_of(message)
        self.assertEqual(files, {})
        invoice = invoices[links]
        self.assertIn(f"/my/invoices/{invoice.id}?access_token={invoice.access_token}", html)
        self.assertIn(LINKS_SENTENCE, html)
        digest = self.digests(links)
        self.assertIn(
            f"/invoice_reminders/statement/{digest.id}?access_token={digest.access_token}", html
        )

        _message, files = self.received(statements)
        self.assertEqual(
            {name: mimetype for name, (mimetype, _content) in files.items()},
            {
                "Statement Statements Ltd 2026-02-02.pdf": "application/pdf",
                "Statement Statements Ltd 2026-02-02.docx": DOCX_MIMETYPE,
            },
        )
        pdf = files["Statement Statements Ltd 2026-02-02.pdf"][1]
        self.assertIn(invoices[statements].name, pdf_text(pdf))
        self.assertEqual(pdf_image_count(pdf), 0)
        word = files["Statement Statements Ltd 2026-02-02.docx"][1]
        self.assertEqual(docx_tables(word)[1][0][1][0], invoices[statements].name)

        _message, files = self.received(everything)
        invoice_file = invoices[everything]._get_invoice_report_filename()
        statement_file = f"{self.company.name} reminder Everything Ltd.pdf"
        self.assertEqual(set(files), {invoice_file, statement_file})
        # the stored invoice PDF is sent as it is, not rendered again
        self.assertEqual(files[invoice_file][1], self.stored_pdf)
        self.assertEqual(pdf_image_count(files[statement_file][1]), 2)
        digest = self.digests(everything)
        # a copy of the stored legal PDF (Odoo 19.0 keeps a field's attachment out
        # of a mail's): the same file of the filestore
        copy = digest.attachment_ids.filtered(lambda a: a.name == invoice_file)
        self.assertEqual(copy.checksum, stored.checksum)
        self.assertEqual(copy.store_fname, stored.store_fname)
        self.assertEqual(digest.mail_id.attachment_ids, digest.attachment_ids)

        # new files: the three statements and the copy (no invoice PDF rendered)
        new = self.env["ir.attachment"].search_count([]) - attachments_before
        created = self.env["ir.attachment"].search([("res_model", "=", "invoice.reminder.digest")])
        self.assertEqual(len(created), 4)
        self.assertGreaterEqual(new, 4)
        self.assertEqual(created.filtered(lambda a: a.name == invoice_file), copy)

    def test_stored_invoice_pdf_reused_every_week(self):
        customer = self.make_customer("Weekly Ltd", attach_invoice_pdf=True)
        invoice = self.make_invoice(partner=customer, due_date="2026-01-20")
        stored = self.store_pdf(invoice)
        for week in ("2026-02-02 09:00:00", "2026-02-09 09:00:00"):
            with freeze_time(week):
                self.run_job()
        digests = self.digests(customer)
        self.assertEqual(len(digests), 2)
        for digest in digests:
            self.assertEqual(digest.state, "sent")
            # a copy of it: the same file of the filestore, nothing rendered
            self.assertEqual(digest.attachment_ids.mapped("checksum"), [stored.checksum])
            self.assertEqual(digest.attachment_ids.store_fname, stored.store_fname)
        for message in self.smtp.to(customer.email):
            attachments = list(message["message"].iter_attachments())
            self.assertEqual(len(attachments), 1)
            self.assertEqual(attachments[0].get_content(), self.stored_pdf)

    def test_main_attachment_pdf_is_reused(self):
        customer = self.make_customer("Main Ltd", attach_invoice_pdf=True)
        invoice = self.make_invoice(partner=customer, due_date="2026-01-20")
        main = self.env["ir.attachment"].create(
            {
                "name": "scan.pdf",
                "raw": self.stored_pdf,
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": invoice.id,
            }
        )
        invoice.message_main_attachment_id = main
        with freeze_time(MONDAY):
            self.run_job()
        self.assertEqual(self.digests(customer).attachment_ids, main)
        _message, files = self.received(customer)
        self.assertEqual(files["scan.pdf"][1], self.stored_pdf)

    def test_missing_wkhtmltopdf_fails_that_digest_only_and_is_retried(self):
        broken = self.make_customer("Pdf Ltd", attach_statement_pdf=True)
        word_only = self.make_customer("Word Ltd", attach_statement_docx=True)
        self.make_invoice(partner=broken, due_date="2026-01-20")
        self.make_invoice(partner=word_only, due_date="2026-01-20")
        self.make_invoice(due_date="2026-01-20")  # default level: links only
        self.env["ir.config_parameter"].sudo().set_param(
            "invoice_reminders.wkhtmltopdf_path", "/nonexistent/bin/wkhtmltopdf"
        )
        with freeze_time(MONDAY):
            self.run_job()
        digest = self.digests(broken)
        self.assertEqual(digest.state, "failed")
        self.assertFalse(digest.mail_id)
        self.assertIn("could not be built", digest.error)
        self.assertIn("/nonexistent/bin/wkhtmltopdf", digest.error)
        self.assertFalse(self.smtp.to(broken.email), "nothing sent with a missing document")
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("res_model", "=", "invoice.reminder.digest"), ("res_id", "=", digest.id)]
            )
        )
        # the others went out
        self.assertEqual(self.digests(word_only).state, "sent")
        self.assertEqual(len(self.received(word_only)[1]), 1)
        self.assertEqual(self.digests().state, "sent")
        # the owner's summary tells
        summary = self.html_of(self.smtp.to("owner@company.test")[0]["message"])
        self.assertIn("Pdf Ltd", summary)
        self.assertIn("could not be built", summary)

        # wkhtmltopdf back: Send now builds it again and sends it
        self.env["ir.config_parameter"].sudo().set_param(
            "invoice_reminders.wkhtmltopdf_path", "/usr/bin/wkhtmltopdf"
        )
        self.smtp.reset()
        with freeze_time("2026-02-02 10:00:00"):
            action = digest.run_id.action_send_now()
            self.deliver()
            self.env["invoice.reminder.run"].sudo()._cron_send_digests()
        digest = self.digests(broken)
        self.assertEqual(digest.state, "sent")
        _message, files = self.received(broken)
        self.assertEqual(list(files), ["Statement Pdf Ltd 2026-02-02.pdf"])
        self.assertFalse(self.smtp.to(word_only.email), "the others are not sent twice")
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("1 reminder(s) queued, 0 failed", action["params"]["message"])

    def test_wkhtmltopdf_failing_is_a_failed_digest(self):
        customer = self.make_customer("Crash Ltd", attach_statement_pdf=True)
        self.make_invoice(partner=customer, due_date="2026-01-20")
        # a binary that exists but does not produce a PDF
        self.env["ir.config_parameter"].sudo().set_param(
            "invoice_reminders.wkhtmltopdf_path", "/bin/false"
        )
        with freeze_time(MONDAY):
            self.run_job()
        digest = self.digests(customer)
        self.assertEqual(digest.state, "failed")
        self.assertIn("could not be built", digest.error)
        self.assertFalse(self.smtp.to(customer.email))


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
