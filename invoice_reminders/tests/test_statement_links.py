from freezegun import freeze_time

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_documents import DOCX_MIMETYPE, MONDAY, StatementCommon, docx_tables, pdf_text


@tagged("post_install", "-at_install")
class TestStatementLinks(StatementCommon, HttpCase):
    """The links of a reminder, answered by the real HTTP server."""

    def setUp(self):
        super().setUp()
        self.invoice = self.make_invoice(amount=321.5, due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        self.digest = self.digests()
        self.assertEqual(self.digest.state, "sent")

    def test_statement_link_answers_only_its_token(self):
        html = self.html_of(self.smtp.to("accounts@deco.test")[0]["message"])
        path = self.digest.get_portal_url()
        self.assertIn(path, html)
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn(
            "Statement%20Deco%20Addict%202026-02-02.pdf", response.headers["Content-Disposition"]
        )
        text = pdf_text(response.content)
        self.assertIn(self.invoice.name, text)
        self.assertIn("321.50", text)

        response = self.url_open(path + "&report_format=docx")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], DOCX_MIMETYPE)
        self.assertEqual(docx_tables(response.content)[1][0][1][0], self.invoice.name)

        token = self.digest.access_token
        other = self.make_digest(
            self.env["res.partner"].create({"name": "Other Customer"}), 1, period="2026-01-26"
        )
        base = f"/invoice_reminders/statement/{self.digest.id}"
        refused = [
            f"{base}?access_token=wrong",
            f"{base}?access_token={token[:-1]}{'0' if token[-1] != '0' else '1'}",
            f"{base}?access_token={token.upper()}",
            f"{base}?access_token=",
            base,
            f"{base}?access_token={other.access_token}",
            f"/invoice_reminders/statement/{other.id}?access_token={token}",
            f"/invoice_reminders/statement/999999999?access_token={token}",
            f"{base}?access_token={token}&report_format=html",
        ]
        for url in refused:
            response = self.url_open(url)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn("Deco Addict", response.text, url)
            self.assertNotIn(self.invoice.name, response.text, url)
            self.assertNotIn("%PDF", response.text, url)

    def test_invoice_portal_link_uses_the_invoice_token(self):
        line = self.digest.invoice_line_ids
        self.assertIn(f"access_token={self.invoice.access_token}", line.access_url)
        path = line.access_url.split(self.base_url(), 1)[-1]
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice.name, response.text)
        wrong = f"/my/invoices/{self.invoice.id}?access_token=wrong-token"
        response = self.url_open(wrong, allow_redirects=False)
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn(self.invoice.name, response.text)

    def test_users_print_statements(self):
        print_path = f"/invoice_reminders/statement/{self.digest.id}/print/pdf"
        partner_path = f"/invoice_reminders/partner/{self.customer.id}/statement/docx"
        # not logged in: to the login page, nothing else
        for path in (print_path, partner_path):
            response = self.url_open(path, allow_redirects=False)
            self.assertIn(response.status_code, (302, 303), path)
            self.assertIn("/web/login", response.headers["Location"])
        login = self.env.user.login
        self.authenticate(login, login)
        response = self.url_open(print_path)
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice.name, pdf_text(response.content))
        with freeze_time(MONDAY):
            response = self.url_open(partner_path, timeout=60)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], DOCX_MIMETYPE)
        self.assertEqual(docx_tables(response.content)[1][0][1][0], self.invoice.name)

    def test_invoice_pdf_rendered_with_odoos_invoice_report(self):
        """An invoice without a stored PDF is rendered by Odoo's own invoice report."""
        customer = self.env["res.partner"].create({"name": "Render Ltd", "email": "ap@render.test"})
        policy = self.make_policy(name="With invoices", delays=(7,))
        policy.level_ids.attach_invoice_pdf = True
        customer.reminder_policy_id = policy
        invoice = self.make_invoice(partner=customer, amount=77, due_date="2026-01-20")
        self.assertFalse(invoice.invoice_pdf_report_id)
        # Odoo's report engine logs wkhtmltopdf's notices about header and footer
        # switches when the installed wkhtmltopdf is built without patched Qt
        with freeze_time(MONDAY), mute_logger("odoo.addons.base.models.ir_actions_report"):
            self.run_job()
        digest = self.digests(customer)
        self.assertEqual(digest.state, "sent", digest.error)
        messages = self.smtp.to("ap@render.test")
        self.assertEqual(len(messages), 1)
        parts = list(messages[0]["message"].iter_attachments())
        self.assertEqual(
            [p.get_filename() for p in parts], [invoice._get_invoice_report_filename()]
        )
        content = parts[0].get_content()
        # a real PDF, not Odoo's HTML fallback of test mode (an unpatched-Qt
        # wkhtmltopdf draws the report's web fonts as paths: no text to read back)
        self.assertTrue(content.startswith(b"%PDF"))
        self.assertNotIn(b"<html", content[:2000])
        self.assertGreater(len(content), 5000)
        # rendered for this reminder, not stored on the invoice as its legal PDF
        self.assertFalse(invoice.invoice_pdf_report_id)
        self.assertEqual(digest.attachment_ids.res_model, "invoice.reminder.digest")
