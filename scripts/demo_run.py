"""Demo: realistic data, one weekly reminder run, the mail queue, and what was sent.

Run by scripts/demo.sh as:
    python scripts/demo_run.py --odoo-path ODOO --smtp-port PORT --mail-dir DIR -- ODOO_OPTIONS...
"""

import argparse
import os
import sys
from datetime import timedelta


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo-path", required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--mail-dir", required=True)
    parser.add_argument("odoo_options", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.odoo_options and args.odoo_options[0] == "--":
        args.odoo_options = args.odoo_options[1:]
    return args


class Demo:
    def __init__(self, env, smtp_port):
        from odoo import Command, fields

        from odoo.addons.invoice_reminders import rules

        self.env = env
        self.Command = Command
        self.fields = fields
        self.rules = rules
        self.smtp_port = smtp_port
        self.company = env.ref("base.main_company")

    # -- setup -----------------------------------------------------------
    def setup_company(self):
        env, company = self.env, self.company
        if not env["account.journal"].search([("company_id", "=", company.id)], limit=1):
            env["account.chart.template"].try_loading("generic_coa", company=company)
        company.write({"name": "YourCompany", "email": "billing@yourcompany.example"})
        company.partner_id.tz = "Europe/Brussels"
        admin = env.ref("base.user_admin")
        admin.partner_id.email = "owner@yourcompany.example"
        server = env["ir.mail_server"].create(
            {
                "name": "Demo SMTP (loopback)",
                "smtp_host": "127.0.0.1",
                "smtp_port": self.smtp_port,
                "smtp_encryption": "none",
            }
        )
        # reminders stay off until the activation wizard (see activate())
        company.write(
            {
                "reminder_mail_server_id": server.id,
                "reminder_email_from": "billing@yourcompany.example",
                "reminder_report_partner_ids": [self.Command.set(admin.partner_id.ids)],
            }
        )
        # languages installed as from Settings: active, with every module's translations
        langs = env["res.lang"].browse()
        for code in ("fr_FR", "de_DE"):
            langs |= env["res.lang"]._activate_lang(code)
        wizard = env["base.language.install"].create({"lang_ids": [self.Command.set(langs.ids)]})
        wizard.lang_install()
        self.eur = env.ref("base.EUR")
        self.gbp = env.ref("base.GBP")
        for currency, rate in ((self.eur, 0.92), (self.gbp, 0.79)):
            currency.active = True
            env["res.currency.rate"].create(
                {
                    "currency_id": currency.id,
                    "rate": rate,
                    "name": "2020-01-01",
                    "company_id": company.id,
                }
            )
        self.usd = company.currency_id
        self.policy = company.reminder_policy_id
        self.today = self.fields.Date.context_today(company)

    # -- helpers ---------------------------------------------------------
    def customer(self, name, email=None, lang="en_US", **vals):
        return self.env["res.partner"].create(
            {"name": name, "email": email, "lang": lang, "is_company": True, **vals}
        )

    def invoice(
        self, partner, amount, days_overdue, currency=None, move_type="out_invoice", **vals
    ):
        due = self.today - timedelta(days=days_overdue)
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": due - timedelta(days=30),
                "invoice_date_due": due,
                "currency_id": (currency or self.usd).id,
                "invoice_line_ids": [
                    self.Command.create(
                        {"name": "Consulting services", "price_unit": amount, "tax_ids": []}
                    )
                ],
                **vals,
            }
        )
        move.action_post()
        return move

    def pay(self, invoice, amount=None):
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"payment_date": self.today, **({"amount": amount} if amount else {})})
        )
        wizard._create_payments()

    def history(self, invoice, levels):
        """Reminders sent in earlier weeks, so that invoices stand at every ladder step."""
        period = self.rules.period_key(
            self.policy.schedule,
            self.fields.Datetime.now(),
            self.policy._company_tz(),
            int(self.policy.schedule_weekday),
            self.policy.schedule_hour,
        )
        ladder = self.policy._levels_sorted()
        for weeks_ago, level in enumerate(reversed(levels), start=1):
            when = period - timedelta(weeks=weeks_ago)
            digest = self.env["invoice.reminder.digest"].search(
                [("partner_id", "=", invoice.commercial_partner_id.id), ("period", "=", when)]
            ) or self.env["invoice.reminder.digest"].create(
                {
                    "partner_id": invoice.commercial_partner_id.id,
                    "company_id": self.company.id,
                    "policy_id": self.policy.id,
                    "period": when,
                    "level_id": ladder[level].id,
                    "state": "sent",
                    "email_to": invoice.commercial_partner_id.email,
                }
            )
            self.env["invoice.reminder.digest.line"].create(
                {
                    "digest_id": digest.id,
                    "move_id": invoice.id,
                    "name": invoice.name,
                    "date": invoice.invoice_date,
                    "date_due": invoice.invoice_date_due,
                    "level_id": ladder[level].id,
                    "level_index": level,
                    "days_overdue": (when - invoice.invoice_date_due).days,
                    "amount_residual": invoice.amount_residual,
                    "currency_id": invoice.currency_id.id,
                }
            )

    # -- data ------------------------------------------------------------
    def build(self):
        deco = self.customer("Deco Addict", "accounts@decoaddict.example")
        self.invoice(deco, 1250.00, 10)
        second = self.invoice(deco, 480.50, 28)
        self.history(second, [0])
        final = self.invoice(deco, 3200.00, 60)
        self.history(final, [0, 1])
        self.invoice(deco, 99.00, -5)  # not due yet

        dupont = self.customer("Boulangerie Dupont", "compta@dupont.example", lang="fr_FR")
        self.invoice(dupont, 860.00, 12, currency=self.eur)
        self.invoice(dupont, 150.00, 30, currency=self.eur, move_type="out_refund")

        muller = self.customer(
            "Müller Maschinenbau GmbH", "buchhaltung@mueller.example", lang="de_DE"
        )
        self.invoice(muller, 5400.00, 15, currency=self.eur)
        partly = self.invoice(muller, 2000.00, 25)
        self.pay(partly, amount=750.00)
        self.invoice(muller, 720.00, 9, currency=self.gbp)

        gemini = self.customer(
            "Gemini Furniture", "hello@gemini.example", reminder_cc="cfo@gemini.example"
        )
        self.env["res.partner"].create(
            {
                "name": "Gemini Accounts Payable",
                "parent_id": gemini.id,
                "type": "invoice",
                "email": "ap@gemini.example",
            }
        )
        self.invoice(gemini, 940.00, 8)

        ready = self.customer("Ready Mat", None)  # no email address
        self.invoice(ready, 310.00, 20)

        lumber = self.customer("Lumber Inc", "ap@lumber.example", reminder_enabled=False)
        self.invoice(lumber, 1100.00, 40)

        wood = self.customer("Wood Corner", "billing@woodcorner.example")
        self.invoice(wood, 640.00, 14, reminder_included=False)  # excluded by hand
        paid = self.invoice(wood, 275.00, 22)
        self.pay(paid)
        self.invoice(wood, 415.00, 16)

    # -- adoption ----------------------------------------------------------
    def activate(self):
        """What an accountant does first: choose the invoices, preview, switch on."""
        wizard = self.env["invoice.reminder.activation"].create({"selection_mode": "all"})
        wizard.action_preview()
        print()
        print("Activation wizard: the first run would send (nothing is written yet)")
        print("-" * 78)
        for line in wizard.preview_line_ids.sorted(lambda pl: (pl.status, pl.partner_id.name)):
            if line.status == "send":
                print(
                    f"  {line.partner_id.name:<28} {line.level_id.name:<16} "
                    f"{line.invoice_count} invoice(s)  {line.totals_display}"
                )
            else:
                reason = dict(line._fields["skip_reason"].selection).get(line.skip_reason)
                print(f"  {line.partner_id.name:<28} skipped: {reason or line.detail}")
        wizard.action_confirm()
        self.env.cr.commit()
        send_at, period = self.policy._next_run()
        print(f"\nReminders switched on; the first run sends at {send_at} UTC (period {period}).")
        return send_at

    # -- the run -----------------------------------------------------------
    def run(self, send_at):
        """The cron at the first slot after activation (the demo does not wait for it)."""
        Run = self.env["invoice.reminder.run"]
        Run._send_company_digests(self.company, now=send_at)
        self.env.cr.commit()
        self.env["mail.mail"].process_email_queue()
        Run._cron_send_digests()  # summaries once the digests went through the queue
        self.env.cr.commit()
        self.env["mail.mail"].process_email_queue()
        self.env.cr.commit()
        return Run.search([("company_id", "=", self.company.id)], order="id desc", limit=1)


def report(run, mail_dir):
    print()
    print(f"Reminder run {run.name!r} ({run.state})")
    print("-" * 78)
    for digest in run.digest_ids.sorted(lambda d: d.partner_id.name):
        totals = ", ".join(f"{t['currency'].name} {t['net']:,.2f}" for t in digest._get_totals())
        print(
            f"  {digest.partner_id.name:<28} {digest.level_id.name:<16} {digest.state:<8} {totals}"
        )
        cc = f"  cc: {digest.email_cc}" if digest.email_cc else ""
        print(f"      to: {digest.email_to}{cc}")
        for line in digest.invoice_line_ids:
            print(
                f"      {line.name:<18} due {line.date_due}  {line.days_overdue:>4} days  "
                f"{line.currency_id.name} {line.amount_residual:>10,.2f}  {line.level_id.name}"
            )
        for line in digest.credit_line_ids:
            print(
                f"      {line.name:<18} credit {line.currency_id.name} {line.amount_residual:,.2f}"
            )
        if digest.error:
            print(f"      error: {digest.error}")
    for skip in run.skip_ids:
        reason = dict(skip._fields["reason"].selection)[skip.reason]
        print(f"  {skip.partner_id.name:<28} skipped: {reason}")
    summary_to = run.report_mail_id.email_to if run.report_mail_id else "(no recipient)"
    print(f"\nOwner's summary sent to: {summary_to} (delivered: {run.report_mail_id.state})")
    files = sorted(os.listdir(mail_dir))
    print(f"{len(files)} message(s) received by the local SMTP server, saved in {mail_dir}:")
    for name in files:
        print(f"  {os.path.join(mail_dir, name)}")


def main():
    args = parse_args()
    sys.path.insert(0, args.odoo_path)
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(args.odoo_options)
    db = odoo.tools.config["db_name"]  # a name on Odoo 18.0, a list of names on 19.0
    db = db[0] if isinstance(db, list) else db
    registry = Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        demo = Demo(env, args.smtp_port)
        demo.setup_company()
        demo.build()
        cr.commit()
        send_at = demo.activate()
        run = demo.run(send_at)
        report(run, args.mail_dir)


if __name__ == "__main__":
    main()
