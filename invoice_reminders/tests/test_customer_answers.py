import html
import io
import re
from datetime import timedelta

import docx
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import ReminderRunCommon
from .test_documents import pdf_text

MONDAY = "2026-02-02 09:00:00"  # a Monday, after the 08:00 slot (company in UTC)
TUESDAY = "2026-02-03 10:00:00"  # the day after: the customer answers
LINK = re.compile(r'href="(?P<url>[^"]*/my/reminders/\d+\?access_token=[^"]+)"')


@tagged("post_install", "-at_install")
class TestCustomerAnswers(ReminderRunCommon, HttpCase):
    """The customer answers a reminder on its page, over real HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env,
            login="ir_sales",
            groups="base.group_user,account.group_account_invoice",
            email="sales@company.test",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.customer.write({"user_id": cls.salesperson.id, "phone": "+32 2 555 01 02"})
        cls.promised = cls.make_invoice(amount=400, due_date="2026-01-20")
        cls.disputed = cls.make_invoice(amount=250, due_date="2026-01-20")
        cls.paid = cls.make_invoice(amount=180, due_date="2026-01-20")
        cls.called = cls.make_invoice(amount=90, due_date="2026-01-20")

    def setUp(self):
        super().setUp()
        with freeze_time(MONDAY):
            self.run_job()
        self.digest = self.digests()
        self.assertEqual(self.digest.state, "sent")
        self.smtp.reset()

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------

    def page_path(self, digest=None):
        return (digest or self.digest)._get_answer_path()

    def open_page(self, path=None, moment=TUESDAY):
        with freeze_time(moment):
            return self.url_open(path or self.page_path())

    def form_fields(self, page_html, kind):
        """The hidden fields of the page's form of ``kind``."""
        form = page_html.split(f"o_invoice_reminder_{kind}", 1)[1].split("</form>", 1)[0]
        return {
            name: html.unescape(value)
            for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', form)
        }

    def answer(self, kind, moment=TUESDAY, files=None, path=None, fields=None, **values):
        """Open the page, fill the form of ``kind`` and post it; the response."""
        response = self.open_page(path, moment)
        self.assertEqual(response.status_code, 200, response.text[:500])
        data = {**self.form_fields(response.text, kind), **(fields or {}), **values}
        target = (path or self.page_path()).replace("?", "/answer?", 1)
        with freeze_time(moment):
            return self.url_open(target, data=data, files=files, allow_redirects=False)

    def counts(self):
        return (
            self.env["invoice.reminder.answer"].search_count([]),
            self.env["invoice.reminder.promise"].search_count([]),
            self.env["mail.mail"].sudo().search_count([]),
            self.env["mail.activity"].search_count([]),
        )

    # ------------------------------------------------------------------
    # the link and the page
    # ------------------------------------------------------------------

    def test_email_link_opens_the_page_in_the_customers_language(self):
        self.smtp.reset()
        with freeze_time("2026-02-09 09:00:00"):
            self.run_job()
        message = self.smtp.to("accounts@deco.test")[0]["message"]
        url = html.unescape(LINK.search(self.html_of(message))["url"])
        path = url.split(self.base_url(), 1)[-1]
        digest = self.digests()[-1]
        self.assertEqual(path, digest._get_answer_path())
        response = self.open_page(path, "2026-02-10 10:00:00")
        self.assertEqual(response.status_code, 200)
        page = response.text
        for invoice in (self.promised, self.disputed, self.paid, self.called):
            self.assertIn(invoice.name, page)
        self.assertIn("400.00", page)
        self.assertIn("01/20/2026", page)
        self.assertIn(digest.get_portal_url().replace("&", "&amp;"), page)
        # the statement carries the link too, in PDF and in Word
        data = digest._prepare_statement_data()
        self.assertEqual(data["answer_link"]["url"], url)
        content, _name, _mimetype = digest._render_statement("pdf")
        self.assertIn("Answer this reminder online", pdf_text(content))
        content, _name, _mimetype = digest._render_statement("docx")
        paragraphs = [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]
        self.assertIn(f"Answer this reminder online: {url}", paragraphs)

    def test_portal_user_reaches_the_page_from_my_account(self):
        portal = new_test_user(self.env, login="deco_portal", groups="base.group_portal")
        portal.partner_id.parent_id = self.customer
        self.authenticate("deco_portal", "deco_portal")
        with freeze_time(TUESDAY):
            response = self.url_open("/my/reminders")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.page_path().replace("&", "&amp;"), response.text)

    # ------------------------------------------------------------------
    # the four answers and the next run
    # ------------------------------------------------------------------

    def test_answers_pause_the_next_run_log_and_confirm(self):
        response = self.answer(
            "promise", move=str(self.promised.id), date="2026-02-20", amount="400"
        )
        self.assertEqual(response.status_code, 303, response.text[:500])
        promise = self.env["invoice.reminder.promise"].search([("move_ids", "=", self.promised.id)])
        self.assertEqual((promise.amount, str(promise.date)), (400.0, "2026-02-20"))
        self.assertEqual(promise.state, "open")

        response = self.answer(
            "dispute",
            move=str(self.disputed.id),
            reason="amount",
            comment="We ordered 2, not 3.",
            files={"file": ("credit-note-request.pdf", b"%PDF-1.4 proof", "application/pdf")},
        )
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertTrue(self.disputed.reminder_disputed)
        self.assertIn("We ordered 2, not 3.", self.disputed.reminder_dispute_note)
        posted = self.disputed.message_ids.filtered(lambda m: "disputes" in (m.body or ""))
        self.assertEqual(posted.attachment_ids.mapped("name"), ["credit-note-request.pdf"])
        self.assertEqual(posted.attachment_ids.raw, b"%PDF-1.4 proof")
        self.assertEqual(posted.author_id, self.customer)

        response = self.answer("paid", move=str(self.paid.id), date="2026-02-02")
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertEqual(str(self.paid.reminder_pause_until), "2026-02-10")

        response = self.answer(
            "call", move=str(self.called.id), phone="+32 2 555 01 02", call_time="mornings"
        )
        self.assertEqual(response.status_code, 303, response.text[:500])
        activity = self.customer.activity_ids
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertIn("+32 2 555 01 02", activity.summary)
        self.assertIn("mornings", str(activity.note))

        # logged on the customer's and the invoices' chatter
        bodies = " ".join(self.customer.message_ids.mapped("body"))
        for word in ("promises to pay", "disputes", "as paid", "asks for a call"):
            self.assertIn(word, bodies)
        for invoice in (self.promised, self.paid, self.called):
            self.assertIn("Answered on the reminder", " ".join(invoice.message_ids.mapped("body")))
        answers = self.env["invoice.reminder.answer"].search([("digest_id", "=", self.digest.id)])
        self.assertEqual(sorted(answers.mapped("kind")), ["call", "dispute", "paid", "promise"])

        # the page shows what was answered
        page = self.open_page().text
        self.assertEqual(page.count('o_invoice_reminder_answer"'), 4)

        # confirmed to the customer, the salesperson told
        self.deliver()
        confirmations = [
            m["message"]
            for m in self.smtp.to("accounts@deco.test")
            if "we received your answer" in m["message"]["Subject"]
        ]
        self.assertEqual(len(confirmations), 4)
        self.assertIn("You promised to pay", self.html_of(confirmations[0]))
        self.assertTrue(self.smtp.to("sales@company.test"))

        # the next weekly run reminds only the invoice of the call
        with freeze_time("2026-02-09 09:00:00"):
            self.run_job()
        self.assertEqual(self.digests()[-1].invoice_line_ids.move_id, self.called)
        # the paid report's pause is over a week later; the promise still holds
        with freeze_time("2026-02-16 09:00:00"):
            self.run_job()
        self.assertEqual(self.digests()[-1].invoice_line_ids.move_id, self.called | self.paid)

    def test_second_promise_replaces_the_open_one_only(self):
        first = self.answer("promise", move=str(self.promised.id), date="2026-02-10")
        self.assertEqual(first.status_code, 303)
        second = self.answer("promise", move=str(self.promised.id), date="2026-02-12", amount="100")
        self.assertEqual(second.status_code, 303)
        promise = self.env["invoice.reminder.promise"].search([("move_ids", "=", self.promised.id)])
        self.assertEqual((promise.amount, str(promise.date)), (100.0, "2026-02-12"))
        states = self.env["invoice.reminder.answer"].search([], order="id").mapped("state")
        self.assertEqual(states, ["replaced", "received"])
        promise.write({"state": "broken", "state_date": "2026-02-16"})
        before = self.counts()
        third = self.answer("promise", move=str(self.promised.id), date="2026-02-20")
        self.assertEqual(third.status_code, 400)
        self.assertIn("can no longer be changed", third.text)
        self.assertEqual(self.counts(), before)

    # ------------------------------------------------------------------
    # bad input: a clear message, nothing saved, nothing sent
    # ------------------------------------------------------------------

    def test_bad_input_is_refused_and_nothing_written(self):
        big = b"%PDF" + b"0" * (10 * 1024 * 1024)
        cases = [
            ("promise", {"date": "2026-02-02"}, None, "cannot be in the past"),
            ("promise", {"date": "2026-03-06"}, None, "cannot be later than"),
            ("promise", {"date": "2026-02-10", "amount": "0"}, None, "more than zero"),
            ("promise", {"date": "2026-02-10", "amount": "400.01"}, None, "more than what is due"),
            ("promise", {"date": "2026-02-10", "amount": "lots"}, None, "as a number"),
            ("promise", {"date": "not a date"}, None, "valid date"),
            ("dispute", {"reason": ""}, None, "reason of the dispute"),
            ("dispute", {"reason": "forged"}, None, "reason of the dispute"),
            ("dispute", {"reason": "other"}, {"file": ("big.pdf", big)}, "too large"),
            ("dispute", {"reason": "other"}, {"file": ("x.exe", b"MZ")}, "not accepted"),
            ("paid", {"date": "2026-02-04"}, None, "cannot be in the future"),
            ("paid", {"date": "2026-02-01"}, {"file": ("p.pdf", b"<html>")}, "not accepted"),
            ("call", {"phone": "call me"}, None, "phone number"),
            ("promise", {"move": "999999999", "date": "2026-02-10"}, None, "choose an answer"),
            ("promise", {"kind": "forged", "date": "2026-02-10"}, None, "choose an answer"),
        ]
        before = self.counts()
        for kind, values, files, message in cases:
            values = {"move": str(self.promised.id), **values}
            response = self.answer(kind, files=files, fields=values)
            self.assertEqual(response.status_code, 400, (kind, values))
            self.assertIn(message, html.unescape(response.text), (kind, values))
            self.assertEqual(self.counts(), before, (kind, values))
        self.promised.invalidate_recordset()
        self.assertFalse(self.promised.reminder_disputed)
        self.assertFalse(self.promised.reminder_pause_until)

    def test_same_form_posted_twice_is_taken_once(self):
        response = self.open_page()
        data = {
            **self.form_fields(response.text, "call"),
            "move": "all",
            "phone": "0123456789",
        }
        target = self.page_path().replace("?", "/answer?", 1)
        with freeze_time(TUESDAY):
            first = self.url_open(target, data=data, allow_redirects=False)
            before = self.counts()
            second = self.url_open(target, data=data, allow_redirects=False)
        self.assertEqual(first.status_code, 303)
        self.assertEqual(second.status_code, 400)
        self.assertIn("already sent", second.text)
        self.assertEqual(self.counts(), before)
        self.assertEqual(
            self.env["invoice.reminder.answer"].search([]).move_ids, self.digest._answer_moves()
        )

    def test_rate_limited_per_token(self):
        for _i in range(10):
            response = self.answer("call", move="all", phone="0123456789")
            self.assertEqual(response.status_code, 303)
        before = self.counts()
        response = self.answer("call", move="all", phone="0123456789")
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many answers", response.text)
        self.assertEqual(self.counts(), before)
        # an hour later it answers again
        response = self.answer("call", moment="2026-02-03 11:30:00", move="all", phone="0123456789")
        self.assertEqual(response.status_code, 303)

    # ------------------------------------------------------------------
    # wrong tokens, other customers, expiry, CSRF: the same 404 (or 400)
    # ------------------------------------------------------------------

    def test_wrong_token_other_customer_expired_answer_404(self):
        other_customer = self.env["res.partner"].create(
            {"name": "Other Customer", "email": "ap@other.test"}
        )
        self.make_invoice(partner=other_customer, amount=70, due_date="2026-01-20")
        with freeze_time("2026-02-09 09:00:00"):
            self.run_job()
        other = self.digests(other_customer)
        token = self.digest.access_token
        base = f"/my/reminders/{self.digest.id}"
        wrong = [
            f"{base}?access_token=wrong",
            f"{base}?access_token={token.upper()}",
            f"{base}?access_token=",
            base,
            f"{base}?access_token={other.access_token}",
            f"/my/reminders/{other.id}?access_token={token}",
            f"/my/reminders/999999999?access_token={token}",
        ]
        before = self.counts()
        for path in wrong:
            self.assertEqual(self.open_page(path).status_code, 404, path)
            target = path.replace("?", "/answer?", 1) if "?" in path else f"{path}/answer"
            # Odoo logs the refused POST (a forged CSRF token)
            with freeze_time(TUESDAY), mute_logger("odoo.http"):
                response = self.url_open(
                    target, data={"csrf_token": "x", "kind": "call", "phone": "0123456789"}
                )
            self.assertIn(response.status_code, (400, 404), path)
            self.assertNotIn("Deco Addict", response.text)
        # expired after 90 days, and once every invoice is paid
        self.assertEqual(self.open_page(moment="2026-05-03 10:00:00").status_code, 200)
        self.assertEqual(self.open_page(moment="2026-05-04 10:00:00").status_code, 404)
        # a portal user of another customer, with the right token
        stranger = new_test_user(self.env, login="other_portal", groups="base.group_portal")
        stranger.partner_id.parent_id = other_customer
        self.authenticate("other_portal", "other_portal")
        self.assertEqual(self.open_page().status_code, 404)
        self.authenticate(None, None)
        self.assertEqual(self.counts(), before)
        for invoice in (self.promised, self.disputed, self.paid, self.called):
            self.pay(invoice, date="2026-02-03")
        self.assertEqual(self.open_page().status_code, 404)

    def test_answers_need_a_post_with_odoos_csrf_token(self):
        before = self.counts()
        target = self.page_path().replace("?", "/answer?", 1)
        with freeze_time(TUESDAY):
            response = self.url_open(target + "&kind=call&move=all&phone=0123456789")
        self.assertEqual(response.status_code, 405, "a GET answers nothing")
        page = self.open_page().text
        data = {**self.form_fields(page, "call"), "move": "all", "phone": "0123456789"}
        data.pop("csrf_token")
        with freeze_time(TUESDAY), mute_logger("odoo.http"):
            response = self.url_open(target, data=data, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        with freeze_time(TUESDAY), mute_logger("odoo.http"):
            response = self.url_open(
                target, data={**data, "csrf_token": "forged"}, allow_redirects=False
            )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.counts(), before)

    # ------------------------------------------------------------------
    # the customer's browser
    # ------------------------------------------------------------------

    def test_tour_answers_from_the_emailed_link(self):
        """Headless Chromium, anonymous, from the link of the mail received."""
        customer = self.env["res.partner"].create(
            {"name": "TOUR Gamma", "email": "ap@gamma.test", "is_company": True}
        )
        customer.user_id = self.salesperson
        today = fields.Date.today()
        # the browser runs at today's date: invoices overdue as of today
        first, second, third = (
            self.make_invoice(
                partner=customer,
                amount=amount,
                invoice_date=today - timedelta(days=days + 30),
                due_date=today - timedelta(days=days),
            )
            for amount, days in ((300, 30), (200, 20), (100, 10))
        )
        self.run_job()
        message = self.smtp.to("ap@gamma.test")[0]["message"]
        url = html.unescape(LINK.search(self.html_of(message))["url"])
        self.smtp.reset()
        self.start_tour(url.split(self.base_url(), 1)[-1], "invoice_reminders_answer_tour")

        promise = self.env["invoice.reminder.promise"].search([("partner_id", "=", customer.id)])
        self.assertEqual(promise.move_ids, first)
        self.assertEqual(promise.date, today + timedelta(days=10))
        self.assertEqual(promise.amount, 300.0)
        self.assertTrue(second.reminder_disputed)
        self.assertFalse(first.reminder_disputed or third.reminder_disputed)
        self.assertIn("two delivered", " ".join(second.message_ids.mapped("body")))
        activity = customer.activity_ids
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertIn("+32 2 555 01 99", activity.summary)
        for invoice in (first, second, third):
            self.assertIn("Answered on the reminder", " ".join(invoice.message_ids.mapped("body")))
        self.deliver()
        subjects = [m["message"]["Subject"] for m in self.smtp.to("ap@gamma.test")]
        self.assertEqual(len([s for s in subjects if "we received your answer" in s]), 3)
        # the next weekly run reminds neither the promised nor the disputed invoice
        with freeze_time(fields.Datetime.now() + timedelta(days=7)):
            self.run_job()
        last = self.digests(customer)[-1]
        self.assertEqual(last.invoice_line_ids.move_id, third)

    def test_the_page_speaks_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["invoice_reminders"], ["fr_FR"])
        self.customer.lang = "fr_FR"
        with freeze_time("2026-02-09 09:00:00"):
            self.run_job()
        email = self.html_of(self.smtp.to("accounts@deco.test")[-1]["message"])
        self.assertIn("Répondez à ce rappel en ligne", email)
        self.digest = self.digests()[-1]
        moment = "2026-02-10 10:00:00"
        page = html.unescape(self.open_page(moment=moment).text)
        for text in ("Rappel de paiement de", "Toutes les factures", "Je paierai avant une date"):
            self.assertIn(text, page)
        self.assertIn("20/01/2026", page)
        response = self.answer("promise", moment=moment, move="all", date="2026-02-09")
        self.assertEqual(response.status_code, 400)
        self.assertIn("La date ne peut pas être dans le passé.", html.unescape(response.text))
        response = self.answer("call", moment=moment, move="all", phone="0123456789")
        self.assertEqual(response.status_code, 303)
        self.smtp.reset()
        self.deliver()
        confirmation = self.smtp.to("accounts@deco.test")[0]["message"]
        self.assertIn("nous avons bien reçu votre réponse", confirmation["Subject"])
        self.assertIn("Vous nous avez demandé de vous appeler", self.html_of(confirmation))

    def test_answers_are_read_by_accounting_only_in_their_company(self):
        response = self.answer("call", move="all", phone="0123456789")
        self.assertEqual(response.status_code, 303)
        answer = self.env["invoice.reminder.answer"].search([])
        portal = new_test_user(self.env, login="deco_portal2", groups="base.group_portal")
        portal.partner_id.parent_id = self.customer
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_model"):
            answer.with_user(portal).read(["kind"])
        auditor = new_test_user(
            self.env,
            login="ir_auditor",
            groups="base.group_user,account.group_account_readonly",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        self.assertEqual(answer.with_user(auditor).read(["kind"])[0]["kind"], "call")
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_model"):
            answer.with_user(auditor).write({"phone": "999999"})
        other_company = self.env["res.company"].create({"name": "Other Co"})
        stranger = new_test_user(
            self.env,
            login="ir_other_billing",
            groups="base.group_user,account.group_account_invoice",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        self.assertFalse(self.env["invoice.reminder.answer"].with_user(stranger).search([]))
