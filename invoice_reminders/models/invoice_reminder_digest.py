import logging
import uuid
from collections import defaultdict

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount

from .. import rules
from .invoice_reminder_statement import PDF_MIMETYPE, STATEMENT_FORMATS

_logger = logging.getLogger(__name__)

DIGEST_STATES = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("bounced", "Bounced"),
]


class InvoiceReminderDigest(models.Model):
    """One payment reminder: every overdue invoice of a customer for one period."""

    _name = "invoice.reminder.digest"
    _inherit = ["portal.mixin"]
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
    attachment_ids = fields.Many2many(
        related="mail_id.attachment_ids",
        string="Attachments",
        help="The documents sent with this reminder.",
    )

    _sql_constraints = [
        (
            "partner_policy_period_uniq",
            "UNIQUE(partner_id, policy_id, period)",
            "A customer receives only one reminder per period of a policy.",
        ),
    ]

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

    # ------------------------------------------------------------------
    # Documents
    # ------------------------------------------------------------------

    def _prepare_statement_data(self):
        """The statement of this reminder as a plain dict, for PDF and Word alike."""
        self.ensure_one()
        invoices = [
            {
                "name": line.name,
                "date": line.date,
                "date_due": line.date_due,
                "days_overdue": line.days_overdue,
                "amount": line.amount_residual,
                "currency": line.currency_id,
                "url": line.access_url,
            }
            for line in self.invoice_line_ids
        ]
        credits = [
            {
                "name": line.name,
                "date": line.date,
                "amount": line.amount_residual,
                "currency": line.currency_id,
            }
            for line in self.credit_line_ids
        ]
        return self.env["invoice.reminder.statement"]._prepare_statement_data(
            self.partner_id,
            self.company_id,
            invoices,
            credits,
            self._get_totals(),
            date=self.period,
            reference=self.level_id.name,
            with_signature=self.level_id.print_signature_stamp,
        )

    def _render_statement(self, report_format, data=None):
        """The statement as ``(content, file name, mimetype)``; raises a UserError on failure."""
        self.ensure_one()
        Statement = self.env["invoice.reminder.statement"]
        data = data or self._prepare_statement_data()
        content = Statement._render_statement(data, report_format)
        filename = Statement._statement_filename(
            data, self.level_id.attachment_name, report_format, self.company_id
        )
        return content, filename, STATEMENT_FORMATS[report_format]

    def _get_invoice_pdfs(self):
        """The PDF of each overdue invoice of this reminder.

        :returns: ``(stored, rendered)``: the ``ir.attachment`` already stored on
            the invoices (their legal PDF, or their main attachment when it is a
            PDF), reused as they are; and ``{file name: content}`` of the others,
            rendered with Odoo's own invoice report.
        """
        self.ensure_one()
        moves = self.invoice_line_ids.move_id
        stored = self.env["ir.attachment"]
        to_render = self.env["account.move"]
        for move in moves:
            attachment = move.invoice_pdf_report_id
            if not attachment and move.message_main_attachment_id.mimetype == PDF_MIMETYPE:
                attachment = move.message_main_attachment_id
            if attachment:
                stored |= attachment
            else:
                to_render |= move
        return stored, self._render_invoice_pdfs(to_render)

    def _render_invoice_pdfs(self, moves):
        """Render ``moves`` with their invoice report, one wkhtmltopdf call per report."""
        if not moves:
            return {}
        # a reminder never carries an HTML file named .pdf: render for real, even
        # where Odoo's test mode would fall back to HTML
        Report = (
            self.env["ir.actions.report"]
            .with_company(self.company_id)
            .with_context(force_report_rendering=True)
        )
        by_report = defaultdict(lambda: self.env["account.move"])
        for move in moves:
            by_report[self.env["account.move.send"]._get_default_pdf_report_id(move)] |= move
        result = {}
        for report, report_moves in by_report.items():
            content, report_type = Report._pre_render_qweb_pdf(
                report.report_name, res_ids=report_moves.ids
            )
            if report_type != "pdf":
                raise UserError(_("The invoice PDFs could not be rendered."))
            content_by_id = Report._get_splitted_report(report.report_name, content, report_type)
            for move in report_moves:
                result[move._get_invoice_report_filename()] = content_by_id[move.id]
        return result

    def _prepare_attachment_vals_list(self):
        """What the level asks to attach: ``(stored attachments, new attachment values)``."""
        self.ensure_one()
        level = self.level_id
        stored = self.env["ir.attachment"]
        contents = []
        if level.attach_invoice_pdf:
            stored, rendered = self._get_invoice_pdfs()
            contents += [(name, raw, PDF_MIMETYPE) for name, raw in rendered.items()]
        formats = [
            report_format
            for report_format, wanted in (
                ("pdf", level.attach_statement_pdf),
                ("docx", level.attach_statement_docx),
            )
            if wanted
        ]
        if formats:
            data = self._prepare_statement_data()
            for report_format in formats:
                raw, name, mimetype = self._render_statement(report_format, data)
                contents.append((name, raw, mimetype))
        vals_list = [
            {
                "name": name,
                "raw": raw,
                "mimetype": mimetype,
                "res_model": self._name,
                "res_id": self.id,
            }
            for name, raw, mimetype in contents
        ]
        return stored, vals_list

    def _get_attachment_names(self):
        """File names of what this reminder's level attaches, without rendering anything."""
        self.ensure_one()
        level = self.level_id
        names = []
        if level.attach_invoice_pdf:
            for move in self.invoice_line_ids.move_id:
                stored = move.invoice_pdf_report_id
                if not stored and move.message_main_attachment_id.mimetype == PDF_MIMETYPE:
                    stored = move.message_main_attachment_id
                names.append(stored.name if stored else move._get_invoice_report_filename())
        for report_format, wanted in (
            ("pdf", level.attach_statement_pdf),
            ("docx", level.attach_statement_docx),
        ):
            if wanted:
                names.append(
                    rules.expand_filename(
                        level.attachment_name,
                        report_format,
                        customer=self.partner_id.display_name,
                        date=self.period,
                        company=self.company_id.name,
                    )
                )
        return names

    def _build_attachments(self):
        """The attachments of this reminder, or ``None`` when they could not be built.

        A reminder is never sent with a missing or broken document: it is marked
        failed with the reason, shows in the owner's summary, and is built again
        by *Send now* or with the next period's reminder.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                stored, vals_list = self._prepare_attachment_vals_list()
                return stored | self.env["ir.attachment"].create(vals_list)
        except Exception as error:  # one customer's error must not stop the others
            _logger.info("Documents of reminder %s not built: %s", self.id, error)
            reason = error.args[0] if isinstance(error, UserError) and error.args else error
            self.write(
                {
                    "state": "failed",
                    "error": _(
                        "The documents of this reminder could not be built, so it was not "
                        "sent: %(error)s",
                        error=reason,
                    ),
                }
            )
            return None

    def _get_statement_link(self):
        """Absolute link to download the statement, with its access token."""
        self.ensure_one()
        return self.get_base_url() + self.get_portal_url()

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
            body = Markup(body) + link
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
        mail_vals, queued = [], self.browse()
        for template, digests in by_template.items():
            rendered = digests._render_mails(template)
            for digest in digests:
                if digest.id in rendered and digest.state == "queued":
                    attachments = digest._build_attachments()
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
        mails = self.env["mail.mail"].sudo().create(mail_vals)
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
