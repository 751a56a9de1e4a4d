from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools.misc import format_date

from .. import rules
from ..plan import BatchFacts, Candidate, CustomerPlan, Scope


class InvoiceReminderPlanner(models.AbstractModel):
    """The one door to what reminders do: the plan of a batch of customers.

    For a company, a policy, a period (a :class:`~..plan.Scope`) and a set of
    customers, it reads the facts (``invoice.reminder.facts``), applies the
    rules (``rules/``) and returns plain :class:`~..plan.CustomerPlan`
    values: writes no record (but the portal tokens of the invoices). The
    run builds what they say; the preview, the test send, *Send now* and the
    forecast start from the same plan, so they cannot disagree with it.
    """

    _name = "invoice.reminder.planner"
    _description = "Payment Reminder Planner"

    # ------------------------------------------------------------------
    # Which customers, and which of their invoices
    # ------------------------------------------------------------------

    @api.model
    def _candidate_partners(self, scope):
        """Customers (commercial entities) of ``scope``'s policy with open invoices, sorted."""
        self.env.flush_all()
        company = self.env["res.company"].browse(scope.company_id)
        Facts = self.env["invoice.reminder.facts"]
        partners = set(Facts._open_invoice_partners(company, cadence=scope.cadence))
        policy_of = Facts._resolve_policies(company, partners)
        return sorted(pid for pid, policy_id in policy_of.items() if policy_id == scope.policy_id)

    @api.model
    def _collect_candidates(self, scope, today, partner_ids):
        """Invoices to remind of ``partner_ids``, and why customers are skipped.

        :param partner_ids: customers of the policy (see :meth:`_candidate_partners`)
        :returns: ``{commercial_partner_id: Candidate}``; customers with nothing
            to remind and no reason to report are left out
        """
        company = self.env["res.company"].browse(scope.company_id)
        policy = self.env["invoice.reminder.policy"].browse(scope.policy_id)
        Facts = self.env["invoice.reminder.facts"]
        result = {}
        rows = Facts._fetch_open_invoices(company, partner_ids)
        if scope.cadence:
            last_sent = Facts._last_reminders(
                scope, [row["id"] for row in rows if row["reminder_cadence"]]
            )
        for row in rows:
            if bool(row["reminder_cadence"]) != scope.cadence:
                # an invoice on its own cadence is reminded alone, not in the digest
                continue
            if scope.cadence and not rules.cadence_due(
                row["reminder_cadence"], today, last_sent.get(row["id"], (None, None))[1]
            ):
                continue
            reason = rules.ineligibility_reason(
                today, **self._eligibility_facts(company, policy, row)
            )
            candidate = result.setdefault(row["commercial_partner_id"], Candidate())
            if reason is None:
                row["days_overdue"] = rules.days_overdue(
                    today, row["invoice_date_due"], row["invoice_date"]
                )
                candidate.invoices.append(row)
            elif reason == rules.REASON_PARTNER_DISABLED:
                candidate.skip = "disabled"
                candidate.excluded.append(row)
            elif reason == rules.REASON_PAUSED and rules.is_paused(
                today, row["partner_pause_until"]
            ):
                # the customer is paused: reported with what it owes
                candidate.skip = "paused"
                candidate.detail = self._pause_detail(row)
                candidate.excluded.append(row)
        return {pid: entry for pid, entry in result.items() if entry.invoices or entry.skip}

    @api.model
    def _pause_detail(self, row):
        reasons = dict(
            self.env["res.partner"]
            ._fields["reminder_pause_reason"]
            ._description_selection(self.env)
        )
        return _(
            "Paused until %(date)s (%(reason)s)",
            date=format_date(self.env, row["partner_pause_until"]),
            reason=reasons.get(row["partner_pause_reason"]) or _("no reason given"),
        )

    @api.model
    def _eligibility_facts(self, company, policy, row):
        """The keyword arguments of ``rules.ineligibility_reason`` for an invoice row."""
        pauses = [day for day in (row["reminder_pause_until"], row["partner_pause_until"]) if day]
        return {
            "disputed": row["reminder_disputed"],
            "paused_until": max(pauses, default=None),
            "promised_until": row["promised_until"],
            "move_type": row["move_type"],
            "state": row["state"],
            "payment_state": row["payment_state"],
            "amount_total": row["amount_total"],
            "amount_residual": row["amount_residual"],
            "included": row["reminder_included"],
            "partner_enabled": row["reminder_enabled"],
            "company_enabled": company.reminder_enabled,
            "due_date": row["invoice_date_due"],
            "invoice_date": row["invoice_date"],
            "days_after_due": policy.days_after_due,
            "stop_after_months": policy.stop_after_months,
            "stop_on": row.get("reminder_cadence_stop") or policy.stop_on
            if row.get("reminder_cadence")
            else policy.stop_on,
        }

    # ------------------------------------------------------------------
    # The plan
    # ------------------------------------------------------------------

    @api.model
    def _plan(self, scope, today, partner_ids):
        """What a run of ``scope`` does on ``today`` for ``partner_ids``: the one door.

        :returns: a list of :class:`~..plan.CustomerPlan`, in customer order
        """
        return self._plan_batch(scope, self._collect_candidates(scope, today, partner_ids), today)

    @api.model
    def _plan_batch(self, scope, candidates, today):
        """The plan of the ``candidates`` of a batch (see :meth:`_collect_candidates`),
        with the fees and actions of each reminder."""
        policy = self.env["invoice.reminder.policy"].browse(scope.policy_id)
        levels = policy._levels_sorted()
        facts = self._read_batch_facts(scope, candidates)
        plan = []
        for partner_id, candidate in candidates.items():
            if candidate.skip and not candidate.invoices:
                plan.append(
                    CustomerPlan(
                        partner_id=partner_id,
                        skip=candidate.skip,
                        detail=candidate.detail,
                        amounts=facts.amounts_by_currency(candidate.excluded),
                    )
                )
                continue
            entry = self._plan_customer(scope, partner_id, candidate, facts, levels, today)
            if entry:
                plan.append(entry)
        self._plan_links(plan, levels, facts)
        # late fees and actions, in the plan so that the preview shows them
        self.env["invoice.reminder.escalation"]._plan_escalations(scope, plan, today)
        return plan

    @api.model
    def _read_batch_facts(self, scope, candidates):
        """History, recipients, credits, portal tokens and currencies of a batch."""
        company = self.env["res.company"].browse(scope.company_id)
        Facts = self.env["invoice.reminder.facts"]
        move_ids = [inv["id"] for entry in candidates.values() for inv in entry.invoices]
        partner_ids = list(candidates)
        last_reminders = Facts._last_reminders(scope, move_ids)
        recipients = Facts._recipients(partner_ids)
        credits = Facts._credits(company, partner_ids)
        base_url = company.get_base_url()
        pay_online = company._reminder_online_payment()
        currency_ids = {
            inv["currency_id"]
            for entry in candidates.values()
            for inv in entry.invoices + entry.excluded
        }
        currency_ids |= {c["currency_id"] for rows in credits.values() for c in rows}
        currencies = {
            currency.id: currency for currency in self.env["res.currency"].browse(currency_ids)
        }
        return BatchFacts(
            last_reminders=last_reminders,
            recipients=recipients,
            credits=credits,
            currencies=currencies,
            base_url=base_url,
            pay_online=pay_online,
        )

    @api.model
    def _plan_levels(self, scope, candidate, facts, delays):
        """``[(invoice row, level index)]`` of the invoices the rules remind now."""
        lines = []
        for inv in candidate.invoices:
            last_level, last_period = facts.last_reminders.get(inv["id"], (None, None))
            if scope.cadence:
                level = rules.cadence_level(inv["days_overdue"], delays)
            else:
                level = rules.ladder_level(inv["days_overdue"], delays, last_level)
            broken_on = inv["promise_broken_on"]
            if broken_on and (last_period is None or broken_on > last_period):
                # a promise broken since the last reminder: one level up
                level = rules.resumed_level(level, last_level, len(delays))
            if level is not None:
                lines.append((inv, level))
        return lines

    @api.model
    def _plan_customer(self, scope, partner_id, candidate, facts, levels, today):
        """The plan of one customer who has invoices to remind, or None (nothing due)."""
        lines = self._plan_levels(scope, candidate, facts, levels.mapped("delay_days"))
        if not lines:
            return None
        to, cc = facts.recipients[partner_id]
        valid_to = [a for a in to if rules.is_valid_email(a)]
        skip, detail = None, None
        if not to:
            skip = "no_email"
        elif not valid_to:
            skip, detail = "invalid_email", ", ".join(to)
        digest = self._prepare_digest_vals(scope, partner_id, lines, facts, levels, today)
        digest.update(
            email_to=", ".join(valid_to),
            email_cc=", ".join(a for a in cc if rules.is_valid_email(a)),
        )
        return CustomerPlan(
            partner_id=partner_id,
            skip=skip,
            detail=detail,
            digest=digest,
            amounts=facts.amounts_by_currency([inv for inv, _lvl in lines]),
        )

    @api.model
    def _prepare_digest_vals(self, scope, partner_id, lines, facts, levels, today):
        """The values of a customer's reminder but its addresses: lines, level, totals."""
        credits = facts.credits.get(partner_id, [])
        currency = facts.currency_name
        grouping = [
            rules.Line(
                partner_id, inv["id"], currency(inv["currency_id"]), inv["amount_residual"], lvl
            )
            for inv, lvl in lines
        ]
        grouping += [
            rules.Line(
                partner_id, c["move_id"], currency(c["currency_id"]), c["amount"], None, "credit"
            )
            for c in credits
        ]
        grouped = rules.group_digests(grouping)[0]
        currency_ids_by_name = {currency.name: cid for cid, currency in facts.currencies.items()}
        totals = {
            name: {
                "currency_id": currency_ids_by_name[name],
                "due": float(total.due),
                "credit": float(total.credit),
                "net": float(total.net),
            }
            for name, total in grouped.totals.items()
        }
        return {
            "partner_id": partner_id,
            "company_id": scope.company_id,
            "policy_id": scope.policy_id,
            "period": scope.period,
            "kind": scope.kind,
            "level_id": levels[grouped.level].id,
            "state": "queued",
            "totals_json": totals,
            "invoice_count": len(lines),
            "amount_net_company": self._to_company_currency(scope, totals, facts, today),
            "line_ids": self._prepare_digest_line_commands(lines, credits, facts, levels),
        }

    @api.model
    def _prepare_digest_line_commands(self, lines, credits, facts, levels):
        """The commands creating a reminder's invoice lines, then its credit lines."""
        commands = []
        for inv, level in lines:
            vals = {
                "kind": "invoice",
                "move_id": inv["id"],
                "name": inv["name"],
                "date": inv["invoice_date"],
                "date_due": inv["invoice_date_due"] or inv["invoice_date"],
                "level_id": levels[level].id,
                "level_index": level,
                "days_overdue": inv["days_overdue"],
                "amount_residual": inv["amount_residual"],
                "currency_id": inv["currency_id"],
            }
            commands.append(fields.Command.create(vals))
        for credit in credits:
            vals = {
                "kind": "credit",
                "move_id": credit["move_id"],
                "name": credit["name"],
                "date": credit["date"],
                "amount_residual": credit["amount"],
                "currency_id": credit["currency_id"],
            }
            commands.append(fields.Command.create(vals))
        return commands

    @api.model
    def _plan_links(self, plan, levels, facts):
        """Portal and Pay now links of the reminders sent at a level that shows them.

        Portal tokens are created for those invoices only: none for a skipped
        customer or a level without links.
        """
        with_links = set(levels.filtered("include_links").ids)
        lines = [
            vals
            for entry in plan
            if entry.sends and entry.digest["level_id"] in with_links
            for vals in entry.lines("invoice")
        ]
        if not lines:
            return
        tokens = self.env["invoice.reminder.facts"]._ensure_access_tokens(
            [vals["move_id"] for vals in lines]
        )
        for vals in lines:
            move_id = vals["move_id"]
            url = f"{facts.base_url}/my/invoices/{move_id}?access_token={tokens[move_id]}"
            vals["access_url"] = url
            # Odoo's own "Pay Now" link: the portal page, on its payment form
            vals["pay_url"] = facts.pay_online and f"{url}&payment=True#portal_pay"

    @api.model
    def _to_company_currency(self, scope, totals, facts, day):
        """The net total of a reminder, all currencies converted to the company's."""
        company = self.env["res.company"].browse(scope.company_id)
        return sum(
            facts.currencies[total["currency_id"]]._convert(
                total["net"], company.currency_id, company, day, round=False
            )
            for total in totals.values()
        )

    # ------------------------------------------------------------------
    # When customers and invoices are reminded next
    # ------------------------------------------------------------------

    @api.model
    def _forecast(self, company, partner_ids):
        """When each open invoice of ``partner_ids`` is next reminded, and at which level.

        The run's rules (eligibility, ladder) applied slot after slot of each
        customer's policy, from its next run on, to the invoices as they stand.

        :returns: ``({move_id: (date, level)}, {partner_id: (date, level)})``,
            ``level`` an ``invoice.reminder.level``; invoices and customers never
            reminded are left out
        """
        planner = self.sudo().with_company(company)
        company = company.with_env(planner.env)
        by_move, by_partner = {}, {}
        if not partner_ids or not company.reminder_enabled:
            return by_move, by_partner
        policy_of = planner.env["invoice.reminder.facts"]._resolve_policies(
            company, set(partner_ids)
        )
        partners_of = defaultdict(list)
        for partner_id, policy_id in policy_of.items():
            if policy_id:
                partners_of[policy_id].append(partner_id)
        now = fields.Datetime.now()
        for policy in planner.env["invoice.reminder.policy"].browse(list(partners_of)):
            planner._forecast_policy(
                company, policy, partners_of[policy.id], now, by_move, by_partner
            )
        return by_move, by_partner

    @api.model
    def _forecast_policy(self, company, policy, partner_ids, now, by_move, by_partner):
        """Fill ``by_move`` and ``by_partner`` (see :meth:`_forecast`) for one policy."""
        send_at, period = policy._next_run()
        levels = policy._levels_sorted()
        if not send_at or not levels:
            return
        Facts = self.env["invoice.reminder.facts"]
        tz = policy._company_tz()
        rows = Facts._fetch_open_invoices(company, partner_ids)
        last_levels = Facts._last_levels(
            Scope(company.id, policy.id, period), [row["id"] for row in rows]
        )
        today = rules.utc_to_local(now, tz).date()
        # the history up to today included: an invoice sent today is next due later
        last_sent = Facts._last_reminders(
            Scope(company.id, policy.id, today + timedelta(days=1), "cadence"),
            [row["id"] for row in rows if row["reminder_cadence"]],
        )
        slot_dates = [
            slot.date()
            for slot in rules.upcoming_slots(
                policy.schedule,
                rules.utc_to_local(send_at, tz),
                int(policy.schedule_weekday or 0),
                policy.schedule_hour,
            )
        ]
        delays = levels.mapped("delay_days")
        forecasts = defaultdict(list)
        for row in rows:
            eligibility = self._eligibility_facts(company, policy, row)
            if row["reminder_cadence"]:
                forecast = rules.next_cadence_reminder(
                    row["reminder_cadence"],
                    today,
                    last_sent.get(row["id"], (None, None))[1],
                    delays,
                    **eligibility,
                )
            else:
                forecast = rules.next_reminder(
                    slot_dates, delays, last_levels.get(row["id"]), **eligibility
                )
            forecasts[row["commercial_partner_id"]].append(forecast)
            if forecast:
                by_move[row["id"]] = (forecast[0], levels[forecast[1]])
        for partner_id, invoice_forecasts in forecasts.items():
            forecast = rules.customer_next_reminder(invoice_forecasts)
            if forecast:
                by_partner[partner_id] = (forecast[0], levels[forecast[1]])
