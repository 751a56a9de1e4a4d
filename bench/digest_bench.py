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

The load is built by ``bench_data.py`` (``generate``), the run is measured by
``bench_measures.py`` (``measure_run``, ``measure_statement``); this file is the
command line: the database template, a fresh process for each measure, the
job-queue measure (``queue_workers.py``) and the report.

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
import subprocess
import sys
import time

# the sibling modules, also when this file is loaded by path (the add-on's tests)
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from bench_data import DEFAULT_CUSTOMERS, DEFAULT_INVOICES, generate  # noqa: E402
from bench_measures import (  # noqa: E402
    DOCUMENT_KINDS,
    documents_built,
    measure_run,
    measure_statement,
    print_table,
)

ROOT = os.path.dirname(HERE)
__all__ = ["generate", "measure_run", "measure_statement"]


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
    """A digest of the add-on's files and of the Odoo tree: the installed template is
    rebuilt when they change, and each Odoo tree has its own."""
    sha = hashlib.sha1()
    sha.update(os.path.realpath(os.environ.get("ODOO_PATH", "")).encode())
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
    odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.release.__file__)), "odoo-bin")
    subprocess.run(
        [
            sys.executable,
            odoo_bin,
            *args.odoo_options,
            "-d",
            f"{template}_tmp",
            "-i",
            "account,invoice_reminders" + (",queue_job" if args.workers else ""),
            "--without-demo=True",  # Odoo 18.0: any true value; 19.0: a boolean
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
    odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.release.__file__)), "odoo-bin")
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
            result.update(documents_built(env))
        if args.measure == "statement_pdf":
            result.update(measure_statement(env))
            cr.rollback()
    print(json.dumps(result))



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
