"""Escalation of a reminder run: late fees and interest, fee invoices, activities, letters.

Kept beside the run's core (``invoice_reminder_run.py``), which calls it at
three places: at the end of :meth:`_plan_batch` (what will be charged and
done, so that the preview shows it), after the batch's mails are queued in
:meth:`_build_batch` (doing it), and before the run starts sending (the
letters of the whole run, in one PDF).
"""

import logging
from collections import defaultdict

from odoo import Command, _, fields, models
from odoo.exceptions import UserError

from .. import rules

_logger = logging.getLogger(__name__)


class InvoiceReminderRun(models.Model):
    _inherit = "invoice.reminder.run"

    action_ids = fields.One2many("invoice.reminder.action", "run_id", string="Actions")
    action_count = fields.Integer(compute="_compute_action_count")
    letter_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Letters",
        ondelete="set null",
        help="Every letter of this run in one PDF, to print and post.",
    )
    letter_count = fields.Integer(compute="_compute_action_count")

    def _compute_action_count(self):
        for run in self:
            run.action_count = len(run.action_ids)
            run.letter_count = len(
                run.action_ids.filtered(lambda a: a.kind == "letter" and a.state == "done")
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_download_letters(self):
        """Download the letters of this run, one PDF to print and post."""
        self.ensure_one()
        if not self.letter_attachment_id:
            return self._notify(_("This run has no letter to print."), "info")
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.letter_attachment_id.id}?download=true",
            "target": "download",
        }

    def action_view_actions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Actions of %(run)s", run=self.display_name),
            "res_model": "invoice.reminder.action",
            "view_mode": "list,form",
            "domain": [("run_id", "=", self.id)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------------
    # Planning: what will be charged and done (the preview shows it)
    # ------------------------------------------------------------------

    def _plan_escalations(self, plan, today):
        """Add the late fees and the planned actions to the entries of ``plan``."""
        self.ensure_one()
        # a skipped customer gets no reminder: nothing is charged nor done
        entries = [entry for entry in plan if entry.get("digest") and not entry["skip"]]
        if not entries:
            return
        levels = self.policy_id._levels_sorted()
        if any(level.has_fees for level in levels):
            self._plan_fees(entries, levels)
        partners = self.env["res.partner"].browse([entry["partner_id"] for entry in entries])
        partners.fetch(["name", "user_id", "street", "city", "zip", "country_id"])
        by_id = {level.id: level for level in levels}
        for entry in entries:
            entry["actions"] = self._prepare_actions(
                entry,
                by_id[entry["digest"]["level_id"]],
                self.env["res.partner"].browse(entry["partner_id"]),
            )

    def _charged_fees(self, move_ids):
        """What was charged: ``{(move_id, level_id)}``, ``{move_id: days overdue charged
        with interest}`` and the ids of the fee invoices among ``move_ids``."""
        self.env["invoice.reminder.fee"].flush_model()
        self.env.cr.execute(
            """
            SELECT move_id, level_id, days_overdue
              FROM invoice_reminder_fee
             WHERE move_id = ANY(%s)
            """,
            (list(move_ids),),
        )
        charged, days = set(), defaultdict(int)
        for move_id, level_id, days_overdue in self.env.cr.fetchall():
            charged.add((move_id, level_id))
            days[move_id] = max(days[move_id], days_overdue or 0)
        # a fee invoice is reminded like any invoice, but never charged a fee itself
        self.env.cr.execute(
            "SELECT DISTINCT fee_move_id FROM invoice_reminder_fee WHERE fee_move_id = ANY(%s)",
            (list(move_ids),),
        )
        fee_invoices = {row[0] for row in self.env.cr.fetchall()}
        return charged, days, fee_invoices

    def _plan_fees(self, entries, levels):
        """The fee lines of each reminder: one per invoice and level, never charged twice."""
        lines_of = {
            id(entry): [
                command[2]
                for command in entry["digest"]["line_ids"]
                if command[2].get("kind") == "invoice"
            ]
            for entry in entries
        }
        move_ids = [line["move_id"] for lines in lines_of.values() for line in lines]
        charged, days_charged, fee_invoices = self._charged_fees(move_ids)
        currencies = self.env["res.currency"].browse(
            {line["currency_id"] for lines in lines_of.values() for line in lines}
        )
        currency_of = {currency.id: currency for currency in currencies}
        by_id = {level.id: level for level in levels}
        for entry in entries:
            digest = entry["digest"]
            fee_commands = []
            for line in lines_of[id(entry)]:
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
                total = digest["totals_json"].setdefault(
                    currency.name,
                    {"currency_id": currency.id, "due": 0.0, "credit": 0.0, "net": 0.0},
                )
                total["fee"] = total.get("fee", 0.0) + float(charges.total)
            digest["line_ids"] = digest["line_ids"] + fee_commands

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

    def _prepare_actions(self, entry, level, partner):
        """What a reminder does besides its email, as plain dicts (hook: the SMS add-on).

        :returns: dicts with ``kind``, ``state`` (``queued`` to do, ``skipped``
            with the reason in ``detail``), ``detail`` and what the kind needs
        """
        policy = self.policy_id
        actions = []
        fee_lines = [
            command[2] for command in entry["digest"]["line_ids"] if command[2].get("kind") == "fee"
        ]
        if fee_lines and policy.fee_invoice != "none":
            kinds = dict(policy._fields["fee_invoice"]._description_selection(self.env))
            actions.append(
                {"kind": "fee_invoice", "state": "queued", "detail": kinds[policy.fee_invoice]}
            )
        if level.activity_type_id:
            user = partner.user_id or policy.activity_user_id
            summary = level.activity_summary or level.activity_type_id.name
            if user:
                actions.append(
                    {
                        "kind": "activity",
                        "state": "queued",
                        "user_id": user.id,
                        "detail": _("%(activity)s for %(user)s", activity=summary, user=user.name),
                    }
                )
            else:
                actions.append(
                    {
                        "kind": "activity",
                        "state": "skipped",
                        "detail": _(
                            "%(activity)s: the customer has no salesperson and the policy "
                            "no user for activities",
                            activity=summary,
                        ),
                    }
                )
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

    # ------------------------------------------------------------------
    # Doing it
    # ------------------------------------------------------------------

    def _run_escalations(self, digests, plan):
        """Charge the fees and do the actions of the reminders of a batch that are queued.

        A reminder that failed to build does nothing: it is built again, with its
        fees and actions, by *Send now* or with the next period.
        """
        self.ensure_one()
        actions_of = {entry["partner_id"]: entry.get("actions") or [] for entry in plan}
        digests = digests.filtered(lambda d: d.state == "queued")
        if digests.fee_line_ids:
            digests.filtered("fee_line_ids")._record_fees()
        for digest in digests:
            planned = actions_of.get(digest.partner_id.id) or []
            if planned:
                digest._do_actions(planned)

    def _update_actions(self):
        """Follow the actions that go through a queue of their own (hook: the SMS add-on)."""
        return

    # ------------------------------------------------------------------
    # Letters
    # ------------------------------------------------------------------

    def _build_letters(self):
        """Every letter of this run in one PDF, attached to the run.

        One wkhtmltopdf call for the whole run; should it fail, each letter is
        rendered alone and the PDFs are merged, and a letter that cannot be
        rendered is marked failed with the reason.
        """
        self.ensure_one()
        letters = self.env["invoice.reminder.action"].search(
            [("run_id", "=", self.id), ("kind", "=", "letter"), ("state", "in", ("queued", "done"))]
        )
        if not letters:
            return
        # in the order of the customers' names, to post them
        letters = letters.sorted(lambda letter: (letter.partner_id.display_name or "", letter.id))
        Statement = self.env["invoice.reminder.statement"]
        data_of = {}
        for letter in letters:
            try:
                data_of[letter] = letter.digest_id._prepare_letter_data()
            except Exception as error:  # one customer's error must not stop the others
                letter.write({"state": "failed", "detail": str(error)})
        try:
            pdf = Statement._render_letters_pdf(list(data_of.values()))
        except UserError as error:
            _logger.info("Letters of run %s not built at once: %s", self.id, error)
            pdfs = []
            for letter, data in data_of.items():
                try:
                    pdfs.append(Statement._render_letters_pdf([data]))
                except UserError as letter_error:
                    letter.write({"state": "failed", "detail": letter_error.args[0]})
                    del data_of[letter]
            pdf = Statement._merge_pdfs(pdfs) if pdfs else None
        done = self.env["invoice.reminder.action"].browse([letter.id for letter in data_of])
        done.write({"state": "done", "detail": _("Printed in the letters of the run")})
        if not pdf:
            return
        vals = {
            "name": rules.sanitize_filename(_("Letters %(run)s", run=self.name)) + ".pdf",
            "raw": pdf,
            "mimetype": "application/pdf",
            "res_model": self._name,
            "res_id": self.id,
        }
        if self.letter_attachment_id:
            self.letter_attachment_id.sudo().write(vals)
        else:
            self.letter_attachment_id = self.env["ir.attachment"].sudo().create(vals)
