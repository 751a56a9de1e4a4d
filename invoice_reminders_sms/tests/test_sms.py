import threading
from contextlib import contextmanager

from freezegun import freeze_time

from odoo.modules import module as odoo_module
from odoo.tests import tagged

from odoo.addons.invoice_reminders.tests.common import ReminderRunCommon

MONDAY = "2026-02-02 09:00:00"  # a Monday, after the 08:00 slot (company in UTC)


@contextmanager
def real_iap():
    """Let IAP's JSON-RPC client really call the endpoint while a test runs.

    Odoo refuses IAP calls inside tests; the SMS tests lift that switch only
    around the sending, and the endpoint is the local stand-in.  The switch is
    the thread's ``testing`` flag on Odoo 18.0, ``current_test`` on 19.0.
    """
    thread = threading.current_thread()
    saved = getattr(thread, "testing", False), odoo_module.current_test
    thread.testing = False
    odoo_module.current_test = False
    try:
        yield
    finally:
        thread.testing, odoo_module.current_test = saved


@tagged("post_install", "-at_install")
class TestReminderSMS(ReminderRunCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from .sms_sink import SMSSink

        cls.sms_sink = SMSSink().start()
        cls.addClassCleanup(cls.sms_sink.stop)
        cls.env["ir.config_parameter"].sudo().set_param("sms.endpoint", cls.sms_sink.url)
        cls.env["iap.account"].sudo().create(
            {
                "service_id": cls.env.ref("sms.iap_service_sms").id,
                "account_token": "local-test-token",
                "company_ids": [(6, 0, cls.env.companies.ids)],
            }
        )
        cls.ladder = cls.make_policy(name="SMS ladder")
        cls.first = cls.ladder._levels_sorted()[0]
        cls.first.sms_template_id = cls.env.ref("invoice_reminders_sms.sms_template_reminder")
        # the number an SMS goes to: the mobile on Odoo 18.0, the phone on 19.0
        cls.sms_number_field = cls.customer._phone_get_number_fields()[0]
        cls.customer.write(
            {
                "reminder_policy_id": cls.ladder.id,
                cls.sms_number_field: "+32 470 12 34 56",
                "country_id": cls.env.ref("base.be").id,
            }
        )

    def setUp(self):
        super().setUp()
        self.sms_sink.reset()

    def send_sms_queue(self):
        with real_iap():
            self.env["sms.sms"].sudo().search([("state", "=", "outgoing")]).send(unlink_sent=False)

    def run_with_sms(self):
        Run = self.env["invoice.reminder.run"].sudo()
        with freeze_time(MONDAY):
            Run._cron_send_digests()
            self.deliver()
            # nothing reached the SMS service yet: the SMS waits in Odoo's queue
            self.assertFalse(self.sms_sink.requests)
            self.send_sms_queue()
            Run._cron_send_digests()
            self.deliver()

    def test_sms_with_amount_and_link_through_the_sms_service(self):
        self.make_invoice(amount=250, due_date="2026-01-20")
        self.run_with_sms()
        digest = self.digests()
        self.assertEqual(digest.state, "sent")
        messages = self.sms_sink.messages()
        self.assertEqual(len(messages), 1)
        number, text = messages[0]
        self.assertEqual(number, "+32470123456")
        self.assertIn("250.00", text)
        self.assertIn(f"/invoice_reminders/statement/{digest.id}?access_token=", text)
        self.assertIn(digest.access_token, text)
        self.assertEqual(self.sms_sink.requests[0]["path"], "/api/sms/3/send")
        action = digest.action_ids
        self.assertEqual((action.kind, action.state), ("sms", "done"))
        # on the customer's chatter, and in the owner's summary
        self.assertEqual(action.mail_message_id.message_type, "sms")
        self.assertIn(action.mail_message_id, self.customer.message_ids)
        summary = self.html_of(self.smtp.to("owner@company.test")[-1]["message"])
        self.assertIn("To +32470123456", summary)

    def test_customer_without_mobile_email_goes_sms_skipped(self):
        self.customer[self.sms_number_field] = False
        self.make_invoice(amount=250, due_date="2026-01-20")
        self.run_with_sms()
        digest = self.digests()
        self.assertEqual(digest.state, "sent", "the email still goes")
        self.assertEqual(len(self.smtp.to("accounts@deco.test")), 1)
        self.assertFalse(self.sms_sink.requests)
        self.assertEqual(digest.action_ids.state, "skipped")
        self.assertEqual(digest.action_ids.detail, "No mobile number on the customer")
        summary = self.html_of(self.smtp.to("owner@company.test")[-1]["message"])
        self.assertIn("No mobile number on the customer", summary)

    def test_sms_refused_by_the_service_recorded_as_failed(self):
        self.sms_sink.failing.add("+32470123456")
        self.make_invoice(amount=250, due_date="2026-01-20")
        self.run_with_sms()
        action = self.digests().action_ids
        self.assertEqual(action.state, "failed")
        self.assertIn("Wrong Number Format", action.detail)
        summary = self.html_of(self.smtp.to("owner@company.test")[-1]["message"])
        self.assertIn("Wrong Number Format", summary)

    def test_preview_sends_no_sms(self):
        self.make_invoice(amount=250, due_date="2026-01-20")
        with freeze_time("2026-02-02 07:00:00"):
            preview = self.env["invoice.reminder.preview"]._create_for(self.company, self.ladder)
        line = preview.send_line_ids.filtered(lambda line: line.partner_id == self.customer)
        self.assertIn("To +32470123456", line.action_summary)
        self.assertFalse(self.env["sms.sms"].sudo().search([]))
        self.send_sms_queue()
        self.assertFalse(self.sms_sink.requests)
