"""Run in ``odoo-bin shell`` before invoice_reminders is installed (see run_tests.sh).

Posts a few customer invoices in the main company, as a live company has before
it installs the add-on: the tests check that installing it includes none of
them and switches nothing on (tests/test_adoption.py).
"""

from odoo import Command

REF = "invoice_reminders:pre-install"

partner = env["res.partner"].create(  # noqa: F821 (odoo shell)
    {"name": "Existing Customer", "email": "ap@existing.test", "is_company": True}
)
moves = env["account.move"].create(  # noqa: F821
    [
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "ref": REF,
            "invoice_date": date,
            "invoice_date_due": date,
            "invoice_line_ids": [
                Command.create({"name": "Service", "price_unit": 100.0, "tax_ids": []})
            ],
        }
        for date in ("2025-09-01", "2025-10-01", "2025-11-02")
    ]
)
moves.action_post()
env.cr.commit()  # noqa: F821
print(f"PRE-INSTALL: {len(moves)} invoices posted")
