from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import ReminderRunCommon
from .test_documents import docx_tables


@tagged("post_install", "-at_install")
class TestCollections(ReminderRunCommon):
    """Pause, dispute, promise to pay, one customer by hand, thank-you."""

    def run_at(self, moment):
        with freeze_time(moment):
            self.run_job()

    def run_of(self, period):
        return self.env["invoice.reminder.run"].search(
            [("policy_id", "=", self.policy.id), ("period", "=", period)]
        )

    def pause(self, records, until, reason="other", note=False):
        wizard = self.env["invoice.reminder.pause"].create(
            {
                "partner_ids": [fields.Command.set(records.ids)]
                if records._name == "res.partner"
                else [],
                "move_ids": [fields.Command.set(records.ids)]
                if records._name == "account.move"
                else [],
                "date": until,
                "reason": reason,
                "note": note,
            }
        )
        return wizard.action_confirm()

    # -- pause --------------------------------------------------------------

    def test_customer_pause_expires_and_reminders_resume(self):
        invoice = self.make_invoice(amount=250, due_date="2026-01-20")
        with freeze_time("2026-01-30 10:00:00"):
            self.pause(self.customer, "2026-02-09", reason="plan", note="3 instalments")
            self.assertTrue(self.customer.reminder_paused)
        self.assertIn("paused until 02/09/2026", self.customer.message_ids[0].body)
        self.run_at("2026-02-02 09:00:00")
        self.run_at("2026-02-09 09:00:00")
        self.assertFalse(self.digests(), "no reminder while paused (its last day included)")
        skip = self.run_of("2026-02-02").skip_ids
        self.assertEqual((skip.partner_id, skip.reason), (self.customer, "paused"))
        self.assertIn("250.00", skip.amounts_display)
        summary = self.html_of(self.smtp.to("owner@company.test")[0]["message"])
        self.assertIn("Paused", summary)
        self.assertIn("250.00", summary)
        self.run_at("2026-02-16 09:00:00")
        digest = self.digests()
        self.assertEqual(len(digest), 1, "resumed on its own the day after the pause")
        self.assertEqual(digest.invoice_line_ids.move_id, invoice)
        self.assertEqual(digest.level_id.name, "First reminder", "at the level where it stopped")
        with freeze_time("2026-02-16 10:00:00"):
            self.assertFalse(self.customer.reminder_paused)

    def test_invoice_pause_keeps_the_others(self):
        paused = self.make_invoice(amount=100, due_date="2026-01-20")
        other = self.make_invoice(amount=200, due_date="2026-01-20")
        with freeze_time("2026-01-30 10:00:00"):
            self.pause(paused, "2026-02-28", reason="dispute")
        self.run_at("2026-02-02 09:00:00")
        self.assertEqual(self.digests().invoice_line_ids.move_id, other)

    def test_pause_bad_input(self):
        with freeze_time("2026-01-30 10:00:00"):
            with self.assertRaisesRegex(UserError, "needs an end date"):
                self.pause(self.customer, False)
            with self.assertRaisesRegex(UserError, "cannot be in the past"):
                self.pause(self.customer, "2026-01-29")
        self.assertFalse(self.customer.reminder_pause_until)

    # -- dispute --------------------------------------------------------------

    def test_disputed_invoice_is_out_of_reminders_and_statements(self):
        disputed = self.make_invoice(amount=999, due_date="2026-01-20")
        due = self.make_invoice(amount=120, due_date="2026-01-20")
        disputed.write({"reminder_disputed": True, "reminder_dispute_note": "wrong quantity"})
        self.policy.level_ids.write({"attach_statement_docx": True})
        self.run_at("2026-02-02 09:00:00")
        digest = self.digests()
        self.assertEqual(digest.invoice_line_ids.move_id, due)
        html = self.html_of(self.smtp.to("accounts@deco.test")[0]["message"])
        self.assertNotIn(disputed.name, html)
        self.assertNotIn("999.00", html)
        content, _name, _mimetype = digest._render_statement("docx")
        _document, tables = docx_tables(content)
        cells = " ".join(cell for table in tables for row in table for cell in row)
        self.assertIn(due.name, cells)
        self.assertNotIn(disputed.name, cells)
        self.assertNotIn("999.00", cells)
        # resolved: back in the next reminder
        disputed.reminder_disputed = False
        self.run_at("2026-02-09 09:00:00")
        self.assertIn(disputed, self.digests()[-1].invoice_line_ids.move_id)

    # -- promises -------------------------------------------------------------

    def promise(self, invoices, amount, date, grace=0):
        return self.env["invoice.reminder.promise"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [fields.Command.set(invoices.ids)],
                "amount": amount,
                "date": date,
                "grace_days": grace,
            }
        )

    def test_promise_kept(self):
        invoice = self.make_invoice(amount=500, due_date="2026-01-12")
        self.run_at("2026-01-19 09:00:00")
        self.assertEqual(len(self.digests()), 1)
        with freeze_time("2026-01-20 10:00:00"):
            promise = self.promise(invoice, 500, "2026-02-05", grace=3)
        self.assertIn("Promise to pay", self.customer.message_ids[0].body)
        self.run_at("2026-01-26 09:00:00")
        self.run_at("2026-02-02 09:00:00")
        self.assertEqual(len(self.digests()), 1, "no reminder while the promise holds")
        self.pay(invoice, date="2026-02-04")
        self.run_at("2026-02-09 09:00:00")
        self.assertEqual(promise.state, "kept")
        self.assertEqual(len(self.digests()), 1)

    def test_promise_broken_resumes_at_the_next_level(self):
        policy = self.make_policy(delays=(7, 30, 60), name="Slow ladder")
        self.customer.reminder_policy_id = policy
        invoice = self.make_invoice(amount=500, due_date="2026-01-19")
        with freeze_time("2026-01-26 09:00:00"):
            self.run_job()
        first = self.digests()
        self.assertEqual(first.level_id.name, "Level 1")
        with freeze_time("2026-01-27 10:00:00"):
            promise = self.promise(invoice, 300, "2026-01-29")
        self.pay(invoice, amount=100, date="2026-01-28")
        with freeze_time("2026-02-02 09:00:00"):
            self.run_job()
        self.assertEqual(promise.state, "broken")
        second = self.digests()[-1]
        # 14 days overdue would stay at the first level: the broken promise moves it up
        self.assertEqual(second.level_id.name, "Level 2")
        run = second.run_id
        self.assertEqual(run._summary_broken_promises(), promise)
        summary = self.html_of(self.smtp.to("owner@company.test")[-1]["message"])
        self.assertIn("Broken promises to pay", summary)
        self.assertIn(invoice.name, summary)
        # the next week, the ladder goes on from there
        with freeze_time("2026-02-09 09:00:00"):
            self.run_job()
        self.assertEqual(self.digests()[-1].level_id.name, "Level 2")

    def test_promise_bad_input(self):
        invoice = self.make_invoice(amount=500, due_date="2026-01-19")
        count = self.env["invoice.reminder.promise"].search_count([])
        cases = [
            (0, "2026-02-05", "more than zero"),
            (800, "2026-02-05", "more than what the invoices still owe"),
            (100, "2026-01-20", "cannot be in the past"),
        ]
        with freeze_time("2026-01-27 10:00:00"):
            for amount, date, message in cases:
                # as in the web client: the transaction of a refused save is rolled back
                with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
                    self.promise(invoice, amount, date)
        self.assertEqual(self.env["invoice.reminder.promise"].search_count([]), count)

    # -- one customer by hand -------------------------------------------------

    def test_send_now_from_the_schedule_then_the_cron_sends_nothing_more(self):
        self.make_invoice(amount=300, due_date="2026-01-20")
        with freeze_time("2026-02-02 08:30:00"):
            schedule = self.env["res.partner"].search([("reminder_has_overdue", "=", True)])
            self.assertIn(self.customer, schedule)
            self.assertEqual(self.customer.reminder_next_date, fields.Date.to_date("2026-02-02"))
            action = self.customer.action_reminder_send_now()
            self.assertEqual(action["params"]["type"], "success")
            again = self.customer.action_reminder_send_now()
            self.assertEqual(again["params"]["type"], "info")
            self.deliver()
        self.run_at("2026-02-02 09:00:00")
        self.assertEqual(len(self.digests()), 1)
        self.assertEqual(len(self.smtp.to("accounts@deco.test")), 1, "exactly once")
        self.assertEqual(self.digests().state, "sent")

    def test_skip_this_period(self):
        self.make_invoice(amount=300, due_date="2026-01-20")
        with freeze_time("2026-02-02 08:30:00"):
            self.customer.action_reminder_skip_period()
        self.run_at("2026-02-02 09:00:00")
        self.assertFalse(self.digests())
        skip = self.run_of("2026-02-02").skip_ids
        self.assertEqual(skip.reason, "skipped")
        self.run_at("2026-02-09 09:00:00")
        self.assertEqual(len(self.digests()), 1, "only that period is skipped")

    def test_send_now_needs_a_manager(self):
        user = self.make_user("collector", "account.group_account_invoice")
        self.make_invoice(amount=300, due_date="2026-01-20")
        with freeze_time("2026-02-02 08:30:00"), self.assertRaises(AccessError):
            self.customer.with_user(user).action_reminder_send_now()
        self.assertFalse(self.digests())

    # -- thank-you ------------------------------------------------------------

    def test_thank_you_once_when_a_reminded_invoice_is_paid(self):
        self.policy.thanks_template_id = self.env.ref(
            "invoice_reminders.mail_template_reminder_thanks"
        )
        first = self.make_invoice(amount=300, due_date="2026-01-20")
        second = self.make_invoice(amount=200, due_date="2026-01-21")
        never_reminded = self.make_invoice(amount=50, due_date="2026-02-20")
        self.run_at("2026-02-02 09:00:00")
        self.smtp.reset()
        self.pay(first, date="2026-02-03")
        self.pay(never_reminded, date="2026-02-03")
        self.run_at("2026-02-03 10:00:00")
        thanks = [
            m for m in self.smtp.to("accounts@deco.test") if "thank you" in m["message"]["Subject"]
        ]
        self.assertEqual(len(thanks), 1)
        html = self.html_of(thanks[0]["message"])
        self.assertIn(first.name, html)
        self.assertNotIn(never_reminded.name, html, "only invoices that were reminded")
        # paid the same day: waits for the next day's thank-you, never twice
        self.pay(second, date="2026-02-03")
        self.run_at("2026-02-03 11:00:00")
        self.run_at("2026-02-04 10:00:00")
        self.run_at("2026-02-05 10:00:00")
        thanks = [
            m for m in self.smtp.to("accounts@deco.test") if "thank you" in m["message"]["Subject"]
        ]
        self.assertEqual(len(thanks), 2)
        self.assertIn(second.name, self.html_of(thanks[1]["message"]))
        self.assertNotIn(first.name, self.html_of(thanks[1]["message"]))


@tagged("post_install", "-at_install")
class TestCadence(ReminderRunCommon):
    """An invoice reminded alone on its own cadence, until it is paid."""

    def run_on(self, day):
        with freeze_time(f"{day} 09:00:00"):
            self.run_job()

    def mails_about(self, invoice):
        return [
            m
            for m in self.smtp.to("accounts@deco.test")
            if invoice.name in self.html_of(m["message"])
        ]

    def test_daily_cadence_alone_until_fully_paid(self):
        alone = self.make_invoice(amount=400, due_date="2026-01-20")
        digest_only = self.make_invoice(amount=150, due_date="2026-01-20")
        alone.reminder_cadence = "daily"
        self.run_on("2026-02-02")  # a Monday: the weekly digest and the cadence
        digests = self.digests()
        self.assertEqual(sorted(digests.mapped("kind")), ["cadence", "digest"])
        by_kind = {digest.kind: digest for digest in digests}
        self.assertEqual(by_kind["cadence"].invoice_line_ids.move_id, alone)
        self.assertEqual(by_kind["digest"].invoice_line_ids.move_id, digest_only)
        mails = self.smtp.to("accounts@deco.test")
        self.assertEqual(len(mails), 2)
        for invoice, other in ((alone, digest_only), (digest_only, alone)):
            [mail] = self.mails_about(invoice)
            self.assertNotIn(other.name, self.html_of(mail["message"]), "each on its own")
        # the next days: only the invoice on its own cadence, once a day
        self.run_on("2026-02-03")
        with freeze_time("2026-02-03 15:00:00"):
            self.run_job()
            self.assertEqual(alone.reminder_next_date, fields.Date.to_date("2026-02-04"))
        self.assertEqual(len(self.mails_about(alone)), 2)
        self.assertEqual(len(self.mails_about(digest_only)), 1)
        cadence_run = self.env["invoice.reminder.run"].search(
            [("period", "=", "2026-02-03"), ("kind", "=", "cadence")]
        )
        self.assertEqual(cadence_run.digest_ids.partner_id, self.customer)
        self.assertEqual(len(alone.reminder_line_ids), 2, "its sends are in its history")
        # paid: its cadence stops
        self.pay(alone, date="2026-02-03")
        self.run_on("2026-02-04")
        self.run_on("2026-02-05")
        self.assertEqual(len(self.mails_about(alone)), 2)
        alone.invalidate_recordset(["reminder_next_date"])
        with freeze_time("2026-02-05 15:00:00"):
            self.assertFalse(alone.reminder_next_date)

    def test_every_third_day_stops_at_the_first_payment(self):
        invoice = self.make_invoice(amount=600, due_date="2026-01-20")
        invoice.write({"reminder_cadence": "every_3_days", "reminder_cadence_stop": "partial"})
        # 03 and 04 February fall between two sends; the weekly digest of the 9th is empty
        for day in ("2026-02-02", "2026-02-03", "2026-02-04", "2026-02-05"):
            self.run_on(day)
        sent = [digest.period for digest in self.digests()]
        self.assertEqual(sent, [fields.Date.to_date(d) for d in ("2026-02-02", "2026-02-05")])
        with freeze_time("2026-02-06 10:00:00"):
            self.assertEqual(invoice.reminder_next_date, fields.Date.to_date("2026-02-08"))
        self.pay(invoice, amount=100, date="2026-02-06")
        for day in ("2026-02-08", "2026-02-09", "2026-02-11"):
            self.run_on(day)
        self.assertEqual(len(self.digests()), 2, "a partly paid invoice is no longer reminded")
        self.assertEqual(len(self.mails_about(invoice)), 2)

    def test_cadence_bad_input(self):
        paid = self.make_invoice(amount=100, due_date="2026-01-20")
        self.pay(paid, date="2026-01-25")
        partly = self.make_invoice(amount=100, due_date="2026-01-20")
        self.pay(partly, amount=30, date="2026-01-25")
        draft = self.make_invoice(amount=100, due_date="2026-01-20", post=False)
        cases = [
            (paid, {"reminder_cadence": "daily"}, "already paid"),
            (
                partly,
                {"reminder_cadence": "daily", "reminder_cadence_stop": "partial"},
                "already partly paid",
            ),
            (draft, {"reminder_cadence": "daily"}, "Only posted customer invoices"),
        ]
        for invoice, vals, message in cases:
            with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
                invoice.write(vals)
            invoice.invalidate_recordset()
            self.assertFalse(invoice.reminder_cadence, "nothing saved")
        # a partly paid invoice may still be reminded until fully paid
        partly.reminder_cadence = "business_days"
        self.assertEqual(partly.reminder_cadence, "business_days")
