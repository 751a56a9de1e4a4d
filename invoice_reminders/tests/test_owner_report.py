"""The owner's weekly report, walked over four weeks through the loopback SMTP server."""

import re
from datetime import date, datetime, timedelta

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ReminderRunCommon

# the Mondays of the weekly run (08:00, the company in UTC) and the Tuesdays of the report
MONDAYS = [datetime(2026, 2, 2, 9) + timedelta(weeks=week) for week in range(4)]
TUESDAYS = [monday + timedelta(days=1) for monday in MONDAYS]


def money(amount, symbol="$"):
    return f"{symbol} {amount:,.2f}"


@tagged("post_install", "-at_install")
class TestOwnerReport(ReminderRunCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR")  # 2 EUR for 1 USD since 2017
        cls.levels = cls.policy._levels_sorted()
        cls.owner_user = cls.make_user("owner_user", "account.group_account_manager")
        cls.owner_user.partner_id.email = "owner.user@company.test"
        partner = cls.env["res.partner"]
        cls.late = partner.create({"name": "Late Payer", "email": "ap@late.test"})
        cls.early = partner.create({"name": "Early Bird", "email": "ap@early.test"})
        cls.bounced = partner.create({"name": "Bounce Co", "email": "ap@bounce.test"})
        cls.promising = partner.create({"name": "Promise Ltd", "email": "ap@promise.test"})
        cls.disputing = partner.create({"name": "Dispute SA", "email": "ap@dispute.test"})
        cls.final = partner.create({"name": "Final Corp", "email": "ap@final.test"})
        cls.euro = partner.create({"name": "Euro GmbH", "email": "ap@euro.test"})
        cls.refused = partner.create({"name": "Refused Ltd", "email": "nobody@refused.test"})
        cls.no_email = partner.create({"name": "No Email Ltd"})

    def setUp(self):
        super().setUp()
        # (customer, amount, invoice date, due date, currency)
        table = [
            (self.customer, 100, "2026-01-05", "2026-01-20", None),
            (self.late, 400, "2025-12-21", "2026-01-05", None),
            (self.early, 250, "2026-01-10", "2026-01-25", None),
            (self.bounced, 300, "2025-12-31", "2026-01-15", None),
            (self.promising, 500, "2025-12-26", "2026-01-10", None),
            (self.disputing, 200, "2026-01-10", "2026-01-25", None),
            (self.final, 1000, "2025-10-01", "2025-10-15", None),
            (self.euro, 150, "2026-01-13", "2026-01-28", self.eur),
            (self.refused, 50, "2026-01-05", "2026-01-20", None),
            (self.no_email, 80, "2026-01-05", "2026-01-20", None),
        ]
        self.invoices = {
            partner: self.make_invoice(
                partner=partner,
                amount=amount,
                invoice_date=invoice_date,
                due_date=due,
                currency=currency,
            )
            for partner, amount, invoice_date, due, currency in table
        }
        self.invoices[self.disputing].write(
            {"reminder_disputed": True, "reminder_dispute_note": "wrong quantity"}
        )

    # -- helpers ------------------------------------------------------------

    def monday(self, week):
        self.smtp.refused.add("nobody@refused.test")  # every week
        with (
            freeze_time(MONDAYS[week]),
            mute_logger("odoo.addons.mail.models.mail_mail"),
        ):
            self.run_job()

    def tuesday(self, week, hour=9):
        """The hourly tick of the report on the week's Tuesday: the received reports."""
        self.smtp.reset()
        with freeze_time(TUESDAYS[week].replace(hour=hour)):
            self.env["invoice.reminder.owner.report"]._cron_send_owner_reports()
            self.deliver()
        return [self.page(item["message"]) for item in self.smtp.to("owner@company.test")]

    def page(self, message):
        html = self.html_of(message)
        self.assertNotIn("<script", html)
        for src in re.findall(r'<img[^>]*src="([^"]*)"', html):
            self.assertTrue(src.startswith(self.company.get_base_url()), src)
        return {"subject": message["Subject"], "tree": lxml_html.fromstring(html), "html": html}

    @staticmethod
    def texts(page, css_class):
        nodes = page["tree"].xpath(
            f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]"
        )
        return [" ".join(node.text_content().replace("\xa0", " ").split()) for node in nodes]

    def headline(self, page, key):
        """``(this week, last week, change)`` of a headline row, as read."""
        (row,) = page["tree"].xpath(f"//tr[@class='owner-headline-{key}']")
        return tuple(
            " ".join(
                row.xpath(f"./td[@class='{cls}']")[0].text_content().replace("\xa0", " ").split()
            )
            for cls in ("owner-current", "owner-previous", "owner-change")
        )

    def assert_link_opens(self, url, record=None):
        """The link is Odoo's URL of ``record`` (or of an action), readable by the owner's user."""
        base = self.company.get_base_url()
        self.assertTrue(url.startswith(f"{base}/odoo/"), url)
        path = url[len(base) + len("/odoo/") :]
        if path.startswith("action-"):
            action = self.env.ref(path[len("action-") :])
            self.env[action.res_model].with_user(self.owner_user).check_access("read")
            return
        model, res_id = path.rsplit("/", 1)
        target = self.env[model].browse(int(res_id))
        if record is not None:
            self.assertEqual(target, record)
        target.with_user(self.owner_user).check_access("read")

    def links(self, page, css_class):
        return [
            (anchor.text_content(), anchor.get("href"))
            for anchor in page["tree"].xpath(
                f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]//a"
            )
        ]

    # -- the four weeks -----------------------------------------------------

    def test_four_weeks_of_reports(self):
        eur_in_usd = 75.0  # 150 EUR at 2 EUR for 1 USD
        # week 0: Early Bird pays before any reminder; the first run reminds the
        # customers more than 7 days overdue; Bounce Co's address bounces
        self.pay(self.invoices[self.early], date="2026-02-01")
        self.monday(0)
        sent = self.smtp.to("ap@bounce.test")[0]["message"]
        self.bounce(sent, "ap@bounce.test")
        self.assertEqual(self.digests(self.bounced).state, "bounced")
        self.assertFalse(self.tuesday(0, hour=7), "not before the report's hour")
        (report,) = self.tuesday(0)
        self.assertIn("receivables of the week to 02/02/2026", report["subject"])
        overdue_0 = 100 + 400 + 300 + 500 + 200 + 1000 + eur_in_usd + 50 + 80
        self.assertEqual(self.headline(report, "overdue")[0], money(overdue_0))
        self.assertEqual(self.headline(report, "collected")[0], money(250))
        self.assertEqual(self.headline(report, "collected_reminded")[0], money(0))
        first_level = self.texts(report, "owner-reminders-level")
        # deco, late, bounce, promise, final reminded; refused failed; euro not 7 days yet
        self.assertEqual(first_level, [f"{self.levels[0].name} 6 4 1 1 0"])
        self.assertIn("No email address: 1", self.texts(report, "owner-skipped")[0])
        self.assertEqual(
            [text for text, _url in self.links(report, "owner-bounced")], ["Bounce Co"]
        )
        for _text, url in self.links(report, "owner-bounced"):
            self.assert_link_opens(url, self.bounced)
        self.assertFalse(self.tuesday(0, hour=10), "once a week: the next tick sends nothing")
        # Late Payer is paused after its first reminder
        with freeze_time("2026-02-03 10:00:00"):
            self.late.write(
                {"reminder_pause_until": "2026-03-15", "reminder_pause_reason": "other"}
            )

        # week 1: Deco pays 3 days after its reminder; Promise Ltd promises and breaks it
        with freeze_time("2026-02-03 10:00:00"):
            promise = self.env["invoice.reminder.promise"].create(
                {
                    "partner_id": self.promising.id,
                    "move_ids": [Command.set(self.invoices[self.promising].ids)],
                    "amount": 500,
                    "date": "2026-02-05",
                    "grace_days": 0,
                }
            )
        self.pay(self.invoices[self.customer], date="2026-02-05")
        self.monday(1)
        self.assertEqual(promise.state, "broken")
        (report,) = self.tuesday(1)
        overdue_1 = overdue_0 - 100
        self.assertEqual(
            self.headline(report, "overdue"),
            (money(overdue_1), money(overdue_0), "▼ -$ 100.00 (-4%)"),
        )
        self.assertEqual(
            self.headline(report, "collected"), (money(100), money(250), "▼ -$ 150.00 (-60%)")
        )
        self.assertEqual(self.headline(report, "collected_reminded")[:2], (money(100), money(0)))
        (broken,) = self.links(report, "owner-broken-promises")
        self.assertEqual(broken[0], "Promise Ltd")
        self.assert_link_opens(broken[1], promise)
        self.assertFalse(self.links(report, "owner-bounced"), "last week's bounce is not news")

        # week 2: Final Corp reaches the final level
        self.monday(2)
        self.assertEqual(self.digests(self.final)[-1].level_id, self.levels[-1])
        (report,) = self.tuesday(2)
        self.assertEqual(
            [text for text, _url in self.links(report, "owner-final-level")], ["Final Corp"]
        )
        self.assertIn("Paused: 1", self.texts(report, "owner-skipped")[0])

        # week 3: Late Payer pays long after its only reminder (02/02)
        self.pay(self.invoices[self.late], date="2026-02-19")
        self.monday(3)
        (report,) = self.tuesday(3)
        self.check_last_report(report, overdue_1, eur_in_usd)
        self.check_effectiveness(
            report,
            {
                self.invoices[self.customer]: date(2026, 2, 5),
                self.invoices[self.late]: date(2026, 2, 19),
            },
        )

    def check_last_report(self, report, overdue_before, eur_in_usd):
        """The report of 02/24/2026, every figure against the hand computation."""
        overdue = overdue_before - 400
        self.assertEqual(
            self.headline(report, "overdue"),
            (money(overdue), money(overdue_before), f"▼ -$ 400.00 (-{400 / overdue_before:.0%})"),
        )
        per_currency = self.texts(report, "owner-overdue-currency")
        self.assertEqual(
            per_currency,
            [
                "Overdue in EUR 150.00 € 150.00 € =",
                f"Overdue in USD {money(overdue - eur_in_usd)} "
                f"{money(overdue_before - eur_in_usd)} ▼ -$ 400.00 "
                f"(-{400 / (overdue_before - eur_in_usd):.0%})",
            ],
        )
        self.assertEqual(self.headline(report, "collected")[:2], (money(400), money(0)))
        self.assertEqual(self.headline(report, "collected_reminded")[:2], (money(0), money(0)))
        # DSO: what is owed over the sales of the 90 days before, times 90
        sales = 100 + 400 + 250 + 300 + 500 + 200 + eur_in_usd + 50 + 80  # Final Corp's is older
        self.assertEqual(
            self.headline(report, "dso")[:2],
            (f"{overdue / sales * 90:.0f}", f"{overdue_before / sales * 90:.0f}"),
        )
        # aging on 02/24: dispute 30 days, euro 27; bounce 40, promise 45, refused and
        # no email 35; Final Corp 132
        buckets = [200 + eur_in_usd, 300 + 500 + 50 + 80, 0, 1000]
        aging = self.texts(report, "owner-aging-bucket")
        self.assertEqual(
            aging,
            [
                f"1–30 days {money(buckets[0])}",
                f"31–60 days {money(buckets[1])}",
                f"61–90 days {money(0)}",
                f"over 90 days {money(buckets[3])}",
            ],
        )
        widths = [
            int(bar.get("data-width"))
            for bar in report["tree"].xpath("//div[contains(@class, 'owner-aging-bar')]")
        ]
        self.assertEqual(widths, [round(100 * b / 1000) for b in buckets if b])
        # top debtors: largest overdue first, with oldest days, last reminder and next step
        debtors = self.texts(report, "owner-debtor-name")
        self.assertEqual(
            debtors,
            [
                "Final Corp",
                "Promise Ltd",
                "Bounce Co",
                "Dispute SA",
                "No Email Ltd",
                "Euro GmbH",
                "Refused Ltd",
            ],
        )
        first = report["tree"].xpath("//tr[contains(@class, 'owner-debtor')]")[0]
        cells = [" ".join(td.text_content().replace("\xa0", " ").split()) for td in first]
        final_level = self.levels[-1].name
        self.assertEqual(
            cells,
            [
                "Final Corp",
                money(1000),
                "132",
                f"02/23/2026, {final_level} (Sent)",
                f"{final_level} on 03/02/2026",
            ],
        )
        for text, url in self.links(report, "owner-debtors"):
            partner = self.env["res.partner"].search([("name", "=", text)])
            self.assert_link_opens(url, partner)
        # needs a decision
        self.assertEqual(
            [text for text, _url in self.links(report, "owner-disputes")],
            [self.invoices[self.disputing].name],
        )
        self.assertEqual(
            [text for text, _url in self.links(report, "owner-final-level")], ["Final Corp"]
        )
        self.assertEqual(
            [text for text, _url in self.links(report, "owner-failed")],
            ["Refused Ltd"],
        )
        for css_class, record in (
            ("owner-disputes", self.invoices[self.disputing]),
            ("owner-final-level", self.final),
            ("owner-failed", self.digests(self.refused)[-1]),
        ):
            (link,) = self.links(report, css_class)
            self.assert_link_opens(link[1], record)
        for _text, url in self.links(report, "owner-links"):
            self.assert_link_opens(url)
        # the reminders of the run of 02/23, per level, as the database has them
        digests = self.env["invoice.reminder.digest"].search([("period", "=", "2026-02-23")])
        expected = []
        for level in self.levels:
            of_level = digests.filtered(lambda d, level=level: d.level_id == level)
            if of_level:
                states = [
                    len(of_level.filtered(lambda d, s=s: d.state == s))
                    for s in ("sent", "bounced", "failed", "queued")
                ]
                expected.append(" ".join(map(str, [level.name, len(of_level), *states])))
        self.assertEqual(self.texts(report, "owner-reminders-level"), expected)

    def check_effectiveness(self, report, paid_on):
        """The 8 weeks of reminders per level, against the reminders' lines and the payments."""
        digests = self.env["invoice.reminder.digest"].search(
            [
                ("company_id", "=", self.company.id),
                ("period", ">=", "2025-12-30"),
                ("period", "<", "2026-02-24"),
                ("state", "!=", "failed"),
            ]
        )
        expected, pivot = [], {}
        for level in self.levels:
            of_level = digests.filtered(lambda d, level=level: d.level_id == level)
            if not of_level:
                continue
            days = [
                (paid_on[line.move_id] - line.period).days if line.move_id in paid_on else None
                for line in of_level.invoice_line_ids
            ]
            paid = sorted(d for d in days if d is not None)
            rates = [round(100 * len([d for d in paid if d <= n]) / len(days)) for n in (7, 14, 30)]
            median = (
                "–"
                if not paid
                else str(
                    paid[len(paid) // 2]
                    if len(paid) % 2
                    else (paid[len(paid) // 2 - 1] + paid[len(paid) // 2]) / 2
                )
            )
            expected.append(
                f"{level.name} {len(of_level)} {len(days)} "
                + " ".join(f"{rate}%" for rate in rates)
                + f" {median}"
            )
            pivot[level] = (len(of_level), len(days), len([d for d in paid if d <= 14]))
        self.assertEqual(self.texts(report, "owner-effect-level"), expected)
        # the pivot of Reminder Effectiveness reads the same, for the owner's user
        rows = (
            self.env["invoice.reminder.effectiveness"]
            .with_user(self.owner_user)
            ._read_group(
                [("period", ">=", "2025-12-30"), ("period", "<", "2026-02-24")],
                ["level_id"],
                ["reminder_count:sum", "invoice_count:sum", "paid_14:sum"],
            )
        )
        self.assertEqual({level: tuple(values) for level, *values in rows}, pivot)

    def test_other_companies_short_report_and_failure(self):
        """Nothing overdue: a short report. One company failing stops no other."""
        quiet_owner = self.env["res.partner"].create(
            {"name": "Quiet Owner", "email": "owner@quiet.test"}
        )
        quiet, broken, silent = self.env["res.company"].create(
            [
                {"name": "Quiet Co", "currency_id": self.company.currency_id.id},
                {"name": "Broken Co", "currency_id": self.company.currency_id.id},
                {"name": "Silent Co", "currency_id": self.company.currency_id.id},
            ]
        )
        for company in (quiet, broken, silent):
            company.partner_id.tz = "UTC"
            company.write(
                {
                    "reminder_enabled": True,
                    "reminder_mail_server_id": self.mail_server.id,
                    "reminder_email_from": "billing@company.test",
                }
            )
        (quiet | broken).reminder_report_partner_ids = quiet_owner
        # a report hour out of range, written past the constraint: that company fails
        self.env.cr.execute(
            "UPDATE res_company SET reminder_owner_report_hour = 99 WHERE id = %s", [broken.id]
        )
        broken.invalidate_recordset()
        with mute_logger("odoo.addons.invoice_reminders.models.invoice_reminder_owner_report"):
            received = self.tuesday(0)
        self.assertEqual(len(received), 1, "the company under test still gets its report")
        (short,) = [self.page(item["message"]) for item in self.smtp.to("owner@quiet.test")]
        self.assertIn("Quiet Co", short["subject"])
        self.assertEqual(self.texts(short, "owner-nothing-overdue"), ["Nothing is overdue today."])
        self.assertFalse(self.texts(short, "owner-aging-bucket"))
        self.assertFalse(self.texts(short, "owner-debtor"))
        self.assertEqual(quiet.reminder_owner_report_date, date(2026, 2, 3))
        self.assertFalse(broken.reminder_owner_report_date)
        self.assertFalse(silent.reminder_owner_report_date, "no recipient: no report")

    def test_partial_total_without_rate_and_summary_setting(self):
        """A currency without a rate at the date: shown apart, the total marked partial.
        The run's summary is mailed only when the company asks for it."""
        franc = self.setup_other_currency("CHF", rates=[("2027-01-01", 0.9)])
        self.make_invoice(partner=self.euro, amount=3, due_date="2026-01-20", currency=franc)
        self.company.reminder_summary_mail = False
        self.monday(0)
        run = self.env["invoice.reminder.run"].search([("period", "=", "2026-02-02")])
        self.assertEqual(run.state, "done")
        self.assertFalse(run.report_sent)
        self.assertFalse(self.smtp.to("owner@company.test"), "no summary mailed")
        self.assertTrue(run.digest_ids, "the summary stays readable on the run")
        (report,) = self.tuesday(0)
        self.assertIn("Overdue (USD) *", self.texts(report, "owner-headline-overdue")[0])
        (note,) = self.texts(report, "owner-partial")
        self.assertIn("no exchange rate at that date for CHF", note)
        self.assertIn("Overdue in CHF", " ".join(self.texts(report, "owner-overdue-currency")))

    def test_effectiveness_rights(self):
        """Reminder Effectiveness: read by accounting users of the company only."""
        self.monday(0)
        Effect = self.env["invoice.reminder.effectiveness"]
        self.assertTrue(Effect.with_user(self.owner_user).search_count([]))
        auditor = self.make_user("auditor_user", "account.group_account_readonly")
        self.assertEqual(Effect.with_user(auditor).search_count([]), Effect.search_count([]))
        other = self.env["res.company"].create({"name": "Other Co"})
        outsider = self.make_user("other_billing", "account.group_account_invoice", company=other)
        self.assertFalse(Effect.with_user(outsider).search_count([]), "another company's")
        contacts = self.make_user("contacts_only", "base.group_partner_manager")
        with self.assertRaises(AccessError):
            Effect.with_user(contacts).search_count([])
        with self.assertRaises(AccessError):
            Effect.with_user(self.owner_user).create({})

    def test_customer_answers_need_a_decision(self):
        """The answers customers gave on their reminder page during the week are listed,
        each linked to its record; a replaced one and last week's are not."""
        self.monday(0)
        digest = self.digests(self.promising)
        Answer = self.env["invoice.reminder.answer"].sudo()  # the page writes them as superuser
        invoice = self.invoices[self.promising]
        common = {"digest_id": digest.id, "partner_id": self.promising.id}
        with freeze_time(MONDAYS[0].replace(hour=15)):
            promise = Answer.create(
                {
                    **common,
                    "company_id": self.company.id,
                    "kind": "promise",
                    "move_ids": [Command.set(invoice.ids)],
                    "date": "2026-02-20",
                    "amount": 500,
                }
            )
            replaced = Answer.create(
                {**common, "company_id": self.company.id, "kind": "call", "state": "replaced"}
            )
        with freeze_time(MONDAYS[0] - timedelta(days=8)):
            Answer.create({**common, "company_id": self.company.id, "kind": "dispute"})
        (report,) = self.tuesday(0)
        heading = report["tree"].xpath('//h3[normalize-space()="Customers\' answers of the week"]')
        self.assertEqual(len(heading), 1, report["html"][-2000:])
        items = [" ".join(li.text_content().split()) for li in heading[0].getnext().iter("li")]
        self.assertEqual(items, [f"Promise Ltd: Promise to pay ({invoice.name}), 02/20/2026"])
        link = heading[0].getnext().xpath(".//a/@href")[0]
        self.assertTrue(link.endswith(f"/odoo/invoice.reminder.answer/{promise.id}"), link)
        self.assertNotIn(str(replaced.id), link)
