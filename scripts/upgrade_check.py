# Upgrade test, step 3, in `odoo-bin shell` on the WORKING TREE's code, after the
# update (-u) of a database whose history the previous release built (see
# scripts/upgrade_test.sh and scripts/upgrade_history.py):
#   1. every record of the add-ons is still there with the same values;
#   2. the cron, run again in the period already sent, creates nothing;
#   3. the next period continues each invoice's ladder where it stood: each
#      invoice is reminded at the level the previous release forecast, one
#      level at most above its last reminder.
# Prints UPGRADE-CHECK OK, or the problems and exits with 1.
# ruff: noqa: F821  (env is provided by odoo-bin shell)
import os
import sys

sys.path.insert(0, os.environ["IR_UPGRADE_SCRIPTS"])
import upgrade_lib as lib

state = lib.load()
before = state["snapshot"]
problems = []

# -- 1. nothing lost, nothing changed, nothing duplicated ----------------------
found = lib.compare(env, before)
problems.extend(found)
print(
    f"records after the update: {len(before['models'])} models compared, "
    f"{sum(len(spec['rows']) for spec in before['models'].values())} records, "
    f"{len(before['xmlids'])} xmlids: {len(found)} problem(s)"
)

template = env.ref("invoice_reminders.mail_template_reminder_first")
if lib.TEMPLATE_EDIT not in str(template.body_html):
    problems.append("the company's edit of the first reminder's template is lost")
level = env["invoice.reminder.level"].browse(state["edited_level_id"]).exists()
if level.name != lib.LEVEL_EDIT:
    problems.append(f"the edited level is named {level.name!r}, not {lib.LEVEL_EDIT!r}")

# -- 2. the period already sent: the cron again creates nothing -----------------
owned = lib.owned_models(env)
counts_before = lib.counts(env, owned)
moment = f"{lib.PERIODS[-1]} 15:00:00"
jobs = lib.run_cron(env, moment)
lib.forewarn(env, moment)
counts_after = lib.counts(env, owned)
created = {
    model: counts_after.get(model, 0) - count
    for model, count in counts_before.items()
    if counts_after.get(model, 0) != count
}
if created:
    problems.append(f"the cron run again for the period {lib.PERIODS[-1]} created: {created}")
print(f"same period ({lib.PERIODS[-1]}) again: {created or 'nothing created'} ({jobs} jobs)")

# -- 3. the next period ---------------------------------------------------------
Line = env["invoice.reminder.digest.line"]
last_index = {}
for line in Line.search([("kind", "=", "invoice"), ("move_id", "!=", False)], order="period, id"):
    last_index[line.move_id.id] = line.level_index
emails = lib.sent_messages()
jobs = lib.run_cron(env, f"{lib.NEXT_PERIOD} {lib.RUN_TIME}")
runs = env["invoice.reminder.run"].search([("period", "=", lib.NEXT_PERIOD)])
if not runs.filtered(lambda r: r.kind == "digest"):
    problems.append(f"no run of the next period {lib.NEXT_PERIOD}")
for run in runs:
    if run.state != "done" or not run.report_sent:
        problems.append(
            f"run {run.name} of the next period is {run.state} (summary sent: {run.report_sent})"
        )
failed = runs.digest_ids.filtered(lambda d: d.state != "sent")
if failed:
    problems.append(f"reminders of the next period not sent: {failed.mapped('display_name')}")
new_lines = runs.digest_ids.invoice_line_ids
reminded = {line.move_id.id: line for line in new_lines}
# the forecast names the invoices of customers the run then skips (no email
# address, ...): the run says why in its skipped customers
skipped = runs.skip_ids.partner_id
forecast = {
    int(move_id): level_id
    for move_id, (day, level_id) in state["forecast"].items()
    if day == lib.NEXT_PERIOD
    and env["account.move"].browse(int(move_id)).commercial_partner_id not in skipped
}
if set(reminded) != set(forecast):
    names = env["account.move"].browse(sorted(set(reminded) ^ set(forecast))).mapped("ref")
    problems.append(
        f"the next period reminded {len(reminded)} invoice(s), the previous release forecast "
        f"{len(forecast)} for that day; differing: {names}"
    )
climbed = 0
for move_id, line in reminded.items():
    ref = line.move_id.ref or line.move_id.name
    if move_id in forecast and line.level_id.id != forecast[move_id]:
        expected = env["invoice.reminder.level"].browse(forecast[move_id]).name
        problems.append(
            f"{ref}: reminded at level {line.level_id.name!r}, the previous release forecast "
            f"{expected!r}"
        )
    last = last_index.get(move_id)
    if last is None:
        continue
    climbed += line.level_index > last
    if not last <= line.level_index <= last + 1:
        problems.append(
            f"{ref}: the ladder did not continue where it stood: last reminded at level "
            f"index {last}, now {line.level_index}"
        )
print(
    f"next period ({lib.NEXT_PERIOD}): {len(runs)} run(s), {len(runs.digest_ids)} reminder(s), "
    f"{len(reminded)} invoice(s), {climbed} one level up, {len(runs.skip_ids)} skipped, "
    f"{lib.sent_messages() - emails} email(s) received, {jobs} job(s)"
)
env.cr.commit()

if problems:
    print("UPGRADE-CHECK FAILED:")
    for problem in problems:
        print("  " + problem)
    sys.exit(1)
print("UPGRADE-CHECK OK: nothing lost, nothing sent twice, the ladders continue")
