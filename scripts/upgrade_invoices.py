# Upgrade test, step 1, in `odoo-bin shell` BEFORE invoice_reminders is installed:
# the customers and their invoices of a live company (see scripts/upgrade_test.sh).
# Each customer has a reference UPG-<KEY>, each invoice a reference <KEY><n>, by
# which scripts/upgrade_history.py finds them.
# ruff: noqa: F821  (env is provided by odoo-bin shell)
from odoo import Command

company = env.ref("base.main_company")
if not env["account.journal"].search([("company_id", "=", company.id)], limit=1):
    env["account.chart.template"].try_loading("generic_coa", company=company)
company.write({"email": "billing@company.example"})
company.partner_id.write({"tz": "UTC", "street": "1 Main Street", "zip": "1000", "city": "Town"})
env.ref("base.user_admin").partner_id.write({"email": "owner@company.example", "tz": "UTC"})
eur = env.ref("base.EUR")
eur.active = True
env["res.currency.rate"].create(
    {"currency_id": eur.id, "rate": 0.9, "name": "2026-01-01", "company_id": company.id}
)
usd = company.currency_id

ADDRESS = {"street": "5 Side Road", "zip": "2000", "city": "Village"}
CUSTOMERS = {
    # key: name, email, extra values
    "AZURE": ("Azure Interior", "ap@azure.example", {"reminder_cc": None, **ADDRESS}),
    "DECO": ("Deco Addict", "accounts@deco.example", {}),
    "GEMINI": ("Gemini Furniture", "hello@gemini.example", {}),
    "LUMBER": ("Lumber Inc", "ap@lumber.example", {}),
    "READY": ("Ready Mat", "pay@readymat.example", {}),
    "WOOD": ("Wood Corner", "billing@woodcorner.example", {}),
    "JACKSON": ("Jackson Group", "finance@jackson.example", {}),
    "LIGHT": ("Lighthouse Ltd", "ap@lighthouse.example", {}),
    "NOMAIL": ("No Mail Company", False, {}),
}
partners = {}
for key, (name, email, extra) in CUSTOMERS.items():
    extra = {k: v for k, v in extra.items() if v is not None}
    partners[key] = env["res.partner"].create(
        {"name": name, "email": email, "is_company": True, "ref": f"UPG-{key}", **extra}
    )
env["res.partner"].create(
    {
        "name": "Gemini Accounts Payable",
        "parent_id": partners["GEMINI"].id,
        "type": "invoice",
        "email": "ap@gemini.example",
    }
)

INVOICES = [
    # reference, customer, amount, due date, currency, move type
    ("AZURE1", "AZURE", 1200.0, "2026-09-15", usd, "out_invoice"),
    ("AZURE2", "AZURE", 800.0, "2026-10-12", usd, "out_invoice"),
    ("AZURE3", "AZURE", 300.0, "2026-10-26", usd, "out_invoice"),
    ("AZURE4", "AZURE", 200.0, "2026-10-01", usd, "out_invoice"),  # excluded by hand
    ("AZURE5", "AZURE", 450.0, "2026-10-05", eur, "out_invoice"),
    ("AZURE6", "AZURE", 100.0, "2026-10-20", usd, "out_refund"),
    ("DECO1", "DECO", 500.0, "2026-10-05", usd, "out_invoice"),
    ("GEMINI1", "GEMINI", 640.0, "2026-10-10", usd, "out_invoice"),
    ("LUMBER1", "LUMBER", 1100.0, "2026-10-20", usd, "out_invoice"),
    ("READY1", "READY", 900.0, "2026-10-01", usd, "out_invoice"),  # disputed
    ("READY2", "READY", 400.0, "2026-10-19", usd, "out_invoice"),
    ("WOOD1", "WOOD", 700.0, "2026-10-15", usd, "out_invoice"),  # own cadence
    ("WOOD2", "WOOD", 250.0, "2026-10-22", usd, "out_invoice"),
    ("JACKSON1", "JACKSON", 1500.0, "2026-10-01", usd, "out_invoice"),
    ("JACKSON2", "JACKSON", 350.0, "2026-10-03", eur, "out_invoice"),
    ("LIGHT1", "LIGHT", 600.0, "2026-10-01", usd, "out_invoice"),
    ("NOMAIL1", "NOMAIL", 330.0, "2026-10-10", usd, "out_invoice"),
]
for ref, key, amount, due, currency, move_type in INVOICES:
    move = env["account.move"].create(
        {
            "move_type": move_type,
            "partner_id": partners[key].id,
            "ref": ref,
            "invoice_date": "2026-09-01",
            "invoice_date_due": due,
            "currency_id": currency.id,
            "invoice_line_ids": [
                Command.create({"name": "Consulting", "price_unit": amount, "tax_ids": []})
            ],
        }
    )
    move.action_post()
env.cr.commit()
print(f"upgrade test: {len(partners)} customers, {len(INVOICES)} invoices posted")
