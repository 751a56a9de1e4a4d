from datetime import datetime, timedelta
from unittest import mock

import psycopg2
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import html_sanitize, mute_logger

from ..models import mail_message
from .common import ReminderRunCommon

MONDAY = "2026-02-02 09:00:00"  # a Monday, after the 08:00 slot (company in UTC)


@tagged("post_install", "-at_install")
class TestDigestRun(ReminderRunCommon):
    def test_one_digest_across_three_currencies_with_credits(self):
        eur = self.setup_other_currency("EUR")
        chf = self.setup_other_currency("CHF", rates=[("2020-01-01", 1.5)])
        usd = self.company.currency_id
        inv_usd = self.make_invoice(amount=100, invoice_date="2026-01-05", due_date="2026-01-20")
        inv_usd2 = self.make_invoice(amount=50.5, invoice_date="2026-01-06", due_date="2026-01-21")
        inv_eur = self.make_invoice(amount=200, due_date="2026-01-20", currency=eur)
        inv_chf = self.make_invoice(amount=300, due_date="2026-01-20", currency=chf)
        refund = self.make_invoice(amount=30, move_type="out_refund", due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        digest = self.digests()
        self.assertEqual(len(digest), 1, "one digest per customer per period")
        self.assertEqual(digest.state, "sent")
        self.assertEqual(
            set(digest.invoice_line_ids.move_id.ids),
            {inv_usd.id, inv_usd2.id, inv_eur.id, inv_chf.id},
        )
        self.assertEqual(digest.credit_line_ids.move_id, refund)
        totals = {t["currency"].name: t for t in digest._get_totals()}
        self.assertEqual(set(totals), {usd.name, eur.name, chf.name})
        self.assertAlmostEqual(totals[usd.name]["due"], 150.5)
        self.assertAlmostEqual(totals[usd.name]["credit"], 30)
        self.assertAlmostEqual(totals[usd.name]["net"], 120.5)
        self.assertAlmostEqual(totals[eur.name]["due"], 200)
        received = self.smtp.to("accounts@deco.test")
        self.assertEqual(len(received), 1)
        html = self.html_of(received[0]["message"])
        for invoice in (inv_usd, inv_usd2, inv_eur, inv_chf, refund):
            self.assertIn(invoice.name, html)
        self.assertIn("120.50", html)
        self.assertIn(f"/my/invoices/{inv_usd.id}?access_token=", html)
        self.assertIn("payment reminder", received[0]["message"]["Subject"])
        # logged on the customer's chatter
        self.assertIn(digest.mail_id.mail_message_id, self.customer.message_ids)

    def test_eligibility_rules(self):
        due = self.make_invoice(due_date="2026-01-20")
        excluded = self.make_invoice(due_date="2026-01-20", reminder_included=False)
        paid = self.make_invoice(due_date="2026-01-20")
        self.pay(paid, date="2026-01-25")
        not_yet = self.make_invoice(invoice_date="2026-01-30", due_date="2026-01-30")
        too_old = self.make_invoice(invoice_date="2024-10-01", due_date="2024-11-01")
        draft = self.make_invoice(due_date="2026-01-20", post=False)
        cancelled = self.make_invoice(due_date="2026-01-20", post=False)
        cancelled.button_cancel()
        reversed_inv = self.make_invoice(due_date="2026-01-20")
        reversed_inv._reverse_moves(cancel=True)
        with freeze_time(MONDAY):
            self.run_job()
        reminded = self.digests().invoice_line_ids.move_id
        self.assertEqual(reminded, due)
        for invoice in (excluded, paid, not_yet, too_old, draft, cancelled, reversed_inv):
            self.assertNotIn(invoice, reminded)

    def test_customer_and_company_switches(self):
        self.make_invoice(due_date="2026-01-20")
        self.customer.reminder_enabled = False
        with freeze_time(MONDAY):
            self.run_job()
        self.assertFalse(self.digests())
        run = self.env["invoice.reminder.run"].search([("policy_id", "=", self.policy.id)])
        self.assertEqual(run.skip_ids.partner_id, self.customer)
        self.assertEqual(run.skip_ids.reason, "disabled")
        self.assertFalse(self.smtp.to("accounts@deco.test"))

        self.customer.reminder_enabled = True
        self.company.reminder_enabled = False
        with freeze_time("2026-02-09 09:00:00"):
            self.run_job()
        self.assertFalse(self.digests())

    def test_ladder_over_ten_weeks(self):
        """Each invoice climbs one level at a time, never skips, repeats the last."""
        fresh = self.make_invoice(invoice_date="2026-01-20", due_date="2026-01-26")
        # already 50 days overdue on the first run: still starts at the first level
        old = self.make_invoice(invoice_date="2025-12-01", due_date="2025-12-14")
        for week in range(10):
            with freeze_time(datetime(2026, 2, 2, 9) + timedelta(weeks=week)):
                self.run_job()
        fresh_levels = [line.level_index for line in fresh.reminder_line_ids.sorted("period")]
        old_levels = [line.level_index for line in old.reminder_line_ids.sorted("period")]
        # fresh, due 01-26: 7 days on 02-02 -> L0; 21 days on 02-16 -> L1;
        # 45 days on 03-12 -> L2 on the next Monday, 03-16
        self.assertEqual(fresh_levels, [0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
        self.assertEqual(old_levels, [0, 1, 2, 2, 2, 2, 2, 2, 2, 2])
        self.assertEqual(len(self.digests()), 10, "one digest a week")
        self.assertEqual(len(self.smtp.to("accounts@deco.test")), 10)
        self.assertEqual(
            [digest.level_id.delay_days for digest in self.digests()],
            [7, 21, 45, 45, 45, 45, 45, 45, 45, 45],
        )

    def test_stop_when_paid(self):
        invoice = self.make_invoice(due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        self.assertEqual(len(invoice.reminder_line_ids), 1)
        self.pay(invoice, date="2026-02-03")
        self.smtp.reset()
        with freeze_time("2026-02-09 09:00:00"):
            self.run_job()
        self.assertEqual(len(invoice.reminder_line_ids), 1, "no reminder after payment")
        self.assertEqual(len(self.smtp.to("accounts@deco.test")), 0)

    def test_partial_payment_under_both_options(self):
        invoice = self.make_invoice(amount=100, due_date="2026-01-20")
        self.pay(invoice, amount=40, date="2026-01-25")
        self.assertEqual(invoice.payment_state, "partial")
        with freeze_time(MONDAY):
            self.run_job()
        line = invoice.reminder_line_ids
        self.assertEqual(len(line), 1, "stop_on=paid: a partly paid invoice is still reminded")
        self.assertAlmostEqual(line.amount_residual, 60)
        self.policy.stop_on = "partial"
        with freeze_time("2026-02-09 09:00:00"):
            self.run_job()
        self.assertEqual(len(invoice.reminder_line_ids), 1, "stop_on=partial: no more reminders")

    def test_rerun_of_the_same_period_sends_nothing(self):
        self.make_invoice(due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        self.assertEqual(len(self.smtp.messages), 2, "the digest and the owner's summary")
        self.smtp.reset()
        with freeze_time("2026-02-02 15:00:00"):
            self.run_job()
        with freeze_time("2026-02-08 23:00:00"):
            self.run_job()
        self.assertEqual(self.smtp.messages, [])
        self.assertEqual(len(self.digests()), 1)

    def test_catch_up_once_after_downtime(self):
        self.make_invoice(due_date="2026-01-20")
        # the server was down on Monday: the next run (Wednesday) catches up once
        with freeze_time("2026-02-04 10:00:00"):
            self.run_job()
        with freeze_time("2026-02-05 10:00:00"):
            self.run_job()
        self.assertEqual(len(self.digests()), 1)
        self.assertEqual(self.digests().period.isoformat(), "2026-02-02")

    def test_interrupted_run_resumes_without_doubles(self):
        customers = self.env["res.partner"].create(
            [{"name": f"Customer {i}", "email": f"c{i}@customers.test"} for i in range(5)]
        )
        for customer in customers:
            self.make_invoice(partner=customer, due_date="2026-01-20")
        Run = self.env["invoice.reminder.run"]
        with freeze_time(MONDAY):
            # killed after two batches of two customers
            run = Run._send_company_digests(self.company, batch_size=2, max_batches=2)
            self.assertEqual(run.state, "running")
            self.assertEqual(len(run.digest_ids), 4)
            # started again: only what is missing
            run = Run._send_company_digests(self.company, batch_size=2)
            Run._send_company_digests(self.company, batch_size=2)
            self.deliver()
        digests = run.digest_ids
        self.assertEqual(len(digests), 5)
        self.assertEqual(digests.partner_id, customers)
        for customer in customers:
            self.assertEqual(len(self.smtp.to(customer.email)), 1, customer.name)

    def test_database_refuses_a_second_digest(self):
        self.make_invoice(due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        digest = self.digests()
        with (
            self.assertRaises(psycopg2.IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            digest.copy({"period": digest.period})
            self.env.flush_all()

    def test_run_is_locked_against_a_second_worker(self):
        self.make_invoice(due_date="2026-01-20")
        with freeze_time(MONDAY):
            run = self.env["invoice.reminder.run"]._get_or_create(self.policy, self.env.cr.now())
        with self.registry.cursor() as other_cr:
            other_cr.execute("SELECT pg_advisory_lock(%s, %s)", (0x1D6E, run.id))
            try:
                with freeze_time(MONDAY):
                    run._process()
                self.assertFalse(run.digest_ids, "a run held by another worker is left alone")
            finally:
                other_cr.execute("SELECT pg_advisory_unlock(%s, %s)", (0x1D6E, run.id))

    def test_failures_do_not_stop_the_others(self):
        refused = self.env["res.partner"].create(
            {"name": "Refused Ltd", "email": "nobody@refused.test"}
        )
        broken = self.env["res.partner"].create(
            {"name": "Broken Template Ltd", "email": "ap@broken.test"}
        )
        no_email = self.env["res.partner"].create({"name": "No Email Ltd"})
        bad_email = self.env["res.partner"].create(
            {"name": "Bad Email Ltd", "email": "not an email"}
        )
        broken_template = self.template_first.copy(
            {"body_html": '<p><t t-out="object.partner_id.does_not_exist"/></p>'}
        )
        broken_policy = self.make_policy(name="Broken", delays=(7,))
        broken_policy.level_ids.mail_template_id = broken_template
        broken.reminder_policy_id = broken_policy
        for partner in (self.customer, refused, broken, no_email, bad_email):
            self.make_invoice(partner=partner, due_date="2026-01-20")
        self.smtp.refused.add("nobody@refused.test")
        with (
            freeze_time(MONDAY),
            mute_logger(
                "odoo.addons.mail.models.mail_mail", "odoo.addons.mail.models.mail_render_mixin"
            ),
        ):
            self.run_job()
        self.assertEqual(self.digests().state, "sent")
        self.assertEqual(self.digests(refused).state, "failed")
        self.assertIn("nobody@refused.test", self.digests(refused).error)
        self.assertEqual(self.digests(broken).state, "failed")
        self.assertIn("could not be rendered", self.digests(broken).error)
        runs = self.env["invoice.reminder.run"].search([])
        skips = {s.partner_id: s.reason for s in runs.skip_ids}
        self.assertEqual(skips, {no_email: "no_email", bad_email: "invalid_email"})
        self.assertEqual(len(self.smtp.to("accounts@deco.test")), 1)

    def test_owner_summary_as_received(self):
        no_email = self.env["res.partner"].create({"name": "Silent Customer"})
        eur = self.setup_other_currency("EUR")
        self.make_invoice(amount=100, due_date="2026-01-20")
        self.make_invoice(amount=70, due_date="2026-01-20", currency=eur)
        self.make_invoice(partner=no_email, due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        summaries = self.smtp.to("owner@company.test")
        self.assertEqual(len(summaries), 1)
        message = summaries[0]["message"]
        self.assertIn("payment reminders of", message["Subject"])
        html = self.html_of(message)
        self.assertIn("Deco Addict", html)
        self.assertIn("Sent", html)
        self.assertIn("Silent Customer", html)
        self.assertIn("No email address", html)
        self.assertIn("100.00", html)
        self.assertIn("70.00", html)
        run = self.env["invoice.reminder.run"].search([("policy_id", "=", self.policy.id)])
        self.assertEqual(run.state, "done")
        self.assertTrue(run.report_sent)

    def test_bounce_through_the_mail_gateway(self):
        self.make_invoice(due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        digest = self.digests()
        self.assertEqual(digest.state, "sent")
        sent = self.smtp.to("accounts@deco.test")[0]["message"]
        self.bounce(sent, "accounts@deco.test")
        digest.invalidate_recordset()
        self.assertEqual(digest.state, "bounced")
        self.assertIn("mailbox full", digest.error)

    def test_invoice_history(self):
        invoice = self.make_invoice(due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        with freeze_time("2026-02-09 09:00:00"):
            self.run_job()
        history = invoice.reminder_line_ids.sorted("period")
        self.assertEqual(len(history), 2)
        self.assertEqual(history.mapped("state"), ["sent", "sent"])
        self.assertEqual([line.level_id.name for line in history], ["First reminder"] * 2)

    def test_recipients_invoice_contacts_and_cc(self):
        self.env["res.partner"].create(
            {
                "name": "AP desk",
                "parent_id": self.customer.id,
                "type": "invoice",
                "email": "ap@deco.test",
            }
        )
        self.customer.reminder_cc = "cfo@deco.test, boss@deco.test"
        self.make_invoice(due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        self.assertEqual(len(self.smtp.to("ap@deco.test")), 1)
        self.assertFalse(self.smtp.to("accounts@deco.test"), "invoice contacts come first")
        message = self.smtp.to("cfo@deco.test")[0]["message"]
        self.assertIn("boss@deco.test", message["Cc"])

    def test_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.template_first.with_context(
            lang="fr_FR"
        ).subject = "{{ object.company_id.name }} : rappel de paiement"
        self.customer.lang = "fr_FR"
        self.make_invoice(due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        message = self.smtp.to("accounts@deco.test")[0]["message"]
        self.assertIn("rappel de paiement", message["Subject"])

    def test_french_customer_and_owner_read_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["invoice_reminders"], ["fr_FR"])
        self.customer.lang = "fr_FR"
        self.company.partner_id.lang = "fr_FR"
        no_email = self.env["res.partner"].create({"name": "Sans Adresse"})
        self.make_invoice(partner=no_email, due_date="2026-01-20")
        self.make_invoice(due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        message = self.smtp.to("accounts@deco.test")[0]["message"]
        self.assertIn("relance de paiement", message["Subject"])
        html = self.html_of(message)
        for text in (
            "Sauf erreur de notre part",
            "Jours de retard",
            "Vous pouvez consulter et régler chaque facture en ligne",
            "Télécharger votre relevé des factures en retard",
            "Première relance",
        ):
            self.assertIn(text, html)
        self.assertNotIn("Kind regards", html)
        self.assertNotIn("First reminder", html)
        summary = self.smtp.to("owner@company.test")[0]["message"]
        self.assertIn("relances de paiement du", summary["Subject"])
        html = self.html_of(summary)
        for text in ("Clients relancés", "Envoyé", "Clients écartés", "adresse e-mail"):
            self.assertIn(text, html)
        self.assertNotIn("Customers reminded", html)

    def test_send_now_from_the_policy_then_the_cron_adds_nothing(self):
        self.make_invoice(due_date="2026-01-20")
        with freeze_time("2026-02-03 10:00:00"):
            action = self.policy.action_send_now()
            self.deliver()
            run = self.env["invoice.reminder.run"].browse(action["res_id"])
            self.assertEqual(run.period.isoformat(), "2026-02-02")
            self.assertEqual(len(run.digest_ids), 1)
            self.run_job()
        self.assertEqual(len(self.digests()), 1)
        self.assertEqual(len(self.smtp.to("accounts@deco.test")), 1)

    def test_send_now_buttons_as_accounting_manager(self):
        manager = self.make_user("send_now_manager", "account.group_account_manager")
        billing_user = self.make_user("send_now_billing", "account.group_account_invoice")
        # the buttons are shown to accounting managers only
        for model, view in (
            ("invoice.reminder.policy", "invoice_reminders.invoice_reminder_policy_view_form"),
            ("invoice.reminder.run", "invoice_reminders.invoice_reminder_run_view_form"),
        ):
            view_id = self.env.ref(view).id
            arch = self.env[model].with_user(manager).get_view(view_id, "form")["arch"]
            self.assertIn('name="action_send_now"', arch, model)
            arch = self.env[model].with_user(billing_user).get_view(view_id, "form")["arch"]
            self.assertNotIn('name="action_send_now"', arch, model)

        self.make_invoice(due_date="2026-01-20")
        with freeze_time("2026-02-03 10:00:00"):
            with self.assertRaises(AccessError):
                self.policy.with_user(billing_user).action_send_now()
            self.assertFalse(self.env["invoice.reminder.run"].search([]))

            # the policy's button builds the period's run and opens it
            action = self.policy.with_user(manager).action_send_now()
            self.assertEqual(action["type"], "ir.actions.act_window")
            self.assertEqual(action["res_model"], "invoice.reminder.run")
            run = self.env["invoice.reminder.run"].browse(action["res_id"]).with_user(manager)
            self.assertEqual(run.state, "sending")
            self.assertEqual(run.digest_ids.mapped("state"), ["queued"])
            self.deliver()
            self.assertEqual(len(self.smtp.to("accounts@deco.test")), 1)

            # the run's button: nothing left to send, said in a notification
            with self.assertRaises(AccessError):
                run.with_user(billing_user).action_send_now()
            action = run.action_send_now()
            self.assertEqual(action["tag"], "display_notification")
            self.assertEqual(action["params"]["type"], "info")
            self.assertEqual(action["params"]["next"]["type"], "ir.actions.act_window_close")
            self.run_job()
        self.assertEqual(len(self.digests()), 1)
        self.assertEqual(len(self.smtp.to("accounts@deco.test")), 1)

    def test_send_now_refused_when_nothing_could_be_sent(self):
        with freeze_time("2026-02-03 10:00:00"):
            self.company.reminder_enabled = False
            with self.assertRaises(UserError):
                self.policy.action_send_now()
            self.company.reminder_enabled = True
            self.policy.active = False
            with self.assertRaises(UserError):
                self.policy.action_send_now()
        self.assertFalse(self.env["invoice.reminder.run"].search([]))

    # ------------------------------------------------------------------
    # Bodies sanitized once, as Odoo would have sanitized them
    # ------------------------------------------------------------------

    def odoo_sanitized(self, body):
        """``body`` sanitized the way Odoo's own ``mail.message.body`` field does."""
        field = self.env["mail.message"]._fields["body"]
        return html_sanitize(
            body,
            silent=True,
            sanitize_tags=field.sanitize_tags,
            sanitize_attributes=field.sanitize_attributes,
            sanitize_style=field.sanitize_style,
            sanitize_form=field.sanitize_form,
            sanitize_conditional_comments=field.sanitize_conditional_comments,
            output_method=field.sanitize_output_method,
            strip_style=field.strip_style,
            strip_classes=field.strip_classes,
        )

    def test_a_customer_name_with_markup_arrives_escaped_and_the_chatter_holds_the_body(self):
        self.customer.name = 'Deco <b onclick="steal()">Addict</b><script>alert(1)</script>'
        self.make_invoice(amount=100, due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        digest = self.digests()
        self.assertEqual(digest.state, "sent", digest.error)
        [received] = self.smtp.to("accounts@deco.test")
        html = self.html_of(received["message"])
        self.assertNotIn("<script", html)
        self.assertNotIn("<b onclick", html)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", html)
        # the chatter holds the body sent, as Odoo's field sanitizes it
        mail = digest.mail_id
        message = mail.mail_message_id
        self.assertIn(message, self.customer.message_ids)
        self.assertEqual(str(message.body), str(self.odoo_sanitized(mail.body_html)))
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", message.body)
        self.assertNotIn("<script", message.body)
        message.invalidate_recordset(["body"])  # and so in the database
        self.assertEqual(str(message.body), str(self.odoo_sanitized(mail.body_html)))

    def mail_vals(self, body):
        return {
            "subject": "Payment reminder",
            "body_html": body,
            "body": body,
            "email_from": "billing@company.test",
            "reply_to": "billing@company.test",
            "email_to": self.customer.email,
            "model": "res.partner",
            "res_id": self.customer.id,
            "message_type": "email_outgoing",
            "author_id": self.company.partner_id.id,
            "auto_delete": False,
            "state": "outgoing",
        }

    def test_each_body_is_sanitized_exactly_once_and_as_odoo_would(self):
        hostile = [
            f'<p onclick="steal()">Dear {i}</p><script>alert({i})</script>'
            f'<a href="javascript:alert({i})">pay</a><form><input name="x"></form>'
            for i in range(3)
        ]
        calls = []

        def counted(*args, **kwargs):
            calls.append(args[0])
            return html_sanitize(*args, **kwargs)

        with (
            # where Odoo's Html field calls it: odoo.fields (18.0), odoo.orm.fields_textual (19.0)
            mock.patch(f"{fields.Html.__module__}.html_sanitize", side_effect=counted),
            mock.patch.object(mail_message, "html_sanitize", side_effect=counted),
        ):
            mails = self.env["invoice.reminder.digest"]._create_mails(
                [self.mail_vals(body) for body in hostile]
            )
        self.assertEqual(len(calls), 3, "one sanitization per mail")
        self.assertFalse(mails.env.context.get(mail_message.SANITIZED_BODIES))
        for mail, body in zip(mails, hostile, strict=True):
            self.assertEqual(mail.body_html, body, "the mail sent is left as rendered")
            expected = str(self.odoo_sanitized(body))
            for chatter in (mail.body, mail.mail_message_id.body):
                self.assertEqual(str(chatter), expected)
                self.assertNotIn("<script", chatter)
                self.assertNotIn("onclick", chatter)
                self.assertNotIn("javascript:", chatter)
            mail.mail_message_id.invalidate_recordset(["body"])
            self.assertEqual(str(mail.mail_message_id.body), expected)

    def test_only_the_bodies_sanitized_here_are_kept_as_they_are(self):
        hostile = "<p>Hi</p><script>alert(1)</script>"
        field = self.env["mail.message"]._fields["body"]
        Message = self.env["mail.message"].sudo()
        values = {"model": "res.partner", "res_id": self.customer.id, "body": hostile}
        # a value that is not one of the bodies sanitized is sanitized as usual
        bodies = mail_message.SanitizedBodies(field)
        bodies.sanitize("<p>Hi</p>")
        message = Message.with_context(**{mail_message.SANITIZED_BODIES: bodies}).create(values)
        self.assertNotIn("<script", message.body)
        # as it is written later
        message.write({"body": hostile})
        self.assertNotIn("<script", message.body)
        # a context made of plain values, as a client could send, is not a SanitizedBodies
        options = [list(pair) for pair in field.sanitize_options()]
        for forged in ([options, [hostile]], (field.sanitize_options(), frozenset({hostile}))):
            context = {mail_message.SANITIZED_BODIES: forged}
            message = Message.with_context(**context).create(values)
            self.assertNotIn("<script", message.body)
            message.invalidate_recordset(["body"])
            self.assertNotIn("<script", message.body)
        # nor one made for a field with other options
        bodies.options = tuple(
            (key, not value if key == "sanitize_tags" else value) for key, value in bodies.options
        )
        bodies._bodies.add(hostile)
        message = Message.with_context(**{mail_message.SANITIZED_BODIES: bodies}).create(values)
        self.assertNotIn("<script", message.body)
