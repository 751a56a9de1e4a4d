"""The measures of the benchmark: the weekly run timed on the load, and the
statement documents timed one by one, with the table that reports them.

``measure_run`` and ``measure_statement`` take an Odoo environment; the load
is built by ``bench_data.py``, the command line is ``digest_bench.py``.
"""

import resource
import time

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
        cpu_start = time.process_time()
        runs = Run._send_company_digests(company, **options)
        env.flush_all()
        cpu = time.process_time() - cpu_start
        wall = time.perf_counter() - start
        queries = sql_db.sql_counter - queries
        created = Digest.search_count([]) - before
        return runs, wall, queries, created, cpu

    runs, wall, queries, created, cpu = one_run()
    peak = _peak_rss_mb()
    rerun_wall = rerun_queries = rerun_created = None
    if rerun:
        _runs2, rerun_wall, rerun_queries, rerun_created, _cpu = one_run()
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
        # CPU time of this process (user + system), PostgreSQL's own not included:
        # steadier than the wall time on a busy machine
        "cpu_s": round(cpu, 3),
        "digests_per_s": round(created / wall, 1) if wall else None,
        "queries": queries,
        "queries_per_digest": round(queries / created, 2) if created else None,
        "peak_rss_mb": round(peak, 1),
        "rerun_wall_s": round(rerun_wall, 3) if rerun else None,
        "rerun_queries": rerun_queries,
        "rerun_created": rerun_created,
        "rerun_ratio": round(rerun_wall / wall, 4) if rerun and wall else None,
    }




def documents_built(env):
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



TABLE = [
    ("customers", "Customers", "{:,}"),
    ("invoices", "Invoices", "{:,}"),
    ("credit_notes", "Credit notes", "{:,}"),
    ("build_s", "Data built in (s)", "{}"),
    ("digests", "Digests built and queued", "{:,}"),
    ("skipped", "Customers skipped", "{:,}"),
    ("digest_lines", "Digest lines", "{:,}"),
    ("wall_s", "Run: wall time (s)", "{:.2f}"),
    ("cpu_s", "Run: CPU time of the process (s)", "{:.2f}"),
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
