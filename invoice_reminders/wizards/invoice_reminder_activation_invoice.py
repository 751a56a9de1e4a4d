from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import ValidationError


class InvoiceReminderActivationInvoice(models.TransientModel):
    """An open invoice in the activation wizard, and whether reminders include it."""

    _name = "invoice.reminder.activation.invoice"
    _description = "Payment Reminder Activation Invoice"
    _order = "partner_id, days_overdue desc, id"

    wizard_id = fields.Many2one(
        "invoice.reminder.activation", required=True, index=True, ondelete="cascade"
    )
    move_id = fields.Many2one("account.move", string="Invoice", required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    invoice_date_due = fields.Date(related="move_id.invoice_date_due")
    amount_residual = fields.Monetary(related="move_id.amount_residual", string="Amount Due")
    currency_id = fields.Many2one(related="move_id.currency_id")
    days_overdue = fields.Integer(readonly=True)
    switched_off_by_hand = fields.Boolean(compute="_compute_switched_off_by_hand")
    selected = fields.Boolean(
        string="Include",
        compute="_compute_selected",
        store=True,
        readonly=False,
        precompute=True,
    )

    @api.depends("move_id")
    def _compute_switched_off_by_hand(self):
        for line in self:
            line.switched_off_by_hand = (
                line.move_id.reminder_manual and not line.move_id.reminder_included
            )

    @api.depends(
        "wizard_id.selection_mode",
        "wizard_id.min_days_overdue",
        "wizard_id.category_ids",
        "wizard_id.partner_ids",
        "wizard_id.include_manual",
    )
    def _compute_selected(self):
        for line in self:
            wizard = line.wizard_id
            mode = wizard.selection_mode
            if line.switched_off_by_hand and not wizard.include_manual:
                line.selected = False
            elif mode == "all":
                line.selected = True
            elif mode == "none":
                line.selected = False
            elif mode == "overdue":
                line.selected = (line.days_overdue or 0) >= (wizard.min_days_overdue or 0)
            elif mode == "tags":
                line.selected = bool(line.partner_id.category_id & wizard.category_ids)
            elif mode == "customers":
                line.selected = line.partner_id in wizard.partner_ids.commercial_partner_id
            else:
                # invoice by invoice: the user's ticks stay as they are
                line.selected = line.selected

    @api.constrains("move_id", "wizard_id")
    def _check_move_id(self):
        if self.env.uid != SUPERUSER_ID:
            # the user's right to read the invoices first: Odoo 19.0 runs the
            # constraints in sudo, and another company's invoice is not even named
            self.move_id.sudo(False).check_access("read")
        for line in self:
            move = line.move_id
            if move.move_type != "out_invoice" or move.company_id != line.wizard_id.company_id:
                raise ValidationError(
                    _(
                        "%(invoice)s is not a customer invoice of %(company)s: payment "
                        "reminders of that company cannot include it.",
                        invoice=move.display_name,
                        company=line.wizard_id.company_id.name,
                    )
                )
