"""What the upgrade test's two `odoo-bin shell` scripts share.

scripts/upgrade_history.py runs it on the previous release's code, and
scripts/upgrade_check.py on the working tree's: the timeline of the history,
running a period as the cron does (the job queue's jobs performed in this
process, the emails delivered to the loopback SMTP server), and the snapshot
of every record of the add-ons, taken before the update and compared after it.

When a release changes the data model on purpose, say so here (and write the
migration script, see README.rst "Updating an installation"):

- ``RENAMED_FIELDS``: ``{"model.old_name": "new_name"}``, a field renamed by a
  migration script: the values of the old field are compared with the new one;
- ``RENAMED_MODELS``: ``{"old.model": "new.model"}``, likewise for a model;
- ``GONE_FIELDS``: ``{"model.field": "why"}``, a field removed on purpose;
- ``CHANGED_ON_PURPOSE``: ``{"model.field": "why"}``, a field whose values a
  migration script rewrites on purpose: it must still exist, its values are not
  compared.
"""

import json
import os
from datetime import date, datetime
from decimal import Decimal
from hashlib import sha1

MODULES = ("invoice_reminders", "invoice_reminders_sms", "invoice_reminders_queue")

RENAMED_FIELDS = {}
RENAMED_MODELS = {}
GONE_FIELDS = {}
CHANGED_ON_PURPOSE = {
    "mail.template.subject": "18.0.1.1.0: the thank-you subject names the invoices' company "
    "(migrations/18.0.1.1.0/post-migration.py rewrites that expression only)",
}

# the add-ons' own description (models, fields, views, menus, actions, access
# rights): each release has its own, the update rewrites it; their xmlids may go
METADATA = {
    "ir.actions.act_window",
    "ir.actions.act_window.view",
    "ir.actions.client",
    "ir.actions.report",
    "ir.actions.server",
    "ir.asset",
    "ir.model",
    "ir.model.access",
    "ir.model.constraint",
    "ir.model.fields",
    "ir.model.fields.selection",
    "ir.model.relation",
    "ir.ui.menu",
    "ir.ui.view",
    "res.groups",
}
# never compared: written whenever a record is touched
VOLATILE = {"write_date", "write_uid"}
# the timeline (UTC, the company's time zone): activation, then weekly runs on
# Mondays after the policies' 08:00 slot
ACTIVATION = "2026-10-28 10:00:00"
PERIODS = ["2026-11-02", "2026-11-09", "2026-11-16"]
NEXT_PERIOD = "2026-11-23"
RUN_TIME = "09:00:00"
# what the company edits before the update: the first template's body, a level's name
TEMPLATE_EDIT = "Edited by the company: call us at 555-0100."
LEVEL_EDIT = "Second reminder (edited)"
# the context key with which the queue bridge builds a run in the cron's process
BUILD_HERE = "invoice_reminders_queue_build_here"


def state_path():
    return os.environ["IR_UPGRADE_STATE"]


def sent_messages():
    """How many messages the loopback SMTP server received so far."""
    folder = os.environ["IR_UPGRADE_MAIL_DIR"]
    return len(os.listdir(folder)) if os.path.isdir(folder) else 0


# ---------------------------------------------------------------------------
# Running periods as the cron does
# ---------------------------------------------------------------------------


def perform_jobs(env):
    """Perform the pending reminder jobs, as queue_job's controller does.

    Returns how many were performed (0 without the queue bridge).
    """
    if "queue.job" not in env:
        return 0
    from odoo.addons.queue_job.job import Job

    performed = 0
    for _round in range(50):
        jobs = (
            env["queue.job"]
            .sudo()
            .search(
                [("state", "=", "pending"), ("identity_key", "=like", "invoice_reminder_run:%")],
                order="id",
            )
        )
        if not jobs:
            break
        for record in jobs:
            job = Job.load(env(su=True), record.uuid)
            job.set_started()
            job.store()
            job.perform()
            job.set_done()
            job.store()
            env.flush_all()
            job.enqueue_waiting()
            env.flush_all()
            env.cr.commit()
            performed += 1
    return performed


def deliver(env):
    env["mail.mail"].sudo().process_email_queue()
    env.cr.commit()


def run_cron(env, moment, build_here=False):
    """The hourly cron at ``moment``, twice (the summaries follow the delivered
    digests), with the job queue's jobs and the mail queue in between.

    Returns the number of jobs performed.
    """
    from freezegun import freeze_time

    jobs = 0
    with freeze_time(moment):
        Run = env["invoice.reminder.run"].sudo()
        if build_here:
            Run = Run.with_context(**{BUILD_HERE: True})
        for _time in range(2):
            Run._cron_send_digests()
            env.cr.commit()
            jobs += perform_jobs(env)
            deliver(env)
    return jobs


def forewarn(env, moment):
    from freezegun import freeze_time

    with freeze_time(moment):
        env["invoice.reminder.policy"].sudo()._cron_send_forewarnings()
        env.cr.commit()
        deliver(env)


# ---------------------------------------------------------------------------
# The snapshot
# ---------------------------------------------------------------------------


def _plain(value):
    """A value as JSON keeps it, so that before and after compare alike."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return round(float(value), 6)
    if isinstance(value, bytes | memoryview):
        return sha1(bytes(value)).hexdigest()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def owned_models(env):
    """The models the add-ons define (not those they extend), stored in tables."""
    env.cr.execute(
        "SELECT m.model FROM ir_model m JOIN ir_model_data d"
        " ON d.model = 'ir.model' AND d.res_id = m.id WHERE d.module IN %s",
        [MODULES],
    )
    names = {row[0] for row in env.cr.fetchall()}
    # a model of an add-on's ir_model_data that an other module defines (e.g. the
    # base models) has xmlids of that module too: the add-ons' own have only ours
    env.cr.execute(
        "SELECT m.model FROM ir_model m JOIN ir_model_data d"
        " ON d.model = 'ir.model' AND d.res_id = m.id WHERE d.module NOT IN %s",
        [MODULES],
    )
    names -= {row[0] for row in env.cr.fetchall()}
    return sorted(
        name
        for name in names
        if name in env and not env[name]._transient and not env[name]._abstract and env[name]._auto
    )


def extended_fields(env, owned):
    """{model: {field}}: the stored fields the add-ons add to the models of others."""
    env.cr.execute(
        "SELECT f.model, f.name FROM ir_model_fields f JOIN ir_model_data d"
        " ON d.model = 'ir.model.fields' AND d.res_id = f.id WHERE d.module IN %s",
        [MODULES],
    )
    result = {}
    for model, name in env.cr.fetchall():
        if model in owned or model not in env or env[model]._transient or env[model]._abstract:
            continue
        field = env[model]._fields.get(name)
        if field is not None and _snapshot_field(field):
            result.setdefault(model, set()).add(name)
    return result


def _snapshot_field(field):
    if field.name in VOLATILE or not field.store or field.type == "one2many":
        return False
    return (
        bool(field.column_type) or field.type == "many2many" or getattr(field, "attachment", False)
    )


def read_rows(env, model, names, ids=None):
    """{id: {field: value}} of ``model``, straight from the database."""
    from odoo.tools import SQL

    env.flush_all()
    Model = env[model]
    fields_ = [Model._fields[name] for name in names]
    columns = [f.name for f in fields_ if f.column_type and not getattr(f, "attachment", False)]
    query = SQL(
        "SELECT %s FROM %s",
        SQL(", ").join(SQL.identifier(name) for name in ["id", *columns]),
        SQL.identifier(Model._table),
    )
    if ids is not None:
        query = SQL("%s WHERE id = ANY(%s)", query, list(ids))
    env.cr.execute(query)
    rows = {
        str(row[0]): dict(zip(columns, map(_plain, row[1:]), strict=True))
        for row in env.cr.fetchall()
    }
    for field in fields_:
        if field.type == "many2many":
            env.cr.execute(
                SQL(
                    "SELECT %s, %s FROM %s",
                    SQL.identifier(field.column1),
                    SQL.identifier(field.column2),
                    SQL.identifier(field.relation),
                )
            )
            pairs = {}
            for record_id, other_id in env.cr.fetchall():
                pairs.setdefault(str(record_id), []).append(other_id)
            for record_id, row in rows.items():
                row[field.name] = sorted(pairs.get(record_id, []))
        elif getattr(field, "attachment", False):
            env.cr.execute(
                "SELECT res_id, checksum FROM ir_attachment"
                " WHERE res_model = %s AND res_field = %s",
                [model, field.name],
            )
            sums = {str(res_id): checksum for res_id, checksum in env.cr.fetchall()}
            for record_id, row in rows.items():
                row[field.name] = sums.get(record_id)
    return rows


def xmlids(env):
    env.cr.execute(
        "SELECT module || '.' || name, model, res_id, noupdate FROM ir_model_data"
        " WHERE module IN %s",
        [MODULES],
    )
    return {
        xmlid: [model, res_id, bool(noupdate)]
        for xmlid, model, res_id, noupdate in env.cr.fetchall()
    }


def snapshot(env):
    """Every record of the add-ons' models, the add-ons' fields on the models of
    others (all their records), and every record of their data files that a
    company may edit (noupdate: templates, crons, record rules)."""
    owned = owned_models(env)
    specs = {}
    for model in owned:
        names = sorted(n for n, f in env[model]._fields.items() if _snapshot_field(f))
        specs[model] = {"fields": names, "ids": None}
    for model, names in extended_fields(env, owned).items():
        specs[model] = {"fields": sorted(names), "ids": None, "extended": True}
    ids = xmlids(env)
    noupdate = {}
    for model, res_id, is_noupdate in ids.values():
        if is_noupdate and model not in owned and model in env:
            noupdate.setdefault(model, set()).add(res_id)
    for model, res_ids in noupdate.items():
        names = sorted(n for n, f in env[model]._fields.items() if _snapshot_field(f))
        spec = specs.setdefault(model, {"fields": [], "ids": None})
        if spec["ids"] is None and spec.get("extended"):
            # the add-ons' fields on all records, and every field on their own records
            specs[model + " (data)"] = {"model": model, "fields": names, "ids": sorted(res_ids)}
        else:
            spec.update(fields=names, ids=sorted(res_ids))
    for key, spec in specs.items():
        spec["rows"] = read_rows(env, spec.get("model", key), spec["fields"], spec["ids"])
    return {"models": specs, "xmlids": ids, "owned": owned}


def compare(env, before):
    """What the update lost or changed: a list of problems, empty when none."""
    problems = []
    after_ids = xmlids(env)
    for xmlid, (model, res_id, noupdate) in before["xmlids"].items():
        now = after_ids.get(xmlid)
        if model in METADATA and not noupdate:
            continue
        if now is None:
            problems.append(f"xmlid {xmlid} ({model},{res_id}) is gone")
        elif now[:2] != [RENAMED_MODELS.get(model, model), res_id]:
            problems.append(f"xmlid {xmlid} was ({model},{res_id}), is now ({now[0]},{now[1]})")
    created_by_data = {(m, r) for m, r, _n in after_ids.values()} - {
        (m, r) for m, r, _n in before["xmlids"].values()
    }
    for key, spec in before["models"].items():
        model = spec.get("model", key)
        new_model = RENAMED_MODELS.get(model, model)
        if new_model not in env:
            problems.append(f"model {model} is gone (renamed or removed without a migration?)")
            continue
        pairs = []
        for name in spec["fields"]:
            qualified = f"{model}.{name}"
            if qualified in GONE_FIELDS:
                continue
            new_name = RENAMED_FIELDS.get(qualified, name)
            field = env[new_model]._fields.get(new_name)
            if field is None or not _snapshot_field(field):
                problems.append(
                    f"field {qualified} is gone from the model or no longer stored (renamed or "
                    "removed without a migration script?)"
                )
                continue
            pairs.append((name, new_name))
        rows = read_rows(env, new_model, [new for _old, new in pairs], spec["ids"])
        old_rows = spec["rows"]
        missing = sorted(set(old_rows) - set(rows), key=int)
        if missing:
            problems.append(f"{model}: {len(missing)} record(s) lost: ids {missing[:20]}")
        if spec["ids"] is None and model in before["owned"]:
            new = [
                i for i in set(rows) - set(old_rows) if (new_model, int(i)) not in created_by_data
            ]
            if new:
                problems.append(
                    f"{model}: {len(new)} record(s) appeared with the update: ids "
                    f"{sorted(new, key=int)[:20]}"
                )
        differences = []
        for record_id in sorted(set(old_rows) & set(rows), key=int):
            old_row, new_row = old_rows[record_id], rows[record_id]
            for old, new in pairs:
                if f"{model}.{old}" in CHANGED_ON_PURPOSE:
                    continue
                if old_row.get(old) != new_row.get(new):
                    differences.append(
                        f"{model}({record_id}).{old}: {str(old_row.get(old))[:120]!r} -> "
                        f"{str(new_row.get(new))[:120]!r}"
                    )
        if differences:
            problems.append(f"{model}: {len(differences)} value(s) changed by the update:")
            problems.extend("    " + line for line in differences[:15])
    return problems


def counts(env, owned):
    """Number of records of the add-ons' models and of what a run creates elsewhere."""
    result = {}
    for model in [*owned, "mail.mail", "mail.activity", "account.move", "queue.job"]:
        if model in env:
            env.cr.execute(f'SELECT count(*) FROM "{env[model]._table}"')
            result[model] = env.cr.fetchone()[0]
    result["emails received"] = sent_messages()
    return result


def save(data):
    with open(state_path(), "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)


def load():
    with open(state_path(), encoding="utf-8") as fh:
        return json.load(fh)
