from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

from .. import rules


class InvoiceReminderLevel(models.Model):
    """One step of a reminder ladder."""

    _name = "invoice.reminder.level"
    _description = "Payment Reminder Level"
    _order = "policy_id, sequence, id"
    _check_company_auto = True

    policy_id = fields.Many2one(
        "invoice.reminder.policy",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        related="policy_id.company_id", store=True, index=True, precompute=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    delay_days = fields.Integer(
        string="Days Past Due",
        required=True,
        default=0,
        help="Days past the due date when this step starts. "
        "A negative number sends a friendly notice before the due date.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        domain="[('model', '=', 'res.partner')]",
        ondelete="restrict",
        help="The email sent to the customer at this step.",
    )
    attach_invoice_pdf = fields.Boolean(
        string="Invoice PDFs",
        help="Attach the PDF of each overdue invoice. An invoice whose PDF is already "
        "stored is sent with that file.",
    )
    attach_statement_pdf = fields.Boolean(
        string="Statement PDF",
        help="Attach a statement of the overdue invoices as a PDF file.",
    )
    attach_statement_docx = fields.Boolean(
        string="Statement Word",
        help="Attach the same statement as a Word document.",
    )
    include_links = fields.Boolean(
        string="Online Links",
        default=True,
        help="Link each invoice to the customer portal, where it can be viewed and paid, "
        "and add a link to download the statement.",
    )
    print_signature_stamp = fields.Boolean(
        string="Signature and Stamp",
        help="Print the company's signature and stamp (set in the Accounting settings) "
        "at the foot of the statement.",
    )
    pay_within_days = fields.Integer(
        string="Pay Within (days)",
        default=8,
        help="The statement asks for payment by the reminder's date plus this many days, "
        "printed as a date.",
    )
    attachment_name = fields.Char(
        string="Statement File Name",
        default=rules.DEFAULT_ATTACHMENT_NAME,
        help="File name of the statement, without extension. Placeholders: {customer}, "
        "{date} (the reminder's date), {company}.",
    )
    # escalation: late fees and interest, an activity, a posted letter
    fee_fixed_ids = fields.One2many(
        "invoice.reminder.level.fee",
        "level_id",
        string="Fixed Fees",
        copy=True,
        help="A fixed fee charged on each overdue invoice reminded at this step, per "
        "currency: an invoice in a currency without a row has no fixed fee.",
    )
    fee_percent = fields.Float(
        string="Fee (%)",
        digits=(16, 4),
        help="A fee of this percentage of what remains due on each invoice reminded at "
        "this step.",
    )
    interest_rate = fields.Float(
        string="Interest (% a Year)",
        digits=(16, 4),
        help="Interest at this annual rate on what remains due, over the days overdue not "
        "charged yet by an earlier step: amount * rate * days / 365.",
    )
    has_fees = fields.Boolean(compute="_compute_has_fees")
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Activity",
        ondelete="set null",
        help="An activity planned at this step for the person responsible for the "
        "customer (e.g. call the customer). Empty: no activity.",
    )
    activity_summary = fields.Char(
        translate=True, help="What to do, e.g. Call the customer about the overdue invoices."
    )
    activity_days = fields.Integer(
        string="Activity Deadline (Days)",
        default=2,
        help="The activity is due this many days after the reminder.",
    )
    send_letter = fields.Boolean(
        string="Posted Letter",
        help="Also print the statement as a letter with the address in an envelope "
        "window; every letter of a run is collected in one PDF to print and post.",
    )

    @api.depends("fee_fixed_ids.amount", "fee_percent", "interest_rate")
    def _compute_has_fees(self):
        for level in self:
            level.has_fees = bool(
                level.fee_percent or level.interest_rate or level.fee_fixed_ids.filtered("amount")
            )

    @api.constrains("fee_percent", "interest_rate", "activity_days")
    def _check_fees(self):
        for level in self:
            if level.fee_percent < 0 or level.interest_rate < 0:
                raise ValidationError(
                    _(
                        "The level %(level)s of policy %(policy)s: a late fee or an interest "
                        "rate cannot be negative.",
                        level=level.name,
                        policy=level.policy_id.display_name,
                    )
                )
            if level.activity_days < 0:
                raise ValidationError(
                    _(
                        "The level %(level)s of policy %(policy)s: the activity cannot be due "
                        "before the reminder.",
                        level=level.name,
                        policy=level.policy_id.display_name,
                    )
                )

    @api.constrains("mail_template_id")
    def _check_mail_template_id(self):
        for level in self:
            if not level.mail_template_id:
                raise ValidationError(
                    _(
                        "The level %(level)s of policy %(policy)s needs a mail template.",
                        level=level.name,
                        policy=level.policy_id.display_name,
                    )
                )

    @api.constrains("delay_days", "sequence", "policy_id")
    def _check_policy_ladder(self):
        if self.env.context.get("invoice_reminder_defer_check"):
            # the policy checks its whole ladder once all its levels are written
            return
        self.policy_id._check_levels()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # validated even when no template is given
            vals.setdefault("mail_template_id", False)
        return super().create(vals_list)

    def unlink(self):
        policies = self.policy_id
        res = super().unlink()
        context = self.env.context
        # nor while the module is uninstalled: its policies go too
        if not (context.get("invoice_reminder_defer_check") or context.get(MODULE_UNINSTALL_FLAG)):
            policies.exists()._check_levels()
        return res

    @api.model
    def _translate_standard_copies(self, langs):
        """Give copies of the standard ladder the translated names of the ladder
        and of its steps.

        Companies get a copy of the standard ladder; a copy made before a language
        was installed has no translation for it, and Odoo loads data translations
        only on the records of the module's XML ids. Ladders and steps still named
        as in the standard ladder and not translated yet take the standard
        translation; renamed or translated ones are left alone.
        """
        standard = self.env.ref(
            "invoice_reminders.invoice_reminder_policy_default", raise_if_not_found=False
        )
        if not standard:
            return
        levels = self.sudo().with_context(active_test=False)
        policies = self.env["invoice.reminder.policy"].sudo().with_context(active_test=False)
        pairs = [
            (
                levels.search([("policy_id", "=", standard.id)]),
                levels.search([("policy_id", "!=", standard.id)]),
            ),
            (standard.sudo(), policies.search([("id", "!=", standard.id)])),
        ]
        for lang in set(langs) - {"en_US"}:
            for originals, copies in pairs:
                for original in originals:
                    source = original.with_context(lang="en_US").name
                    translated = original.with_context(lang=lang).name
                    if translated == source:
                        continue
                    copies.with_context(lang="en_US").filtered(
                        lambda copy, source=source, lang=lang: (
                            copy.name == source and copy.with_context(lang=lang).name == source
                        )
                    ).with_context(lang=lang).name = translated

    @api.model
    def _reminder_level_ids(self, operator, value):
        """Ids of the levels a search on a level field means; None for "is (not) set"."""
        if value is False or value is None:
            return None
        if operator in ("any", "not any"):  # a path, e.g. reminder_next_level_id.name
            levels = self.search(value).ids
            return levels if operator == "any" else self.search([("id", "not in", levels)]).ids
        field = "name" if isinstance(value, str) else "id"
        return self.search([(field, operator, value)]).ids
