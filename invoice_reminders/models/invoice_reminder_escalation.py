import logging
from collections import defaultdict
from datetime import timedelta

from odoo import Command, _, api, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount

from .. import rules

_logger = logging.getLogger(__name__)


class InvoiceReminderEscalation(models.AbstractModel):
    """What a reminder does besides its email: late fees and interest, fee
    invoices, activities, letters (and, with invoices_reminders_sms, SMS).

    Planned with the reminder (:meth:`_plan_escalations`, called by the
    planner, so that the preview shows it), done once the batch's mails are
    queued (:meth:`_run_escalations`, called by the run), and the letters of
    a whole run printed in one PDF before it starts sending (:meth:`_build_letters`).
    """

    _name = "invoice.reminder.escalation"
    _description = "Payment Reminder Escalation"

    # ------------------------------------------------------------------
    # Planning: what will be charged and done (the preview shows it)
    # ------------------------------------------------------------------

    @api.model
    def _plan_escalations(self, scope, plan, today):
        """Add the late fees and the planned actions to the entries of ``plan``."""
        # a skipped customer gets no reminder: nothing is charged nor done
        entries = [entry for entry in plan if entry.sends]
        if not entries:
            return
        levels = self.env["invoice.reminder.policy"].browse(scope.policy_id)._levels_sorted()
        if any(level.has_fees for level in levels):
            self._plan_fees(entries, levels)
        partners = self.env["res.partner"].browse([entry.partner_id for entry in entries])
        partners.fetch(["name", "user_id", "street", "city", "zip", "country_id"])
        by_id = {level.id: level for level in levels}
        for entry in entries:
            entry.actions = self._prepare_actions(
                entry,
                by_id[entry.digest["level_id"]],
                self.env["res.partner"].browse(entry.partner_id),
            )

    @api.model
    def _plan_fees(self, entries, levels):
        """The fee lines of each reminder: one per invoice and level, never charged twice."""
        move_ids = [line["move_id"] for entry in entries for line in entry.lines("invoice")]
        charged, days_charged, fee_invoices = self.env["invoice.reminder.facts"]._charged_fees(
            move_ids
        )
        currencies = self.env["res.currency"].browse(
            {line["currency_id"] for entry in entries for line in entry.lines("invoice")}
        )
        currency_of = {currency.id: currency for currency in currencies}
        by_id = {level.id: level for level in levels}
        for entry in entries:
            fee_commands = []
            for line in entry.lines("invoice"):
                level = by_id[line["level_id"]]
                if (
                    not level.has_fees
                    or (line["move_id"], level.id) in charged
                    or line["move_id"] in fee_invoices
                ):
                    continue
                currency = currency_of[line["currency_id"]]
                fixed = level.fee_fixed_ids.filtered(lambda fee, c=currency: fee.currency_id == c)
                charges = rules.late_charges(
                    line["amount_residual"],
                    line["days_overdue"],
                    fixed=fixed[:1].amount,
                    percent=level.fee_percent,
                    annual_rate=level.interest_rate,
                    days_charged=days_charged[line["move_id"]],
                    rounding=currency.rounding,
                )
                if not charges.total:
                    continue
                fee_commands.append(
                    Command.create(self._prepare_fee_line_vals(line, level, currency, charges))
                )
                total = entry.digest["totals_json"].setdefault(
                    currency.name,
                    {"currency_id": currency.id, "due": 0.0, "credit": 0.0, "net": 0.0},
                )
                total["fee"] = total.get("fee", 0.0) + float(charges.total)
            entry.digest["line_ids"] = entry.digest["line_ids"] + fee_commands

    @api.model
    def _prepare_fee_line_vals(self, line, level, currency, charges):
        """The values of the digest line of a late fee (hook)."""
        return {
            "kind": "fee",
            "move_id": line["move_id"],
            "name": _("Late fee on %(invoice)s", invoice=line["name"]),
            "date": line["date"],
            "date_due": line["date_due"],
            "level_id": level.id,
            "level_index": line["level_index"],
            "days_overdue": charges.days_overdue or line["days_overdue"],
            "amount_residual": float(charges.total),
            "fee_fixed": float(charges.fixed),
            "fee_percent": float(charges.percent),
            "fee_interest": float(charges.interest),
            "interest_days": charges.interest_days,
            "currency_id": currency.id,
        }

    @api.model
    def _prepare_actions(self, entry, level, partner):
        """What a reminder does besides its email, as plain dicts (hook: the SMS add-on).

        :param entry: the customer's :class:`~..plan.CustomerPlan`
        :returns: dicts with ``kind``, ``state`` (``queued`` to do, ``skipped``
            with the reason in ``detail``), ``detail`` and what the kind needs
        """
        policy = level.policy_id
        actions = []
        if entry.lines("fee") and policy.fee_invoice != "none":
            kinds = dict(policy._fields["fee_invoice"]._description_selection(self.env))
            actions.append(
                {"kind": "fee_invoice", "state": "queued", "detail": kinds[policy.fee_invoice]}
            )
        if level.activity_type_id:
            actions.append(self._prepare_activity_action(level, partner))
        if level.send_letter:
            if partner.street and partner.city:
                actions.append(
                    {"kind": "letter", "state": "queued", "detail": _("To print and post")}
                )
            else:
                actions.append(
                    {
                        "kind": "letter",
                        "state": "skipped",
                        "detail": _("No postal address (street and city) on the customer"),
                    }
                )
        return actions

    @api.model
    def _prepare_activity_action(self, level, partner):
        """The activity of a level for the customer's salesperson, else the policy's user."""
        user = partner.user_id or level.policy_id.activity_user_id
        summary = level.activity_summary or level.activity_type_id.name
        if user:
            return {
                "kind": "activity",
                "state": "queued",
                "user_id": user.id,
                "detail": _("%(activity)s for %(user)s", activity=summary, user=user.name),
            }
        return {
            "kind": "activity",
            "state": "skipped",
            "detail": _(
                "%(activity)s: the customer has no salesperson and the policy "
                "no user for activities",
                activity=summary,
            ),
        }

    # ------------------------------------------------------------------
    # Doing it: a batch of a run
    # ------------------------------------------------------------------

    @api.model
    def _run_escalations(self, digests, plan):
        """Charge the fees and do the actions of the reminders of a batch that are queued.

        A reminder that failed to build does nothing: it is built again, with its
        fees and actions, by *Send now* or with the next period.
        """
        actions_of = {entry.partner_id: entry.actions for entry in plan}
        digests = digests.filtered(lambda d: d.state == "queued")
        if digests.fee_line_ids:
            self._record_fees(digests.filtered("fee_line_ids"))
        for digest in digests:
            planned = actions_of.get(digest.partner_id.id) or []
            if planned:
                self._do_actions(digest, planned)

    @api.model
    def _update_actions(self, run):
        """Follow the actions of ``run`` that go through a queue of their own
        (hook: the SMS add-on)."""
        return

    @api.model
    def _record_fees(self, digests):
        """Record the fee lines of ``digests``: once per invoice and level, ever."""
        vals_list = [
            {
                "company_id": digest.company_id.id,
                "partner_id": digest.partner_id.id,
                "digest_id": digest.id,
                "move_id": line.move_id.id,
                "level_id": line.level_id.id,
                "currency_id": line.currency_id.id,
                "amount_fixed": line.fee_fixed,
                "amount_percent": line.fee_percent,
                "amount_interest": line.fee_interest,
                "interest_days": line.interest_days,
                "days_overdue": line.days_overdue,
                "amount": line.amount_residual,
            }
            for digest in digests
            for line in digest.fee_line_ids
        ]
        return self.env["invoice.reminder.fee"].sudo().create(vals_list)

    # ------------------------------------------------------------------
    # Doing it: one reminder
    # ------------------------------------------------------------------

    @api.model
    def _do_actions(self, digest, planned):
        """Do the ``planned`` actions of ``digest``, log them and tell the chatter.

        One action that fails is recorded as failed with its reason, like a
        mail failure, and neither stops the others nor the run.
        """
        digest.ensure_one()
        Action = self.env["invoice.reminder.action"].sudo()
        vals_list = []
        for action in planned:
            vals = {
                "digest_id": digest.id,
                "kind": action["kind"],
                "state": action["state"],
                "detail": action.get("detail") or False,
            }
            if action["state"] == "queued":
                try:
                    with self.env.cr.savepoint():
                        vals.update(self._do_action(digest, action))
                except Exception as error:  # one action's error must not stop the others
                    _logger.info(
                        "Action %s of reminder %s failed: %s", action["kind"], digest.id, error
                    )
                    reason = error.args[0] if isinstance(error, UserError) and error.args else error
                    vals.update({"state": "failed", "detail": str(reason)})
            vals_list.append(vals)
        actions = Action.create(vals_list)
        self._post_actions_note(digest, actions)
        return actions

    @api.model
    def _do_action(self, digest, action):
        """Do one action of ``digest``; returns the values to write on its log
        (hook: the SMS add-on)."""
        kind = action["kind"]
        if kind == "fee_invoice":
            moves = self._create_fee_invoices(digest)
            if not moves:
                return {"state": "skipped", "detail": _("The fees were already invoiced")}
            return {
                "state": "done",
                "fee_move_id": moves[:1].id,
                "detail": ", ".join(
                    f"{move.name if move.state == 'posted' else self.env._('Draft')} "
                    f"({format_amount(self.env, move.amount_total, move.currency_id)})"
                    for move in moves
                ),
            }
        if kind == "activity":
            return {"state": "done", "activity_id": self._schedule_activity(digest, action).id}
        if kind == "letter":
            # printed with every letter of the run when the run is built
            return {"state": "queued"}
        raise UserError(_("Unknown reminder action %(kind)s.", kind=kind))

    @api.model
    def _schedule_activity(self, digest, action):
        """The activity of ``digest``'s level, on the customer, for the planned user."""
        level = digest.level_id
        return (
            digest.partner_id.sudo()
            .with_context(mail_activity_quick_update=True)
            .activity_schedule(
                activity_type_id=level.activity_type_id.id,
                summary=level.activity_summary or level.activity_type_id.name,
                note=_(
                    "Payment reminder %(level)s of %(date)s: %(amounts)s overdue.",
                    level=level.name,
                    date=digest.period,
                    amounts=digest.totals_display,
                ),
                date_deadline=digest.period + timedelta(days=level.activity_days),
                user_id=action["user_id"],
            )
        )

    @api.model
    def _prepare_fee_invoice_vals(self, digest, currency, fees):
        """The values of the fee invoice of ``digest`` in ``currency`` (hook)."""
        digest.ensure_one()
        product = digest.policy_id.fee_product_id
        return {
            "move_type": "out_invoice",
            "partner_id": digest.partner_id.id,
            "currency_id": currency.id,
            "invoice_date": digest.period,
            "invoice_origin": digest.display_name,
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "name": self.env._(
                            "Late fee and interest on %(invoice)s (%(level)s)",
                            invoice=fee.move_id.name,
                            level=fee.level_id.name,
                        ),
                        "quantity": 1,
                        "price_unit": fee.amount,
                    }
                )
                for fee in fees
            ],
        }

    @api.model
    def _create_fee_invoices(self, digest):
        """One fee invoice per currency of the fees of ``digest`` not invoiced yet."""
        digest.ensure_one()
        fees = (
            self.env["invoice.reminder.fee"]
            .sudo()
            .search([("digest_id", "=", digest.id), ("fee_move_id", "=", False)])
        )
        by_currency = defaultdict(lambda: self.env["invoice.reminder.fee"].sudo())
        for fee in fees:
            by_currency[fee.currency_id] |= fee
        Move = self.env["account.move"].sudo().with_company(digest.company_id)
        moves = Move
        for currency, currency_fees in by_currency.items():
            move = Move.create(self._prepare_fee_invoice_vals(digest, currency, currency_fees))
            if digest.policy_id.fee_invoice == "posted":
                move.action_post()
            currency_fees.write({"fee_move_id": move.id})
            moves |= move
        return moves

    @api.model
    def _post_actions_note(self, digest, actions):
        """A note on the customer's chatter listing what ``digest`` did besides its email."""
        if not actions:
            return
        Action = self.env["invoice.reminder.action"]
        labels = {
            "kind": dict(Action._fields["kind"]._description_selection(self.env)),
            "state": dict(Action._fields["state"]._description_selection(self.env)),
        }
        body = self.env["ir.qweb"]._render(
            "invoice_reminders.invoice_reminder_actions_note",
            {"digest": digest, "actions": actions, "labels": labels},
        )
        digest.partner_id.sudo().message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            author_id=digest.company_id.partner_id.id,
        )

    # ------------------------------------------------------------------
    # Letters: every letter of a run in one PDF
    # ------------------------------------------------------------------

    @api.model
    def _build_letters(self, run):
        """Every letter of ``run`` in one PDF, attached to the run.

        One wkhtmltopdf call for the whole run; should it fail, each letter is
        rendered alone and the PDFs are merged, and a letter that cannot be
        rendered is marked failed with the reason.
        """
        run.ensure_one()
        letters = self.env["invoice.reminder.action"].search(
            [("run_id", "=", run.id), ("kind", "=", "letter"), ("state", "in", ("queued", "done"))]
        )
        if not letters:
            return
        # in the order of the customers' names, to post them
        letters = letters.sorted(lambda letter: (letter.partner_id.display_name or "", letter.id))
        data_of = {}
        for letter in letters:
            try:
                data_of[letter] = letter.digest_id._prepare_letter_data()
            except Exception as error:  # one customer's error must not stop the others
                letter.write({"state": "failed", "detail": str(error)})
        pdf = self._render_letters(run, data_of)
        done = self.env["invoice.reminder.action"].browse([letter.id for letter in data_of])
        done.write({"state": "done", "detail": _("Printed in the letters of the run")})
        if not pdf:
            return
        vals = {
            "name": rules.sanitize_filename(_("Letters %(run)s", run=run.name)) + ".pdf",
            "raw": pdf,
            "mimetype": "application/pdf",
            "res_model": run._name,
            "res_id": run.id,
        }
        if run.letter_attachment_id:
            run.letter_attachment_id.sudo().write(vals)
        else:
            run.letter_attachment_id = self.env["ir.attachment"].sudo().create(vals)

    @api.model
    def _render_letters(self, run, data_of):
        """The PDF of the letters of ``data_of`` (``{letter action: data}``), at once,
        else one by one; the letters that cannot be rendered are failed and left
        out of ``data_of``."""
        Statement = self.env["invoice.reminder.statement"]
        try:
            return Statement._render_letters_pdf(list(data_of.values()))
        except UserError as error:
            _logger.info("Letters of run %s not built at once: %s", run.id, error)
        pdfs = []
        for letter, data in list(data_of.items()):
            try:
                pdfs.append(Statement._render_letters_pdf([data]))
            except UserError as letter_error:
                letter.write({"state": "failed", "detail": letter_error.args[0]})
                del data_of[letter]
        return Statement._merge_pdfs(pdfs) if pdfs else None
