# Upgrade test, step 2, in `odoo-bin shell` on the PREVIOUS release's code (see
# scripts/upgrade_test.sh): a company's history with payment reminders, built
# through that code, then the snapshot that scripts/upgrade_check.py compares
# after the update.
# ruff: noqa: F821  (env is provided by odoo-bin shell)
import os
import sys
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command

sys.path.insert(0, os.environ["IR_UPGRADE_SCRIPTS"])
import upgrade_lib as lib

problems = []


def expect(condition, message):
    if not condition:
        problems.append(message)


def partner(key):
    return env["res.partner"].search([("ref", "=", f"UPG-{key}")])


def invoice(ref):
    return env["account.move"].search([("ref", "=", ref)])


def pay(move, when, amount=None):
    with freeze_time(f"{when} 11:00:00"):
        wizard = (
            env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"payment_date": when, **({"amount": amount} if amount else {})})
        )
        wizard._create_payments()
    env.cr.commit()


company = env.ref("base.main_company")
admin = env.ref("base.user_admin")
server = env["ir.mail_server"].create(
    {
        "name": "Loopback SMTP (upgrade test)",
        "smtp_host": "127.0.0.1",
        "smtp_port": int(os.environ["IR_UPGRADE_SMTP_PORT"]),
        "smtp_encryption": "none",
        "sequence": 1,
    }
)
# -- the company's settings, before switching reminders on -------------------
company.write(
    {
        "reminder_mail_server_id": server.id,
        "reminder_email_from": "billing@company.example",
        "reminder_report_partner_ids": [Command.set(admin.partner_id.ids)],
    }
)
standard = company.reminder_policy_id
expect(standard, "the company has no reminder policy after install")
first, second, final = standard.level_ids.sorted("sequence")
usd, eur = company.currency_id, env.ref("base.EUR")
fee_product = env["product.product"].create(
    {"name": "Late payment fee", "type": "service", "list_price": 0.0, "taxes_id": False}
)
standard.write(
    {
        "forewarn_hours": 24,
        "fee_invoice": "posted",
        "fee_product_id": fee_product.id,
        "activity_user_id": admin.id,
        "thanks_template_id": env.ref("invoice_reminders.mail_template_reminder_thanks").id,
    }
)
second.write(
    {
        "fee_fixed_ids": [
            Command.create({"currency_id": usd.id, "amount": 10.0}),
            Command.create({"currency_id": eur.id, "amount": 8.0}),
        ],
        "attach_statement_pdf": True,
    }
)
final.write(
    {
        "fee_fixed_ids": [Command.create({"currency_id": usd.id, "amount": 25.0})],
        "fee_percent": 1.5,
        "interest_rate": 8.0,
        "send_letter": True,
        "activity_type_id": env.ref("mail.mail_activity_data_call").id,
        "activity_summary": "Call the customer about the overdue invoices",
    }
)
# a second ladder, for the customers tagged "Key accounts"
gentle = env["invoice.reminder.policy"].create(
    {
        "name": "Gentle ladder",
        "company_id": company.id,
        "level_ids": [
            Command.create(
                {
                    "sequence": 10,
                    "name": "Friendly reminder",
                    "delay_days": 14,
                    "mail_template_id": first.mail_template_id.id,
                }
            ),
            Command.create(
                {
                    "sequence": 20,
                    "name": "Last reminder",
                    "delay_days": 35,
                    "mail_template_id": final.mail_template_id.id,
                    "interest_rate": 5.0,
                }
            ),
        ],
    }
)
key_accounts = env["res.partner.category"].create(
    {"name": "Key accounts", "reminder_policy_id": gentle.id, "reminder_priority": 10}
)
partner("JACKSON").category_id = [Command.link(key_accounts.id)]
partner("AZURE").reminder_cc = "cfo@azure.example"
partner("LIGHT").reminder_enabled = False
invoice("AZURE4").reminder_included = False  # switched off by hand
env.cr.commit()

# -- switching reminders on: the activation wizard, its preview ---------------
with freeze_time(lib.ACTIVATION):
    wizard = env["invoice.reminder.activation"].create({"selection_mode": "all"})
    wizard.action_preview()
    expect(wizard.preview_line_ids, "the activation wizard previewed nothing")
    wizard.action_confirm()
    # an invoice reminded alone, every day
    invoice("WOOD1").write({"reminder_cadence": "daily", "reminder_cadence_stop": "paid"})
    # the preview of the standard ladder's next run, as from its form
    standard.action_preview()
env.cr.commit()
expect(company.reminder_enabled, "the activation wizard did not switch reminders on")
expect(invoice("AZURE1").reminder_included, "the activation wizard did not include AZURE1")
expect(not invoice("AZURE4").reminder_included, "AZURE4, off by hand, was included")


def week(period, build_here=True):
    """The forewarning the day before (24 hours ahead), then the Monday run."""
    day_before = date.fromisoformat(period) - timedelta(days=1)
    lib.forewarn(env, f"{day_before} 10:00:00")
    return lib.run_cron(env, f"{period} {lib.RUN_TIME}", build_here=build_here)


emails = lib.sent_messages()
# -- week 1 -------------------------------------------------------------------
week(lib.PERIODS[0])
expect(lib.sent_messages() > emails, "week 1 sent no email")
with freeze_time("2026-11-03 10:00:00"):
    env["invoice.reminder.pause"].create(
        {
            "partner_ids": [Command.set(partner("DECO").ids)],
            "date": "2026-11-10",
            "reason": "plan",
            "note": "3 instalments",
        }
    ).action_confirm()
    env["invoice.reminder.pause"].create(
        {
            "move_ids": [Command.set(invoice("AZURE2").ids)],
            "date": "2026-11-20",
            "reason": "other",
        }
    ).action_confirm()
    invoice("READY1").write({"reminder_disputed": True, "reminder_dispute_note": "Wrong quantity"})
    Promise = env["invoice.reminder.promise"]
    kept = Promise.create(
        {
            "partner_id": partner("GEMINI").id,
            "move_ids": [Command.set(invoice("GEMINI1").ids)],
            "amount": 640.0,
            "date": "2026-11-12",
            "grace_days": 2,
            "note": "Paid with the next transfer",
        }
    )
    broken = Promise.create(
        {
            "partner_id": partner("LUMBER").id,
            "move_ids": [Command.set(invoice("LUMBER1").ids)],
            "amount": 500.0,
            "date": "2026-11-06",
        }
    )
env.cr.commit()
pay(invoice("AZURE2"), "2026-11-04", amount=300.0)
pay(invoice("LUMBER1"), "2026-11-05", amount=200.0)
# -- week 2 -------------------------------------------------------------------
week(lib.PERIODS[1])
pay(invoice("GEMINI1"), "2026-11-11")
# -- week 3: through the job queue --------------------------------------------
jobs = week(lib.PERIODS[2], build_here=False)
expect(jobs, "week 3 ran no job of the job queue (invoice_reminders_queue)")

# -- what the history must hold ----------------------------------------------
Run = env["invoice.reminder.run"]
runs = Run.search([("company_id", "=", company.id)])
for period in lib.PERIODS:
    digest_runs = runs.filtered(lambda r, p=period: str(r.period) == p and r.kind == "digest")
    expect(digest_runs, f"no run of the period {period}")
    expect(all(r.state == "done" for r in digest_runs), f"a run of {period} is not done")
    expect(all(r.report_sent for r in digest_runs), f"a summary of {period} was not sent")
expect(runs.filtered(lambda r: r.kind == "cadence"), "no run of the invoices on their own cadence")
Digest = env["invoice.reminder.digest"]
expect(
    set(Digest.search([]).mapped("state")) == {"sent"},
    f"reminders not all sent: {Digest.search([]).mapped('state')}",
)
expect(kept.state == "kept", f"Gemini's promise is {kept.state}, not kept")
expect(broken.state == "broken", f"Lumber's promise is {broken.state}, not broken")
Skip = env["invoice.reminder.run.skip"]
expect(Skip.search([("reason", "=", "paused")]), "no customer skipped while paused")
Fee = env["invoice.reminder.fee"]
expect(Fee.search([]), "no late fee charged")
expect(Fee.search([("fee_move_id", "!=", False)]), "no fee invoice")
Action = env["invoice.reminder.action"]
expect(Action.search([("kind", "=", "letter")]), "no letter")
expect(runs.filtered("letter_attachment_id"), "no run with its letters' PDF")
expect(Action.search([("kind", "=", "activity")]), "no activity")
expect(standard.forewarned_period, "no forewarning sent")
expect(partner("GEMINI").reminder_thanks_date, "Gemini was not thanked")
lines = env["invoice.reminder.digest.line"].search(
    [("move_id", "=", invoice("AZURE1").id), ("kind", "=", "invoice")]
)
expect(
    sorted(lines.mapped("level_index")) == [0, 1, 2],
    f"AZURE1 did not climb the ladder: {lines.mapped('level_index')}",
)
expect(
    env["invoice.reminder.digest.line"].search([("move_id", "=", invoice("WOOD1").id)]),
    "WOOD1 (own cadence) was never reminded",
)

# -- what a company edits: a template (noupdate) and a level's name ------------
template = env.ref("invoice_reminders.mail_template_reminder_first")
# str(): Markup.replace would escape the tags
template.body_html = str(template.body_html).replace(
    "</div>", f"<p>{lib.TEMPLATE_EDIT}</p></div>", 1
)
expect(lib.TEMPLATE_EDIT in str(template.body_html), "the template's body could not be edited")
second.name = lib.LEVEL_EDIT
env.cr.commit()

# -- the snapshot, and what the old code forecasts for the next period ------------
with freeze_time(f"{lib.NEXT_PERIOD} 07:00:00"):
    moves = env["account.move"].search(
        [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("company_id", "=", company.id),
        ]
    )
    forecast = {
        str(move.id): [str(move.reminder_next_date or ""), move.reminder_next_level_id.id]
        for move in moves
    }
snap = lib.snapshot(env)
counts = lib.counts(env, snap["owned"])
lib.save(
    {
        "snapshot": snap,
        "forecast": forecast,
        "counts": counts,
        "company_id": company.id,
        "refs": {move.ref: move.id for move in moves if move.ref},
        "edited_level_id": second.id,
    }
)
rows = sum(len(spec["rows"]) for spec in snap["models"].values())
print(
    f"history on the previous release: {len(runs)} runs, {Digest.search_count([])} reminders, "
    f"{lib.sent_messages()} emails received, {jobs} jobs performed; snapshot of "
    f"{len(snap['models'])} models, {rows} records; "
    + ", ".join(
        f"{model} {count}" for model, count in sorted(counts.items()) if model in snap["owned"]
    )
)
if problems:
    print("UPGRADE HISTORY FAILED: the previous release did not build the expected history:")
    for problem in problems:
        print("  " + problem)
    sys.exit(1)
