"""The reminder email as the customer reads it: who writes, by when, and how to pay."""

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.tests import HttpCase, tagged

from .test_documents import MONDAY, StatementCommon, png

PAY_BY = "02/10/2026"  # MONDAY's reminder plus the level's 8 days, in the customer's format


@tagged("post_install", "-at_install")
class TestReminderEmail(StatementCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "logo": png("green", size=(200, 80)),
                "street": "12 Harbour Road",
                "city": "Bristol",
                "zip": "BS1 5TT",
                "phone": "+44 117 496 0000",
                "website": "https://company.test",
            }
        )
        # online payment as a company sets it up: Odoo's option on, a published provider
        cls.env["ir.config_parameter"].sudo().set_param(
            "account_payment.enable_portal_payment", True
        )
        cls.provider = (
            cls.env.ref("payment.payment_provider_demo").sudo().copy({"company_id": cls.company.id})
        )
        cls.provider.write({"state": "test", "is_published": True})
        cls.eur = cls.setup_other_currency("EUR")

    def reminder_html(self, partner=None):
        messages = self.smtp.to((partner or self.customer).email)
        self.assertEqual(len(messages), 1)
        return lxml_html.fromstring(self.html_of(messages[0]["message"]))

    def run_week(self, *amounts):
        invoices = [
            self.make_invoice(amount=amount, due_date="2026-01-20", currency=currency)
            for amount, currency in amounts
        ]
        with freeze_time(MONDAY):
            self.run_job()
        self.assertEqual(self.digests().state, "sent", self.digests().error)
        return invoices

    def pay_now_links(self, page):
        return {
            a.getparent().getparent()[0].text_content().strip(): a.get("href")
            for a in page.xpath("//a[normalize-space()='Pay now']")
        }

    def test_logo_contact_details_pay_by_date_and_a_pay_now_button_per_invoice(self):
        usd = self.company.currency_id
        invoices = self.run_week((1200.0, usd), (80.0, usd), (450.0, self.eur))
        page = self.reminder_html()
        base_url = self.company.get_base_url()
        [logo] = page.xpath("//img[contains(@src, '/logo.png')]")
        self.assertEqual(logo.get("src"), f"{base_url}/logo.png?company={self.company.id}")
        self.assertEqual(logo.get("alt"), self.company.name)
        [footer] = page.xpath("//div[contains(@class, 'reminder-company')]")
        footer_text = " ".join(footer.text_content().split())
        for detail in (
            self.company.name,
            "12 Harbour Road",
            "Bristol",
            "BS1 5TT",
            "+44 117 496 0000",
            "billing@company.test",
            "https://company.test",
        ):
            self.assertIn(detail, footer_text)
        text = " ".join(page.text_content().split())
        self.assertIn(f"Please pay by {PAY_BY}.", text)
        self.assertNotIn("within 8 days", text)
        # one button per invoice, each to that invoice's payment form, with its token
        links = self.pay_now_links(page)
        self.assertEqual(set(links), {invoice.name for invoice in invoices})
        for invoice in invoices:
            self.assertEqual(
                links[invoice.name],
                f"{base_url}/my/invoices/{invoice.id}?access_token={invoice.access_token}"
                "&payment=True#portal_pay",
            )

    def test_pay_now_opens_the_invoice_payment_form(self):
        [invoice] = self.run_week((321.5, self.company.currency_id))
        link = self.pay_now_links(self.reminder_html())[invoice.name]
        response = self.url_open(link.split(self.base_url(), 1)[-1].split("#")[0])
        self.assertEqual(response.status_code, 200)
        page = lxml_html.fromstring(response.text)
        [pay] = page.xpath("//div[@id='portal_pay']")
        self.assertEqual(pay.get("data-payment"), "True")
        self.assertIn(invoice.name, response.text)
        # the payment form, for the amount due, with the company's provider
        [form] = page.xpath("//*[@id='pay_with']")
        self.assertIn("321.50", " ".join(form.text_content().split()))

    def test_no_pay_now_button_without_online_payment(self):
        self.provider.state = "disabled"
        self.run_week((500.0, self.company.currency_id))
        page = self.reminder_html()
        self.assertFalse(self.pay_now_links(page))
        self.assertFalse(self.digests().invoice_line_ids.pay_url)
        # the invoice's own link is still there
        self.assertTrue(page.xpath("//a[contains(@href, '/my/invoices/')]"))

    def test_no_pay_now_button_on_a_level_without_links(self):
        self.policy.level_ids.include_links = False
        self.run_week((500.0, self.company.currency_id))
        page = self.reminder_html()
        self.assertFalse(self.pay_now_links(page))
        self.assertFalse(page.xpath("//a[contains(@href, '/my/invoices/')]"))

    def test_final_notice_names_the_date(self):
        final = self.policy._levels_sorted()[-1]
        digest = self.make_digest(self.customer, 3, level=final)
        body = self.template_final._generate_template(digest.ids, ["body_html"])[digest.id][
            "body_html"
        ]
        text = " ".join(lxml_html.fromstring(body).text_content().split())
        self.assertIn(f"Unless payment is received by {PAY_BY}, we will have to take", text)
        self.assertNotIn("within 8 days", text)
        final.pay_within_days = 0
        digest.invalidate_recordset(["pay_by_date"])
        body = self.template_final._generate_template(digest.ids, ["body_html"])[digest.id][
            "body_html"
        ]
        text = " ".join(lxml_html.fromstring(body).text_content().split())
        self.assertIn("Unless payment is received promptly, we will have to take", text)
        self.assertNotIn("Please pay by", text)
