from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import rules

PROMISE_STATES = [("open", "Open"), ("kept", "Kept"), ("broken", "Broken")]


class InvoiceReminderPromise(models.Model):
    """A customer's promise to pay an amount by a date.

    While it is open, the invoices it covers are left out of payment reminders
    until its date plus the policy's grace days. Then it is kept when the
    payments on those invoices reached the amount, else broken: the ladder
    resumes one level above the last reminder and the owner's summary says so.
    """

    _name = "invoice.reminder.promise"
    _inherit = ["mail.thread"]
    _description = "Promise to Pay"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, tracking=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    move_ids = fields.Many2many(
        "account.move",
        "invoice_reminder_promise_move_rel",
        "promise_id",
        "move_id",
        string="Invoices",
        required=True,
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'),"
        " ('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial'))]",
        help="The invoices the promise covers.",
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id
    )
    amount = fields.Monetary(string="Promised Amount", required=True, tracking=True)
    date = fields.Date(string="Promised By", required=True, tracking=True)
    grace_days = fields.Integer(
        string="Grace (Days)",
        help="Days after the promised date before the promise counts as broken.",
    )
    residual_start = fields.Monetary(
        string="Due When Promised",
        readonly=True,
        help="What the covered invoices still owed when the promise was made.",
    )
    paid_amount = fields.Monetary(string="Paid Since", compute="_compute_paid_amount")
    state = fields.Selection(PROMISE_STATES, required=True, default="open", tracking=True)
    state_date = fields.Date(string="Decided On", readonly=True)
    note = fields.Text()

    @api.depends("partner_id", "amount", "currency_id", "date")
    def _compute_display_name(self):
        for promise in self:
            promise.display_name = _(
                "%(customer)s: %(amount)s by %(date)s",
                customer=promise.partner_id.display_name,
                amount=promise._amount_text(),
                date=promise.date or "",
            )

    def _amount_text(self):
        self.ensure_one()
        return self.env["res.currency"]._reminder_format_amounts({self.currency_id: self.amount})

    @api.depends("move_ids.amount_residual", "residual_start")
    def _compute_paid_amount(self):
        for promise in self:
            promise.paid_amount = promise.residual_start - sum(
                promise.move_ids.mapped("amount_residual")
            )

    def _until(self):
        """Last day the promise holds reminders back, grace included."""
        self.ensure_one()
        return self.date + timedelta(days=self.grace_days or 0)

    @api.constrains("amount", "residual_start", "move_ids", "currency_id")
    def _check_amount(self):
        for promise in self:
            if promise.move_ids.currency_id - promise.currency_id:
                raise ValidationError(
                    _("A promise to pay covers invoices of its own currency only.")
                )
            if promise.currency_id.compare_amounts(promise.amount, 0) <= 0:
                raise ValidationError(_("The promised amount must be more than zero."))
            if promise.currency_id.compare_amounts(promise.amount, promise.residual_start) > 0:
                raise ValidationError(
                    _(
                        "The promised amount (%(amount)s) is more than what the invoices still "
                        "owe (%(due)s).",
                        amount=promise.amount,
                        due=promise.residual_start,
                    )
                )

    @api.constrains("date")
    def _check_date(self):
        today = fields.Date.context_today(self)
        for promise in self:
            if promise.state == "open" and promise.date < today:
                raise ValidationError(_("The promised date cannot be in the past."))

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        partner = self.env["res.partner"].browse(values.get("partner_id"))
        if "grace_days" in fields_list and partner:
            policy = partner._reminder_policy(self.env.company)
            values["grace_days"] = policy.promise_grace_days
        return values

    @api.model_create_multi
    def create(self, vals_list):
        moves = self.env["account.move"]
        for vals in vals_list:
            covered = moves.browse(
                [
                    record_id
                    for command in vals.get("move_ids", [])
                    for record_id in (command[2] if command[0] == 6 else [command[1]])
                ]
            )
            vals["residual_start"] = sum(covered.mapped("amount_residual"))
            if covered and "currency_id" not in vals:
                vals["currency_id"] = covered[0].currency_id.id
        promises = super().create(vals_list)
        for promise in promises:
            body = _(
                "Promise to pay %(amount)s by %(date)s recorded: payment reminders of %(invoices)s "
                "wait until %(until)s.",
                amount=promise._amount_text(),
                date=promise.date,
                invoices=", ".join(promise.move_ids.mapped("name")),
                until=promise._until(),
            )
            promise.partner_id.commercial_partner_id.message_post(body=body)
            for move in promise.move_ids:
                move.message_post(body=body)
        return promises

    @api.model
    def _get_form_action(self, partner=None, moves=None):
        """A new promise, of ``partner`` (its overdue invoices) or of ``moves``."""
        if moves:
            partner = moves.commercial_partner_id
            covered = moves
        else:
            partner = partner.commercial_partner_id
            covered = self.env["account.move"].search(
                [
                    ("commercial_partner_id", "=", partner.id),
                    ("company_id", "=", self.env.company.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ]
            )
        currency = covered[:1].currency_id or self.env.company.currency_id
        covered = covered.filtered(lambda move: move.currency_id == currency)
        return {
            "type": "ir.actions.act_window",
            "name": _("Promise to pay"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_partner_id": partner.id,
                "default_move_ids": [fields.Command.set(covered.ids)],
                "default_currency_id": currency.id,
                "default_amount": sum(covered.mapped("amount_residual")),
            },
        }

    def _update_states(self, today=None):
        """Decide the open promises whose date (grace included) has passed, or paid."""
        today = today or fields.Date.context_today(self)
        for promise in self.filtered(lambda p: p.state == "open"):
            outcome = rules.promise_outcome(
                today, promise._until(), promise.amount, promise.paid_amount
            )
            if outcome == "open":
                continue
            promise.write({"state": outcome, "state_date": today})
            if outcome == "broken":
                message = _("Promise to pay broken: payment reminders resume at the next level.")
            else:
                message = _("Promise to pay kept.")
            promise.partner_id.commercial_partner_id.message_post(body=message)

    @api.model
    def _cron_update_states(self):
        self.search([("state", "=", "open")])._update_states()
