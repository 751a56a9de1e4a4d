import uuid
from collections import defaultdict

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.tools.misc import format_amount

from .. import compat, rules
from .mail_message import SANITIZED_BODIES, SanitizedBodies, SanitizeOnceHtml

DIGEST_STATES = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("bounced", "Bounced"),
]


class InvoiceReminderDigest(models.Model):
    """One payment reminder: every overdue invoice of a customer for one period."""

    _name = "invoice.reminder.digest"
    _inherit = ["portal.mixin", "invoice.reminder.digest.documents"]
    _description = "Payment Reminder Digest"
    _order = "period desc, id desc"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    policy_id = fields.Many2one(
        "invoice.reminder.policy", required=True, index=True, check_company=True
    )
    run_id = fields.Many2one("invoice.reminder.run", index=True, ondelete="set null")
    period = fields.Date(required=True, help="The sending slot this reminder belongs to.")
    kind = fields.Selection(
        [("digest", "Customer digest"), ("cadence", "Own cadence")],
        required=True,
        default="digest",
        readonly=True,
        help="Customer digest: every overdue invoice of the customer, on the policy's "
        "schedule. Own cadence: invoices reminded alone on their own cadence.",
    )
    level_id = fields.Many2one("invoice.reminder.level", check_company=True, ondelete="restrict")
    state = fields.Selection(DIGEST_STATES, required=True, default="queued", index=True)
    mail_id = fields.Many2one(
        "mail.mail", string="Email", ondelete="set null", index="btree_not_null"
    )
    mail_message_id = fields.Char(string="Message-Id", index="btree_not_null", copy=False)
    email_to = fields.Char(string="Recipients")
    email_cc = fields.Char(string="Copy To")
    error = fields.Text()
    line_ids = fields.One2many("invoice.reminder.digest.line", "digest_id", string="Invoices")
    invoice_line_ids = fields.One2many(
        "invoice.reminder.digest.line",
        "digest_id",
        domain=[("kind", "=", "invoice")],
        string="Overdue Invoices",
    )
    credit_line_ids = fields.One2many(
        "invoice.reminder.digest.line",
        "digest_id",
        domain=[("kind", "=", "credit")],
        string="Credits",
    )
    fee_line_ids = fields.One2many(
        "invoice.reminder.digest.line",
        "digest_id",
        domain=[("kind", "=", "fee")],
        string="Late Fees",
    )
    action_ids = fields.One2many("invoice.reminder.action", "digest_id", string="Actions")
    totals_json = fields.Json(
        string="Totals",
        help="Amounts due, credits and net per currency, as computed when the reminder was built.",
    )
    invoice_count = fields.Integer(
        string="Number of Invoices", help="Number of overdue invoices in this reminder."
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    amount_net_company = fields.Monetary(
        string="Net Amount Due",
        currency_field="company_currency_id",
        help="What the customer owes in this reminder, net of credits, every currency "
        "converted to the company's currency on the reminder's date.",
    )
    totals_display = fields.Char(
        string="Amounts Due",
        compute="_compute_totals_display",
        help="Net amount due per currency, credits deducted.",
    )
    totals_html = fields.Html(
        string="Totals per Currency",
        compute="_compute_totals_display",
        sanitize=False,
    )
    pay_by_date = fields.Date(
        string="Pay By",
        compute="_compute_pay_by_date",
        help="The date by which the customer is asked to pay: the reminder's date plus "
        "the level's Pay Within days.",
    )
    attachment_ids = fields.Many2many(
        related="mail_id.attachment_ids",
        string="Attachments",
        help="The documents sent with this reminder.",
    )

    _partner_policy_period_uniq = compat.Constraint(
        "UNIQUE(partner_id, policy_id, period, kind)",
        "A customer receives only one reminder per period of a policy.",
    )

    @api.depends("partner_id", "period")
    def _compute_display_name(self):
        for digest in self:
            digest.display_name = f"{digest.partner_id.display_name} — {digest.period or ''}"

    @api.depends("totals_json")
    def _compute_totals_display(self):
        for digest in self:
            totals = digest._get_totals()
            digest.totals_display = self.env["res.currency"]._reminder_format_amounts(
                {total["currency"]: total["net"] for total in totals}
            )
            digest.totals_html = self.env["ir.qweb"]._render(
                "invoice_reminders.invoice_reminder_totals_table",
                {"totals": totals, "format_amount": format_amount, "env": self.env},
            )

    @api.depends("period", "level_id.pay_within_days")
    def _compute_pay_by_date(self):
        for digest in self:
            days = digest.level_id.pay_within_days
            digest.pay_by_date = (
                fields.Date.add(digest.period, days=days) if days and digest.period else False
            )

    def _compute_access_url(self):
        for digest in self:
            digest.access_url = f"/invoice_reminders/statement/{digest.id}"

    @api.model_create_multi
    def create(self, vals_list):
        level_ids = {vals["level_id"] for vals in vals_list if vals.get("level_id")}
        without_links = set(
            self.env["invoice.reminder.level"]
            .browse(level_ids)
            .filtered(lambda level: not level.include_links)
            .ids
        )
        for vals in vals_list:
            # the statement's download link works with this token only
            vals.setdefault("access_token", str(uuid.uuid4()))
            if vals.get("level_id") in without_links:
                # a level without links: no portal link in the email nor the statement
                for command in vals.get("line_ids") or []:
                    if command[0] == Command.CREATE and isinstance(command[2], dict):
                        command[2].pop("access_url", None)
                        command[2].pop("pay_url", None)
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_print_statement(self):
        """Download the statement of this reminder as PDF."""
        return self._statement_download_action("pdf")

    def action_print_statement_docx(self):
        """Download the statement of this reminder as a Word document."""
        return self._statement_download_action("docx")

    def action_send_test(self):
        """Send this customer's next reminder to the user's own address, as a test."""
        self.ensure_one()
        return self.env["invoice.reminder.test.send"]._get_wizard_action(
            self.partner_id, self.policy_id
        )

    def _statement_download_action(self, report_format):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/invoice_reminders/statement/{self.id}/print/{report_format}",
            "target": "download",
        }

    def _get_totals(self):
        """Amounts due, credits and net per currency, currencies by name."""
        self.ensure_one()
        currencies = self.env["res.currency"].with_context(active_test=False)
        result = []
        for currency_name, total in sorted((self.totals_json or {}).items()):
            if total.get("currency_id"):
                # no query: the batch's currencies are already in cache
                currency = currencies.browse(total["currency_id"])
            else:
                currency = currencies.search([("name", "=", currency_name)], limit=1)
            result.append(
                {
                    "currency": currency,
                    "due": total["due"],
                    "credit": total["credit"],
                    "net": total["net"],
                    "fee": total.get("fee", 0.0),
                }
            )
        return result

    def _get_statement_link(self):
        """Absolute link to download the statement, with its access token."""
        self.ensure_one()
        return self.get_base_url() + self.get_portal_url()

    # ------------------------------------------------------------------
    # The reminder's page (controllers/portal.py)
    # ------------------------------------------------------------------

    def _get_answer_path(self):
        """The reminder's page on the portal, with its access token."""
        self.ensure_one()
        return f"/my/reminders/{self.id}?access_token={self.access_token}"

    def _get_answer_link(self):
        """Absolute link to the reminder's page, where the customer answers it."""
        self.ensure_one()
        return self.get_base_url() + self._get_answer_path()

    def _answer_moves(self):
        """The invoices of this reminder the customer may still answer: its own, still open."""
        self.ensure_one()
        customer = self.partner_id.commercial_partner_id
        return self.invoice_line_ids.move_id.filtered(
            lambda move: (
                move.commercial_partner_id == customer
                and move.company_id == self.company_id
                and move.move_type == "out_invoice"
                and move.state == "posted"
                and move.payment_state in ("not_paid", "partial")
            )
        )

    def _answer_page_open(self, today=None):
        """Whether the reminder's page still answers (rules.answer_token_valid)."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        return rules.answer_token_valid(self.period, today, len(self._answer_moves()))

    # ------------------------------------------------------------------
    # Mail
    # ------------------------------------------------------------------

    def _render_mails(self, template):
        """Render ``template`` for these digests; a digest that fails is marked failed."""
        render_fields = ["subject", "body_html", "email_from"]
        # one compilation of the body per batch and language, not one per customer
        template = template.with_context(invoice_reminders_compile_once=True)
        try:
            return template._generate_template(self.ids, render_fields)
        except Exception:  # one customer's error must not stop the others
            rendered = {}
            for digest in self:
                try:
                    rendered.update(template._generate_template(digest.ids, render_fields))
                except Exception as error:
                    digest.write(
                        {
                            "state": "failed",
                            "error": _(
                                "The mail template %(template)s could not be rendered: %(error)s",
                                template=template.display_name,
                                error=error,
                            ),
                        }
                    )
            return rendered

    def _prepare_mail_vals(self, rendered):
        self.ensure_one()
        company = self.company_id
        body = rendered.get("body_html") or ""
        if self.level_id.include_links:
            lang = self.env["invoice.reminder.statement"]._statement_lang(self.partner_id)
            link = (
                self.env["ir.qweb"]
                .with_context(lang=lang)
                ._render(
                    "invoice_reminders.invoice_reminder_statement_link",
                    {
                        "url": self._get_statement_link(),
                        "label": self.with_context(lang=lang).env._(
                            "Download your statement of overdue invoices"
                        ),
                    },
                )
            )
            answer = (
                self.env["ir.qweb"]
                .with_context(lang=lang)
                ._render(
                    "invoice_reminders.invoice_reminder_answer_link",
                    {"url": self._get_answer_link()},
                )
            )
            body = Markup(body) + link + answer
        return {
            "subject": rendered.get("subject") or _("Payment reminder"),
            "body_html": body,
            "body": body,
            "email_from": company.reminder_email_from
            or rendered.get("email_from")
            or company.email_formatted,
            "email_to": self.email_to,
            "email_cc": self.email_cc or False,
            "model": "res.partner",
            "res_id": self.partner_id.id,
            "record_name": self.partner_id.display_name,
            "message_type": "email_outgoing",
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            "author_id": company.partner_id.id,
            "auto_delete": False,
            "mail_server_id": company.reminder_mail_server_id.id or False,
            "state": "outgoing",
        }

    def _queue_mails(self):
        """Render each digest with its level's template and queue it in ``mail.mail``."""
        by_template = defaultdict(lambda: self.browse())
        for digest in self:
            by_template[digest.level_id.mail_template_id] |= digest
        rendered = {}
        for template, digests in by_template.items():
            rendered.update(digests._render_mails(template))
        ready = self.filtered(lambda digest: digest.id in rendered and digest.state == "queued")
        # the documents of the whole batch at once: a few wkhtmltopdf processes
        prerendered = ready._prerender_documents()
        mail_vals, queued = [], self.browse()
        for digest in ready:
            attachments = digest._build_attachments(prerendered)
            if attachments is None:
                continue
            vals = digest._prepare_mail_vals(rendered[digest.id])
            if attachments:
                vals["attachment_ids"] = [Command.set(attachments.ids)]
            mail_vals.append(vals)
            queued |= digest
        if not mail_vals:
            return
        self._set_reply_to(mail_vals)
        mails = self._create_mails(mail_vals)
        self.env.cr.execute(
            """
            UPDATE invoice_reminder_digest d
               SET mail_id = v.mail_id, mail_message_id = v.message_id
              FROM unnest(%s::int[], %s::int[], %s::varchar[]) AS v(id, mail_id, message_id)
             WHERE d.id = v.id
            """,
            (queued.ids, mails.ids, mails.mapped("message_id")),
        )
        self.invalidate_recordset(["mail_id", "mail_message_id"])

    @api.model
    def _create_mails(self, mail_vals):
        """Queue the mails of ``mail_vals``, each body sanitized once.

        The chatter's copy of a body (``mail.message.body``) is sanitized here
        once, with the field's own options, instead of once per conversion by
        the ORM (three times per mail); the values stored are the same. The
        mail sent (``body_html``) is left as rendered, as Odoo does.
        """
        Mail = self.env["mail.mail"].sudo()
        field = self.env["mail.message"]._fields["body"]
        if not isinstance(field, SanitizeOnceHtml):  # body redefined by another module
            return Mail.create(mail_vals)
        bodies = SanitizedBodies(field)
        for vals in mail_vals:
            if vals.get("body"):
                vals["body"] = bodies.sanitize(vals["body"])
        mails = Mail.with_context(**{SANITIZED_BODIES: bodies}).create(mail_vals)
        # the context key stays with this creation only
        return Mail.browse(mails.ids)

    @api.model
    def _set_reply_to(self, mail_vals):
        """The Reply-To of each mail, computed for the whole batch at once.

        ``mail.message`` would compute it mail by mail, with a query each; the
        value is the same: the customers' own reply address (the catchall
        alias when there is one, else the sender).
        """
        by_sender = defaultdict(list)
        for vals in mail_vals:
            if "reply_to" not in vals:
                by_sender[vals["email_from"]].append(vals)
        for email_from, vals_list in by_sender.items():
            partners = self.env["res.partner"].browse({vals["res_id"] for vals in vals_list})
            reply_to = partners._notify_get_reply_to(default=email_from)
            for vals in vals_list:
                vals["reply_to"] = reply_to[vals["res_id"]]

    def _update_from_mails(self):
        """Follow the state of each digest's mail: accepted by SMTP, or failed."""
        for digest in self:
            mail = digest.mail_id
            if mail.state == "sent":
                digest.write({"state": "sent", "error": False})
            elif mail.state in ("exception", "cancel"):
                digest.write(
                    {
                        "state": "failed",
                        "error": mail.failure_reason or _("The email could not be sent."),
                    }
                )

    def _mark_bounced(self, detail):
        self.write({"state": "bounced", "error": detail or _("The email bounced.")})
