from collections import defaultdict

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .. import rules

SELECTION_MODES = [
    ("all", "All open invoices"),
    ("none", "None: only invoices created from now on"),
    ("overdue", "Overdue for at least N days"),
    ("tags", "Customers with these tags"),
    ("customers", "These customers"),
    ("manual", "Invoice by invoice"),
]


class InvoiceReminderActivation(models.TransientModel):
    """Switch payment reminders on for a company after choosing, and seeing, what goes out.

    It lists the open customer invoices that exist today, lets the manager
    choose which ones reminders include, previews the first run with that
    choice (the run's own code, rolled back), and only on confirmation
    includes them and switches reminders on.
    """

    _name = "invoice.reminder.activation"
    _description = "Payment Reminder Activation"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True
    )
    selection_mode = fields.Selection(
        SELECTION_MODES, string="Include", required=True, default="overdue"
    )
    min_days_overdue = fields.Integer(string="At Least (Days Overdue)", default=30)
    category_ids = fields.Many2many("res.partner.category", string="Customer Tags")
    partner_ids = fields.Many2many("res.partner", string="Customers")
    include_manual = fields.Boolean(
        string="Include Invoices Switched Off by Hand",
        help="Also include the invoices that someone excluded from reminders by hand. "
        "Unchecked, they stay excluded whatever the choice above.",
    )
    invoice_line_ids = fields.One2many(
        "invoice.reminder.activation.invoice", "wizard_id", string="Open Invoices"
    )
    customer_line_ids = fields.One2many(
        "invoice.reminder.activation.customer", "wizard_id", string="Customers with Open Invoices"
    )
    selected_count = fields.Integer(string="Invoices Included", compute="_compute_selected")
    selected_customer_count = fields.Integer(
        string="Customers Included", compute="_compute_selected"
    )
    preview_id = fields.Many2one("invoice.reminder.preview", readonly=True)
    preview_line_ids = fields.One2many(related="preview_id.line_ids", string="First Run")
    already_enabled = fields.Boolean(related="company_id.reminder_enabled")

    @api.depends("invoice_line_ids.selected")
    def _compute_selected(self):
        for wizard in self:
            selected = wizard.invoice_line_ids.filtered("selected")
            wizard.selected_count = len(selected)
            wizard.selected_customer_count = len(selected.partner_id)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "invoice_line_ids" in fields_list or "customer_line_ids" in fields_list:
            # the lines list a company's debtors: managers of that company only
            company = self.env["res.company"].browse(
                values.get("company_id") or self.env.company.id
            )
            self._check_manager(company)
            invoice_vals, customer_vals = self._prepare_line_vals(company)
            values["invoice_line_ids"] = [Command.create(vals) for vals in invoice_vals]
            values["customer_line_ids"] = [Command.create(vals) for vals in customer_vals]
        return values

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        for wizard in wizards:
            wizard._check_manager(wizard.company_id)
        return wizards

    @api.model
    def _prepare_line_vals(self, company):
        """One line per open customer invoice of ``company``, and one per customer."""
        self.env["account.move"].flush_model()
        self.env.cr.execute(
            """
            SELECT m.id, m.commercial_partner_id, m.invoice_date, m.invoice_date_due,
                   m.currency_id, m.amount_residual
              FROM account_move m
              JOIN res_partner p ON p.id = m.commercial_partner_id
             WHERE m.company_id = %s
               AND m.move_type = 'out_invoice'
               AND m.state = 'posted'
               AND m.payment_state NOT IN ('paid', 'in_payment', 'reversed')
               AND m.amount_residual > 0
               AND p.reminder_enabled
             ORDER BY p.name, m.invoice_date_due, m.id
            """,
            (company.id,),
        )
        rows = self.env.cr.dictfetchall()
        today = fields.Date.context_today(self)
        recipients = self.env["invoice.reminder.facts"]._recipients(
            list({row["commercial_partner_id"] for row in rows})
        )
        currencies = {
            currency.id: currency
            for currency in self.env["res.currency"].browse({row["currency_id"] for row in rows})
        }
        invoice_vals = []
        customers = defaultdict(lambda: {"count": 0, "amounts": defaultdict(float), "days": None})
        for row in rows:
            days = rules.days_overdue(today, row["invoice_date_due"], row["invoice_date"])
            invoice_vals.append(
                {
                    "move_id": row["id"],
                    "partner_id": row["commercial_partner_id"],
                    "days_overdue": days,
                }
            )
            customer = customers[row["commercial_partner_id"]]
            customer["count"] += 1
            customer["amounts"][currencies[row["currency_id"]].name] += row["amount_residual"]
            if days is not None:
                customer["days"] = max(
                    days, customer["days"] if customer["days"] is not None else days
                )
        customer_vals = []
        for partner_id, customer in customers.items():
            to, _cc = recipients[partner_id]
            valid = [address for address in to if rules.is_valid_email(address)]
            customer_vals.append(
                {
                    "partner_id": partner_id,
                    "invoice_count": customer["count"],
                    "amounts_json": dict(customer["amounts"]),
                    "oldest_days_overdue": customer["days"] or 0,
                    "email": ", ".join(valid),
                    "has_email": bool(valid),
                }
            )
        return invoice_vals, customer_vals

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @api.model
    def _check_manager(self, company=None):
        """Refuse anyone but an accounting manager allowed in ``company``."""
        company = company or self.company_id
        user = self.env.user
        if self.env.su:
            return
        if not user.has_group("account.group_account_manager") or company not in (user.company_ids):
            raise AccessError(
                _(
                    "Only accounting managers of %(company)s can activate its payment reminders.",
                    company=company.name,
                )
            )

    def _check_selection(self):
        self.ensure_one()
        if self.selection_mode != "none" and not self.invoice_line_ids.filtered("selected"):
            raise UserError(
                _(
                    "No invoice is selected. Choose the invoices that reminders include, or "
                    "choose “None” to remind only the invoices created from now on."
                )
            )

    def _apply(self):
        """Include the selected invoices, exclude the others, switch reminders on.

        Only the open invoices the wizard lists itself are written, whatever
        lines were sent to it: an invoice of another company, a vendor bill or a
        paid invoice in a line is ignored.
        """
        self._check_manager()
        invoice_vals, _customer_vals = self._prepare_line_vals(self.company_id)
        listed = {vals["move_id"] for vals in invoice_vals}
        lines = self.invoice_line_ids.filtered(lambda line: line.move_id.id in listed)
        selected = lines.filtered("selected").move_id
        unselected = lines.move_id - selected
        # the manager's own rights suffice to write the invoices of their company
        Move = self.env["account.move"].with_context(invoice_reminder_activation=True)
        Move.browse(selected.ids).write({"reminder_included": True})
        if not self.include_manual:
            # invoices switched off by hand stay as they were
            unselected = unselected.filtered(lambda move: not move.reminder_manual)
        Move.browse(unselected.ids).write({"reminder_included": False})
        if not self.company_id.reminder_enabled:
            # an accounting manager may not write companies (Administration rights):
            # the one switch of the company checked above
            self.company_id.sudo().reminder_enabled = True

    def action_preview(self):
        """Show what the first run would send with this choice; nothing is written."""
        self.ensure_one()
        self._check_manager()
        self._check_selection()
        Preview = self.env["invoice.reminder.preview"]
        policies = self.env["invoice.reminder.policy"].search(
            [("company_id", "=", self.company_id.id)]
        )
        computed = {}

        def simulate():
            self._apply()
            computed["vals"] = Preview._compute_line_vals(policies)

        self.env["invoice.reminder.run"]._in_rolled_back_savepoint(simulate)
        line_vals, send_times = computed["vals"]
        self.preview_id = Preview._create_from_vals(
            self.company_id, policies, line_vals, send_times
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Activate payment reminders"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"invoice_reminder_activation_tab": "preview"},
        }

    def action_confirm(self):
        """Include the chosen invoices and switch payment reminders on."""
        self.ensure_one()
        self._check_manager()
        self._check_selection()
        self._apply()
        preview = self.env["invoice.reminder.preview"]._create_for(self.company_id)
        return preview._get_action()
