from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from ..models.res_partner import PAUSE_REASONS


class InvoiceReminderPause(models.TransientModel):
    """Pause the payment reminders of customers or invoices until a date."""

    _name = "invoice.reminder.pause"
    _description = "Pause Payment Reminders"

    partner_ids = fields.Many2many("res.partner", string="Customers")
    move_ids = fields.Many2many("account.move", string="Invoices")
    date = fields.Date(string="Until", help="Reminders resume the day after.")
    reason = fields.Selection(PAUSE_REASONS, default="other")
    note = fields.Char()

    @api.model
    def _get_wizard_action(self, partners=None, moves=None):
        return {
            "type": "ir.actions.act_window",
            "name": _("Pause payment reminders"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_partner_ids": [
                    fields.Command.set(
                        (partners or self.env["res.partner"]).commercial_partner_id.ids
                    )
                ],
                "default_move_ids": [fields.Command.set((moves or self.env["account.move"]).ids)],
            },
        }

    def action_confirm(self):
        self.ensure_one()
        if not self.date:
            raise UserError(_("A pause needs an end date: until when should reminders wait?"))
        if self.date < fields.Date.context_today(self):
            raise UserError(_("The end of a pause cannot be in the past."))
        if not self.reason:
            raise UserError(_("Give the reason of the pause."))
        vals = {
            "reminder_pause_until": self.date,
            "reminder_pause_reason": self.reason,
            "reminder_pause_note": self.note or False,
        }
        reason = dict(self._fields["reason"]._description_selection(self.env))[self.reason]
        note = ": " + self.note if self.note else ""
        body = _(
            "Payment reminders paused until %(date)s (%(reason)s)%(note)s.",
            date=format_date(self.env, self.date),
            reason=reason,
            note=note,
        )
        for records in (self.partner_ids.commercial_partner_id, self.move_ids):
            records.write(vals)
            for record in records:
                record.message_post(body=body)
        return {"type": "ir.actions.act_window_close"}
