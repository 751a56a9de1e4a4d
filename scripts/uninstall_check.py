# Run inside `odoo-bin shell`: uninstall invoice_reminders and check it left nothing behind.
# ruff: noqa: F821  (env is provided by odoo-bin shell)
import sys

# add-ons that depend on invoice_reminders: uninstalled with it
BRIDGES = ("invoice_reminders_queue",)

module = env["ir.module.module"].search([("name", "=", "invoice_reminders")])
if module.state != "installed":
    print("UNINSTALL-CHECK FAILED: invoice_reminders is not installed", file=sys.stderr)
    sys.exit(1)
module.button_immediate_uninstall()
env.cr.commit()
env.cr.execute(
    "SELECT column_name FROM information_schema.columns "
    "WHERE table_name IN ('account_move', 'res_partner', 'res_company') "
    "AND column_name LIKE 'reminder%%'"
)
left = [row[0] for row in env.cr.fetchall()]
env.cr.execute(
    "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'invoice_reminder%%'"
)
tables = env.cr.fetchone()[0]
env.cr.execute(
    "SELECT count(*) FROM ir_model_data WHERE module = 'invoice_reminders' OR module IN %s",
    (BRIDGES,),
)
xmlids = env.cr.fetchone()[0]
# the bridges go with it; the modules they bridge to (queue_job) stay installed
bridges = env["ir.module.module"].search([("name", "in", BRIDGES), ("state", "!=", "uninstalled")])
if bridges:
    print(f"UNINSTALL-CHECK FAILED: still installed: {bridges.mapped('name')}", file=sys.stderr)
    sys.exit(1)
env.cr.execute(
    "SELECT count(*) FROM information_schema.tables WHERE table_name = 'queue_job_function'"
)
if env.cr.fetchone()[0]:
    env.cr.execute("SELECT count(*) FROM queue_job_function WHERE name LIKE '<invoice.reminder.%%'")
    xmlids += env.cr.fetchone()[0]
if left or tables or xmlids:
    print(
        f"UNINSTALL-CHECK FAILED: columns left {left}, tables left {tables}, xmlids left {xmlids}",
        file=sys.stderr,
    )
    sys.exit(1)
print("UNINSTALL-CHECK OK: invoice_reminders uninstalled cleanly")
sys.exit(0)
