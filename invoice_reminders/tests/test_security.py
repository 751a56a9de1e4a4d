"""Who may see and change reminders: each refusal tried as the user it concerns.

The matrix of the README's "Who may do what", walked in the ORM and, where a
browser goes, over real HTTP (``/web/dataset/call_kw``, the add-on's routes).
"""

import json

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import real_smtp
from .test_documents import MONDAY, StatementCommon, docx_tables, pdf_text


@tagged("post_install", "-at_install")
class TestSecurity(StatementCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        cls.portal = new_test_user(
            cls.env, login="sec_portal", groups="base.group_portal", company_id=cls.company.id
        )
        cls.contact_editor = cls.make_user("sec_contacts", "base.group_partner_manager")
        cls.billing = cls.make_user(
            "sec_billing", "base.group_partner_manager", "account.group_account_invoice"
        )
        cls.auditor = cls.make_user(
            "sec_auditor", "base.group_partner_manager", "account.group_account_readonly"
        )
        cls.manager = cls.make_user("sec_manager", "account.group_account_manager")
        cls.manager_b = cls.make_user(
            "sec_manager_b", "account.group_account_manager", company=cls.company_b
        )
        cls.billing.email = "billing.user@company.test"
        cls.invoice = cls.make_invoice(amount=250.0, due_date="2026-01-10")
        cls.tag = cls.env["res.partner.category"].create({"name": "Key accounts"})

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------

    def call_kw(self, user, model, method, args, kwargs=None):
        """Call ``model.method`` as a browser would, logged in as ``user``."""
        self.authenticate(user.login, user.login)
        # Odoo logs each refused call as a warning: expected here
        with mute_logger("odoo.http"):
            response = self.url_open(
                "/web/dataset/call_kw",
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {
                            "model": model,
                            "method": method,
                            "args": args,
                            "kwargs": {"context": {}, **(kwargs or {})},
                        },
                    }
                ),
                headers={"Content-Type": "application/json"},
            )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def assertRefused(self, reply, exception="odoo.exceptions.AccessError"):
        self.assertIn("error", reply, reply.get("result"))
        self.assertEqual(reply["error"]["data"]["name"], exception, reply["error"])
        return reply["error"]["data"]["message"]

    # ------------------------------------------------------------------
    # portal users
    # ------------------------------------------------------------------

    def test_portal_user_cannot_list_debtors(self):
        for context in ({}, {"default_company_id": self.company_b.id}):
            reply = self.call_kw(
                self.portal,
                "invoice.reminder.activation",
                "default_get",
                [["invoice_line_ids", "customer_line_ids"]],
                {"context": context},
            )
            self.assertRefused(reply)
            self.assertNotIn("Deco Addict", json.dumps(reply))
        for model in (
            "invoice.reminder.digest",
            "invoice.reminder.preview.line",
            "invoice.reminder.promise",
            "invoice.reminder.run",
        ):
            self.assertRefused(self.call_kw(self.portal, model, "search_read", [[]]))
        reply = self.call_kw(
            self.portal, "res.partner", "read", [self.customer.ids, ["reminder_overdue_display"]]
        )
        self.assertRefused(reply)

    # ------------------------------------------------------------------
    # contact editors (no accounting right)
    # ------------------------------------------------------------------

    def test_contact_editor_cannot_steer_reminders(self):
        for vals in (
            {"reminder_cc": "spy@outside.test"},
            {"reminder_enabled": False},
            {"reminder_pause_until": "2030-01-01"},
            {"reminder_policy_id": self.policy.id},
        ):
            reply = self.call_kw(
                self.contact_editor, "res.partner", "write", [self.customer.ids, vals]
            )
            message = self.assertRefused(reply)
            self.assertIn("Only invoicing users", message)
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.reminder_cc)
        self.assertTrue(self.customer.reminder_enabled)
        self.assertFalse(self.customer.reminder_pause_until)
        # nor on a new contact
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.contact_editor).create(
                {"name": "Spy", "reminder_cc": "spy@outside.test"}
            )
        # a tag's policy is a policy setting
        reply = self.call_kw(
            self.contact_editor,
            "res.partner.category",
            "write",
            [self.tag.ids, {"reminder_policy_id": self.policy.id}],
        )
        self.assertRefused(reply)
        self.assertFalse(self.tag.reminder_policy_id)
        # and the money fields stay hidden
        for fname in ("reminder_overdue_display", "reminder_next_date", "reminder_last_state"):
            reply = self.call_kw(
                self.contact_editor, "res.partner", "read", [self.customer.ids, [fname]]
            )
            self.assertRefused(reply)
        reply = self.call_kw(
            self.contact_editor, "account.move", "read", [self.invoice.ids, ["reminder_included"]]
        )
        self.assertRefused(reply)
        # the contact itself stays editable
        self.customer.with_user(self.contact_editor).write({"phone": "+32 2 555 00 00"})
        self.assertEqual(self.customer.phone, "+32 2 555 00 00")

    # ------------------------------------------------------------------
    # auditors: read, never write
    # ------------------------------------------------------------------

    def test_auditor_reads_and_cannot_write(self):
        customer = self.customer.with_user(self.auditor)
        with freeze_time("2026-01-28 10:00:00"):
            customer.invalidate_recordset()
            self.assertIn("250.00", customer.reminder_overdue_display)
        with self.assertRaises(AccessError):
            customer.write({"reminder_enabled": False})
        with self.assertRaises(AccessError):
            self.invoice.with_user(self.auditor).write({"reminder_included": False})
        with self.assertRaises(AccessError):
            self.policy.with_user(self.auditor).write({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.env["invoice.reminder.test.send"].with_user(self.auditor).create(
                {"partner_id": self.customer.id, "email_to": "auditor@company.test"}
            )
        self.assertTrue(self.customer.reminder_enabled)
        self.assertTrue(self.invoice.reminder_included)

    # ------------------------------------------------------------------
    # billing users: their company, their wizards
    # ------------------------------------------------------------------

    def test_billing_user_does_not_see_another_companys_previews(self):
        policy_b = self.company_b.reminder_policy_id
        preview_b = (
            self.env["invoice.reminder.preview"]
            .with_user(self.manager_b)
            .with_company(self.company_b)
            ._create_for(self.company_b, policy_b)
        )
        line_b = (
            self.env["invoice.reminder.preview.line"]
            .with_user(self.manager_b)
            .create(
                {"preview_id": preview_b.id, "status": "skip", "body_html": "<p>B's secret</p>"}
            )
        )
        Line = self.env["invoice.reminder.preview.line"].with_user(self.billing)
        self.assertFalse(Line.search([("id", "=", line_b.id)]))
        with self.assertRaises(AccessError):
            Line.browse(line_b.id).read(["body_html"])
        with self.assertRaises(AccessError):
            Line.browse(line_b.id).unlink()
        with self.assertRaises(AccessError):
            self.env["invoice.reminder.preview"].with_user(self.billing).browse(preview_b.id).read(
                ["line_ids"]
            )
        reply = self.call_kw(
            self.billing, "invoice.reminder.preview.line", "search_read", [[], ["body_html"]]
        )
        self.assertNotIn("B's secret", json.dumps(reply))
        self.assertTrue(line_b.exists())
        # a preview of the user's own company, by another user of it, is theirs only
        own = (
            self.env["invoice.reminder.preview"]
            .with_user(self.manager)
            ._create_for(self.company, self.policy)
        )
        with self.assertRaises(AccessError):
            own.with_user(self.billing).read(["send_count"])

    def test_test_send_goes_to_users_and_is_logged(self):
        self.customer.reminder_policy_id = self.policy
        with freeze_time("2026-01-28 10:00:00"):
            wizard = (
                self.env["invoice.reminder.test.send"]
                .with_user(self.billing)
                .create({"partner_id": self.customer.id, "email_to": "someone@outside.test"})
            )
            with self.assertRaises(AccessError):
                wizard.action_send()
            wizard.email_to = "billing.user@company.test"
            wizard.action_send()
        self.deliver_as_cron()
        self.assertFalse(self.smtp.to("someone@outside.test"))
        self.assertEqual(len(self.smtp.to("billing.user@company.test")), 1)
        self.assertFalse(self.smtp.to("accounts@deco.test"))
        note = self.customer.message_ids[:1]
        self.assertIn("Test reminder", note.body)
        self.assertIn("billing.user@company.test", note.body)
        self.assertIn(self.billing.name, note.body)
        self.assertEqual(note.author_id, self.billing.partner_id)
        # a manager may send it anywhere
        with freeze_time("2026-01-28 10:00:00"):
            self.env["invoice.reminder.test.send"].with_user(self.manager).create(
                {"partner_id": self.customer.id, "email_to": "auditor@firm.test"}
            ).action_send()
        self.deliver_as_cron()
        self.assertEqual(len(self.smtp.to("auditor@firm.test")), 1)

    # ------------------------------------------------------------------
    # the activation wizard
    # ------------------------------------------------------------------

    def test_activation_is_for_managers_of_the_company(self):
        Activation = self.env["invoice.reminder.activation"]
        for user in (self.billing, self.auditor, self.contact_editor):
            with self.assertRaises(AccessError):
                Activation.with_user(user).default_get(["invoice_line_ids"])
        with self.assertRaises(AccessError):
            Activation.with_user(self.manager_b).with_context(
                default_company_id=self.company.id
            ).default_get(["company_id", "invoice_line_ids"])
        values = Activation.with_user(self.manager).default_get(["company_id", "invoice_line_ids"])
        self.assertIn(self.invoice.id, [cmd[2]["move_id"] for cmd in values["invoice_line_ids"]])

    def test_activation_writes_only_the_invoices_it_lists(self):
        bill = self.make_invoice(move_type="out_refund", amount=40.0)
        invoice_b = self.make_invoice(company=self.company_b, amount=70.0)
        paid = self.make_invoice(amount=30.0)
        self.pay(paid)
        paid_before = paid.reminder_included
        wizard = (
            self.env["invoice.reminder.activation"]
            .with_user(self.manager)
            .create({"selection_mode": "all"})
        )
        Line = self.env["invoice.reminder.activation.invoice"].with_user(self.manager)
        with self.assertRaises(ValidationError):  # not a customer invoice
            Line.create({"wizard_id": wizard.id, "move_id": bill.id, "selected": True})
        with self.assertRaises(AccessError):  # another company's: not even readable
            Line.create({"wizard_id": wizard.id, "move_id": invoice_b.id, "selected": True})
        self.env["invoice.reminder.activation.invoice"].with_user(self.manager).create(
            [
                {"wizard_id": wizard.id, "move_id": self.invoice.id, "selected": True},
                {"wizard_id": wizard.id, "move_id": paid.id, "selected": not paid_before},
            ]
        )
        self.invoice.reminder_included = False
        wizard._apply()
        self.assertTrue(self.invoice.reminder_included)
        self.assertEqual(paid.reminder_included, paid_before, "not listed: left alone")
        # wizards are their creator's
        with self.assertRaises(AccessError):
            wizard.with_user(self.make_user("sec_manager2", "account.group_account_manager")).read(
                ["selected_count"]
            )

    def test_preview_keeps_the_transactions_tracking(self):
        # the test classes switch chatter tracking off: on, as in a live database
        self.env = self.env(
            context=dict(self.env.context, tracking_disable=False, mail_notrack=False)
        )
        self.invoice = self.invoice.with_env(self.env)
        self.invoice.reminder_included = False
        self.env.flush_all()
        self.env.cr.precommit.run()  # the set-up's own tracking, done
        wizard = (
            self.env["invoice.reminder.activation"]
            .with_user(self.manager)
            .create({"selection_mode": "all", "include_manual": True})
        )
        wizard.invoice_line_ids = [Command.create({"move_id": self.invoice.id, "selected": True})]
        with freeze_time("2026-01-28 10:00:00"):
            wizard.action_confirm()  # includes the invoice, then computes a preview
        self.assertTrue(self.invoice.reminder_included)
        self.env.flush_all()
        self.env.cr.precommit.run()  # what a commit does
        tracked = self.invoice.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "reminder_included"
        )
        self.assertTrue(tracked, "the change of the invoice is in its chatter")
        self.assertTrue(tracked[:1].new_value_integer)

    # ------------------------------------------------------------------
    # tokens and routes
    # ------------------------------------------------------------------

    def test_tokens_only_for_links_that_are_sent(self):
        no_links = self.make_policy(name="No links", delays=(7,))
        no_links.level_ids.include_links = False
        quiet = self.env["res.partner"].create(
            {"name": "Quiet Ltd", "email": "ap@quiet.test", "reminder_policy_id": no_links.id}
        )
        no_email = self.env["res.partner"].create({"name": "No Mail Ltd"})
        quiet_invoice = self.make_invoice(partner=quiet, due_date="2026-01-10")
        skipped_invoice = self.make_invoice(partner=no_email, due_date="2026-01-10")
        with freeze_time(MONDAY):
            self.run_job()
        self.assertEqual(self.digests(quiet).state, "sent")
        self.assertTrue(self.invoice.access_token, "a level with links: a token")
        self.assertFalse(quiet_invoice.access_token, "a level without links: none")
        self.assertFalse(skipped_invoice.access_token, "a skipped customer: none")

    def test_routes_change_nothing_on_get(self):
        self.authenticate(self.billing.login, self.billing.login)
        Preview = self.env["invoice.reminder.preview"].sudo()  # everyone's previews
        before = Preview.search_count([])
        path = f"/invoice_reminders/preview/{self.policy.id}"
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Open the preview", response.text)
        self.assertEqual(Preview.search_count([]), before, "a GET computes nothing")
        with mute_logger("odoo.http"):  # Odoo logs the refused POST
            response = self.url_open(path, data={"go": "1"}, allow_redirects=False)
        self.assertEqual(response.status_code, 400, "a POST without Odoo's CSRF token")
        self.assertEqual(Preview.search_count([]), before)
        token = self._csrf_token(path)
        response = self.url_open(path, data={"csrf_token": token}, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertEqual(Preview.search_count([]), before + 1)
        # another company's policy: the same 404 as a missing one
        policy_b = self.company_b.reminder_policy_id
        for wrong in (policy_b.id, 999999999):
            self.assertEqual(self.url_open(f"/invoice_reminders/preview/{wrong}").status_code, 404)
        # printing a customer's statement reads: it writes no portal token
        self.assertFalse(self.invoice.access_token)
        with freeze_time(MONDAY):
            response = self.url_open(
                f"/invoice_reminders/partner/{self.customer.id}/statement/pdf", timeout=60
            )
        self.assertEqual(response.status_code, 200)
        self.invoice.invalidate_recordset(["access_token"])
        self.assertFalse(self.invoice.access_token)

    def deliver_as_cron(self):
        """The mail queue as its cron runs it: as superuser, whoever queued the mail."""
        with real_smtp(self.env):
            self.env["mail.mail"].sudo().process_email_queue()

    def _csrf_token(self, path):
        html = self.url_open(path).text
        marker = 'name="csrf_token" value="'
        return html.split(marker, 1)[1].split('"', 1)[0]

    # ------------------------------------------------------------------
    # the thank-you names the invoices' company
    # ------------------------------------------------------------------

    def test_thank_you_names_the_invoices_company(self):
        policy_b = self.company_b.reminder_policy_id
        policy_b.thanks_template_id = self.env.ref(
            "invoice_reminders.mail_template_reminder_thanks"
        )
        customer_b = self.env["res.partner"].create(
            {"name": "Client B", "email": "ap@client-b.test"}
        )
        invoice_b = self.make_invoice(partner=customer_b, company=self.company_b, amount=90.0)
        level = policy_b._levels_sorted()[0]
        self.env["invoice.reminder.digest"].create(
            {
                "partner_id": customer_b.id,
                "company_id": self.company_b.id,
                "policy_id": policy_b.id,
                "period": "2026-01-05",
                "level_id": level.id,
                "state": "sent",
                "email_to": customer_b.email,
                "line_ids": [
                    Command.create(
                        {
                            "kind": "invoice",
                            "move_id": invoice_b.id,
                            "name": invoice_b.name,
                            "level_id": level.id,
                            "amount_residual": 90.0,
                            "currency_id": invoice_b.currency_id.id,
                        }
                    )
                ],
            }
        )
        self.pay(invoice_b)
        self.assertNotEqual(self.env.user.company_id, self.company_b)
        Run = self.env["invoice.reminder.run"].with_company(self.company_b)
        Run._send_thanks(self.company_b)
        mail = self.env["mail.mail"].search([("email_to", "=", "ap@client-b.test")])
        self.assertEqual(len(mail), 1)
        self.assertTrue(mail.subject.startswith("Company B:"), mail.subject)


@tagged("post_install", "-at_install")
class TestHostileInput(StatementCommon):
    """Text typed or imported into a customer reaches the reminder as text, and only as text."""

    def test_markup_control_characters_and_long_text_are_shown_escaped(self):
        name = (
            'Evil <iframe src="file:///etc/passwd"></iframe>'
            '<img src="http://evil.test/x.png"> Ltd\x0b & Sons'
        )
        customer = self.env["res.partner"].create(
            {
                "name": name,
                "email": "ap@evil.test",
                "street": "Rue " + "x" * 10000,
                "comment": "<script>alert(1)</script>",
            }
        )
        self.policy.level_ids.write({"attach_statement_pdf": True, "attach_statement_docx": True})
        invoice = self.make_invoice(
            partner=customer, amount=512.0, due_date="2026-01-10", ref="<b>PO\x0b42</b>"
        )
        with freeze_time(MONDAY):
            self.run_job()
        digest = self.digests(customer)
        self.assertEqual(digest.state, "sent", digest.error)
        received = self.smtp.to("ap@evil.test")
        self.assertEqual(len(received), 1)
        message = received[0]["message"]
        html = self.html_of(message)
        self.assertNotIn("<iframe", html)
        self.assertNotIn('src="http://evil.test', html)
        self.assertNotIn("<script", html)
        self.assertIn(invoice.name, html)
        files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
        pdf = next(content for fname, content in files.items() if fname.endswith(".pdf"))
        text = pdf_text(pdf)
        self.assertIn("<iframe", text, "the name printed as text")
        self.assertNotIn("root:", text, "no local file read")
        self.assertIn(invoice.name, text)
        word = next(content for fname, content in files.items() if fname.endswith(".docx"))
        document, tables = docx_tables(word)
        paragraphs = "\n".join(p.text for p in document.paragraphs)
        self.assertIn('Evil <iframe src="file:///etc/passwd">', paragraphs)
        self.assertIn(invoice.name, [row[0] for table in tables for row in table])
