"""Benchmark of the weekly reminder run on a large, reproducible load.

Builds a database with N customers and M posted customer invoices (several
currencies, due dates spread over every step of the ladder, some partly paid,
some paid, some credit notes, a reminder history for the invoices already
reminded), runs one period of the weekly job (digests built and their mails
queued, not delivered), runs the same period again, and reports wall time,
digests per second, SQL queries in total and per digest, and the peak memory
of the process, as a table and as JSON.

Run it with ``bench/run_bench.sh`` (it sets up the virtualenv and PostgreSQL
and passes the Odoo options)::

    bench/run_bench.sh                                  # 10,000 customers, 100,000 invoices
    bench/run_bench.sh --customers 20000 --invoices 200000 --json /tmp/2n.json
    bench/run_bench.sh --with-statement-pdf --statement-sample 200
    bench/run_bench.sh --with-documents --statement-sample 1000

The data is bulk-created: a handful of invoices are made and posted through the
ORM (one per currency, and a credit note), then cloned row by row in SQL with
new customers, numbers, dates and amounts, so that 100,000 invoices take
seconds rather than hours.  Payments are represented by the invoices' residual
amounts and payment states, not by payment entries.

``--with-documents`` measures, on a sample of customers (``--statement-sample``),
the run with each kind of document on every level (statement PDF, statement
Word, invoice PDFs rendered, not stored) and with all three, and reports the
seconds each kind adds per digest (and per invoice for invoice PDFs).

Each measure runs in a fresh process on a fresh copy of the generated database,
so that the peak memory is the run's own.  ``generate`` and ``measure_run``
take an Odoo environment and are also used by the add-on's test suite at a
small size (``invoice_reminders/tests/test_bench.py``).
"""

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import timedelta

# the level options each document measure switches on
DOCUMENT_KINDS = {
    "statement_pdf": {"attach_statement_pdf": True},
    "statement_docx": {"attach_statement_docx": True},
    "invoice_pdf": {"attach_invoice_pdf": True},
    "documents": {
        "attach_statement_pdf": True,
        "attach_statement_docx": True,
        "attach_invoice_pdf": True,
    },
}
DEFAULT_CUSTOMERS = 10_000
DEFAULT_INVOICES = 100_000
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# currency code, share of the invoices, rate against the company currency
CURRENCIES = [("USD", 0.70, 1.0), ("EUR", 0.20, 0.92), ("GBP", 0.10, 0.79)]
LANGS = [("en_US", 0.8), ("fr_FR", 0.2)]
SHARE_NO_EMAIL = 0.01
SHARE_DISABLED = 0.01
SHARE_EXCLUDED = 0.02  # invoices switched off by hand
SHARE_PAID = 0.15
SHARE_PARTIAL = 0.10
SHARE_CREDIT_NOTES = 0.02  # credit notes, as a share of the invoices
SHARE_PAUSED = 0.10  # customers whose reminders are paused
SHARE_PROMISED = 0.05  # open invoices under a promise to pay


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def _days_overdue(rng):
    """A realistic spread of due dates: not due yet, and every step of the ladder."""
    bucket = rng.random()
    if bucket < 0.15:
        return rng.randint(-30, -1)  # not due yet
    if bucket < 0.30:
        return rng.randint(0, 6)  # due, not yet reminded
    if bucket < 0.50:
        return rng.randint(7, 20)  # first reminder
    if bucket < 0.70:
        return rng.randint(21, 44)  # second reminder
    if bucket < 0.95:
        return rng.randint(45, 360)  # final notice, repeated
    return rng.randint(400, 720)  # too old: no longer reminded


def _pick(rng, weighted):
    value, acc = rng.random(), 0.0
    for item, share in weighted:
        acc += share
        if value < acc:
            return item
    return weighted[-1][0]


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND table_schema = current_schema() ORDER BY ordinal_position",
        (table,),
    )
    return [row[0] for row in cr.fetchall()]


def _clone(cr, table, source, overrides, join_on="p.id = t.proto_id"):
    """Copy rows of ``table``: one per row of the temporary table ``source``.

    Each new row starts from the prototype row ``p`` joined on ``join_on`` and
    takes the SQL expressions of ``overrides`` (which may use ``t.*``) instead.
    """
    columns = [c for c in _columns(cr, table) if c != "id" or "id" in overrides]
    select = ", ".join(overrides.get(c, f"p.{c}") for c in columns)
    # the column names come from the catalog and the expressions from this file
    names = ", ".join(f'"{c}"' for c in columns)
    query = (
        f'INSERT INTO "{table}" ({names})'
        f' SELECT {select} FROM {source} JOIN "{table}" p ON {join_on}'
    )
    cr.execute(query)
    return cr.rowcount


def _unnest_temp(cr, name, columns, rows):
    """A temporary table ``name`` holding ``rows``, loaded in one statement."""
    cr.execute(f"DROP TABLE IF EXISTS {name}")
    cr.execute(f"CREATE TEMPORARY TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns)})")
    if not rows:
        return
    arrays = [list(col) for col in zip(*rows, strict=True)]
    casts = ", ".join(f"%s::{t}[]" for _c, t in columns)
    cr.execute(f"INSERT INTO {name} SELECT * FROM unnest({casts})", arrays)


def setup_company(env):
    """The main company with a chart of accounts, three currencies and reminders on."""
    company = env.ref("base.main_company")
    if not env["account.journal"].search([("company_id", "=", company.id)], limit=1):
        env["account.chart.template"].try_loading(
            "generic_coa", company=company, install_demo=False
        )
    # an adopted company: reminders on for years (no period is before activation)
    company.write(
        {
            "reminder_enabled": True,
            "reminder_activation_date": "2000-01-01 00:00:00",
            "email": "billing@bench.example",
        }
    )
    env.ref("base.user_admin").partner_id.email = "owner@bench.example"
    company.reminder_report_partner_ids = env.ref("base.user_admin").partner_id
    for code, _share, rate in CURRENCIES:
        currency = env.ref(f"base.{code}")
        currency.active = True
        if currency != company.currency_id:
            env["res.currency.rate"].create(
                {
                    "currency_id": currency.id,
                    "rate": rate,
                    "name": "2000-01-01",
                    "company_id": company.id,
                }
            )
    for lang, _share in LANGS:
        if not env["res.lang"]._lang_get(lang):
            env["res.lang"]._activate_lang(lang)
    return company


def _prototypes(env, company, today):
    """One posted invoice per currency and one posted credit note, made by the ORM."""
    from odoo import Command

    partner = env["res.partner"].create(
        {"name": "Bench Prototype", "email": "prototype@bench.example", "is_company": True}
    )
    protos = {}
    for move_type in ("out_invoice", "out_refund"):
        for code, _share, _rate in CURRENCIES:
            move = env["account.move"].create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": today,
                    "invoice_date_due": today,
                    "currency_id": env.ref(f"base.{code}").id,
                    "invoice_line_ids": [
                        Command.create({"name": "Services", "price_unit": 100.0, "tax_ids": []})
                    ],
                }
            )
            move.action_post()
            protos[move_type, code] = move
    env.flush_all()
    return partner, protos


def generate(env, customers=DEFAULT_CUSTOMERS, invoices=DEFAULT_INVOICES, seed=42, today=None):
    """Bulk-create the load in ``env``'s database; returns what was created.

    Deterministic for a given seed and date.
    """
    from odoo import fields

    from odoo.addons.invoice_reminders import rules

    rng = random.Random(seed)
    cr = env.cr
    company = setup_company(env)
    today = today or fields.Date.context_today(company.partner_id)
    policy = company.reminder_policy_id
    levels = policy._levels_sorted()
    delays = levels.mapped("delay_days")
    proto_partner, protos = _prototypes(env, company, today)
    currency_ids = {code: env.ref(f"base.{code}").id for code, _s, _r in CURRENCIES}

    # -- customers ---------------------------------------------------------
    cr.execute("SELECT nextval('res_partner_id_seq') FROM generate_series(1, %s)", (customers,))
    partner_ids = [row[0] for row in cr.fetchall()]
    partner_rows = []
    no_email = set()
    for n, pid in enumerate(partner_ids, start=1):
        name = f"Bench Customer {n:06d}"
        email = None if rng.random() < SHARE_NO_EMAIL else f"customer{n:06d}@bench.example"
        if email is None:
            no_email.add(pid)
        partner_rows.append(
            (pid, proto_partner.id, name, email, _pick(rng, LANGS), rng.random() >= SHARE_DISABLED)
        )
    _unnest_temp(
        cr,
        "bench_partner",
        [
            ("id", "int"),
            ("proto_id", "int"),
            ("name", "varchar"),
            ("email", "varchar"),
            ("lang", "varchar"),
            ("enabled", "bool"),
        ],
        partner_rows,
    )
    _clone(
        cr,
        "res_partner",
        "bench_partner t",
        {
            "id": "t.id",
            "name": "t.name",
            "complete_name": "t.name",
            "email": "t.email",
            "email_normalized": "t.email",
            "lang": "t.lang",
            "commercial_partner_id": "t.id",
            "commercial_company_name": "t.name",
            "reminder_enabled": "t.enabled",
            "customer_rank": "1",
        },
    )

    # -- invoices and credit notes ----------------------------------------------
    total_moves = invoices + int(invoices * SHARE_CREDIT_NOTES)
    cr.execute("SELECT nextval('account_move_id_seq') FROM generate_series(1, %s)", (total_moves,))
    move_ids = [row[0] for row in cr.fetchall()]
    move_rows, history = [], []
    counts = {"paid": 0, "partial": 0, "credit_notes": 0}
    for n, move_id in enumerate(move_ids, start=1):
        is_refund = n > invoices
        code = _pick(rng, [(c, s) for c, s, _r in CURRENCIES])
        # a few customers have many invoices, most have a handful
        partner_id = partner_ids[int(customers * rng.random() ** 1.5)]
        factor = round(rng.uniform(0.5, 50.0), 2)  # 50.00 to 5,000.00
        overdue = _days_overdue(rng)
        due = today - timedelta(days=overdue)
        ratio, payment_state = 1.0, "not_paid"
        if not is_refund:
            draw = rng.random()
            if draw < SHARE_PAID:
                ratio, payment_state = 0.0, "paid"
                counts["paid"] += 1
            elif draw < SHARE_PAID + SHARE_PARTIAL:
                ratio, payment_state = round(rng.uniform(0.2, 0.8), 2), "partial"
                counts["partial"] += 1
        else:
            counts["credit_notes"] += 1
        proto = protos["out_refund" if is_refund else "out_invoice", code]
        prefix = "RBENCH/" if is_refund else "BENCH/"
        included = is_refund or rng.random() >= SHARE_EXCLUDED
        move_rows.append(
            (
                move_id,
                proto.id,
                partner_id,
                f"{prefix}{n:07d}",
                prefix,
                n,
                due - timedelta(days=30),
                due,
                factor,
                ratio,
                payment_state,
                included,
            )
        )
        if not is_refund and ratio > 0 and included:
            # reminded last week when it had reached a level then
            last = rules.reached_level(overdue - 7, delays)
            if last is not None and overdue - 7 <= 365:
                history.append(
                    (
                        partner_id,
                        move_id,
                        f"{prefix}{n:07d}",
                        due - timedelta(days=30),
                        due,
                        last,
                        overdue - 7,
                        round(100.0 * factor * ratio, 2),
                        currency_ids[code],
                    )
                )
    _unnest_temp(
        cr,
        "bench_move",
        [
            ("id", "int"),
            ("proto_id", "int"),
            ("partner_id", "int"),
            ("name", "varchar"),
            ("prefix", "varchar"),
            ("seq", "int"),
            ("invoice_date", "date"),
            ("due", "date"),
            ("factor", "numeric"),
            ("ratio", "numeric"),
            ("payment_state", "varchar"),
            ("included", "bool"),
        ],
        move_rows,
    )
    amount = "p.{col} * t.factor"
    residual = "p.{col} * t.factor * t.ratio"
    move_overrides = {
        "id": "t.id",
        "name": "t.name",
        "sequence_prefix": "t.prefix",
        "sequence_number": "t.seq",
        "partner_id": "t.partner_id",
        "commercial_partner_id": "t.partner_id",
        "partner_shipping_id": "t.partner_id",
        "invoice_partner_display_name": "bp.name",
        "payment_reference": "t.name",
        "date": "t.invoice_date",
        "invoice_date": "t.invoice_date",
        "invoice_date_due": "t.due",
        "payment_state": "t.payment_state",
        "reminder_included": "t.included",
        "access_token": "NULL",
        "message_main_attachment_id": "NULL",
        "create_date": "now() at time zone 'UTC'",
        "write_date": "now() at time zone 'UTC'",
    }
    for col in _columns(cr, "account_move"):
        if col.startswith("amount_residual"):
            move_overrides[col] = residual.format(col=col)
        elif col.startswith("amount_"):
            move_overrides[col] = amount.format(col=col)
    _clone(
        cr,
        "account_move",
        "bench_move t JOIN bench_partner bp ON bp.id = t.partner_id",
        move_overrides,
    )
    line_overrides = {
        "move_id": "t.id",
        "move_name": "t.name",
        "partner_id": "t.partner_id",
        "date": "t.invoice_date",
        "invoice_date": "t.invoice_date",
        "date_maturity": "CASE WHEN p.date_maturity IS NULL THEN NULL ELSE t.due END",
        "reconciled": "CASE WHEN p.display_type = 'payment_term' THEN t.ratio = 0"
        " ELSE p.reconciled END",
        "create_date": "now() at time zone 'UTC'",
        "write_date": "now() at time zone 'UTC'",
    }
    for col in (
        "debit",
        "credit",
        "balance",
        "amount_currency",
        "price_unit",
        "price_subtotal",
        "price_total",
    ):
        line_overrides[col] = amount.format(col=col)
    for col in ("amount_residual", "amount_residual_currency"):
        line_overrides[col] = residual.format(col=col)
    lines = _clone(
        cr, "account_move_line", "bench_move t", line_overrides, join_on="p.move_id = t.proto_id"
    )

    # -- last week's reminders: invoices already stand at every step of the ladder ---
    period = rules.period_key(
        policy.schedule,
        fields.Datetime.now(),
        policy._company_tz(),
        int(policy.schedule_weekday or 0),
        policy.schedule_hour,
    )
    last_period = period - timedelta(days=7)
    history_partners = sorted({row[0] for row in history})
    cr.execute(
        """
        INSERT INTO invoice_reminder_digest
            (partner_id, company_id, policy_id, period, kind, level_id, state, email_to,
             create_uid, create_date, write_uid, write_date)
        SELECT pid, %s, %s, %s, 'digest', %s, 'sent', 'history@bench.example',
               1, now() at time zone 'UTC', 1, now() at time zone 'UTC'
          FROM unnest(%s::int[]) AS pid
        RETURNING partner_id, id
        """,
        (company.id, policy.id, last_period, levels[0].id, history_partners),
    )
    digest_of = dict(cr.fetchall())
    level_ids = levels.ids
    cr.execute(
        """
        INSERT INTO invoice_reminder_digest_line
            (digest_id, company_id, partner_id, period, kind, move_id, name, date, date_due,
             level_id, level_index, days_overdue, amount_residual, currency_id,
             create_uid, create_date, write_uid, write_date)
        SELECT d, %s, pid, %s, 'invoice', mid, name, idate, due, lvl_id, lvl, days, amt, cur,
               1, now() at time zone 'UTC', 1, now() at time zone 'UTC'
          FROM unnest(%s::int[], %s::int[], %s::int[], %s::varchar[], %s::date[], %s::date[],
                      %s::int[], %s::int[], %s::int[], %s::numeric[], %s::int[])
            AS v(d, pid, mid, name, idate, due, lvl_id, lvl, days, amt, cur)
        """,
        [company.id, last_period]
        + [
            list(col)
            for col in zip(
                *[
                    (
                        digest_of[r[0]],
                        r[0],
                        r[1],
                        r[2],
                        r[3],
                        r[4],
                        level_ids[r[5]],
                        r[5],
                        r[6],
                        r[7],
                        r[8],
                    )
                    for r in history
                ],
                strict=True,
            )
        ]
        if history
        else [company.id, last_period] + [[]] * 11,
    )
    cr.execute(
        """
        UPDATE invoice_reminder_digest d SET level_id = x.level_id
          FROM (SELECT DISTINCT ON (digest_id) digest_id, level_id
                  FROM invoice_reminder_digest_line ORDER BY digest_id, level_index DESC) x
         WHERE d.id = x.digest_id
        """
    )
    paused, promised = _collections_control(env, company, today)
    cr.execute("ANALYZE")
    env.invalidate_all()
    env.registry.clear_cache()
    return {
        "customers_paused": paused,
        "invoices_promised": promised,
        "customers": customers,
        "invoices": invoices,
        "credit_notes": counts["credit_notes"],
        "paid": counts["paid"],
        "partial": counts["partial"],
        "customers_without_email": len(no_email),
        "move_lines": lines,
        "history_lines": len(history),
        "company_id": company.id,
    }


def _collections_control(env, company, today):
    """What collections staff leave behind: 10% of the customers paused, 5% of the
    open invoices under a promise to pay (one promise each), all still running."""
    cr = env.cr
    cr.execute(
        """
        UPDATE res_partner SET reminder_pause_until = %s, reminder_pause_reason = 'plan'
         WHERE id IN (SELECT DISTINCT commercial_partner_id FROM account_move
                       WHERE company_id = %s AND name LIKE 'BENCH/%%')
           AND id %% %s = 0
        """,
        (today + timedelta(days=30), company.id, round(1 / SHARE_PAUSED)),
    )
    paused = cr.rowcount
    cr.execute(
        """
        WITH chosen AS (
            SELECT id, commercial_partner_id, currency_id, amount_residual
              FROM account_move
             WHERE company_id = %s AND name LIKE 'BENCH/%%' AND move_type = 'out_invoice'
               AND payment_state IN ('not_paid', 'partial') AND id %% %s = 0
        ), promises AS (
            INSERT INTO invoice_reminder_promise
                (partner_id, company_id, currency_id, amount, date, grace_days, residual_start,
                 state, create_uid, write_uid, create_date, write_date)
            SELECT commercial_partner_id, %s, currency_id, amount_residual, %s, 3, amount_residual,
                   'open', 1, 1, now(), now()
              FROM chosen ORDER BY id
            RETURNING id
        )
        INSERT INTO invoice_reminder_promise_move_rel (promise_id, move_id)
        SELECT p.id, c.id
          FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM promises) p
          JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM chosen) c ON c.n = p.n
        """,
        (company.id, round(1 / SHARE_PROMISED), company.id, today + timedelta(days=10)),
    )
    return paused, cr.rowcount


# ---------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------


def _peak_rss_mb():
    """Peak resident memory of this process's own address space, in MB.

    ``VmHWM`` rather than ``getrusage``: the resource usage survives ``exec``,
    so a measuring child spawned by the process that built the data would
    report the builder's peak instead of its own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure_run(env, company=None, now=None, batch_size=None, max_batches=None, rerun=True):
    """Run one period of the weekly job, then the same period again.

    Returns wall time, queries (every cursor of the process) and what was
    created, for both runs.
    """
    from odoo import fields, sql_db

    company = company or env.ref("base.main_company")
    now = now or fields.Datetime.now()
    Run = env["invoice.reminder.run"].with_company(company)
    Digest = env["invoice.reminder.digest"]
    options = {"now": now}
    if batch_size:
        options["batch_size"] = batch_size
    if max_batches:
        options["max_batches"] = max_batches

    def one_run():
        before = Digest.search_count([])
        queries = sql_db.sql_counter
        start = time.perf_counter()
        runs = Run._send_company_digests(company, **options)
        env.flush_all()
        wall = time.perf_counter() - start
        queries = sql_db.sql_counter - queries
        created = Digest.search_count([]) - before
        return runs, wall, queries, created

    runs, wall, queries, created = one_run()
    peak = _peak_rss_mb()
    rerun_wall = rerun_queries = rerun_created = None
    if rerun:
        _runs2, rerun_wall, rerun_queries, rerun_created = one_run()
    digests = Digest.search([("run_id", "in", runs.ids)])
    states = {}
    for state in digests.mapped("state"):
        states[state] = states.get(state, 0) + 1
    lines = env["invoice.reminder.digest.line"].search_count([("digest_id", "in", digests.ids)])
    skipped = env["invoice.reminder.run.skip"].search_count([("run_id", "in", runs.ids)])
    return {
        "digests": created,
        "digest_states": states,
        "digest_lines": lines,
        "skipped": skipped,
        "mails_queued": env["mail.mail"].search_count(
            [("id", "in", digests.mail_id.ids), ("state", "=", "outgoing")]
        ),
        "wall_s": round(wall, 3),
        "digests_per_s": round(created / wall, 1) if wall else None,
        "queries": queries,
        "queries_per_digest": round(queries / created, 2) if created else None,
        "peak_rss_mb": round(peak, 1),
        "rerun_wall_s": round(rerun_wall, 3) if rerun else None,
        "rerun_queries": rerun_queries,
        "rerun_created": rerun_created,
        "rerun_ratio": round(rerun_wall / wall, 4) if rerun and wall else None,
    }


def _documents_built(env):
    """What the measured run attached: invoice PDFs rendered, statements."""
    attachments = env["ir.attachment"].search_read(
        [("res_model", "=", "invoice.reminder.digest")], ["name", "mimetype"]
    )
    invoice_pdfs = sum(1 for a in attachments if not a["name"].startswith("Statement"))
    return {"attachments": len(attachments), "invoice_pdfs": invoice_pdfs}


def measure_statement(env, invoices=50, company=None):
    """Time one statement of ``invoices`` invoices, as PDF and as Word.

    The reminder is built directly (no accounting entries needed) for a
    customer of the load, in a period of its own; the PDF is rendered once
    first so that QWeb compilation is not counted.
    """
    from odoo import Command

    company = company or env.ref("base.main_company")
    policy = company.reminder_policy_id
    level = policy._levels_sorted()[0]
    currency = company.currency_id
    partner = env["res.partner"].search(
        [
            ("customer_rank", ">", 0),
            ("email", "!=", False),
            ("company_id", "in", [company.id, False]),
        ],
        limit=1,
    )
    amounts = [1000.0 + i * 1.25 for i in range(invoices)]
    digest = env["invoice.reminder.digest"].create(
        {
            "partner_id": partner.id,
            "company_id": company.id,
            "policy_id": policy.id,
            "period": "2000-01-03",
            "level_id": level.id,
            "email_to": partner.email,
            "totals_json": {
                currency.name: {"due": sum(amounts), "credit": 0.0, "net": sum(amounts)}
            },
            "line_ids": [
                Command.create(
                    {
                        "kind": "invoice",
                        "name": f"BENCH/{i + 1:05d}",
                        "date": "1999-12-01",
                        "date_due": "1999-12-15",
                        "days_overdue": 19,
                        "level_id": level.id,
                        "level_index": 0,
                        "amount_residual": amount,
                        "currency_id": currency.id,
                    }
                )
                for i, amount in enumerate(amounts)
            ],
        }
    )
    digest._render_statement("pdf")  # warm up
    start = time.perf_counter()
    digest._render_statement("pdf")
    pdf_s = time.perf_counter() - start
    start = time.perf_counter()
    digest._render_statement("docx")
    docx_s = time.perf_counter() - start
    return {
        "statement_invoices": invoices,
        "statement_pdf_s": round(pdf_s, 3),
        "statement_docx_s": round(docx_s, 3),
    }


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Options after -- are passed to Odoo (database connection, addons path).",
    )
    parser.add_argument(
        "--customers",
        type=int,
        default=DEFAULT_CUSTOMERS,
        help="number of customers (default %(default)s)",
    )
    parser.add_argument(
        "--invoices",
        type=int,
        default=DEFAULT_INVOICES,
        help="number of posted customer invoices (default %(default)s)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument(
        "--db",
        default="invoice_reminders_bench",
        help="database to build (default %(default)s); it is replaced",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default %(default)s)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="customers per batch (default: the add-on's own)",
    )
    parser.add_argument(
        "--with-statement-pdf",
        action="store_true",
        help="also measure a run with the statement PDF attached",
    )
    parser.add_argument(
        "--statement-sample",
        type=int,
        default=200,
        metavar="K",
        help="customers in the run with the statement PDF (default %(default)s)",
    )
    parser.add_argument(
        "--with-documents",
        action="store_true",
        help="also measure runs with statement PDF, Word and invoice PDFs on every level",
    )
    parser.add_argument(
        "--workers",
        metavar="N[,N...]",
        type=lambda value: [int(n) for n in value.split(",")],
        help="also measure the run on the job queue (invoice_reminders_queue) with N "
        "Odoo servers on loopback sharing the database, for each N (at most 4)",
    )
    parser.add_argument(
        "--queue-statements",
        action="store_true",
        help="in the runs on the job queue, every reminder attaches the statement PDF",
    )
    parser.add_argument("--measure", choices=["plain", *DOCUMENT_KINDS], help=argparse.SUPPRESS)
    parser.add_argument("odoo_options", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.odoo_options and args.odoo_options[0] == "--":
        args.odoo_options = args.odoo_options[1:]
    return args


def _odoo(args, db):
    import odoo

    odoo.tools.config.parse_config([*args.odoo_options, "-d", db])
    return odoo


def _module_key():
    """A digest of the add-on's files: the installed template is rebuilt when they change."""
    sha = hashlib.sha1()
    module = os.path.join(ROOT, "invoice_reminders")
    for folder, dirs, files in sorted(os.walk(module)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".pyc",)):
                continue
            path = os.path.join(folder, name)
            sha.update(path[len(module) :].encode())
            with open(path, "rb") as handle:
                sha.update(handle.read())
    return sha.hexdigest()[:10]


def _db_exists(db):
    import odoo

    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,))
        return bool(cr.fetchone())


def _copy_db(source, target):
    import odoo

    odoo.sql_db.close_db(source)
    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(f'DROP DATABASE IF EXISTS "{target}"')
        cr.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def _install_template(args):
    """A database with accounting and the add-on installed, cached by the add-on's content."""
    template = f"{args.db}_base_{_module_key()}{'_queue' if args.workers else ''}"
    _odoo(args, template)
    if _db_exists(template):
        return template
    print(f"Installing accounting and invoice_reminders in {template} ...", flush=True)
    import odoo

    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{args.db}_base_%",))
        for (old,) in cr.fetchall():
            cr.execute(f'DROP DATABASE IF EXISTS "{old}"')
        cr.execute(f'CREATE DATABASE "{template}_tmp"')
    odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")
    subprocess.run(
        [
            sys.executable,
            odoo_bin,
            *args.odoo_options,
            "-d",
            f"{template}_tmp",
            "-i",
            "account,invoice_reminders" + (",queue_job" if args.workers else ""),
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )
    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(f'ALTER DATABASE "{template}_tmp" RENAME TO "{template}"')
    return template


def _build(args):
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    template = _install_template(args)
    data_db = f"{args.db}_data"
    _copy_db(template, data_db)
    _odoo(args, data_db)
    start = time.perf_counter()
    with Registry(data_db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        created = generate(env, args.customers, args.invoices, seed=args.seed)
    build_s = time.perf_counter() - start
    Registry.delete(data_db)
    odoo.sql_db.close_db(data_db)
    created["build_s"] = round(build_s, 1)
    return data_db, created


def _measure_in_child(args, data_db, kind):
    """Measure in a fresh process on a fresh copy, so the peak memory is the run's own."""
    import odoo

    _copy_db(data_db, args.db)
    odoo.sql_db.close_db(args.db)
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--measure",
        kind,
        "--db",
        args.db,
        "--statement-sample",
        str(args.statement_sample),
    ]
    if args.batch_size:
        command += ["--batch-size", str(args.batch_size)]
    out = subprocess.run(
        [*command, "--", *args.odoo_options], check=True, stdout=subprocess.PIPE, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _measure_queue(args, data_db, workers):
    """The run on the job queue with ``workers`` Odoo servers: wall time until the
    last batch is built (the run then waits for its mails, as without the queue)."""
    import odoo

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import queue_workers

    _copy_db(data_db, args.db)
    odoo.sql_db.close_db(args.db)
    odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")
    workdir = os.path.join(os.path.dirname(odoo.tools.config["data_dir"]), f"queue-{workers}")
    options = [o for o in args.odoo_options if not o.startswith(("--logfile", "--log-level"))]
    with queue_workers.Cluster(workers, args.db, odoo_bin, options, workdir):
        script = queue_workers.shell_script(
            0,
            0,
            args.batch_size or 200,
            workers,
            generate=False,
            reference=False,
            statements=args.queue_statements,
        )
        out = subprocess.run(
            [
                sys.executable,
                odoo_bin,
                "shell",
                *options,
                "-d",
                args.db,
                "--no-http",
                "--log-level=warn",
                f"--logfile={workdir}/shell.log",
            ],
            input=script,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        queued = queue_workers.parse_shell_output(out)
        queue_workers.wait_for(
            lambda: queue_workers.run_state(args.db, queued["run_id"]) != "running",
            7200,
            step=0.2,
            what="the end of the run",
        )
        wall = time.time() - queued["queued_at"] + queued["dispatch_s"]
    with odoo.sql_db.db_connect(args.db).cursor() as cr:
        cr.execute(
            "SELECT count(*) FROM invoice_reminder_digest WHERE run_id = %s", (queued["run_id"],)
        )
        digests = cr.fetchone()[0]
    odoo.sql_db.close_db(args.db)
    return {
        f"queue_{workers}_wall_s": round(wall, 2),
        f"queue_{workers}_digests": digests,
        f"queue_{workers}_jobs": queued["jobs"],
    }


def _child(args):
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    _odoo(args, args.db)
    registry = Registry(args.db)
    with registry.cursor() as cr:
        # built in this one process, even where invoice_reminders_queue is installed
        env = api.Environment(cr, SUPERUSER_ID, {"invoice_reminders_queue_build_here": True})
        options = {"batch_size": args.batch_size}
        if args.measure in DOCUMENT_KINDS:
            env["invoice.reminder.level"].search([]).write(DOCUMENT_KINDS[args.measure])
            env.flush_all()
            cr.commit()
            batch_size = args.batch_size or 200
            options = {
                "batch_size": batch_size,
                "max_batches": -(-args.statement_sample // batch_size),
                "rerun": False,
            }
        result = measure_run(env, **options)
        if args.measure in DOCUMENT_KINDS:
            result.update(_documents_built(env))
        if args.measure == "statement_pdf":
            result.update(measure_statement(env))
            cr.rollback()
    print(json.dumps(result))


TABLE = [
    ("customers", "Customers", "{:,}"),
    ("invoices", "Invoices", "{:,}"),
    ("credit_notes", "Credit notes", "{:,}"),
    ("build_s", "Data built in (s)", "{}"),
    ("digests", "Digests built and queued", "{:,}"),
    ("skipped", "Customers skipped", "{:,}"),
    ("digest_lines", "Digest lines", "{:,}"),
    ("wall_s", "Run: wall time (s)", "{:.2f}"),
    ("digests_per_s", "Run: digests per second", "{:.1f}"),
    ("queries", "Run: SQL queries", "{:,}"),
    ("queries_per_digest", "Run: SQL queries per digest", "{:.2f}"),
    ("peak_rss_mb", "Run: peak memory (MB)", "{:.0f}"),
    ("rerun_wall_s", "Rerun: wall time (s)", "{:.2f}"),
    ("rerun_ratio", "Rerun: share of the first run", "{:.1%}"),
    ("rerun_queries", "Rerun: SQL queries", "{:,}"),
    ("rerun_created", "Rerun: digests created", "{:,}"),
    ("statement_pdf_digests", "With statement PDF: digests", "{:,}"),
    ("statement_pdf_s_per_digest", "With statement PDF: s per digest", "{:.3f}"),
    ("statement_pdf_extra_s_per_digest", "Statement PDF adds per digest (s)", "{:.3f}"),
    ("statement_pdf_peak_rss_mb", "Statement PDF: peak memory (MB)", "{:.0f}"),
    ("statement_docx_s_per_digest", "Statement Word: s per digest", "{:.3f}"),
    ("statement_docx_extra_s_per_digest", "Statement Word: adds per digest (s)", "{:.3f}"),
    ("invoice_pdf_s_per_digest", "Invoice PDFs: s per digest", "{:.3f}"),
    ("invoice_pdf_extra_s_per_digest", "Invoice PDFs: add per digest (s)", "{:.3f}"),
    ("invoice_pdfs", "Invoice PDFs: rendered", "{:,}"),
    ("invoice_pdf_extra_s_per_invoice", "Invoice PDFs: add per invoice (s)", "{:.3f}"),
    ("invoice_pdf_peak_rss_mb", "Invoice PDFs: peak memory (MB)", "{:.0f}"),
    ("documents_digests", "All documents: digests", "{:,}"),
    ("documents_s_per_digest", "All documents: s per digest", "{:.3f}"),
    ("documents_failed", "All documents: digests failed", "{:,}"),
    ("documents_peak_rss_mb", "All documents: peak memory (MB)", "{:.0f}"),
    ("statement_invoices", "One statement: invoices", "{:,}"),
    ("statement_pdf_s", "One statement: PDF built in (s)", "{:.3f}"),
    ("statement_docx_s", "One statement: Word built in (s)", "{:.3f}"),
]


def _measure_documents(args, data_db, plain):
    """Seconds per digest with each kind of document on every level, on a sample."""
    base = plain["wall_s"] / plain["digests"] if plain["digests"] else 0.0
    figures = {}
    for kind in DOCUMENT_KINDS:
        measured = _measure_in_child(args, data_db, kind)
        digests = measured["digests"]
        per_digest = measured["wall_s"] / digests if digests else None
        figures[f"{kind}_digests"] = digests
        figures[f"{kind}_s_per_digest"] = round(per_digest, 4) if digests else None
        figures[f"{kind}_extra_s_per_digest"] = round(per_digest - base, 4) if digests else None
        figures[f"{kind}_peak_rss_mb"] = measured["peak_rss_mb"]
        figures[f"{kind}_failed"] = measured["digest_states"].get("failed", 0)
        if kind == "invoice_pdf" and measured["invoice_pdfs"]:
            figures["invoice_pdfs"] = measured["invoice_pdfs"]
            figures["invoice_pdf_extra_s_per_invoice"] = round(
                (measured["wall_s"] - base * digests) / measured["invoice_pdfs"], 4
            )
        if kind == "statement_pdf":
            figures.update(
                {
                    key: measured[key]
                    for key in ("statement_invoices", "statement_pdf_s", "statement_docx_s")
                }
            )
    return figures


def print_table(result):
    table = list(TABLE)
    for workers in sorted(
        int(key.split("_")[1]) for key in result if key.startswith("queue_") and "_wall" in key
    ):
        table += [
            (f"queue_{workers}_jobs", f"Job queue, {workers} server(s): jobs", "{:,}"),
            (f"queue_{workers}_digests", f"Job queue, {workers} server(s): digests", "{:,}"),
            (f"queue_{workers}_wall_s", f"Job queue, {workers} server(s): wall (s)", "{:.2f}"),
        ]
    width = max(len(label) for _k, label, _f in table)
    for key, label, fmt in table:
        if result.get(key) is not None:
            print(f"  {label:<{width}}  {fmt.format(result[key]):>12}")


def main(argv=None):
    args = parse_args(argv)
    if args.measure:
        _child(args)
        return
    data_db, result = _build(args)
    print(
        f"Built {args.customers:,} customers and {args.invoices:,} invoices "
        f"in {result['build_s']} s; measuring the run ...",
        flush=True,
    )
    result.update(_measure_in_child(args, data_db, "plain"))
    if args.with_documents:
        result.update(_measure_documents(args, data_db, result))
    if args.with_statement_pdf and not args.with_documents:
        pdf = _measure_in_child(args, data_db, "statement_pdf")
        per_digest = pdf["wall_s"] / pdf["digests"] if pdf["digests"] else None
        base = result["wall_s"] / result["digests"] if result["digests"] else 0
        result.update(
            statement_pdf_digests=pdf["digests"],
            statement_pdf_wall_s=pdf["wall_s"],
            statement_pdf_s_per_digest=round(per_digest, 4) if per_digest else None,
            statement_pdf_extra_s_per_digest=round(per_digest - base, 4) if per_digest else None,
        )
        result.update(
            {key: pdf[key] for key in ("statement_invoices", "statement_pdf_s", "statement_docx_s")}
        )
    for workers in args.workers or ():
        print(f"Measuring the run on the job queue with {workers} server(s) ...", flush=True)
        result.update(_measure_queue(args, data_db, workers))
    result.pop("company_id", None)
    print()
    print_table(result)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2, sort_keys=True)
        print(f"\nFigures written to {args.json}")


if __name__ == "__main__":
    main()
