"""One reminder period of invoice_reminders beside its OCA peers, on one load.

``bench/run_bench.sh --vs-peers [--customers N] [--invoices M] [--json PATH]``
builds the load of ``bench_data.py`` once, then copies that database once per
product and runs one period there, each in a fresh process:

* ``invoice_reminders``: the weekly run, as ``digest_bench.py`` measures it;
* ``account_credit_control`` (OCA/credit-control): a policy with three email
  levels like ours (7, 21 and 45 days after the due date, the invoices listed
  in the mail, the mail template without its PDF report), a run for the day,
  its lines generated, set ready, then the channel action that sends the
  emails;
* ``account_invoice_overdue_reminder`` (OCA/credit-control): the mass wizard
  (trigger 7 days, invoices not attached), every step validated by mail (the
  steps of customers without an email address skipped, as their users do).

Same conditions for all three: one process, one database copy of the same
data, mails queued in ``mail.mail`` and not delivered (``mail_notify_force_send``
off), no attachments.  The peers are installed from their PyPI wheels
(``--no-deps``) into a folder on the addons path (``run_bench.sh`` does it),
never into this repository.  Reported for each: wall time, CPU time of the
process, mails created, SQL queries, queries per mail, peak memory (``VmHWM``
of the measuring process), and the ratios of each peer to ours.
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

# product key, label, module to install (None: ours, already in the load)
PRODUCTS = [
    ("ours", "invoice_reminders", None),
    ("credit_control", "OCA account_credit_control", "account_credit_control"),
    (
        "overdue_reminder",
        "OCA account_invoice_overdue_reminder",
        "account_invoice_overdue_reminder",
    ),
]
# our levels: days after the due date
LEVEL_DAYS = (7, 21, 45)

ROWS = [
    ("wall_s", "Wall time (s)", "{:,.1f}"),
    ("cpu_s", "CPU time of the process (s)", "{:,.1f}"),
    ("mails", "Mails created", "{:,}"),
    ("queries", "SQL queries", "{:,}"),
    ("queries_per_mail", "Queries per mail", "{:,.2f}"),
    ("peak_rss_mb", "Peak memory (MB)", "{:,.0f}"),
    ("wall_ratio", "Wall time / ours", "{:,.1f}x"),
    ("cpu_ratio", "CPU time / ours", "{:,.1f}x"),
    ("queries_per_mail_ratio", "Queries per mail / ours", "{:,.1f}x"),
]


# ---------------------------------------------------------------------------
# Pure helpers (tests/test_bench_peers.py)
# ---------------------------------------------------------------------------


def ratio(value, reference):
    """``value / reference`` rounded to 0.1, None when either is missing or zero."""
    if not value or not reference:
        return None
    return round(value / reference, 1)


def per_mail(queries, mails):
    """Queries per mail, None without mails."""
    if not mails or queries is None:
        return None
    return round(queries / mails, 2)


def with_ratios(results):
    """Add queries per mail to each product and each peer's ratios to ours."""
    ours = results.get("ours") or {}
    for key, figures in results.items():
        figures["queries_per_mail"] = per_mail(figures.get("queries"), figures.get("mails"))
        if key == "ours":
            continue
        figures["wall_ratio"] = ratio(figures.get("wall_s"), ours.get("wall_s"))
        figures["cpu_ratio"] = ratio(figures.get("cpu_s"), ours.get("cpu_s"))
        figures["queries_per_mail_ratio"] = ratio(
            figures["queries_per_mail"], ours.get("queries_per_mail")
        )
    return results


def format_table(results, labels=None):
    """The products as columns, the measures as rows, as lines of text."""
    labels = labels or {key: label for key, label, _m in PRODUCTS}
    keys = [key for key, _l, _m in PRODUCTS if key in results] or list(results)
    heads = [labels.get(key, key) for key in keys]
    cells = []
    for field, label, fmt in ROWS:
        row = [label]
        for key in keys:
            value = results[key].get(field)
            row.append("-" if value is None else fmt.format(value))
        cells.append(row)
    first = max(len(row[0]) for row in cells)
    widths = [max(len(heads[i]), *(len(row[i + 1]) for row in cells)) for i in range(len(keys))]
    lines = ["  ".join([" " * first, *(h.rjust(w) for h, w in zip(heads, widths, strict=True))])]
    for row in cells:
        values = (v.rjust(w) for v, w in zip(row[1:], widths, strict=True))
        lines.append("  ".join([row[0].ljust(first), *values]))
    return lines


# ---------------------------------------------------------------------------
# The peers' period, in the measuring process
# ---------------------------------------------------------------------------


def _setup_credit_control(env, company):
    """A policy like ours: three email levels, the invoices in the mail, no PDF."""
    from odoo import Command

    base = env.ref("account_credit_control.email_template_credit_control_base")
    template = base.copy(
        {"name": "Bench: credit control", "report_template_ids": [Command.clear()]}
    )
    receivable = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.ids)]
    )
    levels = [
        Command.create(
            {
                "name": f"Reminder {index + 1}",
                "level": index + 1,
                "computation_mode": "net_days",
                "delay_days": days,
                "email_template_id": template.id,
                "channel": "email",
                "custom_text": "Our records show these invoices are overdue.",
                "custom_mail_text": "<p>Our records show these invoices are overdue.</p>",
                "mail_show_invoice_detail": True,
            }
        )
        for index, days in enumerate(LEVEL_DAYS)
    ]
    policy = env["credit.control.policy"].create(
        {
            "name": "Bench: like invoice_reminders",
            "company_id": company.id,
            "account_ids": [Command.set(receivable.ids)],
            "level_ids": levels,
        }
    )
    company.credit_policy_id = policy
    return policy


def _period_credit_control(env, company, setup):
    """A run for the day: lines generated, set ready, the channel action."""
    from odoo import Command, fields

    run = env["credit.control.run"].create(
        {
            "date": fields.Date.context_today(env.user),
            "company_id": company.id,
            "policy_ids": [Command.set(setup.ids)],
        }
    )
    run.generate_credit_lines()
    run.set_to_ready_lines()
    run.run_channel_action()
    return {"lines": len(run.line_ids)}


def _setup_overdue_reminder(env, company):
    """Mass interface, trigger at our first level, invoices not attached."""
    company.write(
        {
            "overdue_reminder_attach_invoice": False,
            "overdue_reminder_start_days": LEVEL_DAYS[0],
            "overdue_reminder_interface": "mass",
        }
    )


def _period_overdue_reminder(env, company, _setup):
    """The mass wizard; the steps without an email skipped, all others validated."""
    wizard = env["overdue.reminder.start"].create({"interface": "mass"})
    wizard.run()
    steps = env["overdue.reminder.step"].search(
        [("state", "=", "draft"), ("user_id", "=", env.uid), ("company_id", "=", company.id)]
    )
    no_email = steps.filtered(lambda step: not step.partner_id.email)
    for action, chosen in (("skip", no_email), ("validate", steps - no_email)):
        if chosen:
            env["overdue.reminder.mass.update"].with_context(
                active_model="overdue.reminder.step", active_ids=chosen.ids
            ).create({"update_action": action}).run()
    return {"steps": len(steps), "steps_skipped": len(no_email)}


PERIODS = {
    "credit_control": (_setup_credit_control, _period_credit_control),
    "overdue_reminder": (_setup_overdue_reminder, _period_overdue_reminder),
}


def measure_peer(env, product):
    """Configure the peer (not timed, committed), then time its period."""
    from bench_measures import _peak_rss_mb

    from odoo import sql_db

    company = env.ref("base.main_company")
    setup, period = PERIODS[product]
    configured = setup(env, company)
    env.cr.commit()
    env = env(context=dict(env.context, mail_notify_force_send=False))
    Mail = env["mail.mail"]
    last = Mail.search([], order="id desc", limit=1).id or 0
    queries = sql_db.sql_counter
    start, cpu_start = time.perf_counter(), time.process_time()
    extra = period(env, company, configured)
    env.flush_all()
    env.cr.commit()
    cpu = time.process_time() - cpu_start
    wall = time.perf_counter() - start
    queries = sql_db.sql_counter - queries
    mails = Mail.search([("id", ">", last)])
    states = {}
    for state in mails.mapped("state"):
        states[state] = states.get(state, 0) + 1
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "mails": len(mails),
        "mail_states": states,
        "attachments": len(mails.attachment_ids),
        "queries": queries,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        **extra,
    }


# ---------------------------------------------------------------------------
# Command line: the load once, each product in a fresh process on its copy
# ---------------------------------------------------------------------------


def parse_args(argv=None):
    from bench_data import DEFAULT_CUSTOMERS, DEFAULT_INVOICES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vs-peers", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--invoices", type=int, default=DEFAULT_INVOICES)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--db", default="invoice_reminders_peers", help="database prefix")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--only", metavar="P[,P]", help="products to measure: ours,credit_control,overdue_reminder"
    )
    parser.add_argument("--measure", choices=list(PERIODS), help=argparse.SUPPRESS)
    parser.add_argument("odoo_options", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.odoo_options and args.odoo_options[0] == "--":
        args.odoo_options = args.odoo_options[1:]
    # what digest_bench's build and measure expect
    args.workers = None
    args.batch_size = None
    args.statement_sample = 200
    return args


def _child(args):
    from digest_bench import _odoo

    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    _odoo(args, args.db)
    with Registry(args.db).cursor() as cr:
        result = measure_peer(api.Environment(cr, SUPERUSER_ID, {}), args.measure)
    print(json.dumps(result))


def _install(args, db, module):
    """The peer installed in its copy of the load (not timed), as ``odoo-bin -i``."""
    import odoo

    odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.release.__file__)), "odoo-bin")
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            odoo_bin,
            *args.odoo_options,
            "-d",
            db,
            "-i",
            module,
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )
    return round(time.perf_counter() - start, 1)


def _measure_peer_in_child(args, data_db, product, module):
    from digest_bench import _copy_db

    import odoo

    db = f"{args.db}_{product}"
    _copy_db(data_db, db)
    odoo.sql_db.close_db(db)
    install_s = _install(args, db, module)
    command = [sys.executable, os.path.abspath(__file__), "--measure", product, "--db", db]
    out = subprocess.run(
        [*command, "--", *args.odoo_options], check=True, stdout=subprocess.PIPE, text=True
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["install_s"] = install_s
    return result


def _measure_ours(args, data_db):
    from digest_bench import _measure_in_child

    measured = _measure_in_child(args, data_db, "plain")
    return {
        "wall_s": measured["wall_s"],
        "cpu_s": measured["cpu_s"],
        "mails": measured["mails_queued"],
        "digests": measured["digests"],
        "skipped": measured["skipped"],
        "queries": measured["queries"],
        "peak_rss_mb": measured["peak_rss_mb"],
    }


def main(argv=None):
    args = parse_args(argv)
    if args.measure:
        _child(args)
        return
    from digest_bench import _build

    chosen = set(args.only.split(",")) if args.only else {key for key, _l, _m in PRODUCTS}
    data_db, load = _build(args)
    print(
        f"Built {args.customers:,} customers and {args.invoices:,} invoices in {load['build_s']} s",
        flush=True,
    )
    results = {}
    for key, label, module in PRODUCTS:
        if key not in chosen:
            continue
        print(f"Measuring {label} ...", flush=True)
        if module:
            results[key] = _measure_peer_in_child(args, data_db, key, module)
        else:
            results[key] = _measure_ours(args, data_db)
        figures = results[key]
        print(
            f"  {figures['wall_s']:.1f} s wall, {figures['cpu_s']:.1f} s CPU, "
            f"{figures['mails']:,} mails, {figures['queries']:,} queries",
            flush=True,
        )
    with_ratios(results)
    print(f"\nOne period, {args.customers:,} customers, {args.invoices:,} invoices:\n")
    print("\n".join(format_table(results)))
    if args.json:
        load.pop("company_id", None)
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"load": load, "products": results}, handle, indent=2, sort_keys=True)
        print(f"\nFigures written to {args.json}")


if __name__ == "__main__":
    main()
