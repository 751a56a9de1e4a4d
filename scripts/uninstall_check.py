# Run inside `odoo-bin shell`: uninstall invoice_reminders and check it left nothing behind.
# ruff: noqa: F821  (env is provided by odoo-bin shell)
import sys

module = env["ir.module.module"].search([("name", "=", "invoice_reminders")])
if module.state != "installed":
    print("UNINSTALL-CHECK FAILED: invoice_reminders is not installed", file=sys.stderr)
    sys.exit(1)
bridges = env["ir.module.module"].search(
    [("name", "=like", "invoice\\_reminders\\_%"), ("state", "=", "installed")]
)
print(f"Uninstalling invoice_reminders with {', '.join(bridges.mapped('name')) or 'no bridge'}")
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
# the bridge add-ons (invoice_reminders_*) depend on it: they go with it
env.cr.execute("SELECT count(*) FROM ir_model_data WHERE module LIKE 'invoice\\_reminders%%'")
xmlids = env.cr.fetchone()[0]
env.cr.execute(
    "SELECT name FROM ir_module_module "
    "WHERE name LIKE 'invoice\\_reminders%%' AND state != 'uninstalled'"
)
installed = [row[0] for row in env.cr.fetchall()]
# the modules they bridge to (queue_job, sms) stay installed, with nothing of ours
env.cr.execute(
    "SELECT count(*) FROM information_schema.tables WHERE table_name = 'queue_job_function'"
)
if env.cr.fetchone()[0]:
    env.cr.execute("SELECT count(*) FROM queue_job_function WHERE name LIKE '<invoice.reminder.%%'")
    xmlids += env.cr.fetchone()[0]
if left or tables or xmlids or installed:
    print(
        f"UNINSTALL-CHECK FAILED: columns left {left}, tables left {tables}, xmlids left "
        f"{xmlids}, modules still installed {installed}",
        file=sys.stderr,
    )
    sys.exit(1)
print("UNINSTALL-CHECK OK: invoice_reminders uninstalled cleanly")
sys.exit(0)
