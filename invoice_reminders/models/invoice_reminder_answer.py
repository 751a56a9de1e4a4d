from datetime import timedelta

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.tools.misc import format_amount, format_date

from .. import compat, rules

ANSWER_KINDS = [
    (rules.ANSWER_PROMISE, "Promise to pay"),
    (rules.ANSWER_DISPUTE, "Dispute"),
    (rules.ANSWER_PAID, "Reported as paid"),
    (rules.ANSWER_CALL, "Call requested"),
]
DISPUTE_REASONS = [
    ("amount", "The amount is wrong"),
    ("not_received", "Goods or services not received"),
    ("quality", "Quality problem"),
    ("duplicate", "Invoiced twice"),
    ("other", "Other"),
]


class InvoiceReminderAnswer(models.Model):
    """A customer's answer to a payment reminder, given on the reminder's page.

    Written by the portal controller only, through the reminder's checked token;
    invoicing users read them (the answers list, the invoices' and customer's
    chatter).
    """

    _name = "invoice.reminder.answer"
    _description = "Customer Answer to a Reminder"
    _order = "answered_at desc, id desc"
    _check_company_auto = True

    digest_id = fields.Many2one(
        "invoice.reminder.digest", "Reminder", required=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    kind = fields.Selection(ANSWER_KINDS, required=True)
    answered_at = fields.Datetime(
        string="Answered On", required=True, default=fields.Datetime.now, readonly=True
    )
    state = fields.Selection(
        [("received", "Received"), ("replaced", "Replaced")],
        required=True,
        default="received",
        help="Replaced: a later promise of the customer took the place of this one.",
    )
    move_ids = fields.Many2many(
        "account.move",
        "invoice_reminder_answer_move_rel",
        "answer_id",
        "move_id",
        string="Invoices",
        check_company=True,
    )
    date = fields.Date(help="Promised by (promise to pay); paid on (reported as paid).")
    currency_id = fields.Many2one("res.currency")
    amount = fields.Monetary(string="Promised Amount")
    reason = fields.Selection(DISPUTE_REASONS, string="Dispute Reason")
    comment = fields.Text()
    phone = fields.Char()
    call_time = fields.Char(string="Preferred Time")
    promise_id = fields.Many2one(
        "invoice.reminder.promise", string="Promise to Pay", ondelete="set null"
    )
    activity_id = fields.Many2one("mail.activity", ondelete="set null")
    attachment_ids = fields.Many2many("ir.attachment", string="Files")
    form_key = fields.Char(
        copy=False, help="The page's form this answer came from: a form is taken once."
    )

    _digest_form_key_uniq = compat.Constraint(
        "UNIQUE(digest_id, form_key)",
        "This form was already sent.",
    )

    @api.depends("kind", "partner_id")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for answer in self:
            answer.display_name = f"{answer.partner_id.display_name}: {labels.get(answer.kind)}"

    # ------------------------------------------------------------------
    # Business: called as superuser by the portal controller, for one checked token
    # ------------------------------------------------------------------

    def _responsible_user(self):
        """Who follows up the answers of this customer: its salesperson, else the policy's."""
        self.ensure_one()
        return (
            self.partner_id.user_id.filtered(lambda user: not user._is_public())
            or self.digest_id.policy_id.activity_user_id
        )

    def _apply(self, files=()):
        """Do what the answer asks, log it and confirm it; ``files``: ``[(name, bytes)]``."""
        self.ensure_one()
        if self.kind == rules.ANSWER_PROMISE:
            self._apply_promise()
        elif self.kind == rules.ANSWER_DISPUTE:
            self.move_ids.write(
                {
                    "reminder_disputed": True,
                    "reminder_dispute_note": self._summary()[:200],
                }
            )
        elif self.kind == rules.ANSWER_PAID:
            days = self.digest_id.policy_id.answer_paid_pause_days
            self.move_ids.write(
                {
                    "reminder_pause_until": fields.Date.context_today(self) + timedelta(days=days),
                    "reminder_pause_reason": "other",
                    "reminder_pause_note": self._summary()[:200],
                }
            )
        elif self.kind == rules.ANSWER_CALL:
            self._apply_call()
        self._log(files)
        self._send_confirmation()

    def _apply_promise(self):
        Promise = self.env["invoice.reminder.promise"]
        others = Promise.search([("move_ids", "in", self.move_ids.ids), ("state", "=", "open")])
        if others:
            body = _("Replaced by the customer's new promise to pay of %(date)s.", date=self.date)
            for promise in others:
                promise.partner_id.commercial_partner_id.message_post(body=body)
            self.search([("promise_id", "in", others.ids)]).state = "replaced"
            others.unlink()
        self.promise_id = Promise.create(
            {
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "move_ids": [Command.set(self.move_ids.ids)],
                "currency_id": self.currency_id.id,
                "amount": self.amount,
                "date": self.date,
                "grace_days": self.digest_id.policy_id.promise_grace_days,
                "note": _("Promised by the customer on the reminder's page."),
            }
        )

    def _apply_call(self):
        user = self._responsible_user()
        self.activity_id = self.partner_id.with_context(
            mail_activity_quick_update=True
        ).activity_schedule(
            "mail.mail_activity_data_call",
            summary=_("Call %(phone)s", phone=self.phone),
            note=self._summary(),
            date_deadline=fields.Date.context_today(self),
            user_id=(user or self.env.ref("base.user_admin")).id,
        )

    def _summary(self):
        """What the customer answered, in one sentence of the current language."""
        self.ensure_one()
        invoices = ", ".join(self.move_ids.mapped("name"))
        if self.kind == rules.ANSWER_PROMISE:
            return _(
                "The customer promises to pay %(amount)s by %(date)s (%(invoices)s).",
                amount=format_amount(self.env, self.amount, self.currency_id),
                date=format_date(self.env, self.date),
                invoices=invoices,
            )
        if self.kind == rules.ANSWER_DISPUTE:
            reasons = dict(self._fields["reason"]._description_selection(self.env))
            text = _(
                "The customer disputes %(invoices)s: %(reason)s.",
                invoices=invoices,
                reason=reasons.get(self.reason, ""),
            )
        elif self.kind == rules.ANSWER_PAID:
            text = _(
                "The customer reports %(invoices)s as paid on %(date)s.",
                invoices=invoices,
                date=format_date(self.env, self.date),
            )
        else:
            text = _(
                "The customer asks for a call at %(phone)s (%(invoices)s).",
                phone=self.phone,
                invoices=invoices,
            )
            if self.call_time:
                text += " " + _("Preferred time: %(time)s", time=self.call_time)
        if self.comment:
            text += " " + _("Comment: %(comment)s", comment=self.comment)
        return text

    def _log(self, files):
        """The answer on the customer's and each invoice's chatter; the responsible user told."""
        lang = self.env["invoice.reminder.statement"]._statement_lang(self.company_id.partner_id)
        answer = self.with_context(lang=lang)
        body = Markup("<p>%s</p><p>%s</p>") % (
            answer.env._("Answered on the reminder's page:"),
            answer._summary(),
        )
        user = self._responsible_user()
        customer = self.partner_id
        message = customer.message_post(
            body=body,
            author_id=customer.id,
            attachments=list(files),
            partner_ids=user.partner_id.ids,
            subtype_xmlid="mail.mt_comment" if user else "mail.mt_note",
        )
        self.attachment_ids = [Command.set(message.attachment_ids.ids)]
        for move in self.move_ids:
            move.message_post(body=body, author_id=customer.id, attachments=list(files))

    def _send_confirmation(self):
        """Confirm the answer to the customer by email, in the customer's language."""
        self.ensure_one()
        digest = self.digest_id
        if not digest.email_to:
            return
        company = self.company_id
        lang = self.env["invoice.reminder.statement"]._statement_lang(self.partner_id)
        answer = self.with_context(lang=lang)
        body = answer.env["ir.qweb"]._render(
            "invoice_reminders.invoice_reminder_answer_confirmation",
            {
                "answer": answer,
                "summary": answer._summary_for_customer(),
                "url": digest._get_answer_link(),
                "company": company,
            },
        )
        self.env["mail.mail"].create(
            {
                "subject": answer.env._(
                    "%(company)s: we received your answer", company=company.name
                ),
                "body_html": body,
                "email_from": company.reminder_email_from or company.email_formatted,
                "email_to": digest.email_to,
                "mail_server_id": company.reminder_mail_server_id.id or False,
                "model": "res.partner",
                "res_id": self.partner_id.id,
                "auto_delete": False,
            }
        )

    def _summary_for_customer(self):
        """What the customer answered, told back to the customer."""
        self.ensure_one()
        invoices = ", ".join(self.move_ids.mapped("name"))
        if self.kind == rules.ANSWER_PROMISE:
            return _(
                "You promised to pay %(amount)s by %(date)s for %(invoices)s. We will not "
                "remind you of these invoices until then.",
                amount=format_amount(self.env, self.amount, self.currency_id),
                date=format_date(self.env, self.date),
                invoices=invoices,
            )
        if self.kind == rules.ANSWER_DISPUTE:
            return _(
                "You disputed %(invoices)s. We will look into it and come back to you; "
                "until then we will not remind you of it.",
                invoices=invoices,
            )
        if self.kind == rules.ANSWER_PAID:
            return _(
                "You told us you paid %(invoices)s on %(date)s. We are checking the payment; "
                "meanwhile we will not remind you of it.",
                invoices=invoices,
                date=format_date(self.env, self.date),
            )
        return _(
            "You asked us to call you at %(phone)s about %(invoices)s. We will call you soon.",
            phone=self.phone,
            invoices=invoices,
        )

    @api.model
    def _of_the_week(self, company, first, report_date):
        """The answers received from ``first`` to the day before ``report_date``, still open."""
        return self.search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "received"),
                ("answered_at", ">=", fields.Datetime.to_datetime(first)),
                ("answered_at", "<", fields.Datetime.to_datetime(report_date)),
            ],
            order="answered_at, id",
        )

    @api.model
    def _owner_report_section(self, answers, lang):
        """The answers of the week in the owner's report, after its template's body.

        A view of its own: a company's edits of the report's (noupdate) template are kept.
        """
        if not answers:
            return Markup()
        env = self.with_context(lang=lang).env
        labels = dict(env["invoice.reminder.answer"]._fields["kind"]._description_selection(env))
        return env["ir.qweb"]._render(
            "invoice_reminders.invoice_reminder_owner_report_answers",
            {
                "answers": [dict(row, label=labels[row["record"].kind]) for row in answers],
                "format_date": lambda day: format_date(env, day),
            },
        )
