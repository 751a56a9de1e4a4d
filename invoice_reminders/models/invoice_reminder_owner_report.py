import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools.misc import format_amount

from .. import report_figures as figures
from .. import rules

_logger = logging.getLogger(__name__)

DIGEST_STATES_COUNTED = ("sent", "bounced", "failed", "queued")


class InvoiceReminderOwnerReport(models.AbstractModel):
    """The owner's weekly report: where the money stands, what came in, what needs a decision.

    Every figure is read here in a few set-based queries and computed by
    ``report_figures`` from plain values, once per report: the mail template
    (``mail_template_owner_report``) only lays out what :meth:`_report_values`
    returns, and the tests read the same values.
    """

    _name = "invoice.reminder.owner.report"
    _description = "Payment Reminders: Owner's Weekly Report"

    # ------------------------------------------------------------------
    # The scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _cron_send_owner_reports(self, now=None):
        """Hourly: mail each company's weekly report at its weekday and hour, once a week.

        A company that fails is logged and left for the next tick; the others
        still get theirs.
        """
        now = now or fields.Datetime.now()
        companies = self.env["res.company"].search(
            [("reminder_enabled", "=", True), ("reminder_owner_report", "=", True)]
        )
        for company in companies:
            try:
                with self.env.cr.savepoint():
                    report_date = self._report_due(company, now)
                    if report_date:
                        self.with_company(company)._send_report(company, report_date)
            except Exception:
                _logger.exception(
                    "The weekly report of company %s (%s) could not be sent",
                    company.name,
                    company.id,
                )

    @api.model
    def _report_due(self, company, now):
        """The local date of the company's report due at ``now`` (naive UTC), or False."""
        if not company.reminder_report_partner_ids.filtered("email"):
            return False
        now_local = rules.utc_to_local(now, company.partner_id.tz or "UTC")
        return figures.report_due(
            now_local,
            int(company.reminder_owner_report_weekday or 0),
            company.reminder_owner_report_hour,
            company.reminder_owner_report_date,
        )

    @api.model
    def _send_report(self, company, report_date):
        """Render and queue the report of ``report_date`` to the summary recipients."""
        lang = company.partner_id.lang or "en_US"
        values = self.with_context(lang=lang)._report_values(company, report_date)
        # the answers are a section of their own, after the template's (see _render_answers)
        answers = values["decisions"].pop("answers", [])
        template = self.env.ref("invoice_reminders.mail_template_owner_report").sudo()
        rendered = {
            name: template._render_field(
                name, company.ids, set_lang=lang, add_context={"report": values}
            )[company.id]
            for name in ("subject", "body_html")
        }
        Answer = self.env["invoice.reminder.answer"]
        body = rendered["body_html"] + Answer._owner_report_section(answers, lang)
        mail = company._reminder_mail_owners(rendered["subject"], body)
        company.sudo().reminder_owner_report_date = report_date
        return mail

    # ------------------------------------------------------------------
    # The figures, computed once
    # ------------------------------------------------------------------

    @api.model
    def _report_values(self, company, report_date):
        """Everything the weekly report of ``report_date`` shows, as plain values and records.

        The week is the seven days before ``report_date``; "last week" the seven
        before those. Amounts overdue are what was due before the day and
        unpaid at its start, per currency and converted at the day's rate.
        """
        return self.sudo().with_company(company)._compute_report_values(company, report_date)

    @api.model
    def _compute_report_values(self, company, report_date):
        self.env.flush_all()
        first, last = figures.week_of(report_date)
        prev_first, prev_last = figures.week_of(report_date, 1)
        previous_day = report_date - timedelta(days=figures.WEEK_DAYS)
        items, receivable = self._open_items(company, report_date)
        previous_items, previous_receivable = self._open_items(company, previous_day)
        currencies = {item.currency for item in items + previous_items}
        rates = self._rates(company, report_date, currencies)
        previous_rates = self._rates(company, previous_day, currencies)
        overdue = figures.overdue_totals(items, report_date, rates)
        previous_overdue = figures.overdue_totals(previous_items, previous_day, previous_rates)
        payments = self._payments(company, prev_first, last)
        collected = figures.collected(payments, first, last)
        previous_collected = figures.collected(payments, prev_first, prev_last)
        dso = self._dso(company, report_date, receivable)
        previous_dso = self._dso(company, previous_day, previous_receivable)
        debtors = figures.top_debtors(items, report_date, rates)
        currency_records = self._currencies(currencies)
        decisions = self._decisions(company, report_date, first, last, items)
        cur = company.currency_id
        headline = [
            self._headline("overdue", overdue.company, previous_overdue.company, cur, bad_up=True),
            self._headline("collected", collected[0], previous_collected[0], cur),
            self._headline("collected_reminded", collected[1], previous_collected[1], cur),
            self._headline("dso", dso, previous_dso, cur, bad_up=True, days=True),
        ]
        return {
            "company": company,
            "currency": company.currency_id,
            "date": report_date,
            "first": first,
            "last": last,
            "nothing_overdue": not overdue.per_currency,
            "overdue": overdue,
            "previous_overdue": previous_overdue,
            "overdue_rows": [
                {
                    "currency": currency_records[name],
                    **self._change_texts(
                        figures.change(amount, previous_overdue.per_currency.get(name, 0.0)),
                        currency_records[name],
                    ),
                }
                for name, amount in overdue.per_currency.items()
            ],
            "missing_rates": [currency_records[name] for name in overdue.missing],
            "headline": headline,
            "aging": figures.aging(items, report_date, rates),
            "week": self._week_reminders(company, first, last),
            "decisions": decisions,
            "effect": self._effectiveness(company, report_date),
            "debtors": self._debtor_rows(
                company, debtors, currency_records, report_date, decisions
            ),
            "links": {
                "schedule": self._action_url(
                    company, "invoice_reminders.res_partner_reminder_schedule_action"
                ),
                "reminders": self._action_url(
                    company, "invoice_reminders.invoice_reminder_digest_action"
                ),
                "promises": self._action_url(
                    company, "invoice_reminders.invoice_reminder_promise_action"
                ),
                "effect": self._action_url(
                    company, "invoice_reminders.invoice_reminder_effectiveness_action"
                ),
            },
        }

    @api.model
    def _headline(self, key, current, previous, currency, bad_up=False, days=False):
        """A headline row: the figure, last week's, the change, as the reader sees them."""
        change = figures.change(current, previous)
        tone = ""
        if change.direction in ("up", "down"):
            tone = "bad" if (change.direction == "up") == bad_up else "good"
        return {
            "key": key,
            "change": change,
            "tone": tone,
            "color": {"good": "#2e7d32", "bad": "#c62828"}.get(tone, "#666666"),
            **self._change_texts(change, currency, days),
        }

    @api.model
    def _change_texts(self, change, currency, days=False):
        """``current``, ``previous`` and ``change`` as text: amounts in ``currency``
        in the language of the context, or whole days."""

        def text(value, signed=False):
            if value is None:
                return "–"
            sign = ("+" if value > 0 else "-") if signed else ""
            if days:
                return f"{sign}{abs(value):.0f}" if signed else f"{value:.0f}"
            return sign + format_amount(self.env, abs(value) if signed else value, currency)

        if not change.direction:
            change_text = "–"
        elif change.direction == "same":
            change_text = "="
        else:
            arrow = "▲" if change.direction == "up" else "▼"
            change_text = f"{arrow} {text(change.delta, signed=True)}"
            if change.percent is not None:
                change_text += f" ({change.percent:+.0f}%)"
        return {
            "current_text": text(change.current),
            "previous_text": text(change.previous),
            "change_text": change_text,
        }

    # ------------------------------------------------------------------
    # Set-based reads
    # ------------------------------------------------------------------

    @api.model
    def _open_items(self, company, day):
        """The customer invoices' open instalments at the start of ``day``.

        What each still owed then: its residual now plus what was reconciled
        with it from ``day`` on, in its currency and in the company's.

        :returns: ``(items, what they owed in company currency)``
        """
        self.env.cr.execute(
            """
            SELECT * FROM (
                SELECT m.commercial_partner_id AS partner_id,
                       cur.name AS currency,
                       COALESCE(l.date_maturity, m.invoice_date_due, m.invoice_date) AS due,
                       l.amount_residual_currency + COALESCE(later.amount_currency, 0)
                           AS residual,
                       l.amount_residual + COALESCE(later.amount, 0) AS residual_company
                  FROM account_move m
                  JOIN account_move_line l
                    ON l.move_id = m.id AND l.display_type = 'payment_term'
                  JOIN res_currency cur ON cur.id = l.currency_id
             LEFT JOIN LATERAL (
                        SELECT SUM(p.debit_amount_currency) AS amount_currency,
                               SUM(p.amount) AS amount
                          FROM account_partial_reconcile p
                         WHERE p.debit_move_id = l.id AND p.max_date >= %(day)s
                       ) later ON TRUE
                 WHERE m.company_id = %(company)s
                   AND m.move_type = 'out_invoice'
                   AND m.state = 'posted'
                   AND m.invoice_date < %(day)s
            ) open_items
             WHERE residual > 0.005
            """,
            {"company": company.id, "day": day},
        )
        rows = self.env.cr.fetchall()
        items = [figures.OpenItem(row[0], row[1], float(row[3]), row[2]) for row in rows]
        return items, sum(float(row[4]) for row in rows)

    @api.model
    def _sales_company(self, company, first, last):
        """Invoices minus credit notes dated from ``first`` to ``last``, in company currency."""
        self.env.cr.execute(
            """
            SELECT COALESCE(SUM(amount_total_signed), 0)
              FROM account_move
             WHERE company_id = %s
               AND move_type IN ('out_invoice', 'out_refund')
               AND state = 'posted'
               AND invoice_date BETWEEN %s AND %s
            """,
            (company.id, first, last),
        )
        return float(self.env.cr.fetchone()[0])

    @api.model
    def _dso(self, company, day, receivable):
        """Days sales outstanding at the start of ``day``, over the 90 days before."""
        if not receivable:
            return 0.0
        sales = self._sales_company(
            company, day - timedelta(days=figures.DSO_DAYS), day - timedelta(days=1)
        )
        return figures.dso(receivable, sales)

    @api.model
    def _payments(self, company, first, last):
        """Payments reconciled with customer invoices from ``first`` to ``last``.

        ``(day, amount in company currency, days the invoice was reminded in the
        14 days before)``; credit notes and exchange differences are no payments.
        """
        self.env.cr.execute(
            """
            SELECT p.max_date,
                   p.amount,
                   ARRAY(
                       SELECT d.period
                         FROM invoice_reminder_digest_line dl
                         JOIN invoice_reminder_digest d ON d.id = dl.digest_id
                        WHERE dl.move_id = m.id
                          AND dl.kind = 'invoice'
                          AND d.state != 'failed'
                          AND d.period BETWEEN p.max_date - %(effect)s AND p.max_date
                   )
              FROM account_partial_reconcile p
              JOIN account_move_line l ON l.id = p.debit_move_id
              JOIN account_move m ON m.id = l.move_id
              JOIN account_move_line cl ON cl.id = p.credit_move_id
              JOIN account_move cm ON cm.id = cl.move_id
             WHERE m.company_id = %(company)s
               AND m.move_type = 'out_invoice'
               AND l.display_type = 'payment_term'
               AND (cm.origin_payment_id IS NOT NULL OR cm.statement_line_id IS NOT NULL)
               AND p.max_date BETWEEN %(first)s AND %(last)s
            """,
            {"company": company.id, "first": first, "last": last, "effect": figures.EFFECT_DAYS},
        )
        return [(row[0], float(row[1]), row[2]) for row in self.env.cr.fetchall()]

    @api.model
    def _rates(self, company, day, currency_names):
        """Company-currency units for one unit of each currency at ``day``; None without a rate."""
        company_currency = company.currency_id.name
        names = set(currency_names) | {company_currency}
        self.env["res.currency.rate"].flush_model()
        self.env.cr.execute(
            """
            SELECT c.name,
                   (SELECT r.rate FROM res_currency_rate r
                     WHERE r.currency_id = c.id AND r.name <= %s
                       AND (r.company_id IS NULL OR r.company_id = %s)
                  ORDER BY r.company_id, r.name DESC
                     LIMIT 1)
              FROM res_currency c
             WHERE c.name IN %s
            """,
            (day, company.root_id.id, tuple(names)),
        )
        raw = dict(self.env.cr.fetchall())
        company_rate = raw.get(company_currency) or 1.0
        rates = {
            name: (company_rate / rate if rate else None)
            for name, rate in raw.items()
            if name != company_currency
        }
        rates[company_currency] = 1.0
        return rates

    @api.model
    def _currencies(self, names):
        records = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", list(names))])
        )
        return {currency.name: currency for currency in records}

    @api.model
    def _week_reminders(self, company, first, last):
        """What the reminders did from ``first`` to ``last``: sent per level and state,
        skipped per reason, fees charged per currency, actions done per kind."""
        week = [("company_id", "=", company.id), ("period", ">=", first), ("period", "<=", last)]
        Digest = self.env["invoice.reminder.digest"]
        by_level = defaultdict(lambda: dict.fromkeys(("total", *DIGEST_STATES_COUNTED), 0))
        for level, state, count in Digest._read_group(week, ["level_id", "state"], ["__count"]):
            by_level[level][state] += count
            by_level[level]["total"] += count
        levels = sorted(by_level, key=lambda lvl: (lvl.policy_id.id, lvl.sequence, lvl.id))
        Skip = self.env["invoice.reminder.run.skip"]
        reasons = dict(Skip._fields["reason"]._description_selection(self.env))
        skips = Skip._read_group(
            [
                ("company_id", "=", company.id),
                ("run_id.period", ">=", first),
                ("run_id.period", "<=", last),
            ],
            ["reason"],
            ["partner_id:count_distinct"],
        )
        digest_week = [
            ("digest_id.company_id", "=", company.id),
            ("digest_id.period", ">=", first),
            ("digest_id.period", "<=", last),
        ]
        fees = self.env["invoice.reminder.fee"]._read_group(
            digest_week, ["currency_id"], ["amount:sum"]
        )
        Action = self.env["invoice.reminder.action"]
        kinds = dict(Action._fields["kind"]._description_selection(self.env))
        actions = Action._read_group([*digest_week, ("state", "=", "done")], ["kind"], ["__count"])
        return {
            "levels": [{"level": level, **by_level[level]} for level in levels],
            "totals": {
                key: sum(row[key] for row in by_level.values())
                for key in ("total", *DIGEST_STATES_COUNTED)
            },
            "skipped": sorted(
                (
                    {"reason": reasons.get(reason, reason), "count": count}
                    for reason, count in skips
                ),
                key=lambda row: (-row["count"], row["reason"]),
            ),
            "fees": [
                {"currency": currency, "amount": amount}
                for currency, amount in sorted(fees, key=lambda row: row[0].name)
                if amount
            ],
            "actions": sorted(
                ({"kind": kinds.get(kind, kind), "count": count} for kind, count in actions),
                key=lambda row: row["kind"],
            ),
        }

    @api.model
    def _decisions(self, company, report_date, first, last, items):
        """What the owner should decide on, each with the record to open."""
        Digest = self.env["invoice.reminder.digest"]
        week = [("company_id", "=", company.id), ("period", ">=", first), ("period", "<=", last)]
        promises = self.env["invoice.reminder.promise"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "broken"),
                ("state_date", ">=", first),
                ("state_date", "<=", report_date),
            ]
        )
        disputed = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("reminder_disputed", "=", True),
                ("payment_state", "not in", ("paid", "in_payment", "reversed")),
            ],
            order="invoice_date_due, id",
        )
        overdue_partners = {item.partner_id for item in items if item.due < report_date}
        answers = self.env["invoice.reminder.answer"]._of_the_week(company, first, report_date)
        return {
            "answers": [
                {"record": answer, "url": self._record_url(company, answer)} for answer in answers
            ],
            "broken_promises": [
                {"record": promise, "url": self._record_url(company, promise)}
                for promise in promises
            ],
            "bounced": [
                {"record": digest, "url": self._record_url(company, digest.partner_id)}
                for digest in Digest.search([*week, ("state", "=", "bounced")])
            ],
            "disputes": [
                {"record": move, "url": self._record_url(company, move)} for move in disputed
            ],
            "final_level": [
                {"record": digest, "url": self._record_url(company, digest.partner_id)}
                for digest in self._final_level_unpaid(company, overdue_partners)
            ],
            "failed": [
                {
                    "record": digest,
                    "url": self._record_url(company, digest),
                    "detail": (digest.error or "").strip().split("\n")[0],
                }
                for digest in Digest.search([*week, ("state", "=", "failed")])
            ],
        }

    @api.model
    def _last_digests(self, company, partner_ids, with_failed=True):
        """The latest reminder of each customer: ``{partner_id: digest}``."""
        if not partner_ids:
            return {}
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (partner_id) partner_id, id
              FROM invoice_reminder_digest
             WHERE company_id = %s AND partner_id = ANY(%s) AND (%s OR state != 'failed')
          ORDER BY partner_id, period DESC, id DESC
            """,
            (company.id, list(partner_ids), with_failed),
        )
        rows = dict(self.env.cr.fetchall())
        digests = self.env["invoice.reminder.digest"].browse(list(rows.values()))
        return {digest.partner_id.id: digest for digest in digests}

    @api.model
    def _final_level_unpaid(self, company, partner_ids):
        """Customers still overdue whose last reminder was their ladder's last level
        and who paid nothing since, as their last reminders."""
        last = self._last_digests(company, partner_ids, with_failed=False)
        at_final = {
            partner_id: digest
            for partner_id, digest in last.items()
            if digest.level_id and digest.level_id == digest.policy_id._levels_sorted()[-1:]
        }
        if not at_final:
            return self.env["invoice.reminder.digest"]
        self.env.cr.execute(
            """
            SELECT m.commercial_partner_id, MAX(p.max_date)
              FROM account_partial_reconcile p
              JOIN account_move_line l ON l.id = p.debit_move_id
              JOIN account_move m ON m.id = l.move_id
             WHERE m.company_id = %s
               AND m.move_type = 'out_invoice'
               AND m.commercial_partner_id = ANY(%s)
          GROUP BY m.commercial_partner_id
            """,
            (company.id, list(at_final)),
        )
        paid_last = dict(self.env.cr.fetchall())
        unpaid = [
            digest
            for partner_id, digest in at_final.items()
            if not paid_last.get(partner_id) or paid_last[partner_id] < digest.period
        ]
        return (
            self.env["invoice.reminder.digest"]
            .union(*unpaid)
            .sorted(lambda digest: (digest.period, digest.partner_id.display_name or ""))
        )

    @api.model
    def _effectiveness(self, company, report_date):
        """How the reminders of the last 8 weeks did, per level of the ladders."""
        first = report_date - timedelta(weeks=figures.EFFECT_WEEKS)
        self.env["invoice.reminder.effectiveness"].flush_model()
        self.env.cr.execute(
            """
            SELECT level_id, digest_id, paid_days
              FROM invoice_reminder_effectiveness
             WHERE company_id = %s AND period >= %s AND period < %s AND level_id IS NOT NULL
            """,
            (company.id, first, report_date),
        )
        effect = figures.effectiveness(self.env.cr.fetchall())
        levels = self.env["invoice.reminder.level"].browse(list(effect))
        levels = levels.sorted(lambda lvl: (lvl.policy_id.id, lvl.sequence, lvl.id))
        return {
            "first": first,
            "rows": [{"level": level, "effect": effect[level.id]} for level in levels],
        }

    @api.model
    def _debtor_rows(self, company, debtors, currency_records, report_date, decisions):
        partner_ids = [debtor.partner_id for debtor in debtors]
        partners = self.env["res.partner"].browse(partner_ids)
        last = self._last_digests(company, partner_ids)
        next_steps = self._next_steps(company, partner_ids)
        states = dict(
            self.env["invoice.reminder.digest"]._fields["state"]._description_selection(self.env)
        )
        disputed = {row["record"].commercial_partner_id.id for row in decisions["disputes"]}
        rows = []
        for debtor, partner in zip(debtors, partners, strict=True):
            digest = last.get(partner.id)
            pause = partner.reminder_pause_until
            rows.append(
                {
                    "partner": partner,
                    "url": self._record_url(company, partner),
                    "amount": debtor.amount,
                    "per_currency": [
                        (currency_records[name], amount)
                        for name, amount in debtor.per_currency.items()
                    ],
                    "oldest_days": debtor.oldest_days,
                    "last": digest,
                    "last_state": states.get(digest.state) if digest else "",
                    "paused_until": pause if pause and pause >= report_date else False,
                    "next": next_steps.get(partner.id),
                    "disputed": partner.id in disputed,
                }
            )
        return rows

    @api.model
    def _next_steps(self, company, partner_ids):
        """``{partner_id: (date, level)}``: each customer's next reminder.

        The planner's forecast, the one the customer's and invoice's
        *Next reminder* fields show.
        """
        return self.env["invoice.reminder.planner"]._forecast(company, partner_ids)[1]

    # ------------------------------------------------------------------
    # Links into Odoo
    # ------------------------------------------------------------------

    @api.model
    def _record_url(self, company, record):
        return f"{company.get_base_url()}/odoo/{record._name}/{record.id}"

    @api.model
    def _action_url(self, company, xmlid):
        return f"{company.get_base_url()}/odoo/action-{xmlid}"
