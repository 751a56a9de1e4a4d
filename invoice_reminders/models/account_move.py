from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import compat, rules
from .res_partner import PAUSE_REASONS, REMINDER_READ_GROUPS, check_reminder_write

# The fields that steer an invoice's reminders (the others are computed or set by the run).
STEERING_FIELDS = {
    "reminder_included",
    "reminder_disputed",
    "reminder_dispute_note",
    "reminder_pause_until",
    "reminder_pause_reason",
    "reminder_pause_note",
    "reminder_cadence",
    "reminder_cadence_stop",
}


class AccountMove(models.Model):
    _inherit = "account.move"

    # The column is created by the pre_init_hook: see hooks.py.
    reminder_included = fields.Boolean(
        string="Payment Reminders",
        compute="_compute_reminder_included",
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
        tracking=True,
        help="Include this invoice in payment reminders. Set from the customer's "
        "default when the invoice is created.",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_manual = fields.Boolean(
        string="Reminders Set by Hand",
        copy=False,
        readonly=True,
        help="Someone switched this invoice's payment reminders on or off by hand: the "
        "activation wizard leaves it as it is unless asked otherwise.",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_disputed = fields.Boolean(
        string="Disputed",
        copy=False,
        tracking=True,
        help="The customer disputes this invoice: it is kept out of payment reminders and "
        "statements until the dispute is resolved (unchecked).",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_dispute_note = fields.Char(
        string="Dispute", copy=False, tracking=True, groups=REMINDER_READ_GROUPS
    )
    reminder_pause_until = fields.Date(
        string="Reminders Paused Until",
        copy=False,
        tracking=True,
        help="This invoice is left out of payment reminders up to this day included.",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_pause_reason = fields.Selection(
        PAUSE_REASONS, string="Pause Reason", copy=False, groups=REMINDER_READ_GROUPS
    )
    reminder_pause_note = fields.Char(string="Pause Note", copy=False, groups=REMINDER_READ_GROUPS)
    reminder_thanked = fields.Boolean(
        string="Thanked",
        copy=False,
        readonly=True,
        help="The customer was thanked for paying this reminded invoice.",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_cadence = fields.Selection(
        [
            (rules.CADENCE_DAILY, "Every day"),
            (rules.CADENCE_EVERY_3_DAYS, "Every 3rd day"),
            (rules.CADENCE_BUSINESS_DAYS, "Every business day"),
        ],
        string="Own Reminder Cadence",
        copy=False,
        # few invoices have one: a partial index finds them without reading the table
        index="btree_not_null",
        tracking=True,
        help="Remind this invoice alone, on its own cadence at the policy's hour, instead "
        "of in the customer's digest. Empty: it goes with the customer's digest.",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_cadence_stop = fields.Selection(
        [(rules.STOP_PAID, "Until fully paid"), (rules.STOP_PARTIAL, "Until partly paid")],
        string="Cadence Stops",
        default=rules.STOP_PAID,
        copy=False,
        help="The invoice's own cadence stops once it is fully paid, or at its first payment.",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_promise_ids = fields.Many2many(
        "invoice.reminder.promise",
        "invoice_reminder_promise_move_rel",
        "move_id",
        "promise_id",
        string="Promises to Pay",
        readonly=True,
        groups=REMINDER_READ_GROUPS,
    )
    reminder_partner_enabled = fields.Boolean(
        related="commercial_partner_id.reminder_enabled",
        string="Customer Receives Reminders",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_next_date = fields.Date(
        string="Next Reminder",
        compute="_compute_reminder_forecast",
        search="_search_reminder_next_date",
        help="When this invoice is next included in a payment reminder, as it stands "
        "today (empty: it will not be).",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_next_level_id = fields.Many2one(
        "invoice.reminder.level",
        string="Next Reminder Level",
        compute="_compute_reminder_forecast",
        search="_search_reminder_next_level_id",
        groups=REMINDER_READ_GROUPS,
    )
    reminder_line_ids = fields.One2many(
        "invoice.reminder.digest.line",
        "move_id",
        string="Reminder History",
        help="Every payment reminder that included this invoice.",
        groups=REMINDER_READ_GROUPS,
    )

    @api.depends("partner_id")
    def _compute_reminder_included(self):
        for move in self:
            partner = move.partner_id.commercial_partner_id
            move.reminder_included = partner.reminder_default if partner else True

    def _compute_reminder_forecast(self):
        Planner = self.env["invoice.reminder.planner"]
        forecast = {}
        for company in self.company_id:
            moves = self.filtered(lambda move, company=company: move.company_id == company)
            partner_ids = [
                pid
                for pid in moves.filtered(
                    lambda m: m.move_type == "out_invoice"
                ).commercial_partner_id.ids
                if isinstance(pid, int)
            ]
            forecast.update(Planner._forecast(company, partner_ids)[0])
        for move in self:
            date, level = forecast.get(move.id, (False, self.env["invoice.reminder.level"]))
            move.reminder_next_date = date
            move.reminder_next_level_id = level

    def _reminder_forecast_all(self):
        company = self.env.company
        partner_ids = self.env["invoice.reminder.facts"].sudo()._open_invoice_partners(company)
        return self.env["invoice.reminder.planner"]._forecast(company, partner_ids)[0]

    def _search_reminder_next_date(self, operator, value):
        operator, value = compat.search_term(operator, value)
        by_move = self._reminder_forecast_all()
        matching = rules.filter_dates(
            {move_id: date for move_id, (date, _level) in by_move.items()}, operator, value
        )
        if matching is None:  # "is set" / "is not set"
            operator_in = rules.is_set_operator(operator, value)
            return [("id", operator_in, list(by_move))]
        return [("id", "in", matching)]

    def _search_reminder_next_level_id(self, operator, value):
        operator, value = compat.search_term(operator, value)
        by_move = self._reminder_forecast_all()
        matching = rules.filter_levels(
            {move_id: level.id for move_id, (_date, level) in by_move.items()},
            self.env["invoice.reminder.level"]._reminder_level_ids(operator, value),
        )
        if matching is None:
            operator_in = rules.is_set_operator(operator, value)
            return [("id", operator_in, list(by_move))]
        return [("id", "in", matching)]

    @api.constrains("reminder_cadence", "reminder_cadence_stop")
    def _check_reminder_cadence(self):
        for move in self.filtered("reminder_cadence"):
            if move.move_type != "out_invoice" or move.state != "posted":
                raise ValidationError(
                    _(
                        "Only posted customer invoices can have their own reminder cadence "
                        "(%(invoice)s).",
                        invoice=move.display_name,
                    )
                )
            reason = rules.cadence_error(
                move.reminder_cadence,
                move.reminder_cadence_stop,
                move.payment_state,
                move.amount_total,
                move.amount_residual,
            )
            if reason == rules.REASON_PAID:
                raise ValidationError(
                    _(
                        "%(invoice)s is already paid: it needs no reminder cadence.",
                        invoice=move.display_name,
                    )
                )
            if reason:
                raise ValidationError(
                    _(
                        "%(invoice)s is already partly paid: a cadence that stops at the "
                        "first payment would never send.",
                        invoice=move.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_reminder_write(self, vals, STEERING_FIELDS)
        if not self.env.context.get("invoice_reminder_activation"):
            for vals in vals_list:
                if "reminder_included" in vals and vals.get("partner_id"):
                    partner = self.env["res.partner"].browse(vals["partner_id"])
                    default = partner.commercial_partner_id.reminder_default
                    # switched away from the customer's default: by hand
                    vals["reminder_manual"] = bool(vals["reminder_included"]) != default
        return super().create(vals_list)

    def write(self, vals):
        check_reminder_write(self, vals, STEERING_FIELDS)
        if "reminder_included" in vals and not self.env.context.get("invoice_reminder_activation"):
            vals = dict(vals, reminder_manual=True)
        return super().write(vals)

    def action_reminder_pause(self):
        """Pause reminders of these invoices until a date, with a reason."""
        return self.env["invoice.reminder.pause"]._get_wizard_action(moves=self)

    def action_reminder_resume(self):
        self.write(
            {
                "reminder_pause_until": False,
                "reminder_pause_reason": False,
                "reminder_pause_note": False,
            }
        )

    def action_reminder_promise(self):
        """Record a promise to pay this invoice."""
        self.ensure_one()
        return self.env["invoice.reminder.promise"]._get_form_action(moves=self)

    # ------------------------------------------------------------------
    # Thanks: reminded invoices now paid
    # ------------------------------------------------------------------

    @api.model
    def _reminder_send_thanks(self, company):
        """Thank the customers whose reminded invoices are now fully paid, once a day."""
        today = fields.Date.context_today(self.with_company(company))
        Facts = self.env["invoice.reminder.facts"]
        moves_of = Facts._paid_reminded_invoices(company, today)
        if not moves_of:
            return
        recipients = Facts._recipients(list(moves_of))
        policy_of = Facts._resolve_policies(company, set(moves_of))
        for partner_id, move_ids in moves_of.items():
            policy = self.env["invoice.reminder.policy"].browse(policy_of.get(partner_id))
            moves = self.browse(move_ids)
            to = [address for address in recipients[partner_id][0] if rules.is_valid_email(address)]
            if not policy.thanks_template_id or not to:
                # nothing to send: these invoices are not waiting for thanks
                moves.write({"reminder_thanked": True})
                continue
            moves._reminder_queue_thanks(company, policy.thanks_template_id, partner_id, to)
            moves.write({"reminder_thanked": True})
            self.env["res.partner"].browse(partner_id).reminder_thanks_date = today
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()

    def _reminder_queue_thanks(self, company, template, partner_id, to):
        """Queue the thank-you email of these invoices, paid by ``partner_id``, to ``to``."""
        template = template.with_context(
            invoice_reminders_thanked_ids=self.ids,
            # the invoices' company, not the cron user's
            invoice_reminders_company_name=company.name,
        )
        rendered = template._generate_template([partner_id], ["subject", "body_html"])[partner_id]
        Mail = self.env["mail.mail"].sudo()
        return Mail.create(
            {
                "subject": rendered["subject"],
                "body_html": rendered["body_html"],
                "email_from": company.reminder_email_from or company.email_formatted,
                "email_to": ", ".join(to),
                "model": "res.partner",
                "res_id": partner_id,
                "message_type": "email_outgoing",
                "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                "author_id": company.partner_id.id,
                "auto_delete": False,
                "mail_server_id": company.reminder_mail_server_id.id or False,
            }
        )
