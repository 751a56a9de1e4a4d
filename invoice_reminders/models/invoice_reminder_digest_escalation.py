"""What a reminder does besides its email: fees charged once, fee invoices, activities,
letters (and SMS with the ``invoice_reminders_sms`` add-on), each logged."""

import logging
import subprocess
from collections import defaultdict
from datetime import timedelta

from odoo import Command, _, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount
from odoo.tools.pdf import merge_pdf

from .. import pdf as pdf_tools

_logger = logging.getLogger(__name__)

# no page margin: the letter places its address block for a window envelope itself
LETTER_PDF_ARGS = (
    "--encoding",
    "UTF-8",
    "--page-size",
    "A4",
    "--margin-top",
    "0mm",
    "--margin-bottom",
    "10mm",
    "--margin-left",
    "0mm",
    "--margin-right",
    "0mm",
    "--disable-javascript",
    "--disable-local-file-access",
    "--disable-external-links",
)
# wkhtmltopdf built on an unpatched Qt (Debian's) prints CSS millimetres at 1/1.3 of
# their size: the letter is zoomed back so that the address lands in the window
UNPATCHED_QT_ZOOM = 1.3
_zoom_of = {}


class InvoiceReminderDigest(models.Model):
    _inherit = "invoice.reminder.digest"

    # ------------------------------------------------------------------
    # Late fees
    # ------------------------------------------------------------------

    def _record_fees(self):
        """Record the fee lines of these reminders: once per invoice and level, ever."""
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
            for digest in self
            for line in digest.fee_line_ids
        ]
        return self.env["invoice.reminder.fee"].sudo().create(vals_list)

    def _prepare_fee_invoice_vals(self, currency, fees):
        """The values of the fee invoice of this reminder in ``currency`` (hook)."""
        self.ensure_one()
        product = self.policy_id.fee_product_id
        return {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "currency_id": currency.id,
            "invoice_date": self.period,
            "invoice_origin": self.display_name,
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

    def _create_fee_invoices(self):
        """One fee invoice per currency of the fees of this reminder not invoiced yet."""
        self.ensure_one()
        fees = (
            self.env["invoice.reminder.fee"]
            .sudo()
            .search([("digest_id", "=", self.id), ("fee_move_id", "=", False)])
        )
        by_currency = defaultdict(lambda: self.env["invoice.reminder.fee"].sudo())
        for fee in fees:
            by_currency[fee.currency_id] |= fee
        Move = self.env["account.move"].sudo().with_company(self.company_id)
        moves = Move
        for currency, currency_fees in by_currency.items():
            move = Move.create(self._prepare_fee_invoice_vals(currency, currency_fees))
            if self.policy_id.fee_invoice == "posted":
                move.action_post()
            currency_fees.write({"fee_move_id": move.id})
            moves |= move
        return moves

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _do_actions(self, planned):
        """Do the ``planned`` actions of this reminder, log them and tell the chatter.

        One action that fails is recorded as failed with its reason, like a
        mail failure, and neither stops the others nor the run.
        """
        self.ensure_one()
        Action = self.env["invoice.reminder.action"].sudo()
        vals_list = []
        for action in planned:
            vals = {
                "digest_id": self.id,
                "kind": action["kind"],
                "state": action["state"],
                "detail": action.get("detail") or False,
            }
            if action["state"] == "queued":
                try:
                    with self.env.cr.savepoint():
                        vals.update(self._do_action(action))
                except Exception as error:  # one action's error must not stop the others
                    _logger.info(
                        "Action %s of reminder %s failed: %s", action["kind"], self.id, error
                    )
                    reason = error.args[0] if isinstance(error, UserError) and error.args else error
                    vals.update({"state": "failed", "detail": str(reason)})
            vals_list.append(vals)
        actions = Action.create(vals_list)
        self._post_actions_note(actions)
        return actions

    def _do_action(self, action):
        """Do one action; returns the values to write on its log (hook: the SMS add-on)."""
        kind = action["kind"]
        if kind == "fee_invoice":
            moves = self._create_fee_invoices()
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
            level = self.level_id
            activity = (
                self.partner_id.sudo()
                .with_context(mail_activity_quick_update=True)
                .activity_schedule(
                    activity_type_id=level.activity_type_id.id,
                    summary=level.activity_summary or level.activity_type_id.name,
                    note=_(
                        "Payment reminder %(level)s of %(date)s: %(amounts)s overdue.",
                        level=level.name,
                        date=self.period,
                        amounts=self.totals_display,
                    ),
                    date_deadline=self.period + timedelta(days=level.activity_days),
                    user_id=action["user_id"],
                )
            )
            return {"state": "done", "activity_id": activity.id}
        if kind == "letter":
            # printed with every letter of the run when the run is built
            return {"state": "queued"}
        raise UserError(_("Unknown reminder action %(kind)s.", kind=kind))

    def _post_actions_note(self, actions):
        """A note on the customer's chatter listing what this reminder did besides its email."""
        self.ensure_one()
        if not actions:
            return
        body = self.env["ir.qweb"]._render(
            "invoice_reminders.invoice_reminder_actions_note",
            {"digest": self, "actions": actions, "labels": self._action_labels()},
        )
        self.partner_id.sudo().message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            author_id=self.company_id.partner_id.id,
        )

    def _action_labels(self):
        Action = self.env["invoice.reminder.action"]
        return {
            "kind": dict(Action._fields["kind"]._description_selection(self.env)),
            "state": dict(Action._fields["state"]._description_selection(self.env)),
        }

    # ------------------------------------------------------------------
    # Statement
    # ------------------------------------------------------------------

    def _prepare_statement_data(self):
        data = super()._prepare_statement_data()
        if not self.fee_line_ids:
            return data
        env = self.with_context(lang=data["lang"]).env
        data["labels"]["fees"] = env._("Late fees and interest")
        data["fee_columns"] = [
            env._("Invoice"),
            env._("Level"),
            env._("Detail"),
            env._("Amount"),
        ]
        data["fees"] = []
        for line in self.fee_line_ids.with_env(env):
            parts = []
            for value, label in (
                (line.fee_fixed, env._("fixed fee")),
                (line.fee_percent, env._("percentage fee")),
            ):
                if value:
                    parts.append(f"{label} {format_amount(env, value, line.currency_id)}")
            if line.fee_interest:
                parts.append(
                    env._(
                        "interest %(amount)s (%(days)s days)",
                        amount=format_amount(env, line.fee_interest, line.currency_id),
                        days=line.interest_days,
                    )
                )
            data["fees"].append(
                {
                    "name": line.move_id.name or line.name,
                    "level": line.level_id.name or "",
                    "detail": ", ".join(parts),
                    "amount": format_amount(env, line.amount_residual, line.currency_id),
                }
            )
        fee_totals = {
            total["currency"].name: (total["fee"], total["net"], total["currency"])
            for total in self._get_totals()
            if total.get("fee")
        }
        data["fee_totals"] = [
            {
                "currency": name,
                "label": env._("Late fees and interest"),
                "fee": format_amount(env, fee, currency),
                "total_label": env._("Total with fees"),
                "total": format_amount(env, net + fee, currency),
            }
            for name, (fee, net, currency) in sorted(fee_totals.items())
        ]
        return data

    # ------------------------------------------------------------------
    # Letter
    # ------------------------------------------------------------------

    def _prepare_letter_data(self):
        """The statement's data, with the address block of a window envelope."""
        self.ensure_one()
        data = self._prepare_statement_data()
        Statement = self.env["invoice.reminder.statement"]
        company = self.company_id.partner_id
        partner = self.partner_id
        data["letter"] = {
            "return_address": " · ".join(
                [self.company_id.name, *Statement._address_lines(company)]
            ),
            "address_lines": [partner.display_name, *Statement._address_lines(partner)],
        }
        return data


class InvoiceReminderStatement(models.AbstractModel):
    _inherit = "invoice.reminder.statement"

    def _render_letters_pdf(self, letters):
        """Letters (statement data with ``letter``) as one PDF; raises a UserError on failure."""
        path = self._checked_wkhtmltopdf_path()
        html = (
            self.env["ir.qweb"]
            .with_context(lang=letters[0]["lang"] if letters else None)
            ._render(
                "invoice_reminders.invoice_reminder_letter_document",
                {"letters": letters, "zoom": self._letter_zoom(path)},
            )
        )
        [result] = pdf_tools.convert(path, [pdf_tools.Document(str(html), LETTER_PDF_ARGS)])
        if not result:
            _logger.info("Letters not built with %s: %s", path, result.error)
            raise UserError(
                _(
                    "The letters could not be built with wkhtmltopdf (%(path)s): %(error)s",
                    path=path,
                    error=result.error,
                )
            )
        return result.pdf

    def _letter_zoom(self, path):
        """1 with a wkhtmltopdf on a patched Qt, else the zoom that gives true millimetres."""
        if path not in _zoom_of:
            try:
                version = subprocess.run(
                    [path, "--version"],
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=30,
                    check=False,
                ).stdout
            except OSError:
                version = ""
            _zoom_of[path] = 1.0 if "patched qt" in version.lower() else UNPATCHED_QT_ZOOM
        return _zoom_of[path]

    def _docx_fees(self, document, data):
        if not data.get("fees"):
            return super()._docx_fees(document, data)
        document.add_paragraph().add_run(data["labels"]["fees"]).bold = True
        self._docx_table(
            document,
            data["fee_columns"],
            [[fee["name"], fee["level"], fee["detail"], fee["amount"]] for fee in data["fees"]],
            ["left", "left", "left", "right"],
        )
        for total in data["fee_totals"]:
            document.add_paragraph(
                f"{total['currency']}: {total['label']} {total['fee']} — "
                f"{total['total_label']} {total['total']}"
            )
        return None

    def _merge_pdfs(self, pdfs):
        return merge_pdf(pdfs)
