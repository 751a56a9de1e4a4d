"""The load of the benchmark: a large, reproducible set of customers and invoices.

``generate`` builds, in an Odoo database, N customers and M posted customer
invoices (several currencies, due dates spread over every step of the ladder,
some partly paid, some paid, some credit notes, a reminder history for the
invoices already reminded, some customers paused and some invoices under a
promise to pay).

The data is bulk-created: a handful of invoices are made and posted through the
ORM (one per currency, and a credit note), then cloned row by row in SQL with
new customers, numbers, dates and amounts, so that 100,000 invoices take
seconds rather than hours.  Payments are represented by the invoices' residual
amounts and payment states, not by payment entries.

The measures are in ``bench_measures.py``, the command line in ``digest_bench.py``.
"""

import random
from datetime import timedelta

DEFAULT_CUSTOMERS = 10_000
DEFAULT_INVOICES = 100_000

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

    rng = random.Random(seed)
    cr = env.cr
    company = setup_company(env)
    today = today or fields.Date.context_today(company.partner_id)
    policy = company.reminder_policy_id
    levels = policy._levels_sorted()
    proto_partner, protos = _prototypes(env, company, today)
    partner_ids, no_email = _make_customers(cr, rng, customers, proto_partner)
    drawn = _draw_moves(env, rng, today, partner_ids, invoices, protos, levels.mapped("delay_days"))
    lines = _load_moves(cr, drawn["rows"])
    _write_history(env, company, policy, levels, drawn["history"])
    paused, promised = _collections_control(env, company, today)
    cr.execute("ANALYZE")
    env.invalidate_all()
    env.registry.clear_cache()
    counts = drawn["counts"]
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
        "history_lines": len(drawn["history"]),
        "company_id": company.id,
    }


# -- customers ----------------------------------------------------------------


def _make_customers(cr, rng, customers, proto_partner):
    """``customers`` clones of the prototype customer; returns their ids and those
    without an email address."""
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
    return partner_ids, no_email


# -- invoices and credit notes --------------------------------------------------


def _draw_moves(env, rng, today, partner_ids, invoices, protos, delays):
    """Draw the invoices and credit notes: the rows to clone, last week's reminder
    history of the invoices and the counts of paid, partly paid and credit notes."""
    cr = env.cr
    customers = len(partner_ids)
    currency_ids = {code: env.ref(f"base.{code}").id for code, _s, _r in CURRENCIES}
    total_moves = invoices + int(invoices * SHARE_CREDIT_NOTES)
    cr.execute("SELECT nextval('account_move_id_seq') FROM generate_series(1, %s)", (total_moves,))
    move_ids = [row[0] for row in cr.fetchall()]
    rows, history = [], []
    counts = {"paid": 0, "partial": 0, "credit_notes": 0}
    for n, move_id in enumerate(move_ids, start=1):
        is_refund = n > invoices
        code = _pick(rng, [(c, s) for c, s, _r in CURRENCIES])
        # a few customers have many invoices, most have a handful
        partner_id = partner_ids[int(customers * rng.random() ** 1.5)]
        factor = round(rng.uniform(0.5, 50.0), 2)  # 50.00 to 5,000.00
        overdue = _days_overdue(rng)
        due = today - timedelta(days=overdue)
        ratio, payment_state = (1.0, "not_paid") if is_refund else _draw_payment(rng)
        if is_refund or payment_state != "not_paid":
            counts["credit_notes" if is_refund else payment_state] += 1
        prefix = "RBENCH/" if is_refund else "BENCH/"
        included = is_refund or rng.random() >= SHARE_EXCLUDED
        name, invoice_date = f"{prefix}{n:07d}", due - timedelta(days=30)
        proto = protos["out_refund" if is_refund else "out_invoice", code]
        rows.append(
            (move_id, proto.id, partner_id, name, prefix, n, invoice_date, due,
             factor, ratio, payment_state, included)
        )
        if not is_refund and ratio > 0 and included:
            # reminded last week when it had reached a level then
            last = rules().reached_level(overdue - 7, delays)
            if last is not None and overdue - 7 <= 365:
                history.append(
                    (partner_id, move_id, name, invoice_date, due, last, overdue - 7,
                     round(100.0 * factor * ratio, 2), currency_ids[code])
                )
    return {"rows": rows, "history": history, "counts": counts}


def _draw_payment(rng):
    """Share of the amount still due, and the payment state, of one invoice."""
    draw = rng.random()
    if draw < SHARE_PAID:
        return 0.0, "paid"
    if draw < SHARE_PAID + SHARE_PARTIAL:
        return round(rng.uniform(0.2, 0.8), 2), "partial"
    return 1.0, "not_paid"


def rules():
    """The add-on's ``rules`` module (imported late: it needs Odoo on the path)."""
    from odoo.addons.invoice_reminders import rules as module

    return module


AMOUNT = "p.{col} * t.factor"
RESIDUAL = "p.{col} * t.factor * t.ratio"


def _load_moves(cr, rows):
    """Clone the prototype moves and their lines into the drawn ``rows``; returns the
    number of move lines."""
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
        rows,
    )
    _clone(
        cr,
        "account_move",
        "bench_move t JOIN bench_partner bp ON bp.id = t.partner_id",
        _move_overrides(cr),
    )
    return _clone(
        cr, "account_move_line", "bench_move t", _line_overrides(), join_on="p.move_id = t.proto_id"
    )


def _move_overrides(cr):
    """What each cloned move takes from its drawn row rather than from its prototype."""
    overrides = {
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
            overrides[col] = RESIDUAL.format(col=col)
        elif col.startswith("amount_"):
            overrides[col] = AMOUNT.format(col=col)
    return overrides


def _line_overrides():
    """What each cloned move line takes from its move's drawn row."""
    overrides = {
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
        overrides[col] = AMOUNT.format(col=col)
    for col in ("amount_residual", "amount_residual_currency"):
        overrides[col] = RESIDUAL.format(col=col)
    return overrides


# -- last week's reminders: invoices already stand at every step of the ladder ---


def _write_history(env, company, policy, levels, history):
    """Last week's digests and their lines, for the invoices reminded then."""
    from odoo import fields

    cr = env.cr
    period = rules().period_key(
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
    # one array a column: digest, partner, move, name, dates, level, days, amount, currency
    line_rows = [(digest_of[r[0]], *r[:5], level_ids[r[5]], *r[5:]) for r in history]
    columns = [list(col) for col in zip(*line_rows, strict=True)] if history else [[]] * 11
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
        [company.id, last_period, *columns],
    )
    cr.execute(
        """
        UPDATE invoice_reminder_digest d SET level_id = x.level_id
          FROM (SELECT DISTINCT ON (digest_id) digest_id, level_id
                  FROM invoice_reminder_digest_line ORDER BY digest_id, level_index DESC) x
         WHERE d.id = x.digest_id
        """
    )


# -- collections control ---------------------------------------------------------


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
